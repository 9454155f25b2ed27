/**
 * What a scenario's `expect` steps check, one entry per expectation type: how it reads in the timeline and
 * what problems it finds in the world as read back after the previous delivering step. A new expectation type
 * is a new member of `Expectation` (drill/scenario.ts, with its parser) and a new entry in
 * {@link EXPECTATIONS}: the compiler refuses the table until the entry is there.
 */
import { subRangeOf } from '../lambdas/actuators/nacl-plan';
import type { ClusterState, Effect } from '../lambdas/core/types';
import type { EngineReport } from '../lambdas/engine';
import { pinName } from '../lambdas/events/operator';
import type { ScenarioRun, Snapshot } from './harness';
import type { Expectation } from './scenario';

/** How one expectation type reads and is checked. */
export interface ExpectationCheck<E extends Expectation> {
  /** The timeline's line for the step. */
  describe(e: E): string;
  /** Problems, each a sentence naming what differed; empty when the expectation holds. */
  check(run: ScenarioRun, e: E, snapshot: Snapshot): Promise<string[]> | string[];
}

/** Every expectation type and its check. */
export const EXPECTATIONS: { readonly [T in Expectation['type']]: ExpectationCheck<Extract<Expectation, { type: T }>> } = {
  noChange: {
    describe: () => 'expect the previous step changed nothing',
    check: (run) => {
      const last = run.lastAction;
      if (!last) return ['expected no change, but no earlier step delivered anything'];
      const problems: string[] = [];
      const label = `step ${last.step.index} (${last.step.atText})`;
      const executed = last.report?.executed ?? [];
      if (executed.length > 0) {
        problems.push(`expected ${label} to change nothing, but it carried out ${executed.map((x) => x.effect.type).join(', ')} (outcome ${last.report?.outcome})`);
      }
      for (const id of run.clusterIds) {
        const a = last.before.state.clusters[id];
        const b = last.after.state.clusters[id];
        if (a.status !== b.status || a.servingPercent !== b.servingPercent) {
          problems.push(`expected ${label} to change nothing, but ${id} went from ${a.status} ${a.servingPercent} % to ${b.status} ${b.servingPercent} %`);
        }
        if (last.before.weights[id] !== last.after.weights[id]) {
          problems.push(`expected ${label} to change nothing, but the Route 53 weight of ${id} went from ${last.before.weights[id]} to ${last.after.weights[id]}`);
        }
      }
      return problems;
    },
  },
  effect: {
    describe: (e) => `expect ${effectPattern(e)}${e.first ? ', first of the step' : ''}`,
    check: (run, e) => {
      const last = run.lastAction;
      if (!last?.report) return [`expected ${effectPattern(e)}, but no earlier step delivered anything`];
      const label = `step ${last.step.index} (${last.step.atText})`;
      const executed = last.report.executed;
      const matching = executed.filter((x) => effectMatches(x.effect, e));
      if (matching.length === 0) {
        return [`expected ${label} to carry out ${effectPattern(e)}, but it carried out ${executed.map(describeExecuted).join(', ') || 'nothing'}`];
      }
      if (e.first) {
        // First among the step's effects that concern the cluster (all of them when no cluster is named).
        const concerned = executed.filter((x) => e.cluster === undefined || concernsCluster(x.effect, e.cluster));
        if (concerned[0] !== matching[0]) {
          return [`expected ${effectPattern(e)} to be the first effect of ${label}${e.cluster ? ` on ${e.cluster}` : ''}, but ${describeExecuted(concerned[0])} came first`];
        }
      }
      return [];
    },
  },
  noEffect: {
    describe: (e) => `expect no ${effectPattern(e)}`,
    check: (run, e) => {
      const last = run.lastAction;
      if (!last?.report) return [`expected no ${effectPattern(e)}, but no earlier step delivered anything`];
      const label = `step ${last.step.index} (${last.step.atText})`;
      // An effect that was tried and failed still happened as far as safety goes: an undo attempted under fire
      // re-opens whatever part of it AWS took.
      const matching = last.report.executed.filter((x) => effectMatches(x.effect, e));
      return matching.length === 0 ? [] : [`expected ${label} to carry out no ${effectPattern(e)}, but it carried out ${matching.map(describeExecuted).join(', ')}`];
    },
  },
  outcome: {
    describe: (e) => `expect outcome ${e.outcome}${e.reasonContains ? ` with reason containing "${e.reasonContains}"` : ''}`,
    check: (run, e) => {
      const last = run.lastAction;
      if (!last?.report) return [`expected outcome ${e.outcome}, but no earlier step delivered anything`];
      const label = `step ${last.step.index} (${last.step.atText})`;
      const matching = last.report.decisions.filter((d) => d.outcome === e.outcome);
      if (matching.length === 0) {
        const got = last.report.decisions.map((d) => d.outcome).join(', ') || last.report.outcome;
        return [`expected outcome ${e.outcome} from ${label}, got ${got}: ${last.report.reason}`];
      }
      const wanted = e.reasonContains;
      if (wanted !== undefined && wanted !== '' && !matching.some((d) => d.reason.includes(wanted))) {
        return [`expected the ${e.outcome} reason of ${label} to contain "${wanted}", got: ${matching[0].reason}`];
      }
      return [];
    },
  },
  cluster: {
    describe: (e) => {
      const parts = [
        e.state && `state ${e.state}`,
        e.weight !== undefined && `weight ${e.weight}`,
        e.servingPercent !== undefined && `serving ${e.servingPercent} %`,
        e.pin && `pin ${e.pin}`,
        e.isolationRecorded && 'isolation record complete',
      ].filter(Boolean);
      return `expect ${e.cluster}: ${parts.join(', ')}`;
    },
    check: async (run, e, s) => {
      const problems: string[] = [];
      const c = s.state.clusters[e.cluster];
      const weight = s.weights[e.cluster];
      if (e.state !== undefined && c.status !== e.state) problems.push(`expected ${e.cluster} state ${e.state}, got ${c.status}`);
      if (e.weight !== undefined && weight !== e.weight) problems.push(`expected ${e.cluster} Route 53 weight ${e.weight}, got ${weight ?? 'no record'}`);
      if (e.servingPercent !== undefined && c.servingPercent !== e.servingPercent) {
        problems.push(`expected ${e.cluster} servingPercent ${e.servingPercent}, got ${c.servingPercent}`);
      }
      if (e.pin !== undefined) {
        const pin = c.pin ? pinName(c.pin) : 'none';
        if (pin !== e.pin) problems.push(`expected ${e.cluster} pin ${e.pin}, got ${pin}`);
      }
      if (e.isolationRecorded) problems.push(...(await isolationCompleteness(run, c)));
      return problems;
    },
  },
};

/** The timeline's line of an expectation. */
export function describeExpectation(e: Expectation): string {
  return (EXPECTATIONS[e.type] as ExpectationCheck<Expectation>).describe(e);
}

/** Problems with an expectation (empty when it holds). */
export async function checkExpectation(run: ScenarioRun, e: Expectation, s: Snapshot): Promise<string[]> {
  return (EXPECTATIONS[e.type] as ExpectationCheck<Expectation>).check(run, e, s);
}

/**
 * Whether the isolation record lists every cut the policy asks for, and moto shows those cuts (an `expect`
 * with `isolationRecorded`, and the invariant on every ISOLATED cluster).
 */
export async function isolationCompleteness(run: ScenarioRun, c: ClusterState): Promise<string[]> {
  const problems: string[] = [];
  const tc = run.world.topology.clusters.find((t) => t.id === c.clusterId);
  const policy = run.world.topology.policy;
  if (tc?.kind !== 'aws') return problems;
  if (c.drained === true) {
    // Drained for lag: out of DNS and nothing cut, since it is not attacked. Anything cut would be a bug.
    const cutsRecorded =
      (c.isolation?.revokedIngress?.length ?? 0) +
      (c.isolation?.addedNaclEntries?.length ?? 0) +
      (c.isolation?.disabledPropagation?.length ?? 0);
    if (cutsRecorded > 0) problems.push(`${c.clusterId} is drained for lag, but its isolation record lists ${cutsRecorded} cuts`);
    const seen = await run.observer.observeIsolation(c.clusterId, run.world.topology);
    if (seen.internetCut) problems.push(`${c.clusterId} is drained for lag, but moto shows its internet cut`);
    return problems;
  }
  if (!c.isolation) return [`expected ${c.clusterId} to have an isolation record, it has none (status ${c.status})`];
  const entries = c.isolation.addedNaclEntries ?? [];
  if (policy.cutInternet && !entries.some((e) => subRangeOf(e.ruleNumber) === 'internetDeny')) problems.push(`the isolation record of ${c.clusterId} lists no internet deny entry`);
  if (policy.cutBlockProducerPath) {
    // One deny per site CIDR, per direction, per network ACL (public and private).
    const w = run.world.clusters[c.clusterId];
    const acls = new Set([w.publicNetworkAclId, w.privateNetworkAclId]).size;
    const expected = acls * 2 * (run.world.topology.siteCidrs.ipv4.length + run.world.topology.siteCidrs.ipv6.length);
    const recorded = entries.filter((e) => subRangeOf(e.ruleNumber) === 'siteDeny').length;
    if (recorded !== expected) problems.push(`the isolation record of ${c.clusterId} lists ${recorded} NACL site deny entries, expected ${expected}`);
  }
  const seen = await run.observer.observeIsolation(c.clusterId, run.world.topology);
  if (policy.cutInternet && !seen.internetCut) problems.push(`moto lacks ${seen.missingInternetEntries.length} internet-cut NACL entries of ${c.clusterId}`);
  if (policy.cutBlockProducerPath && seen.missingDenyEntries.length > 0) problems.push(`moto lacks ${seen.missingDenyEntries.length} NACL deny entries of ${c.clusterId}`);
  return problems;
}

type EffectExpectation = Extract<Expectation, { type: 'effect' | 'noEffect' }>;

/** `CUT_BP_PATH on eu-north`, `NOTIFY CRITICAL with subject containing "BP_PATH_CUT"`, as expectations read. */
function effectPattern(e: EffectExpectation): string {
  const parts: string[] = [e.effect];
  if (e.type === 'effect' && e.severity) parts.push(e.severity);
  if (e.cluster) parts.push(e.effect === 'NOTIFY' ? `naming ${e.cluster}` : `on ${e.cluster}`);
  if (e.type === 'effect' && e.weight !== undefined) parts.push(`to weight ${e.weight}`);
  if (e.subjectContains) parts.push(`with subject containing "${e.subjectContains}"`);
  if (e.type === 'effect' && e.messageContains) parts.push(`with message containing "${e.messageContains}"`);
  return parts.join(' ');
}

/** Whether an effect is about a cluster: its own clusterId, a weight it sets, a notification whose subject names it. */
function concernsCluster(effect: Effect, clusterId: string): boolean {
  switch (effect.type) {
    case 'SET_DNS_WEIGHTS':
      return clusterId in effect.weights;
    case 'NOTIFY':
      // The subject lists the clusters the notification is about: `seedshield BP_PATH_CUT: eu-north, us-east`.
      return (effect.subject.split(': ')[1] ?? '').split(', ').includes(clusterId);
    default:
      return effect.clusterId === clusterId;
  }
}

function effectMatches(effect: Effect, e: EffectExpectation): boolean {
  if (effect.type !== e.effect) return false;
  if (e.cluster !== undefined && !concernsCluster(effect, e.cluster)) return false;
  if (effect.type === 'NOTIFY') {
    if (e.subjectContains !== undefined && !effect.subject.includes(e.subjectContains)) return false;
    if (e.type === 'effect' && e.messageContains !== undefined && !effect.message.includes(e.messageContains)) return false;
    if (e.type === 'effect' && e.severity !== undefined && effect.severity !== e.severity) return false;
  }
  if (effect.type === 'SET_DNS_WEIGHTS' && e.type === 'effect' && e.weight !== undefined && e.cluster !== undefined) {
    return effect.weights[e.cluster] === e.weight;
  }
  return true;
}

/** One carried-out effect in a failure message: `UNDO_ISOLATION eu-north (failed)`. */
function describeExecuted(x: EngineReport['executed'][number] | undefined): string {
  if (!x) return 'nothing';
  const effect = x.effect;
  const what =
    effect.type === 'SET_DNS_WEIGHTS'
      ? `SET_DNS_WEIGHTS ${Object.entries(effect.weights).map(([k, v]) => `${k}=${v}`).join(' ')}`
      : effect.type === 'NOTIFY'
        ? `NOTIFY ${effect.severity} "${effect.subject}"`
        : `${effect.type} ${effect.clusterId}`;
  return x.ok ? what : `${what} (failed)`;
}
