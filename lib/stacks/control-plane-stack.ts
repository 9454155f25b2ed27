import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SeedshieldConfig } from '../config/schema';

/** Props of {@link ControlPlaneStack}. */
export interface ControlPlaneStackProps extends StackProps {
  readonly config: SeedshieldConfig;
}

/**
 * The serverless control plane in the home region: event bus, state table, remediation Lambda, reconcile
 * schedule and on-call notifications.
 */
export class ControlPlaneStack extends Stack {
  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
  }
}
