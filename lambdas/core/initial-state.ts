/**
 * The state of a deployment the control plane has never acted on.
 */
import type { RuntimeTopology } from './topology-schema';
import { ClusterState, ClusterStatus, GlobalState, WorldState } from './types';

/** A cluster the control plane never touched: IN_SERVICE at 100 %, version 0, no signals. */
export function initialClusterState(clusterId: string): ClusterState {
  return { clusterId, version: 0, status: ClusterStatus.IN_SERVICE, servingPercent: 100, signals: {} };
}

/** The global state before anything was written: automation running, no recent isolation. */
export function initialGlobalState(): GlobalState {
  return { version: 0, automationPaused: false, recentIsolations: [] };
}

/** Every topology cluster IN_SERVICE at 100 %, version 0, no signals; automation not paused. */
export function initialWorldState(topology: RuntimeTopology): WorldState {
  const clusters: Record<string, ClusterState> = {};
  for (const c of topology.clusters) clusters[c.id] = initialClusterState(c.id);
  return { global: initialGlobalState(), clusters };
}
