/**
 * Finds a cluster's resource ids (security group, network ACLs, route tables, VPN gateway) in the SSM
 * parameters its cluster stack publishes in the cluster's own region.
 *
 * Ids are looked up at run time rather than baked into the control plane, so a cluster stack can be redeployed
 * (replacing an ACL, say) without redeploying the control plane.
 */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CLUSTER_PARAMETERS, OPTIONAL_CLUSTER_PARAMETERS, clusterParameterName, clusterParameterPrefix, type ClusterParameterKey } from '../../lib/config/naming';
import type { TopologyCluster } from '../../lib/config/topology';
import { ActuatorError, ResourceDiscoveryError } from '../errors';

/** The resource ids of one aws cluster, as its stack published them. */
export interface ClusterResources {
  readonly clusterId: string;
  readonly region: string;
  /** The NLB's security group: isolation revokes its ingress. */
  readonly nlbSecurityGroupId: string;
  readonly eipAllocationIds: readonly string[];
  readonly nlbAddresses: readonly string[];
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly publicNetworkAclId: string;
  readonly privateNetworkAclId: string;
  /** Route tables of the private subnets, where the VPN routes propagate. */
  readonly privateRouteTableIds: readonly string[];
  readonly vpnGatewayId: string;
  /**
   * The cluster VPC.
   * @default - not published (older stacks): the actuator reads it from the network ACL
   */
  readonly vpcId?: string;
  /**
   * The seed nodes' Auto Scaling group.
   * @default - not published (older stacks): suspension and evidence snapshots fail, naming the parameter
   */
  readonly seedNodeAutoScalingGroupName?: string;
}

/** Parameters published as comma-separated lists. */
const LIST_KEYS = new Set<ClusterParameterKey>([
  'eipAllocationIds',
  'nlbAddresses',
  'publicSubnetIds',
  'privateSubnetIds',
  'privateRouteTableIds',
]);

/** A cluster to discover: its id and region. */
export type DiscoverableCluster = Pick<TopologyCluster, 'id' | 'region' | 'kind'>;

/**
 * Reads and caches cluster resource ids.
 *
 * The cache lives as long as the instance (one per Lambda container): the ids only change when a cluster stack
 * is redeployed, and {@link ClusterResourceDiscovery.invalidate} drops a cluster's entry when an actuator finds
 * a published id no longer exists.
 */
export class ClusterResourceDiscovery {
  readonly #ssm: (region: string) => SSMClient;
  readonly #cache = new Map<string, Promise<ClusterResources>>();

  /** @param ssm returns the SSM client of a region (e.g. `(r) => clients.ssm(r)`). */
  constructor(ssm: (region: string) => SSMClient) {
    this.#ssm = ssm;
  }

  /**
   * The resource ids of `cluster`.
   * @throws ResourceDiscoveryError when the cluster is not an aws cluster or a parameter is missing or empty
   * @throws ActuatorError when SSM cannot be read
   */
  async resources(cluster: DiscoverableCluster): Promise<ClusterResources> {
    if (cluster.kind !== 'aws' || !cluster.region) {
      throw new ResourceDiscoveryError(
        `cluster ${cluster.id} is not an aws cluster with a region (kind: ${cluster.kind}); it has no resources to cut`,
      );
    }
    const key = `${cluster.region}/${cluster.id}`;
    let pending = this.#cache.get(key);
    if (!pending) {
      pending = this.#load(cluster.id, cluster.region);
      this.#cache.set(key, pending);
      // A failed read must not stay cached: the next call tries again.
      pending.catch(() => this.#cache.delete(key));
    }
    return pending;
  }

  /** Forgets what was read for `clusterId` (all regions). */
  invalidate(clusterId: string): void {
    for (const key of this.#cache.keys()) {
      if (key.endsWith(`/${clusterId}`)) this.#cache.delete(key);
    }
  }

  async #load(clusterId: string, region: string): Promise<ClusterResources> {
    const prefix = clusterParameterPrefix(clusterId);
    const values = new Map<string, string>();
    // The names are known, so GetParameters (at most 10 names a call) on all of them at once: one round trip
    // whatever their count, where GetParametersByPath pages 10 at a time, one page after the other. On a cold
    // container this read sits on an isolation's critical path, before the first cut. A name that does not
    // exist comes back in InvalidParameters and is reported as missing below.
    const names = (Object.keys(CLUSTER_PARAMETERS) as ClusterParameterKey[]).map((k) => clusterParameterName(clusterId, k));
    const batches: string[][] = [];
    for (let i = 0; i < names.length; i += GET_PARAMETERS_MAX_NAMES) batches.push(names.slice(i, i + GET_PARAMETERS_MAX_NAMES));
    try {
      const pages = await Promise.all(batches.map((Names) => this.#ssm(region).send(new GetParametersCommand({ Names }))));
      for (const page of pages) {
        for (const p of page.Parameters ?? []) {
          if (p.Name && p.Value !== undefined) values.set(p.Name, p.Value);
        }
      }
    } catch (cause) {
      throw new ActuatorError(`could not read the SSM parameters under ${prefix} in ${region}: ${errorText(cause)}`, { cause });
    }

    const read = (k: ClusterParameterKey): string => {
      const name = clusterParameterName(clusterId, k);
      const value = values.get(name)?.trim();
      if (!value) {
        throw new ResourceDiscoveryError(
          `SSM parameter ${name} (${k}) is missing or empty in ${region}; deploy the cluster stack of ${clusterId} first`,
        );
      }
      return value;
    };
    const list = (k: ClusterParameterKey): string[] =>
      read(k)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);

    const out: Record<string, unknown> = { clusterId, region };
    for (const k of Object.keys(CLUSTER_PARAMETERS) as ClusterParameterKey[]) {
      if (OPTIONAL_CLUSTER_PARAMETERS.includes(k) && !values.get(clusterParameterName(clusterId, k))?.trim()) continue;
      out[k] = LIST_KEYS.has(k) ? list(k) : read(k);
    }
    return out as unknown as ClusterResources;
  }
}

/** GetParameters takes at most 10 names a call (SSM API reference, GetParameters: Names, maximum 10 items). */
const GET_PARAMETERS_MAX_NAMES = 10;

/** `Name: message` of an unknown error. @internal */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
