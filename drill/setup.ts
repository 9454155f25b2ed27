/**
 * Builds, in moto, the whole deployment a config describes, named exactly as the stacks name it: every cloud
 * cluster's VPC world in its region (SSM parameters by `clusterParameterName`), its CloudWatch alarms (by
 * `alarmName`), the hosted zone with one weighted record set per cluster (physical and external ones
 * included), the `seedshield-state` table and the on-call topic.
 */
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { alarmName, type AlarmTriggerKind, STATE_TABLE_NAME } from '../lib/config/naming';
import type { SeedshieldConfig } from '../lib/config/schema';
import { toRuntimeTopology, type RuntimeTopology } from '../lib/config/topology';
import { DrillError } from './errors';
import { motoClientConfig } from './moto';
import { addFlowFixtures, OPEN_WORLD_SNAPSHOTS, readNetworkSnapshot } from './reachability/snapshot';
import { buildClusterWorld, buildDnsWorld, type ClusterWorld, type DnsWorld, createStateTable } from './world';

/** Name of the on-call topic the drill creates in the home region. */
export const DRILL_TOPIC_NAME = 'seedshield-oncall';

/** What {@link buildDrillWorld} created. */
export interface DrillWorld {
  readonly endpoint: string;
  /** The runtime topology, with moto's hosted zone id. */
  readonly topology: RuntimeTopology;
  readonly homeRegion: string;
  readonly tableName: string;
  readonly topicArn: string;
  readonly clusters: Readonly<Record<string, ClusterWorld>>;
  readonly dns: DnsWorld;
  /** Alarm names per cluster and kind, in the order the cluster stack creates them. */
  readonly alarms: Readonly<Record<string, Partial<Record<AlarmTriggerKind, readonly string[]>>>>;
  /** The account of the config's control plane (event envelopes carry it). */
  readonly account: string;
}

/** The alarms a cluster stack creates for `cluster` (see lib/constructs/cluster-alarms.ts). */
export function clusterAlarmNames(config: SeedshieldConfig, clusterId: string): Partial<Record<AlarmTriggerKind, string[]>> {
  const cluster = config.clusters.find((c) => c.id === clusterId);
  if (!cluster) return {};
  return {
    ...(config.protection.shieldAdvanced ? { ddos: cluster.availabilityZones.map((_, i) => alarmName(cluster.id, 'ddos', `eip-${i + 1}`)) } : {}),
    unhealthy: [alarmName(cluster.id, 'unhealthy', 'healthy-hosts')],
    surge: [alarmName(cluster.id, 'surge', 'new-flows'), alarmName(cluster.id, 'surge', 'processed-bytes')],
    lagging: [alarmName(cluster.id, 'lagging', 'head-block'), alarmName(cluster.id, 'lagging', 'head-block-sustained'), alarmName(cluster.id, 'lagging', 'peers')],
  };
}

/** Options of {@link buildDrillWorld}. */
export interface DrillWorldOptions {
  /**
   * Name of the state table (a moto shared with other tests needs a unique one).
   * @default 'seedshield-state'
   */
  readonly tableName?: string;
  /** @default 'seedshield-oncall' */
  readonly topicName?: string;
}

/** Builds the config's deployment in the (empty or reset) moto at `endpoint`. */
export async function buildDrillWorld(config: SeedshieldConfig, endpoint: string, options: DrillWorldOptions = {}): Promise<DrillWorld> {
  const tableName = options.tableName ?? STATE_TABLE_NAME;
  const cfg = (region: string) => motoClientConfig(endpoint, region);
  const homeRegion = config.controlPlane.homeRegion;

  const clusters: Record<string, ClusterWorld> = {};
  const alarms: Record<string, Partial<Record<AlarmTriggerKind, readonly string[]>>> = {};
  // Clusters are independent (own region, own resources): build them side by side.
  await Promise.all(
    config.clusters.map(async (c, i) => {
      const ec2 = new EC2Client(cfg(c.region));
      const ssm = new SSMClient(cfg(c.region));
      const cw = new CloudWatchClient(cfg(c.region));
      try {
        // The VPC CIDR of the config is irrelevant to the control plane; distinct octets keep moto logs readable.
        const world = await buildClusterWorld({ ec2, ssm }, c.id, { vpcOctet: 10 + i, availabilityZones: c.availabilityZones });
        // What carries the flows the reachability invariant checks, and the open world they start from.
        const sites = config.sites.flatMap((site) => [...site.cidrs.ipv4, ...site.cidrs.ipv6]);
        await addFlowFixtures(ec2, world, sites);
        OPEN_WORLD_SNAPSHOTS.set(world, await readNetworkSnapshot(ec2, world, sites));
        clusters[c.id] = world;
        const names = clusterAlarmNames(config, c.id);
        alarms[c.id] = names;
        for (const [kind, list] of Object.entries(names) as [AlarmTriggerKind, string[]][]) {
          for (const name of list) {
            await cw.send(
              new PutMetricAlarmCommand({
                AlarmName: name,
                Namespace: kind === 'ddos' ? 'AWS/DDoSProtection' : 'AWS/NetworkELB',
                MetricName: kind === 'ddos' ? 'DDoSDetected' : kind === 'unhealthy' ? 'HealthyHostCount' : 'NewFlowCount',
                Statistic: 'Maximum',
                Period: 60,
                EvaluationPeriods: 1,
                Threshold: 1,
                ComparisonOperator: kind === 'unhealthy' ? 'LessThanThreshold' : 'GreaterThanOrEqualToThreshold',
                TreatMissingData: 'notBreaching',
              }),
            );
          }
        }
      } finally {
        ec2.destroy();
        ssm.destroy();
        cw.destroy();
      }
    }),
  );

  const zone = config.dns.zoneName;
  const recordName = config.dns.recordName;
  if (!recordName.endsWith(`.${zone}`)) {
    throw new DrillError(`the drill needs dns.recordName (${recordName}) to be a name below dns.zoneName (${zone}), not the zone apex`);
  }
  const route53 = new Route53Client(cfg('us-east-1'));
  const external = [config.physicalSeedCluster, ...config.externalClusters];
  const dns = await buildDnsWorld(route53, {
    zoneName: zone,
    recordLabel: recordName.slice(0, -zone.length - 1),
    ttlSeconds: config.dns.ttlSeconds,
    clusters: [
      ...config.clusters.map((c) => ({ id: c.id, weight: c.weight, ipv4: clusters[c.id].nlbAddresses })),
      ...external.map((c) => {
        const ipv6 = c.endpoints.flatMap((e) => (e.ipv6 ? [e.ipv6] : []));
        return { id: c.id, weight: c.weight, ipv4: c.endpoints.map((e) => e.ipv4), ...(ipv6.length > 0 ? { ipv6 } : {}) };
      }),
    ],
  });
  route53.destroy();

  const dynamo = new DynamoDBClient(cfg(homeRegion));
  await createStateTable(dynamo, tableName);
  dynamo.destroy();

  const sns = new SNSClient(cfg(homeRegion));
  const topic = await sns.send(new CreateTopicCommand({ Name: options.topicName ?? DRILL_TOPIC_NAME }));
  sns.destroy();

  // moto assigns its own zone id: the control plane must act on that zone, exactly as the stacks would.
  const base = toRuntimeTopology(config);
  // moto has no VPC Reachability Analyzer: the drill's control plane does not start checks (the config switch
  // controlPlane.isolation.verifyWithReachabilityAnalyzer, off here). The drill proves the cuts with its own
  // reachability model instead; the analyses are tested with aws-sdk-client-mock.
  const topology: RuntimeTopology = { ...base, dns: { ...base.dns, hostedZoneId: dns.hostedZoneId }, policy: { ...base.policy, verifyReachability: false } };
  return {
    endpoint,
    topology,
    homeRegion,
    tableName,
    topicArn: topic.TopicArn!,
    clusters,
    dns,
    alarms,
    account: config.controlPlane.account,
  };
}
