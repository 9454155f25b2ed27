/**
 * Stable names shared by the stacks, the control-plane Lambdas, the CLI and the drill.
 *
 * These names are a contract between things deployed at different times in different regions: the cluster
 * stacks publish resource ids under {@link clusterParameterName}, the control plane reads them at run time,
 * alarms are found by {@link parseAlarmName}. Changing one is a migration, not a refactor.
 *
 * Pure: no aws-cdk-lib, no AWS SDK, so Lambda bundles can import it.
 */

/** Trigger kinds a cluster alarm can raise. `compromise` comes from GuardDuty, not from an alarm. */
export const ALARM_TRIGGER_KINDS = ['ddos', 'unhealthy', 'surge', 'lagging'] as const;
export type AlarmTriggerKind = (typeof ALARM_TRIGGER_KINDS)[number];

/** Tag key carried by every resource of a cluster; IAM conditions for the control plane scope on it. */
export const CLUSTER_TAG_KEY = 'seedshield:cluster';
/** Tag on a Reachability Analyzer path: which of the cluster's paths it is (`internet-to-node`, `node-to-site:<cidr>`). */
export const REACHABILITY_PATH_TAG_KEY = 'seedshield:reachability-path';
/** Tag on a Reachability Analyzer analysis: the id of the check (VERIFY_REACHABILITY effect) that started it. */
export const REACHABILITY_CHECK_TAG_KEY = 'seedshield:reachability-check';

/**
 * Tag on a seed-node Auto Scaling group listing the processes an isolation suspended (its claim, written
 * before the suspension; the control plane's IAM lets it write no other tag on the group).
 */
export const SUSPENDED_PROCESSES_TAG_KEY = 'seedshield:suspended-processes';

/** Name of the custom event bus in the home region that receives every cluster's events. */
export const CONTROL_BUS_NAME = 'seedshield-control';

/** Name of the DynamoDB table holding cluster states and the action journal. */
export const STATE_TABLE_NAME = 'seedshield-state';

/** CloudFormation stack names. */
export const stackNames = {
  cluster: (clusterId: string) => `Seedshield-Cluster-${clusterId}`,
  dns: 'Seedshield-Dns',
  controlPlane: 'Seedshield-ControlPlane',
} as const;

/** The resource ids a cluster stack publishes in SSM (in the cluster's region) for the control plane. */
export const CLUSTER_PARAMETERS = {
  /** Security group attached to the NLB (undo of isolations recorded before the network ACL cut re-opens it). */
  nlbSecurityGroupId: 'nlb-security-group-id',
  /** Comma-separated EIP allocation ids, one per AZ. */
  eipAllocationIds: 'eip-allocation-ids',
  /** Comma-separated public IPv4 addresses of the NLB's EIPs (public by design: peers connect to them). */
  nlbAddresses: 'nlb-addresses',
  /** Comma-separated public subnet ids. */
  publicSubnetIds: 'public-subnet-ids',
  /** Comma-separated private subnet ids. */
  privateSubnetIds: 'private-subnet-ids',
  /** The network ACL of the public subnets. */
  publicNetworkAclId: 'public-network-acl-id',
  /** The network ACL of the private subnets. */
  privateNetworkAclId: 'private-network-acl-id',
  /** Comma-separated route table ids of the private subnets (VPN route propagation lives there). */
  privateRouteTableIds: 'private-route-table-ids',
  /** The virtual private gateway the site VPNs attach to. */
  vpnGatewayId: 'vpn-gateway-id',
  /** The cluster VPC (its CIDRs are the allows an isolation keeps). Optional: stacks deployed before it lack it. */
  vpcId: 'vpc-id',
  /**
   * The seed nodes' Auto Scaling group: an isolation suspends its replacing processes, and a compromise
   * snapshots its instances' volumes. Optional for discovery (stacks deployed before it lack it); the
   * suspension then fails its job, naming the parameter, until the cluster stack is deployed again.
   */
  seedNodeAutoScalingGroupName: 'seed-node-auto-scaling-group-name',
} as const;
/** Parameters the control plane can do without (published by newer cluster stacks only). */
export const OPTIONAL_CLUSTER_PARAMETERS: readonly ClusterParameterKey[] = ['vpcId', 'seedNodeAutoScalingGroupName'];
export type ClusterParameterKey = keyof typeof CLUSTER_PARAMETERS;

/** Prefix of every SSM parameter a cluster publishes. */
export function clusterParameterPrefix(clusterId: string): string {
  return `/seedshield/clusters/${clusterId}/`;
}

/** Full SSM parameter name of one published cluster resource id. */
export function clusterParameterName(clusterId: string, key: ClusterParameterKey): string {
  return `${clusterParameterPrefix(clusterId)}${CLUSTER_PARAMETERS[key]}`;
}

/**
 * CloudWatch alarm name for a cluster signal: `seedshield.<cluster>.<kind>.<qualifier>`.
 * Dots never appear in cluster ids (DNS labels), so the name parses back unambiguously.
 */
export function alarmName(clusterId: string, kind: AlarmTriggerKind, qualifier: string): string {
  return `seedshield.${clusterId}.${kind}.${qualifier}`;
}

/** What an alarm name says about its cluster, or undefined when it is not a seedshield cluster alarm. */
export interface ParsedAlarmName {
  readonly clusterId: string;
  readonly kind: AlarmTriggerKind;
  readonly qualifier: string;
}

/** Inverse of {@link alarmName}. */
export function parseAlarmName(name: string): ParsedAlarmName | undefined {
  const match = /^seedshield\.([a-z0-9-]+)\.([a-z]+)\.([A-Za-z0-9_-]+)$/.exec(name);
  if (!match || !(ALARM_TRIGGER_KINDS as readonly string[]).includes(match[2])) return undefined;
  return { clusterId: match[1], kind: match[2] as AlarmTriggerKind, qualifier: match[3] };
}

/** Prefix shared by every alarm of a cluster (for `DescribeAlarms` `AlarmNamePrefix`). */
export function clusterAlarmPrefix(clusterId: string): string {
  return `seedshield.${clusterId}.`;
}

/**
 * Prefix of seedshield's operations alarms: they page on-call but are NOT detection signals. The dot after
 * `seedshield-ops` keeps them apart from cluster alarms (`seedshield.<cluster>.`): neither the remediation
 * rule nor the reconcile's alarm reader ever sees them.
 */
export const OPS_ALARM_PREFIX = 'seedshield-ops.';

/** Name of an operations alarm of a cluster: `seedshield-ops.<cluster>.<qualifier>` (qualifier may hold dots). */
export function opsAlarmName(clusterId: string, qualifier: string): string {
  return `${clusterOpsAlarmPrefix(clusterId)}${qualifier}`;
}

/** Prefix shared by every operations alarm of a cluster (forwarded to the home bus, then to on-call). */
export function clusterOpsAlarmPrefix(clusterId: string): string {
  return `${OPS_ALARM_PREFIX}${clusterId}.`;
}

/** Names of the control plane's own alarms (home region). Alarm names are the pager's subject line. */
export const CONTROL_PLANE_ALARM_NAMES = {
  deadLetters: 'seedshield-control-plane-dead-letters',
  errors: 'seedshield-control-plane-errors',
  throttles: 'seedshield-control-plane-throttles',
  reconcileMissed: 'seedshield-control-plane-reconcile-missed',
  /** One per cluster: isolated for longer than `controlPlane.maxIsolatedHours`. */
  isolatedTooLong: (clusterId: string) => `seedshield-control-plane-isolated-too-long.${clusterId}`,
} as const;

/** Namespace and service dimension of the remediation Lambda's custom metrics (Powertools). */
export const CONTROL_PLANE_METRICS = {
  namespace: 'Seedshield',
  service: 'seedshield-remediation',
} as const;
