/**
 * The safety policy of the decision core, as data: constants and typed guard tables.
 *
 * Each guard is `{ id, explanation, appliesTo, check }` (cdk-nag's rule-pack shape). `decide` runs the first
 * failing guard of a table and reports its id and reason; it never encodes a threshold itself.
 */
import type { RuntimeTopology, TopologyCluster } from './topology-schema';
import { effectiveWeights, WeightInvariantError } from './weights';
import {
  ClusterState,
  ClusterStatus,
  Effect,
  GlobalState,
  IsolationRecord,
  ObservedCuts,
  ObservedReachability,
  OperatorPin,
  ReachabilityCheck,
  ReachabilityPathKind,
  ReconcileObservation,
  SignalState,
  WorldState,
} from './types';

/** One minute in epoch ms. */
export const MINUTE_MS = 60_000;

/**
 * How long a job may run before reconcile re-plans it with the same effects (same ids): 2 x 5 minutes.
 *
 * Why 2 x: one reconcile interval (default 5 min) for the job to finish normally plus one for a slow Route 53
 * INSYNC wait, so a healthy job is never re-planned while its first attempt still runs. Re-planning is safe
 * anyway: actuators are idempotent by effect id.
 */
export const JOB_RETRY_AFTER_MS = 2 * 5 * MINUTE_MS;

/**
 * Effects the engine starts as soon as their decision is committed, in parallel with every other effect of
 * the plan. Cuts never wait for DNS: a Route 53 change takes up to a minute to reach INSYNC on AWS and may
 * fail, and neither may keep an attacked cluster open (a failed DNS change is retried on its own, by the
 * job's re-plan). The other effects run one after the other in plan order.
 */
export const IMMEDIATE_EFFECT_TYPES: readonly Effect['type'][] = ['CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE'];

/**
 * The Auto Scaling processes every isolation that cuts (or any compromise) suspends on the seed-node group,
 * and its restore resumes. The smallest set that stops replacement, from "How suspended processes affect other
 * processes" (EC2 Auto Scaling User Guide):
 * - `Launch`: no instance starts for any reason (scale-out, ReplaceUnhealthy, AZRebalance, InstanceRefresh).
 *   A node launched while the cluster is cut cannot boot (its user data needs the internet) and would keep it
 *   unhealthy forever.
 * - `ReplaceUnhealthy`: with Launch suspended it "continues to terminate unhealthy instances, but does not
 *   launch replacements", and on resume replaces them all at once; the cluster would shrink, and a compromised
 *   node (the evidence) would be terminated.
 * - `HealthCheck`: no instance is marked unhealthy for what the cut does to it; a mark would outlive the
 *   isolation and have ReplaceUnhealthy replace the node the moment the processes resume.
 * `Terminate` stays: the group is fixed-size, nothing scales it in, and an operator who terminates a node on
 * purpose during an investigation gets no replacement while Launch is suspended. `AZRebalance` and
 * `InstanceRefresh` cannot launch without `Launch`.
 */
export const SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED: readonly string[] = ['Launch', 'ReplaceUnhealthy', 'HealthCheck'];

/**
 * Days the evidence snapshots of a compromise are kept (tag `seedshield:retain-until`): 90 days covers the
 * GuardDuty finding retention (90 days) and a typical incident review; deleting them is an operator's act
 * (README, "Evidence"), never automation's: the tool under attack must not be able to erase the evidence.
 */
export const EVIDENCE_RETENTION_DAYS = 90;

/** Whether the engine starts `effect` at once (see {@link IMMEDIATE_EFFECT_TYPES}). */
export function startsAtOnce(effect: Effect): boolean {
  return IMMEDIATE_EFFECT_TYPES.includes(effect.type);
}
/** Pin lifetime when an operator gives neither `--for` nor `--until` (4 hours: one on-call shift's worth). */
export const DEFAULT_PIN_MINUTES = 4 * 60;
/** Longest pin when the policy does not say (24 hours): a pin that outlives a day is a forgotten pin. */
export const DEFAULT_PIN_MAX_MINUTES = 24 * 60;
/** Minutes an alarm may sit in INSUFFICIENT_DATA before on-call is paged, when the policy does not say. */
export const DEFAULT_INSUFFICIENT_DATA_PAGE_MINUTES = 15;

/**
 * Trigger kinds for which missing data is normal, so INSUFFICIENT_DATA means "not breaching" (the alarm is
 * configured `treatMissingData: notBreaching` for the same reason). Shield publishes DDoSDetected only during
 * an event, and an idle NLB publishes no flow or byte sums. For every other kind (the NLB's healthy-host count,
 * chain lag) missing data means we do not know, and unknown is not good news.
 * See https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
 */
export const MISSING_DATA_IS_NORMAL: Readonly<Record<string, boolean>> = { ddos: true, surge: true, unhealthy: false, lagging: false };

/**
 * Trigger kinds from most to least severe: held-back isolations are re-checked in this order, so when the floor
 * frees one slot it goes to the most dangerous cluster. `lagging` (chain-aware health) slots in before surge.
 */
export const TRIGGER_SEVERITY_ORDER: readonly string[] = ['compromise', 'ddos', 'unhealthy', 'lagging', 'surge'];

/** Whether a signal is an active trigger: an unacknowledged compromise, or an unacknowledged alarm in ALARM not held for corroboration. */
export function isSignalActive(signal: SignalState): boolean {
  if (signal.acknowledgedAt !== undefined || signal.awaitingImpact === true) return false;
  return signal.kind === 'compromise' || signal.state === 'ALARM';
}

/**
 * Whether a signal's data is unknown: INSUFFICIENT_DATA on an alarm whose missing data is not normal. An
 * unknown signal neither isolates nor lets its cluster restore, and no quiet period counts its time.
 */
export function isSignalUnknown(signal: SignalState): boolean {
  return signal.kind !== 'compromise' && signal.state === 'INSUFFICIENT_DATA' && MISSING_DATA_IS_NORMAL[signal.kind] !== true;
}

/**
 * How long a `lagging` trigger must last before it drains its cluster. When the chain halts or the block
 * producer stops, every cluster's lag alarm fires within the same evaluation minute, but their events reach
 * the control plane one by one: without a settle time the first cluster to report would be drained before the
 * others show that the lag is chain-wide. The clusters' `lagging.head-block-sustained` alarms fire this much
 * later, so a lone lagging cluster is re-evaluated then without waiting for a reconcile.
 */
export const LAG_SETTLE_MS = 60_000;

/**
 * Whether a `lagging` signal counts as a trigger for this cluster. Lag is a reason to drain a cluster that
 * serves peers (IN_SERVICE, or RESTORING with a weight) or to keep a drained one out. A cluster whose cuts are
 * in force lags because of them: counting that lag would restart its quiet period forever, so while it is
 * out of DNS for another reason its lag only holds its weight at 0 after the undo (catch-up, see README).
 */
export function lagCounts(cluster: ClusterState): boolean {
  if (cluster.drained === true) return true;
  return cluster.status === ClusterStatus.IN_SERVICE || (cluster.status === ClusterStatus.RESTORING && cluster.servingPercent > 0);
}

/** Whether `signal` is an active trigger of `cluster` (see {@link lagCounts} for `lagging`). */
export function countsAsTrigger(signal: SignalState, cluster: ClusterState): boolean {
  return isSignalActive(signal) && (signal.kind !== 'lagging' || lagCounts(cluster));
}

/** Whether any signal of the cluster is an active trigger. */
export function hasActiveTrigger(cluster: ClusterState): boolean {
  return Object.values(cluster.signals).some((s) => countsAsTrigger(s, cluster));
}

/** Whether the cluster's active triggers are all `lagging`: the remedy is a DNS drain, nothing is cut. */
export function isLaggingOnly(cluster: ClusterState): boolean {
  const active = Object.values(cluster.signals).filter((s) => countsAsTrigger(s, cluster));
  return active.length > 0 && active.every((s) => s.kind === 'lagging');
}

/** Whether any lag alarm of the cluster is in ALARM or has no data: its nodes are not known to have caught up. */
export function lagUnresolved(cluster: ClusterState): boolean {
  return Object.values(cluster.signals).some((s) => s.kind === 'lagging' && s.acknowledgedAt === undefined && s.state !== 'OK');
}

/** When the cluster's oldest active `lagging` signal fired (epoch ms), or undefined when none is active. */
export function lagActiveSince(cluster: ClusterState): number | undefined {
  const times = activeLagSignals(cluster).map((s) => s.timestamp);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** The cluster's `lagging` signals that are active, whether or not they count as a trigger (see {@link lagCounts}). */
function activeLagSignals(cluster: ClusterState): SignalState[] {
  return Object.values(cluster.signals).filter((s) => s.kind === 'lagging' && isSignalActive(s));
}

/**
 * Chain-wide lag: more than half of the clusters serving peers lag together, which says the chain (or the
 * block producer) is behind, not these clusters. Serving means IN_SERVICE aws clusters (the ones with chain
 * telemetry) plus clusters drained for lag (they lag by definition); isolated and restoring ones do not count.
 */
export function chainWideLag(clusters: Readonly<Record<string, ClusterState>>, topology: RuntimeTopology): { lagging: number; serving: number } | undefined {
  let serving = 0;
  let lagging = 0;
  for (const tc of topology.clusters) {
    const c = clusters[tc.id];
    if (tc.kind !== 'aws' || c === undefined) continue;
    const drained = c.drained === true;
    if (!drained && c.status !== ClusterStatus.IN_SERVICE) continue;
    serving++;
    if (drained || activeLagSignals(c).length > 0) lagging++;
  }
  return lagging * 2 > serving ? { lagging, serving } : undefined;
}

/** Whether any signal of the cluster has unknown data (see `isSignalUnknown`). */
export function hasUnknownSignal(cluster: ClusterState): boolean {
  return Object.values(cluster.signals).some((s) => holdsAsUnknown(s, cluster));
}

/**
 * Whether a signal's unknown data holds `cluster`. A cut cluster's lag telemetry may well be missing (its
 * agent cannot always publish through the cut): like its lag, that neither holds it nor pages; it only keeps
 * its first weight at 0 after the undo (see {@link lagUnresolved}).
 */
export function holdsAsUnknown(signal: SignalState, cluster: ClusterState): boolean {
  return isSignalUnknown(signal) && (signal.kind !== 'lagging' || lagCounts(cluster));
}

/** Whether the cluster has an active (unacknowledged) compromise: automation never restores it. */
export function isCompromised(cluster: ClusterState): boolean {
  return Object.values(cluster.signals).some((s) => s.kind === 'compromise' && isSignalActive(s));
}

/** Prefix of the signal key of a GuardDuty finding (`guardduty:<findingId>`). */
export const FINDING_SIGNAL_PREFIX = 'guardduty:';

/** The ids of the cluster's active compromise findings, sorted: each gets its own evidence snapshots. */
export function activeCompromiseFindings(cluster: ClusterState): string[] {
  return Object.keys(cluster.signals)
    .filter((k) => k.startsWith(FINDING_SIGNAL_PREFIX) && cluster.signals[k].kind === 'compromise' && isSignalActive(cluster.signals[k]))
    .map((k) => k.slice(FINDING_SIGNAL_PREFIX.length))
    .sort();
}

/** Rank of the cluster's most severe active trigger in `TRIGGER_SEVERITY_ORDER` (lower is more severe). */
export function triggerSeverity(cluster: ClusterState): number {
  const ranks = Object.values(cluster.signals)
    .filter(isSignalActive)
    .map((s) => TRIGGER_SEVERITY_ORDER.indexOf(s.kind));
  return ranks.length === 0 ? TRIGGER_SEVERITY_ORDER.length : Math.min(...ranks);
}

/** Whether the cluster's pin holds at `now` (a pin without `pinUntil` predates expiring pins and holds until unpinned). */
export function pinHolds(cluster: ClusterState, now: number): boolean {
  return cluster.pin !== undefined && (cluster.pinUntil === undefined || now < cluster.pinUntil);
}

/** The pin as on-call reads it: `FORCED_IN_SERVICE until 2026-01-01T04:00:00.000Z, set by alice (reason)`. */
export function describePin(cluster: ClusterState): string {
  const until = cluster.pinUntil === undefined ? ' (no expiry)' : ` until ${new Date(cluster.pinUntil).toISOString()}`;
  return `${cluster.pin}${until}${cluster.pinBy === undefined ? '' : `, set by ${cluster.pinBy}`}`;
}

/**
 * Whether an in-service pin holds the cluster's active triggers back at `now`: a pin means serving, short of a
 * compromise, which overrides it. `status` and the timeline show it.
 */
export function pinHoldsTriggersBack(cluster: ClusterState, now: number): boolean {
  return cluster.pin === OperatorPin.FORCED_IN_SERVICE && pinHolds(cluster, now) && hasActiveTrigger(cluster) && !isCompromised(cluster);
}

/** The pin limits of a policy, with their defaults. */
export function pinLimits(topology: RuntimeTopology): { readonly defaultMinutes: number; readonly maxMinutes: number } {
  return {
    defaultMinutes: topology.policy.pinDefaultMinutes ?? DEFAULT_PIN_MINUTES,
    maxMinutes: topology.policy.pinMaxMinutes ?? DEFAULT_PIN_MAX_MINUTES,
  };
}

/** What a guard sees: the cluster, the world around it and the serving levels the change would produce. */
export interface GuardContext {
  readonly cluster: ClusterState;
  readonly topologyCluster: TopologyCluster;
  readonly topology: RuntimeTopology;
  readonly global: GlobalState;
  /** Every cluster's `servingPercent` after the change under review. */
  readonly servingAfter: Readonly<Record<string, number>>;
  /** Every cluster's state as this decision sees it (rules that judge a cluster against the others). */
  readonly clusters: Readonly<Record<string, ClusterState>>;
  readonly now: number;
  /** Who asks (set by `firstRefusal`). */
  readonly mode?: string;
}

/** A guard's answer. */
export type GuardVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOW: GuardVerdict = { allowed: true };
const refuse = (reason: string): GuardVerdict => ({ allowed: false, reason });

/**
 * Who asks for an isolation.
 * - `automatic`: a trigger on an IN_SERVICE cluster.
 * - `rampAbort`: a trigger during RESTORING; skips the cooldown (an attacked cluster must not keep ramping).
 * - `operator`: `isolate` / `pin FORCED_ISOLATED` without `force`.
 * - `operatorForced`: with `force`: only the all-zero rule applies, because breaking it is the opposite of isolation.
 */
export type IsolationMode = 'automatic' | 'rampAbort' | 'operator' | 'operatorForced';

/** Who asks for a restore. */
export type RestoreMode = 'automatic' | 'operator' | 'operatorForced';

/** One safety rule. */
export interface Guard<M extends string> {
  /** Stable id, reported in refusals and logs. */
  readonly id: string;
  /** Why the rule exists, for on-call and docs. */
  readonly explanation: string;
  /** The requesters the rule applies to. */
  readonly appliesTo: readonly M[];
  readonly check: (ctx: GuardContext) => GuardVerdict;
}

/**
 * Number of clusters that count towards the minimum and are in DNS: serving (servingPercent > 0) with a
 * non-zero configured weight (a weight-0 record serves no traffic, so it cannot keep the network reachable).
 */
export function clustersInDns(topology: RuntimeTopology, serving: Readonly<Record<string, number>>): number {
  return topology.clusters.filter((c) => c.countsTowardsMinimum && c.baseWeight > 0 && (serving[c.id] ?? 0) > 0).length;
}

/**
 * The record types (A, AAAA) whose every weight would be 0 with these serving levels. Route 53 weighs each
 * type as its own group: when all records of a type are at 0 it answers with all of them.
 */
export function recordTypesAllZero(topology: RuntimeTopology, weights: Readonly<Record<string, number>>): RecordType[] {
  const typesOf = (c: TopologyCluster): readonly RecordType[] => c.recordTypes ?? DEFAULT_RECORD_TYPES;
  const types = [...new Set(topology.clusters.flatMap(typesOf))];
  return types.filter((type) => topology.clusters.filter((c) => typesOf(c).includes(type)).every((c) => (weights[c.id] ?? 0) === 0));
}

type RecordType = 'A' | 'AAAA';
const DEFAULT_RECORD_TYPES: readonly RecordType[] = ['A'];

/** Automatic isolations still inside the rate-limit window at `now`. */
export function isolationsInWindow(global: GlobalState, topology: RuntimeTopology, now: number): readonly number[] {
  const windowMs = topology.policy.isolationWindowMinutes * MINUTE_MS;
  return global.recentIsolations.filter((t) => now - t < windowMs);
}

function withinCooldown(ctx: GuardContext): boolean {
  const last = ctx.cluster.lastTransitionAt;
  return last !== undefined && ctx.now - last < ctx.topology.policy.cooldownMinutes * MINUTE_MS;
}

/** Why a command must wait for the cluster's job, and the way out when that job is a failing isolation. */
function jobInProgress(cluster: ClusterState): GuardVerdict {
  const job = cluster.job;
  if (job === undefined) return ALLOW;
  const escape = job.kind === 'ISOLATE' && job.lastError !== undefined ? ', or abandon the failing job with restore --force' : '';
  return refuse(`${/^[AEIOU]/.test(job.kind) ? 'an' : 'a'} ${job.kind} job is in progress; retry when it finishes${escape}`);
}

/**
 * One job per cluster: a command never starts a second one beside it (the first one's effects and record
 * would be interleaved with the second's). Automation never asks while a job runs; operators are told.
 */
const JOB_IN_PROGRESS = {
  id: 'JOB_IN_PROGRESS',
  explanation: 'At most one job per cluster: a command waits until the running job finishes (a failing isolation can be abandoned with restore --force).',
  check: (ctx: GuardContext) => jobInProgress(ctx.cluster),
} as const;

/** The rules an isolation must pass, in the order they are reported. */
export const ISOLATION_GUARDS: readonly Guard<IsolationMode>[] = [
  { ...JOB_IN_PROGRESS, appliesTo: ['operator', 'operatorForced'] },
  {
    id: 'ALREADY_ISOLATED',
    explanation: 'Only a cluster in DNS (IN_SERVICE, RESTORING, or BP_PATH_CUT: still serving peers) can be isolated; an isolated one stays as recorded.',
    appliesTo: ['operator', 'operatorForced'],
    check: (ctx) =>
      ctx.cluster.status === ClusterStatus.IN_SERVICE || ctx.cluster.status === ClusterStatus.RESTORING || ctx.cluster.status === ClusterStatus.BP_PATH_CUT
        ? ALLOW
        : refuse(`it is already ${ctx.cluster.status}`),
  },
  {
    id: 'AUTOMATION_PAUSED',
    explanation: 'An operator paused automation (e.g. during maintenance); only operator commands act.',
    appliesTo: ['automatic', 'rampAbort'],
    check: (ctx) => (ctx.global.automationPaused ? refuse('automation is paused by an operator') : ALLOW),
  },
  {
    id: 'PINNED_IN_SERVICE',
    explanation:
      'An operator pinned the cluster FORCED_IN_SERVICE: automation does not isolate it while the pin holds. ' +
      'A pin is about the risk it was set for: a compromise overrides it (automatic modes only).',
    appliesTo: ['automatic', 'rampAbort', 'operator'],
    check: (ctx) =>
      ctx.cluster.pin === OperatorPin.FORCED_IN_SERVICE && pinHolds(ctx.cluster, ctx.now) && (ctx.mode === 'operator' || !isCompromised(ctx.cluster))
        ? refuse(`cluster ${ctx.cluster.clusterId} is pinned ${describePin(ctx.cluster)}; the pin holds this trigger back`)
        : ALLOW,
  },
  {
    id: 'CHAIN_WIDE_LAG',
    explanation:
      'When more than half of the serving clusters lag together the chain or the block producer is behind, not the clusters: ' +
      'draining would only take seed capacity away. Nothing is drained; on-call is paged once.',
    appliesTo: ['automatic', 'rampAbort'],
    check: (ctx) => {
      if (!isLaggingOnly(ctx.cluster)) return ALLOW;
      const wide = chainWideLag(ctx.clusters, ctx.topology);
      return wide
        ? refuse(`${wide.lagging} of ${wide.serving} serving clusters lag behind the chain together: the chain or the block producer is behind, so no cluster is drained`)
        : ALLOW;
    },
  },
  {
    id: 'LAG_SETTLING',
    explanation:
      'A lag drains its cluster only after it lasted LAG_SETTLE_MS, so that a chain-wide lag is seen as one before the first ' +
      'cluster to report it is drained. Re-checked on every alarm event and reconcile.',
    appliesTo: ['automatic', 'rampAbort'],
    check: (ctx) => {
      if (!isLaggingOnly(ctx.cluster)) return ALLOW;
      const since = Math.max(lagActiveSince(ctx.cluster) ?? ctx.now, ctx.global.chainWideLagSeenAt ?? 0);
      return ctx.now - since < LAG_SETTLE_MS ? refuse(`its lag started less than ${LAG_SETTLE_MS / 1000} s ago (settling)`) : ALLOW;
    },
  },
  {
    id: 'COOLDOWN',
    explanation:
      'Hysteresis: a cluster that just changed status is left alone for cooldownMinutes so alarms cannot make it flap. ' +
      'A compromise (GuardDuty) skips it: a finding does not flap, and a compromised host must not keep its BP path for minutes.',
    appliesTo: ['automatic'],
    check: (ctx) =>
      withinCooldown(ctx) && !isCompromised(ctx.cluster)
        ? refuse(`cluster ${ctx.cluster.clusterId} changed status less than ${ctx.topology.policy.cooldownMinutes} minutes ago (cooldown)`)
        : ALLOW,
  },
  {
    id: 'RATE_LIMIT',
    explanation:
      'A burst of isolations is more likely a broken alarm or a global event than many attacks: cap them per window. ' +
      'A compromise is never rate-limited: a GuardDuty finding is not a broken alarm, and a compromised host must not stay connected.',
    appliesTo: ['automatic', 'rampAbort'],
    check: (ctx) => {
      if (isCompromised(ctx.cluster)) return ALLOW;
      const { maxIsolationsPerWindow: max, isolationWindowMinutes: window } = ctx.topology.policy;
      const n = isolationsInWindow(ctx.global, ctx.topology, ctx.now).length;
      return n >= max ? refuse(`${n} automatic isolations already happened in the last ${window} minutes (max ${max})`) : ALLOW;
    },
  },
  {
    id: 'MIN_HEALTHY',
    explanation: 'The block producer must stay reachable for the network: never leave fewer than minHealthyClusters in DNS.',
    appliesTo: ['automatic', 'rampAbort', 'operator'],
    check: (ctx) => {
      const min = ctx.topology.policy.minHealthyClusters;
      const after = clustersInDns(ctx.topology, ctx.servingAfter);
      return ctx.topologyCluster.countsTowardsMinimum && after < min
        ? refuse(`isolating ${ctx.cluster.clusterId} would leave ${after} cluster${after === 1 ? '' : 's'} in DNS, below minHealthyClusters ${min}`)
        : ALLOW;
    },
  },
  {
    id: 'ALL_WEIGHTS_ZERO',
    explanation: 'When every weight is 0 Route 53 answers with every record, isolated ones included: the opposite of isolation.',
    appliesTo: ['automatic', 'rampAbort', 'operator', 'operatorForced'],
    check: (ctx) => {
      let weights: Record<string, number>;
      try {
        weights = effectiveWeights(ctx.topology.clusters.map((c) => ({ id: c.id, baseWeight: c.baseWeight, servingPercent: ctx.servingAfter[c.id] ?? 0 })));
      } catch (e) {
        if (!(e instanceof WeightInvariantError)) throw e;
        return refuse(`isolating ${ctx.cluster.clusterId} would set every DNS weight to 0, and Route 53 would then answer with every record`);
      }
      const zero = recordTypesAllZero(ctx.topology, weights);
      return zero.length > 0
        ? refuse(`isolating ${ctx.cluster.clusterId} would set every ${zero.join(' and ')} record's weight to 0, and Route 53 would then answer with all of them`)
        : ALLOW;
    },
  },
];

/** The rules a restore must pass, in the order they are reported. The automatic ones are "not yet", never notified. */
export const RESTORE_GUARDS: readonly Guard<RestoreMode>[] = [
  { ...JOB_IN_PROGRESS, appliesTo: ['operator', 'operatorForced'] },
  {
    id: 'AUTOMATION_PAUSED',
    explanation: 'An operator paused automation; only operator commands restore.',
    appliesTo: ['automatic'],
    check: (ctx) => (ctx.global.automationPaused ? refuse('automation is paused by an operator') : ALLOW),
  },
  {
    id: 'PINNED_ISOLATED',
    explanation: 'An operator pinned the cluster FORCED_ISOLATED: it stays out until unpinned.',
    appliesTo: ['automatic', 'operator', 'operatorForced'],
    check: (ctx) =>
      ctx.cluster.pin === OperatorPin.FORCED_ISOLATED && pinHolds(ctx.cluster, ctx.now)
        ? refuse(`cluster ${ctx.cluster.clusterId} is pinned ${describePin(ctx.cluster)}; unpin it first`)
        : ALLOW,
  },
  {
    id: 'COMPROMISED',
    explanation: 'A GuardDuty compromise stays active until an operator restores the cluster: automation never restores it.',
    appliesTo: ['automatic'],
    check: (ctx) => (isCompromised(ctx.cluster) ? refuse(`cluster ${ctx.cluster.clusterId} is compromised; only an operator restores it`) : ALLOW),
  },
  {
    id: 'TRIGGER_ACTIVE',
    explanation: 'Never restore while any trigger is active.',
    appliesTo: ['automatic'],
    check: (ctx) => (hasActiveTrigger(ctx.cluster) ? refuse(`a trigger of cluster ${ctx.cluster.clusterId} is still active`) : ALLOW),
  },
  {
    id: 'SIGNAL_UNKNOWN',
    explanation:
      'Unknown is not clear: an alarm in INSUFFICIENT_DATA (where missing data is not normal) holds its cluster, and the quiet period counts only confirmed OK time.',
    appliesTo: ['automatic'],
    check: (ctx) => {
      const unknown = Object.keys(ctx.cluster.signals).filter((k) => holdsAsUnknown(ctx.cluster.signals[k], ctx.cluster));
      return unknown.length > 0 ? refuse(`alarm ${unknown.sort().join(', ')} of cluster ${ctx.cluster.clusterId} is in INSUFFICIENT_DATA; unknown data is not clear`) : ALLOW;
    },
  },
  {
    id: 'QUIET_PERIOD',
    explanation: 'Every trigger must stay clear for quietPeriodMinutes, so a pulsing attack does not bring the cluster back between pulses.',
    appliesTo: ['automatic'],
    check: (ctx) => {
      const since = ctx.cluster.clearSince;
      const quiet = ctx.topology.policy.quietPeriodMinutes;
      if (since === undefined) return refuse(`cluster ${ctx.cluster.clusterId} has no quiet period running`);
      return ctx.now - since < quiet * MINUTE_MS ? refuse(`the ${quiet}-minute quiet period of cluster ${ctx.cluster.clusterId} is not over`) : ALLOW;
    },
  },
  {
    id: 'COOLDOWN',
    explanation: 'Hysteresis: a cluster that just changed status is left alone for cooldownMinutes.',
    appliesTo: ['automatic'],
    check: (ctx) =>
      withinCooldown(ctx)
        ? refuse(`cluster ${ctx.cluster.clusterId} changed status less than ${ctx.topology.policy.cooldownMinutes} minutes ago (cooldown)`)
        : ALLOW,
  },
];

/** Who pins a cluster FORCED_IN_SERVICE (only operators do). */
export type PinInServiceMode = 'operator';

/** The rules a FORCED_IN_SERVICE pin must pass (it restores an ISOLATED cluster without the restore guards). */
export const PIN_IN_SERVICE_GUARDS: readonly Guard<PinInServiceMode>[] = [
  {
    id: 'JOB_IN_PROGRESS',
    explanation: 'An isolation being carried out cannot be pinned in service half-way: its cuts would be neither finished nor recorded for an undo.',
    appliesTo: ['operator'],
    check: (ctx) => (ctx.cluster.job?.kind === 'ISOLATE' ? jobInProgress(ctx.cluster) : ALLOW),
  },
];

// ---------------------------------------------------------------- what a reconcile observes

/**
 * The aws clusters whose cuts the reconcile must look at: ISOLATED with a recorded cut. Their cuts are what
 * an outside change (a console edit, a deploy) could undo without the control plane knowing.
 */
export function clustersToObserve(state: WorldState, topology: RuntimeTopology): string[] {
  return topology.clusters
    .filter((tc) => tc.kind === 'aws')
    .map((tc) => state.clusters[tc.id])
    .filter((c): c is ClusterState => c !== undefined && c.status === ClusterStatus.ISOLATED && c.isolation !== undefined)
    .map((c) => c.clusterId);
}

/** The versions of every state item, for an observation to be compared against later. */
export function stateVersions(state: WorldState): ReconcileObservation['stateVersions'] {
  return { global: state.global.version, clusters: Object.fromEntries(Object.values(state.clusters).map((c) => [c.clusterId, c.version])) };
}

/**
 * Whether an observation was made against exactly this state. When anything moved since (a CLI command, the
 * DNS custom resource, an earlier repair of the same observation), the newer decision owns the weights and
 * the comparison is stale: the next reconcile looks again.
 */
export function observationIsCurrent(observed: ReconcileObservation, state: WorldState): boolean {
  const v = observed.stateVersions;
  if (v.global !== state.global.version) return false;
  const ids = Object.keys(state.clusters);
  return ids.length === Object.keys(v.clusters).length && ids.every((id) => v.clusters[id] === state.clusters[id].version);
}

/** The clusters Route 53 serves at another weight than `expected` (a cluster without a served record is not compared). */
export function divergedWeights(expected: Readonly<Record<string, number>>, served: Readonly<Record<string, number>>): string[] {
  return Object.keys(expected).filter((id) => served[id] !== undefined && served[id] !== expected[id]);
}

/** Which recorded cuts of an ISOLATED cluster AWS shows open again (empty when everything recorded is in force). */
export function undoneCuts(cluster: ClusterState, seen: ObservedCuts): ('internet ingress' | 'block-producer path')[] {
  const undone: ('internet ingress' | 'block-producer path')[] = [];
  // What the record says was cut, from its network ACL denies: 0.0.0.0/0 or ::/0 is the internet cut, any
  // other deny a site CIDR (allows are what the cut keeps open). Records of the old security-group cut are
  // not compared: the observation now looks at the ACLs.
  const denies = (cluster.isolation?.addedNaclEntries ?? []).filter((e) => (e.ruleAction ?? 'deny') === 'deny');
  const internet = (e: (typeof denies)[number]) => e.cidrBlock === '0.0.0.0/0' || e.ipv6CidrBlock === '::/0';
  if (denies.some(internet) && !seen.internetCut) undone.push('internet ingress');
  if (denies.some((e) => !internet(e)) && !seen.blockProducerPathCut) undone.push('block-producer path');
  return undone;
}

// ---------------------------------------------------------------- proof with Reachability Analyzer

/**
 * How long a reachability check may show no analysis for one of its paths before the reconcile starts the
 * analyses again (same effect id, so the actuator's client tokens make a repeat start a no-op): one reconcile
 * interval for the start to land, one more for AWS to list it.
 */
export const REACHABILITY_RESTART_AFTER_MS = 2 * 5 * MINUTE_MS;

/** Starts of one check before it is given up as UNKNOWN (and paged): a start that keeps failing is an IAM or setup problem. */
export const REACHABILITY_MAX_ATTEMPTS = 3;

/** The p2p port the internet-to-node path is analysed on (Antelope's p2p listen port, the NLB's p2p listener). */
export const REACHABILITY_P2P_PORT = 9876;

/**
 * The paths a recorded isolation's cuts close, from its network ACL denies: a deny of `0.0.0.0/0` or `::/0` is
 * the internet cut (INTERNET_TO_NODE), a deny of any other CIDR a site CIDR (NODE_TO_SITES). Allows are what
 * the cut keeps open; a record of the old security-group cut proves nothing about ACLs and yields no path.
 */
export function reachabilityPathsOf(record: IsolationRecord | undefined): ReachabilityPathKind[] {
  const denies = (record?.addedNaclEntries ?? []).filter((e) => (e.ruleAction ?? 'deny') === 'deny');
  const internet = denies.some((e) => e.cidrBlock === '0.0.0.0/0' || e.ipv6CidrBlock === '::/0');
  const sites = denies.some((e) => !(e.cidrBlock === '0.0.0.0/0' || e.ipv6CidrBlock === '::/0'));
  return [...(internet ? (['INTERNET_TO_NODE'] as const) : []), ...(sites ? (['NODE_TO_SITES'] as const) : [])];
}

/**
 * The analyses a check of `paths` consists of, by label: one from the internet gateway to a seed node, one
 * from a seed node to each IPv4 site CIDR. IPv6 site CIDRs are not analysed: Reachability Analyzer takes an
 * IPv4 address as destination (`DestinationIp`).
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInsightsPath.html
 */
export function reachabilityPathLabels(paths: readonly ReachabilityPathKind[], topology: RuntimeTopology): string[] {
  return paths.flatMap((p) => (p === 'INTERNET_TO_NODE' ? ['internet-to-node'] : topology.siteCidrs.ipv4.map((cidr) => `node-to-site:${cidr}`)));
}

/** The pending reachability checks the reconcile must read: aws clusters whose last check is still PENDING. */
export function reachabilityChecksToObserve(state: WorldState, topology: RuntimeTopology): { clusterId: string; check: ReachabilityCheck }[] {
  return topology.clusters
    .filter((tc) => tc.kind === 'aws')
    .map((tc) => state.clusters[tc.id])
    .filter((c): c is ClusterState & { reachability: ReachabilityCheck } => c?.reachability?.status === 'PENDING')
    .map((c) => ({ clusterId: c.clusterId, check: c.reachability }));
}

/** What the analyses of a check say, as the core reads them. */
export type ReachabilityVerdict =
  | { readonly kind: 'PENDING'; readonly missing: readonly string[] }
  | { readonly kind: 'FAILED'; readonly detail: string }
  | { readonly kind: 'DONE'; readonly found: readonly string[]; readonly notFound: readonly string[] };

/**
 * Reads the analyses of a check. A failed analysis makes the whole check FAILED (unknown, never "no path");
 * a path with no analysis yet, or one still running, keeps it PENDING; otherwise every analysis finished, and
 * the labels are split by whether a path was found. Of several analyses of one path (a restart), a finished one wins.
 */
export function readReachability(check: ReachabilityCheck, seen: ObservedReachability, topology: RuntimeTopology): ReachabilityVerdict {
  const labels = reachabilityPathLabels(check.paths, topology);
  const state = (label: string) => {
    const of = seen.analyses.filter((a) => a.path === label);
    return of.find((a) => a.status === 'succeeded') ?? of.find((a) => a.status === 'running') ?? of.find((a) => a.status === 'failed');
  };
  const byLabel = labels.map((label) => ({ label, analysis: state(label) }));
  if (byLabel.some((x) => x.analysis?.status === 'running')) return { kind: 'PENDING', missing: byLabel.filter((x) => x.analysis === undefined).map((x) => x.label) };
  // A succeeded analysis without NetworkPathFound says nothing: unknown, like a failed one.
  const failed = byLabel.filter((x) => x.analysis?.status === 'failed' || (x.analysis?.status === 'succeeded' && x.analysis.pathFound === undefined));
  if (failed.length > 0) {
    return { kind: 'FAILED', detail: failed.map((x) => `${x.label}: ${x.analysis!.message ?? (x.analysis!.status === 'failed' ? 'failed without a message' : 'no NetworkPathFound in the answer')}`).join('; ') };
  }
  const missing = byLabel.filter((x) => x.analysis === undefined).map((x) => x.label);
  if (missing.length > 0) return { kind: 'PENDING', missing };
  return {
    kind: 'DONE',
    found: byLabel.filter((x) => x.analysis!.pathFound === true).map((x) => x.label),
    notFound: byLabel.filter((x) => x.analysis!.pathFound === false).map((x) => x.label),
  };
}

/** A refusal: the first guard of a table that said no. */
export interface Refusal {
  readonly guardId: string;
  readonly reason: string;
}

/**
 * Runs a guard table for one requester.
 * @returns the first refusal, or undefined when every applicable guard allows the change
 */
export function firstRefusal<M extends string>(guards: readonly Guard<M>[], mode: M, ctx: GuardContext): Refusal | undefined {
  for (const g of guards) {
    if (!g.appliesTo.includes(mode)) continue;
    const v = g.check({ ...ctx, mode });
    if (!v.allowed) return { guardId: g.id, reason: v.reason };
  }
  return undefined;
}

/** Whether the current ramp stage of a RESTORING cluster has lasted restoreRampStepMinutes (automation not paused). */
export function rampStepDue(cluster: ClusterState, global: GlobalState, topology: RuntimeTopology, now: number): boolean {
  if (global.automationPaused) return false;
  const since = cluster.rampStageSince ?? cluster.lastTransitionAt ?? now;
  return now - since >= topology.policy.restoreRampStepMinutes * MINUTE_MS;
}
