/**
 * The drill's global invariants: what must hold after every delivering step of every scenario, whatever the
 * scenario expects. Each reads the world as moto holds it (Route 53 weights, EC2 cuts) and the state table.
 *
 * To add one: write a {@link DrillInvariant} and append it to {@link DRILL_INVARIANTS} (or, from another
 * module, call {@link registerInvariant}). Names are unique; a problem is a sentence naming the cluster.
 */
import { ClusterStatus } from '../lambdas/core/types';
import { DrillError } from './errors';
import { isolationCompleteness } from './expectations';
import { FLOWS_MATCH_STATUS } from './reachability/invariant';
import type { ScenarioRun, Snapshot } from './harness';

/** One rule that must hold after every delivering step. */
export interface DrillInvariant {
  /** Short unique name (kebab-case), for the registry. */
  readonly name: string;
  /** What must hold, in words. */
  readonly description: string;
  /** Problems found, each a sentence; empty when the invariant holds. */
  check(run: ScenarioRun, snapshot: Snapshot): Promise<string[]> | string[];
}

/** Enough clusters counting towards the minimum keep weight > 0 in Route 53, unless an operator forced otherwise. */
export const MIN_HEALTHY_IN_DNS: DrillInvariant = {
  name: 'min-healthy-in-dns',
  description: 'at least minHealthyClusters counting clusters have weight > 0 in Route 53 (unless an operator forced it)',
  check: (run, s) => {
    const { topology } = run.world;
    const inDns = topology.clusters.filter((c) => c.countsTowardsMinimum && (s.weights[c.id] ?? 0) > 0);
    const min = topology.policy.minHealthyClusters;
    if (inDns.length >= min || run.forcedAt !== undefined) return [];
    const names = inDns.map((c) => c.id).join(', ') || 'none';
    return [`only ${inDns.length} cluster(s) counting towards the minimum have weight > 0 in Route 53 (${names}), below minHealthyClusters ${min}, and no operator forced it`];
  },
};

/** Route 53 never serves every weighted record at 0 (which it treats as "all equal": traffic to attacked clusters). */
export const NEVER_ALL_ZERO: DrillInvariant = {
  name: 'never-all-zero',
  description: 'never every weighted record at weight 0',
  check: (_run, s) => {
    const weights = Object.values(s.weights);
    return weights.length > 0 && weights.every((w) => w === 0) ? ['every weighted record in Route 53 has weight 0'] : [];
  },
};

/** An isolation record is kept only while the cluster is cut or being cut or restored: nothing cut is forgotten. */
export const ISOLATION_TRACKED: DrillInvariant = {
  name: 'isolation-tracked',
  description: 'a cluster with an isolation record is ISOLATING, ISOLATED or RESTORING',
  check: (run, s) =>
    run.clusterIds.flatMap((id) => {
      const c = s.state.clusters[id];
      return c.isolation && !['ISOLATED', 'ISOLATING', 'RESTORING'].includes(c.status)
        ? [`${id} has an isolation record but is ${c.status}: what was cut is no longer tracked`]
        : [];
    }),
};

/** A cluster recorded ISOLATED is out of DNS and, in AWS, cut as the policy says (read from moto, not the state). */
export const ISOLATED_IS_CUT: DrillInvariant = {
  name: 'isolated-is-cut',
  description: 'an ISOLATED cluster has weight 0 and every cut of the policy in force',
  check: async (run, s) => {
    const problems: string[] = [];
    for (const id of run.clusterIds) {
      const c = s.state.clusters[id];
      if (c.status !== ClusterStatus.ISOLATED) continue;
      if ((s.weights[id] ?? 0) !== 0) problems.push(`${id} is recorded ISOLATED but Route 53 serves it at weight ${s.weights[id]}`);
      if (run.world.topology.clusters.find((t) => t.id === id)?.kind === 'aws') {
        problems.push(...(await isolationCompleteness(run, c)).map((p) => `${id} is ISOLATED but ${p}`));
      }
    }
    return problems;
  },
};

/** Every invariant the drill checks, in the order its problems are reported. */
export const DRILL_INVARIANTS: DrillInvariant[] = [MIN_HEALTHY_IN_DNS, NEVER_ALL_ZERO, ISOLATION_TRACKED, ISOLATED_IS_CUT, FLOWS_MATCH_STATUS];

/** Adds an invariant to every later drill run. @throws Error when the name is taken */
export function registerInvariant(invariant: DrillInvariant): void {
  if (DRILL_INVARIANTS.some((i) => i.name === invariant.name)) throw new DrillError(`a drill invariant named ${invariant.name} is already registered`);
  DRILL_INVARIANTS.push(invariant);
}

/** Problems with every registered invariant, in registry order (empty when all hold). */
export async function checkInvariants(run: ScenarioRun, snapshot: Snapshot): Promise<string[]> {
  const problems: string[] = [];
  for (const invariant of DRILL_INVARIANTS) problems.push(...(await invariant.check(run, snapshot)));
  return problems;
}
