import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { STATE_TABLE_NAME } from '../config/naming';
import { SeedshieldConfig } from '../config/schema';
import { WeightedSeedDns } from '../constructs/weighted-seed-dns';

/** Props of {@link DnsStack}. */
export interface DnsStackProps extends StackProps {
  readonly config: SeedshieldConfig;
  /**
   * Key of the control plane's state table (same account and region).
   * @default - no key grant
   */
  readonly stateTableKey?: kms.IKey;
}

/**
 * The public path: weighted Route 53 records over every seed cluster, with a health check per cluster.
 * Deployed in the control plane's home region (Route 53 itself is global).
 */
export class DnsStack extends Stack {
  /** The weighted records and health checks. */
  public readonly seedDns: WeightedSeedDns;

  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id, props);
    const { dns } = props.config;
    this.seedDns = new WeightedSeedDns(this, 'SeedDns', {
      // By id and name from the config: no lookup at synth.
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: dns.hostedZoneId, zoneName: dns.zoneName }),
      recordName: dns.recordName,
      ttl: Duration.seconds(dns.ttlSeconds),
      cloudClusters: props.config.clusters,
      externalClusters: [props.config.physicalSeedCluster, ...props.config.externalClusters],
      // The control-plane stack's table, in this same account and region.
      stateTableName: STATE_TABLE_NAME,
      stateTableKey: props.stateTableKey,
    });
  }
}
