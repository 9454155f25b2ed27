import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SeedshieldConfig } from '../config/schema';

/** Props of {@link DnsStack}. */
export interface DnsStackProps extends StackProps {
  readonly config: SeedshieldConfig;
}

/**
 * The public path: weighted Route 53 records over every seed cluster, with a health check per cluster.
 * Deployed in the control plane's home region (Route 53 itself is global).
 */
export class DnsStack extends Stack {
  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id, props);
  }
}
