/**
 * The drill's global invariants: what must hold after every delivering step of every scenario, whatever the
 * scenario expects. Each reads the world as moto holds it (Route 53 weights, EC2 cuts) and the state table.
 *
 * To add one: write a {@link DrillInvariant} and append it to {@link DRILL_INVARIANTS} (or, from another
 * module, call {@link registerInvariant}). Names are unique; a problem is a sentence naming the cluster.
 */
import { ClusterStatus } from '../lambdas/core/types';
import { DrillError } from './errors';
import type { EngineReport } from '../lambdas/engine';
import { isolationCompleteness } from './expectations';
import { FLOWS_MATCH_STATUS } from './reachability/invariant';
import type { ScenarioRun, Snapshot } from './harness';
import type { ScenarioStep } from './scenario';

/** One rule that must hold after every delivering step. */
export interface DrillInvariant {
  /** Short unique name (kebab-case), for the registry. */
  readonly name: string;
  /** What must hold, in words. */
  readonly description: string;
  /** Problems found, each a sentence; empty when the invariant holds. */
  check(run: ScenarioRun, snapshot: Snapshot): Promise<string[]> | string[];
}

/** `1 cluster`, `2 clusters`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The counting clusters Route 53 serves with weight > 0. */
function countingInDns(run: ScenarioRun, s: Snapshot): string[] {
  return run.world.topology.clusters.filter((c) => c.countsTowardsMinimum && (s.weights[c.id] ?? 0) > 0).map((c) => c.id);
}

/**
 * Enough clusters counting towards the minimum keep weight > 0 in Route 53. A forced operator isolation
 * lowers the floor to what the operator left in DNS, only while that isolation is in force: automation taking
 * yet another cluster out is still caught, and so is anything after the forced cluster is back in DNS.
 */
export const MIN_HEALTHY_IN_DNS: DrillInvariant = {
  name: 'min-healthy-in-dns',
  description: 'at least minHealthyClusters counting clusters have weight > 0 in Route 53 (while a forced operator isolation is in force: as many as it left)',
  check: (run, s) => {
    const inDns = countingInDns(run, s);
    const min = run.world.topology.policy.minHealthyClusters;
    const forced = [...run.forcedIsolations].sort((a, b) => a[1].inDns - b[1].inDns);
    const floor = Math.min(min, ...forced.map(([, f]) => f.inDns));
    if (inDns.length >= floor) return [];
    const names = inDns.join(', ') || 'none';
    const waived =
      forced.length > 0
        ? `, and the forced isolation of ${forced[0][0]} (step ${forced[0][1].step}) left ${count(forced[0][1].inDns, 'cluster')} in DNS, not fewer`
        : ', and no operator forced it';
    const verb = inDns.length === 1 ? 'has' : 'have';
    return [`only ${count(inDns.length, 'cluster')} counting towards the minimum ${verb} weight > 0 in Route 53 (${names}), below minHealthyClusters ${min}${waived}`];
  },
};

/**
 * Once an isolation's DNS change is in (Route 53 accepted weight 0 for the cluster), Route 53 never serves the
 * cluster above 0 again until a restore starts: a retried job, a DNS repair or a later weight change that
 * re-weights the others must keep it at 0. (ISOLATED clusters are covered by isolated-is-cut too; this one
 * also holds while the job is still ISOLATING, e.g. with a cut failing.)
 */
export const ISOLATION_DNS_HOLDS: DrillInvariant = {
  name: 'isolation-dns-holds',
  description: "once an isolation's DNS change is in, the cluster is not served with a weight above 0 until it is restored",
  check: (run, s) =>
    [...run.dnsOut].flatMap(([id, since]) => {
      const weight = s.weights[id] ?? 0;
      return weight > 0 ? [`${id} is ${s.state.clusters[id].status} and its isolation's DNS change (weight 0) went in at step ${since}, but Route 53 serves it at weight ${weight}`] : [];
    }),
};

/** Statuses in which a cluster's isolation is in force (nothing restored yet). */
const OUT_OF_SERVICE: readonly ClusterStatus[] = [ClusterStatus.ISOLATING, ClusterStatus.ISOLATED];

/**
 * Brings what the invariants remember of a run up to date after a delivering step: forced isolations start
 * (an applied `isolate --force`, or `pin isolated --force`) and end (the cluster is back in DNS or in service);
 * an isolation's DNS change is in (an accepted weight 0 for a cluster that is being or is isolated) and ends
 * when the cluster is restoring, in service, or still serving with only its BP path cut.
 */
export function trackStep(run: ScenarioRun, step: ScenarioStep, report: EngineReport, s: Snapshot): void {
  if (step.kind === 'operator' && step.operator.force && step.operator.cluster !== undefined) {
    const isolating = step.operator.command === 'isolate' || (step.operator.command === 'pin' && step.operator.pin === 'isolated');
    if (isolating && report.decisions.some((d) => d.outcome === 'OPERATOR_APPLIED')) {
      run.forcedIsolations.set(step.operator.cluster, { step: step.index, inDns: countingInDns(run, s).length });
    }
  }
  for (const x of report.executed) {
    if (!x.ok || x.effect.type !== 'SET_DNS_WEIGHTS') continue;
    for (const [id, weight] of Object.entries(x.effect.weights)) {
      if (weight === 0 && OUT_OF_SERVICE.includes(s.state.clusters[id]?.status) && !run.dnsOut.has(id)) run.dnsOut.set(id, step.index);
    }
  }
  for (const id of [...run.forcedIsolations.keys()]) {
    const c = s.state.clusters[id];
    if (c.status === ClusterStatus.IN_SERVICE || (s.weights[id] ?? 0) > 0) run.forcedIsolations.delete(id);
  }
  for (const id of [...run.dnsOut.keys()]) {
    if (!OUT_OF_SERVICE.includes(s.state.clusters[id].status)) run.dnsOut.delete(id);
  }
}

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
  description: 'a cluster with an isolation record is ISOLATING, ISOLATED, BP_PATH_CUT or RESTORING',
  check: (run, s) =>
    run.clusterIds.flatMap((id) => {
      const c = s.state.clusters[id];
      return c.isolation && !['ISOLATED', 'ISOLATING', 'BP_PATH_CUT', 'RESTORING'].includes(c.status)
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

/**
 * BP path cut, still serving peers: a BP_PATH_CUT cluster whose cut job finished has its block-producer path
 * cut in AWS (read from moto) and is still in DNS; the rest of its isolation is what the floor or a pause holds.
 */
export const BP_PATH_CUT_HOLDS: DrillInvariant = {
  name: 'bp-path-cut-holds',
  description: 'a BP_PATH_CUT cluster (its cut job done) has its BP path cut in AWS and weight > 0 in Route 53',
  check: async (run, s) => {
    const problems: string[] = [];
    for (const id of run.clusterIds) {
      const c = s.state.clusters[id];
      if (c.status !== ClusterStatus.BP_PATH_CUT || c.job !== undefined) continue;
      if ((s.weights[id] ?? 0) === 0) problems.push(`${id} is BP_PATH_CUT (still serving peers) but Route 53 serves it at weight 0: it should be ISOLATED`);
      const tc = run.world.topology.clusters.find((t) => t.id === id);
      if (tc?.kind === 'aws' && run.world.topology.policy.cutBlockProducerPath) {
        const seen = await run.observer.observeIsolation(id, run.world.topology);
        if (!seen.blockProducerPathCut) problems.push(`${id} is BP_PATH_CUT but moto shows its block-producer path open`);
      }
    }
    return problems;
  },
};

/** Every invariant the drill checks, in the order its problems are reported. */
export const DRILL_INVARIANTS: DrillInvariant[] = [
  MIN_HEALTHY_IN_DNS,
  NEVER_ALL_ZERO,
  ISOLATION_TRACKED,
  ISOLATED_IS_CUT,
  ISOLATION_DNS_HOLDS,
  BP_PATH_CUT_HOLDS,
  FLOWS_MATCH_STATUS,
];

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
