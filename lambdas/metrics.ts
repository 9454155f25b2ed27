/**
 * Per-cluster operations metrics: what the dashboard and the "isolated too long" alarms read.
 *
 * The remediation handler publishes these after every delivery (`ServingPercent`, `DnsWeight`, `Isolated`
 * with dimension `ClusterId`), computed here from the engine's recorded state. The weights come from the
 * same `effectiveWeights` the actuators and the DNS custom resource use, so the dashboard shows what Route 53
 * should be serving, not a second opinion.
 *
 * This is a pure function: no I/O, no clock.
 */
import type { RuntimeTopology } from '../lib/config/topology';
import { ClusterStatus, type WorldState } from './core/types';
import { effectiveWeights, WeightInvariantError } from './core/weights';

/** Names of the per-cluster metrics (namespace `Seedshield`, dimensions `service` and `ClusterId`). */
export const CLUSTER_METRIC_NAMES = {
  /** 0 (isolated) .. 100 (fully in service): the share of its normal traffic DNS gives the cluster. */
  servingPercent: 'ServingPercent',
  /** The Route 53 weight the cluster's record should have now. */
  dnsWeight: 'DnsWeight',
  /** 1 while the cluster is out of DNS with its cuts in place (ISOLATED), 0 otherwise. */
  isolated: 'Isolated',
} as const;

/** Dimension carrying the cluster id on every per-cluster metric. */
export const CLUSTER_ID_DIMENSION = 'ClusterId';

/** The values published for one cluster. */
export interface ClusterMetricValues {
  readonly clusterId: string;
  readonly servingPercent: number;
  /**
   * Effective Route 53 weight; absent when the recorded state would put every record at 0 (the weight
   * function refuses such a state and the actuators would never write it).
   */
  readonly dnsWeight?: number;
  /** 1 when ISOLATED, 0 otherwise. ISOLATING counts as 0: the cut is not complete yet. */
  readonly isolated: 0 | 1;
}

/**
 * The metric values of every cluster of the topology (cloud and external), in topology order.
 * A cluster the state does not know yet is in service at 100% (the store's default).
 */
export function clusterMetricValues(topology: RuntimeTopology, world: Pick<WorldState, 'clusters'>): ClusterMetricValues[] {
  const serving = topology.clusters.map((c) => ({ id: c.id, baseWeight: c.baseWeight, servingPercent: world.clusters[c.id]?.servingPercent ?? 100 }));
  let weights: Record<string, number> | undefined;
  try {
    weights = effectiveWeights(serving);
  } catch (err) {
    if (!(err instanceof WeightInvariantError)) throw err;
    weights = undefined;
  }
  return serving.map((s) => ({
    clusterId: s.id,
    servingPercent: s.servingPercent,
    ...(weights ? { dnsWeight: weights[s.id] } : {}),
    isolated: world.clusters[s.id]?.status === ClusterStatus.ISOLATED ? 1 : 0,
  }));
}
