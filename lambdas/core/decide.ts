/**
 * The pure decision core: `decide(state, event, topology, now)` returns the next world state and the effects
 * to carry out.
 *
 * This is a pure function that does not execute `actions`. It is deterministic, performs no I/O and never
 * reads the clock: `now` comes from the caller. The thresholds and safety rules live in ./policy.ts.
 *
 * Shape of one decision (xstate style): a private working copy of the state is changed step by step (apply the
 * event, advance timers, evaluate triggers), then `finalize` assembles ONE plan: at most one SET_DNS_WEIGHTS
 * (the whole desired weight set, computed from the final serving levels), jobs recorded with the exact effect
 * objects of the plan, and the version of every changed item bumped by exactly 1.
 */
import type { RuntimeTopology, TopologyCluster } from './topology-schema';
import { DecisionInvariantError, InvalidEventError, UnknownClusterError } from './errors';
import { mergeIsolation } from './isolation-record';
import {
  activeCompromiseFindings,
  DEFAULT_INSUFFICIENT_DATA_PAGE_MINUTES,
  EVIDENCE_RETENTION_DAYS,
  describePin,
  divergedWeights,
  firstRefusal,
  GuardContext,
  countsAsTrigger,
  hasActiveTrigger,
  hasUnknownSignal,
  holdsAsUnknown,
  isCompromised,
  isLaggingOnly,
  lagUnresolved,
  isolationsInWindow,
  isSignalActive,
  isSignalUnknown,
  ISOLATION_GUARDS,
  IsolationMode,
  JOB_RETRY_AFTER_MS,
  MINUTE_MS,
  observationIsCurrent,
  PIN_IN_SERVICE_GUARDS,
  pinHolds,
  pinHoldsTriggersBack,
  pinLimits,
  rampStepDue,
  reachabilityPathLabels,
  reachabilityPathsOf,
  REACHABILITY_MAX_ATTEMPTS,
  REACHABILITY_RESTART_AFTER_MS,
  readReachability,
  Refusal,
  RESTORE_GUARDS,
  SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED,
  startsAtOnce,
  triggerSeverity,
  undoneCuts,
} from './policy';
import { classifyFinding } from './finding-policy';
import {
  ActiveJob,
  ClusterState,
  ClusterStatus,
  CoreEvent,
  Decision,
  DecisionOutcome,
  Effect,
  FindingEvent,
  GlobalState,
  JobResultEvent,
  NotifiedFinding,
  NotifyEffect,
  ObservedCuts,
  OperatorEvent,
  OperatorPin,
  ReachabilityExpectation,
  ReachabilityPathKind,
  ReachabilityStatus,
  PreserveEvidenceEffect,
  ReconcileEvent,
  SetDnsWeightsEffect,
  SuspendScalingEffect,
  SignalState,
  VerifyReachabilityEffect,
  WorldState,
} from './types';
import { effectiveWeights, WeightInvariantError } from './weights';

type Severity = NotifyEffect['severity'];

/** An effect before its id is stamped. @internal */
type EffectDraft<E extends Effect> = E extends Effect ? Omit<E, 'id'> : never;

/** One thing the decision did or refused, for the reason, the outcome and the notification. @internal */
interface Note {
  readonly clusterId?: string;
  readonly outcome: DecisionOutcome;
  readonly reason: string;
  /** Set when on-call must hear about it. */
  readonly severity?: Severity;
}

type CutType = 'CUT_INTERNET' | 'CUT_BP_PATH';

/** A job started in this decision; its effects are built in `finalize`, once ids are known. @internal */
interface JobSpec {
  readonly kind: ActiveJob['kind'];
  readonly undo: boolean;
  /** In order: a compromise's CUT_BP_PATH comes first, so no DNS failure can skip it. */
  readonly cuts: readonly CutType[];
  /** A compromise's BP-path cut alone (status BP_PATH_CUT): no DNS change, the floor holds the rest back. */
  readonly bpOnly?: boolean;
  /** A compromise's isolation: the BP-path cut is the job's first effect and the plan's first effect. */
  readonly bpFirst?: boolean;
  /** A re-cut of an ISOLATED cluster (a deploy replaced an ACL): its weight is 0 already, no DNS change. */
  readonly noDns?: boolean;
}

/** The private working copy of one decision. @internal */
interface Draft {
  readonly orig: WorldState;
  readonly topology: RuntimeTopology;
  readonly byId: ReadonlyMap<string, TopologyCluster>;
  readonly event: CoreEvent;
  readonly now: number;
  readonly clusters: Record<string, ClusterState>;
  global: GlobalState;
  readonly notes: Note[];
  readonly newJobs: Map<string, JobSpec>;
  readonly replans: string[];
  /** Clusters whose pin expired in this decision: an expiry never restores by itself. */
  readonly pinExpired: Set<string>;
  /** Reachability checks to start in this decision (their ids are stamped in `finalize`). */
  readonly verifications: Map<string, { readonly expect: ReachabilityExpectation; readonly paths: readonly ReachabilityPathKind[] }>;
  /** Clusters whose pending reachability check is started again, with its own id. */
  readonly reverifications: string[];
}

/** Outcomes from most to least significant: the decision reports the most significant one. */
const OUTCOME_PRIORITY: readonly DecisionOutcome[] = [
  'RAMP_ABORTED',
  'ISOLATION_STARTED',
  'BP_PATH_CUT',
  'JOB_FAILED',
  'ISOLATION_DIVERGED',
  'REACHABILITY_UNVERIFIED',
  'ISOLATION_REFUSED',
  'OPERATOR_REFUSED',
  'AUTOMATION_PAUSED',
  'AUTOMATION_RESUMED',
  'OPERATOR_APPLIED',
  'RESTORE_STARTED',
  'DATA_MISSING',
  'REACHABILITY_UNKNOWN',
  'PIN_EXPIRED',
  'ISOLATION_COMPLETED',
  'RESTORE_COMPLETED',
  'JOB_RETRIED',
  'DNS_REPAIRED',
  'REACHABILITY_VERIFIED',
  'RAMP_ADVANCED',
  'SIGNAL_RECORDED',
  'NO_CHANGE',
  'STALE',
  'DUPLICATE',
];

/**
 * Where an outcome ranks as a decision's headline (and its SNS subject): 0 is the most significant. A silent
 * re-check of a refusal already reported is not news, so it ranks below everything that happened.
 */
export function headlineRank(outcome: DecisionOutcome, silentRecheck = false): number {
  return OUTCOME_PRIORITY.indexOf(outcome) + (silentRecheck ? OUTCOME_PRIORITY.indexOf('SIGNAL_RECORDED') : 0);
}

const SEVERITY_RANK: Record<Severity, number> = { INFO: 0, WARNING: 1, CRITICAL: 2 };

/**
 * Decides what to do about one event.
 *
 * This is a pure function that does not execute `actions`: it returns them as plain data in `plan`, with ids
 * `${event.id}:${index}` (re-planned job effects keep their original ids). Persist `next` (conditional on the
 * versions read) BEFORE carrying out any effect.
 *
 * @param state the world as read from the store; every topology cluster must have a state item
 * @param event the event to apply
 * @param topology the runtime topology and its safety policy
 * @param now the caller's clock, epoch ms
 * @throws UnknownClusterError when the event names a cluster the topology does not know
 * @throws InvalidEventError when an operator command lacks its cluster or pin
 * @throws DecisionInvariantError when the state read is inconsistent
 */
export function decide(state: WorldState, event: CoreEvent, topology: RuntimeTopology, now: number): Decision {
  const byId = new Map(topology.clusters.map((c) => [c.id, c] as const));
  checkInvariants(state, topology);
  const d: Draft = {
    orig: state,
    topology,
    byId,
    event,
    now,
    clusters: { ...state.clusters },
    global: state.global,
    notes: [],
    newJobs: new Map(),
    replans: [],
    pinExpired: new Set(),
    verifications: new Map(),
    reverifications: [],
  };

  switch (event.type) {
    case 'ALARM_STATE': {
      requireCluster(d, event.clusterId);
      const applied = applySignal(d, event.clusterId, event.alarmName, gateDdos(d, event.clusterId, event.alarmName, { kind: event.kind, state: event.state, timestamp: event.stateTimestamp }), `alarm ${event.alarmName} = ${event.state}`);
      if (!applied) {
        return unchanged(state, 'STALE', `Ignored alarm ${event.alarmName} = ${event.state} for cluster ${event.clusterId}: a state at least as new is already recorded.`);
      }
      releaseCorroboratedDdos(d, event.clusterId);
      advanceTimers(d, event.clusterId, false);
      evaluateTrigger(d, event.clusterId);
      reevaluateLaggingClusters(d, event.clusterId);
      break;
    }
    case 'FINDING': {
      requireCluster(d, event.clusterId);
      const early = applyFinding(d, event);
      if (early) return early;
      break;
    }
    case 'JOB_RESULT': {
      requireCluster(d, event.clusterId);
      const early = applyJobResult(d, event);
      if (early) return early;
      break;
    }
    case 'RECONCILE': {
      for (const o of event.observedAlarms) {
        requireCluster(d, o.clusterId);
        applySignal(d, o.clusterId, o.alarmName, gateDdos(d, o.clusterId, o.alarmName, { kind: o.kind, state: o.state, timestamp: o.stateTimestamp }), `alarm ${o.alarmName} = ${o.state}`);
      }
      for (const c of topology.clusters) releaseCorroboratedDdos(d, c.id);
      for (const c of topology.clusters) advanceTimers(d, c.id, true);
      for (const id of triggerOrder(d)) evaluateTrigger(d, id);
      compareObservedCuts(d, event);
      compareReachability(d);
      break;
    }
    case 'OPERATOR': {
      const early = applyOperator(d, event);
      if (early) return early;
      break;
    }
    default:
      throw new InvalidEventError(`unknown event type: ${(event as { type?: unknown }).type}`);
  }
  // Held-back isolations are re-checked as soon as the floor may allow them: after every decision that changes
  // serving capacity (and on resume), not at the next reconcile. Most severe first, so a freed slot goes to
  // the most dangerous cluster.
  // Only an operator's resume un-pauses automation, so the transition itself says it happened.
  const resumed = state.global.automationPaused && !d.global.automationPaused;
  if (event.type !== 'RECONCILE' && (resumed || servingChanged(d))) {
    for (const id of triggerOrder(d)) evaluateTrigger(d, id);
  }
  return finalize(d);
}

function servingChanged(d: Draft): boolean {
  return d.topology.clusters.some((tc) => d.clusters[tc.id].servingPercent !== d.orig.clusters[tc.id].servingPercent);
}

// ---------------------------------------------------------------- checks and small helpers

function checkInvariants(state: WorldState, topology: RuntimeTopology): void {
  for (const tc of topology.clusters) {
    const c = state.clusters[tc.id];
    if (c === undefined) {
      throw new DecisionInvariantError(`the state has no item for cluster ${tc.id}; seed missing clusters with initialClusterState()`);
    }
    const job = c.job;
    const ok =
      (c.status === ClusterStatus.ISOLATING && job?.kind === 'ISOLATE' && c.servingPercent === 0) ||
      (c.status === ClusterStatus.ISOLATED && job === undefined && c.servingPercent === 0) ||
      (c.status === ClusterStatus.RESTORING && (job === undefined || job.kind === 'RESTORE')) ||
      (c.status === ClusterStatus.BP_PATH_CUT && (job === undefined || job.kind === 'ISOLATE') && c.servingPercent > 0) ||
      (c.status === ClusterStatus.IN_SERVICE && job === undefined);
    if (!ok) {
      throw new DecisionInvariantError(
        `cluster ${tc.id} is ${c.status} at ${c.servingPercent} % with ${job ? `${/^[AEIOU]/.test(job.kind) ? 'an' : 'a'} ${job.kind} job` : 'no job'}, which no decision produces`,
      );
    }
  }
}

function requireCluster(d: Draft, clusterId: string | undefined): ClusterState {
  if (clusterId === undefined) throw new InvalidEventError(`${d.event.type} event ${d.event.id} needs a clusterId`);
  if (!d.byId.has(clusterId)) throw new UnknownClusterError(clusterId, [...d.byId.keys()]);
  return d.clusters[clusterId];
}

function unchanged(state: WorldState, outcome: DecisionOutcome, reason: string): Decision {
  return { plan: [], next: state, reason, outcome };
}

/** Replaces a cluster in the working copy; undefined values remove the key (DynamoDB-friendly). */
function setCluster(d: Draft, id: string, patch: Partial<ClusterState>): ClusterState {
  const next = stripUndefined<ClusterState>({ ...d.clusters[id], ...patch });
  d.clusters[id] = next;
  return next;
}

function stripUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

function hasJob(d: Draft, id: string): boolean {
  return d.clusters[id].job !== undefined || d.newJobs.has(id);
}

function servingNow(d: Draft): Record<string, number> {
  const s: Record<string, number> = {};
  for (const tc of d.topology.clusters) s[tc.id] = d.clusters[tc.id].servingPercent;
  return s;
}

function guardContext(d: Draft, id: string, servingPercentAfter: number): GuardContext {
  return {
    cluster: d.clusters[id],
    topologyCluster: d.byId.get(id)!,
    topology: d.topology,
    global: d.global,
    servingAfter: { ...servingNow(d), [id]: servingPercentAfter },
    clusters: d.clusters,
    now: d.now,
  };
}

/**
 * Clusters by their most severe active trigger (compromise, ddos, unhealthy, lagging, surge), then topology
 * order: the order guards see isolations in, so a freed slot under the floor goes to the most dangerous one.
 * Ties keep topology order because `Array.prototype.sort` is stable (required since ES2019).
 */
function triggerOrder(d: Draft): string[] {
  return d.topology.clusters
    .map((c) => ({ id: c.id, rank: triggerSeverity(d.clusters[c.id]) }))
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.id);
}

function describeTriggers(c: ClusterState): string {
  const parts = Object.keys(c.signals)
    .sort()
    .filter((k) => isSignalActive(c.signals[k]))
    .map((k) => {
      const s = c.signals[k];
      return s.kind === 'compromise' ? `GuardDuty finding ${k.slice('guardduty:'.length)} reports a compromise` : `alarm ${k} (${s.kind}) is in ALARM`;
    });
  return parts.length > 0 ? parts.join(' and ') : 'no trigger is active';
}

function compromiseClause(c: ClusterState): string {
  return isCompromised(c) ? '; automation never restores a compromised cluster, only an operator restore does' : '';
}

/**
 * The cuts an isolation of the cluster makes. A compromise cuts the BP path first: it is the one cut that
 * protects the block producer, and job effects stop at their first failure, so nothing before it can skip it.
 */
function cutsFor(d: Draft, tc: TopologyCluster, compromised = false): CutType[] {
  if (tc.kind !== 'aws') return [];
  const p = d.topology.policy;
  const internet = p.cutInternet ? (['CUT_INTERNET'] as const) : [];
  const bp = p.cutBlockProducerPath ? (['CUT_BP_PATH'] as const) : [];
  return compromised ? [...bp, ...internet] : [...internet, ...bp];
}

/** Whether a compromise of this cluster can have its BP path cut on its own (aws cluster, policy cuts it). */
function canCutBpPath(d: Draft, tc: TopologyCluster): boolean {
  return tc.kind === 'aws' && d.topology.policy.cutBlockProducerPath;
}

/** The pin fields to clear when `pinOverrideClause` says a compromise overrides the pin (nothing otherwise). */
function pinRemoval(overrides: string): Partial<ClusterState> {
  return overrides !== '' ? { pin: undefined, pinUntil: undefined, pinBy: undefined } : {};
}

/** `; this overrides the FORCED_IN_SERVICE pin ...` when a compromise overrides an in-service pin. */
function pinOverrideClause(d: Draft, c: ClusterState): string {
  return c.pin === OperatorPin.FORCED_IN_SERVICE && pinHolds(c, d.now) && isCompromised(c)
    ? `; a compromise overrides the pin ${describePin(c)}, which is removed`
    : '';
}

function describeLevers(tc: TopologyCluster, cuts: readonly CutType[], bpFirst = false): string {
  if (tc.kind === 'external') return 'DNS weight 0 only, since DNS is the only lever on an external cluster';
  const name = (c: CutType) => (c === 'CUT_INTERNET' ? 'internet cut' : 'block-producer VPN path cut');
  if (bpFirst && cuts[0] === 'CUT_BP_PATH') return ['block-producer VPN path cut first', 'DNS weight 0', ...cuts.slice(1).map(name)].join(', ');
  return ['DNS weight 0', ...cuts.map(name)].join(', ');
}

// ---------------------------------------------------------------- signals

/**
 * Records a signal if it is newer than the recorded one (events are ordered by their own timestamp, never by
 * arrival). Returns false when it is stale.
 *
 * Quiet periods count only confirmed clear time: a signal whose data is unknown (see `isSignalUnknown`) stops
 * a running quiet period, and the quiet period owed (`quietPending`) starts again only when every signal is
 * confirmed clear, from that moment.
 */
function applySignal(d: Draft, id: string, key: string, incoming: SignalState, description: string): boolean {
  const c = d.clusters[id];
  const prev = c.signals[key];
  if (prev !== undefined && incoming.timestamp <= prev.timestamp) return false;
  // ALARM -> ALARM (a newer update of a still-firing alarm) is not a new activation: keep the operator's
  // acknowledgement. A newer GuardDuty update of an acknowledged compromise re-activates it only when it shows
  // new activity (see compromiseRecurs): GuardDuty re-publishes active findings every few hours.
  const keepAck =
    prev?.acknowledgedAt !== undefined &&
    (prev.kind === 'compromise' ? !compromiseRecurs(prev, incoming) : prev.state === 'ALARM' && incoming.state === 'ALARM');
  // Missing data stays one stretch while it lasts: keep the page already sent for it.
  const keepPaged = prev?.unknownPagedAt !== undefined && isSignalUnknown(prev) && isSignalUnknown(incoming);
  const next: SignalState = stripUndefined({
    ...incoming,
    acknowledgedAt: keepAck ? prev.acknowledgedAt : undefined,
    unknownPagedAt: keepPaged ? prev.unknownPagedAt : undefined,
  });
  const wasActive = hasActiveTrigger(c);
  const wasUnknown = hasUnknownSignal(c);
  // `countsAsTrigger`, not `isSignalActive`: the lag of a cluster whose cuts are in force is caused by them
  // and must not restart its quiet period (see lagCounts).
  const activated = countsAsTrigger(next, c) && !(prev !== undefined && countsAsTrigger(prev, c));
  const signals = { ...c.signals, [key]: next };
  const after0 = { ...c, signals };
  const isActive = hasActiveTrigger(after0);
  const isUnknown = hasUnknownSignal(after0);

  let clearSince = c.clearSince;
  let quietPending = c.quietPending;
  if (activated) {
    clearSince = undefined;
    quietPending = undefined;
  } else if (!isActive && isUnknown) {
    // A quiet period that was owed or running waits for confirmed data; unknown time never counts.
    if (wasActive || clearSince !== undefined) quietPending = true;
    clearSince = undefined;
  } else if (!isActive && (wasActive || quietPending === true)) {
    // From the latest change of any signal, not of this one: events arrive out of order, and an older "OK"
    // arriving last must not date the quiet period before another alarm's (or unknown data's) end.
    clearSince = Math.max(...Object.values(signals).map((s) => s.timestamp));
    quietPending = undefined;
  }
  const after = setCluster(d, id, { signals, clearSince, quietPending, lastTriggerAt: activated ? incoming.timestamp : c.lastTriggerAt });

  const outOfService = after.status === ClusterStatus.ISOLATED || after.status === ClusterStatus.ISOLATING;
  let consequence: string;
  if (activated && outOfService) {
    consequence = `it is already ${after.status}, so the quiet period restarts`;
  } else if (isUnknown && !wasUnknown && !isActive) {
    consequence = `its data is unknown, so cluster ${id} is held (neither isolated nor restored) and no quiet period counts until every alarm reports OK`;
  } else if (quietPending === true && c.quietPending !== true && outOfService) {
    // The trigger cleared while other data is unknown: say the quiet period is owed and waits, not "no change".
    consequence = `every trigger is clear but some alarm data is unknown, so no quiet period counts until every alarm reports OK`;
  } else if (clearSince !== undefined && clearSince !== c.clearSince) {
    consequence = outOfService ? `every signal is clear, so the ${d.topology.policy.quietPeriodMinutes}-minute quiet period starts` : 'every signal is clear';
  } else {
    consequence = 'no status change';
  }
  d.notes.push({ clusterId: id, outcome: 'SIGNAL_RECORDED', reason: `Recorded ${description} for cluster ${id}; ${consequence}.` });
  return true;
}

/**
 * Whether an update of an acknowledged (operator-restored) compromise shows new activity: `service.count` rose,
 * or `service.eventLastSeen` is later than the restore. A re-published update without either (GuardDuty
 * publishes updates of active findings at the detector's publishing frequency, 6 hours by default) leaves the
 * restore standing.
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
 */
function compromiseRecurs(prev: SignalState, incoming: SignalState): boolean {
  const countRose = prev.findingCount !== undefined && incoming.findingCount !== undefined && incoming.findingCount > prev.findingCount;
  return countRose || (incoming.lastSeen ?? incoming.timestamp) > prev.acknowledgedAt!;
}

/** Notify-only findings are told to on-call once, then again at most once a day while they show new activity. */
const RENOTIFY_FINDING_MS = 24 * 60 * MINUTE_MS;
/** Notify-only findings not updated for this many days are forgotten (keeps the state item small). */
const FORGET_FINDING_DAYS = 30;

/**
 * A GuardDuty finding: classified by the finding policy. A compromise becomes a sticky signal; an attack on us
 * or expected activity is recorded and notified, never a trigger (it never isolates and never uses the rate
 * limit); an attack on us may corroborate a held DDoS reading.
 */
function applyFinding(d: Draft, event: FindingEvent): Decision | undefined {
  const id = event.clusterId;
  const verdict = classifyFinding(event.facts, d.topology.findingPolicy);
  const what = `GuardDuty finding ${event.findingId} (${event.facts.type}, severity ${event.facts.severity})`;
  const why = `${verdict.class}: ${verdict.explanation} [${verdict.ruleId}]`;
  if (verdict.class === 'ignore') {
    return unchanged(d.orig, 'NO_CHANGE', `Ignored ${what} on cluster ${id}: ${verdict.explanation} [${verdict.ruleId}].`);
  }
  if (verdict.class === 'compromise') {
    const applied = applySignal(
      d,
      id,
      `guardduty:${event.findingId}`,
      { kind: 'compromise', state: 'ALARM', timestamp: event.at, findingCount: event.count, lastSeen: event.lastSeen },
      `${what}, ${why}`,
    );
    if (!applied) {
      return unchanged(d.orig, 'STALE', `Ignored GuardDuty finding ${event.findingId} for cluster ${id}: an update at least as new is already recorded.`);
    }
    if (verdict.warning) d.notes.push({ clusterId: id, outcome: 'SIGNAL_RECORDED', reason: verdict.warning, severity: 'WARNING' });
    advanceTimers(d, id, false);
    evaluateTrigger(d, id);
    return undefined;
  }
  const c = d.clusters[id];
  const prev = c.notifiedFindings?.[event.findingId];
  if (prev !== undefined && event.at <= prev.at) {
    return unchanged(d.orig, 'STALE', `Ignored GuardDuty finding ${event.findingId} for cluster ${id}: an update at least as new is already recorded.`);
  }
  const newActivity = prev === undefined || event.count > prev.count || event.lastSeen > prev.lastSeen;
  const tell = prev === undefined || (newActivity && d.now - prev.notifiedAt >= RENOTIFY_FINDING_MS);
  const kept = Object.fromEntries(Object.entries(c.notifiedFindings ?? {}).filter(([, f]) => d.now - f.at < FORGET_FINDING_DAYS * 24 * 60 * MINUTE_MS));
  const record: NotifiedFinding = {
    class: verdict.class,
    count: event.count,
    lastSeen: event.lastSeen,
    at: event.at,
    notifiedAt: tell ? d.now : prev.notifiedAt,
  };
  const attack = verdict.class === 'attack-on-us';
  setCluster(d, id, {
    notifiedFindings: { ...kept, [event.findingId]: record },
    lastAttackSeenAt: attack && newActivity ? Math.max(c.lastAttackSeenAt ?? 0, event.lastSeen) : c.lastAttackSeenAt,
  });
  const consequence = verdict.class === 'attack-on-us' ? 'notify only, never isolates' : 'expected on a blockchain node, notify only';
  d.notes.push({
    clusterId: id,
    outcome: 'SIGNAL_RECORDED',
    reason: `${what} on cluster ${id} (count ${event.count}) is ${why}; ${consequence}${tell ? '' : newActivity ? ' (told less than a day ago)' : ' (re-published, no new activity)'}.`,
    ...(tell ? { severity: 'INFO' as const } : {}),
  });
  // An unknown type's warning (extend the policy) makes the page a WARNING.
  if (verdict.warning && tell) d.notes.push({ clusterId: id, outcome: 'SIGNAL_RECORDED', reason: verdict.warning, severity: 'WARNING' });
  // An attack on us is no trigger by itself; it only ever releases a DDoS reading that waits for corroboration.
  if (attack && releaseCorroboratedDdos(d, id)) evaluateTrigger(d, id);
  return undefined;
}

/** Whether a DDoS reading at `at` is corroborated on cluster `id` (unhealthy, surge, or an attack-on-us finding in the window). */
function ddosCorroboration(d: Draft, id: string, at: number): string | undefined {
  const c = d.clusters[id];
  const impact = Object.entries(c.signals).find(([, s]) => (s.kind === 'unhealthy' || s.kind === 'surge') && s.state === 'ALARM' && s.acknowledgedAt === undefined);
  if (impact) return `alarm ${impact[0]} (${impact[1].kind}) is in ALARM`;
  const windowMs = (d.topology.policy.ddosImpactWindowMinutes ?? 30) * MINUTE_MS;
  if (c.lastAttackSeenAt !== undefined && Math.abs(at - c.lastAttackSeenAt) <= windowMs) return 'an attack-on-us GuardDuty finding was seen within the window';
  return undefined;
}

/**
 * Under `isolateOnDdos: "with-impact"`, marks a DDoS reading in ALARM without corroboration as awaiting impact
 * (not a trigger). Shield's DDoSDetected can be non-zero without an attack underway, and Shield mitigates at the
 * edge by itself: alone it is worth a WARNING, not an isolation.
 * @see https://docs.aws.amazon.com/waf/latest/developerguide/monitoring-cloudwatch.html
 */
function gateDdos(d: Draft, id: string, key: string, incoming: SignalState): SignalState {
  if ((d.topology.policy.isolateOnDdos ?? 'always') !== 'with-impact' || incoming.kind !== 'ddos' || incoming.state !== 'ALARM') return incoming;
  const prev = d.clusters[id].signals[key];
  // A reading already released stays released while the alarm keeps firing.
  if (prev?.state === 'ALARM' && prev.awaitingImpact !== true) return incoming;
  if (ddosCorroboration(d, id, incoming.timestamp) !== undefined) return incoming;
  if (prev?.awaitingImpact !== true && (prev === undefined || incoming.timestamp > prev.timestamp)) {
    const minutes = d.topology.policy.ddosImpactWindowMinutes ?? 30;
    d.notes.push({
      clusterId: id,
      outcome: 'SIGNAL_RECORDED',
      reason: `Shield reports DDoSDetected on cluster ${id} (alarm ${key}) without impact: no unhealthy targets, no traffic surge, no attack-on-us finding within ${minutes} minutes. Shield mitigates at the edge; not isolating (protection.isolateOnDdos is "with-impact").`,
      severity: 'WARNING',
    });
  }
  return { ...incoming, awaitingImpact: true };
}

/** Releases held DDoS readings of a cluster that are now corroborated; returns whether one was released. */
function releaseCorroboratedDdos(d: Draft, id: string): boolean {
  const c = d.clusters[id];
  // Only gateDdos holds a reading, and only one in ALARM; any later update of the alarm replaces it.
  const held = Object.entries(c.signals).filter(([, s]) => s.awaitingImpact === true);
  let released = false;
  for (const [key, s] of held) {
    const by = ddosCorroboration(d, id, s.timestamp);
    if (by === undefined) continue;
    const cur = d.clusters[id];
    const wasActive = hasActiveTrigger(cur);
    const { awaitingImpact: _held, ...signal } = s;
    setCluster(d, id, {
      signals: { ...cur.signals, [key]: signal },
      clearSince: isSignalActive(signal) ? undefined : cur.clearSince,
      lastTriggerAt: !wasActive && isSignalActive(signal) ? d.now : cur.lastTriggerAt,
    });
    d.notes.push({ clusterId: id, outcome: 'SIGNAL_RECORDED', reason: `The DDoS reading ${key} of cluster ${id} is corroborated (${by}): it counts as a trigger now.` });
    released = true;
  }
  return released;
}

function acknowledgeSignals(d: Draft, id: string): number {
  const c = d.clusters[id];
  let n = 0;
  const signals: Record<string, SignalState> = {};
  for (const [k, s] of Object.entries(c.signals)) {
    if (isSignalActive(s)) {
      n++;
      signals[k] = { ...s, acknowledgedAt: d.now };
    } else {
      signals[k] = s;
    }
  }
  if (n > 0) setCluster(d, id, { signals, clearSince: undefined, quietPending: undefined });
  return n;
}

// ---------------------------------------------------------------- transitions

/**
 * Starts an isolation if the guards of `mode` allow it. Automatic refusals are recorded and notified once per
 * trigger activation; operator refusals are left to the caller.
 *
 * A compromise that the guards hold back (floor, all-zero rule, pause) still has its BP path cut at once, as a
 * job of its own (status BP_PATH_CUT): the floor protects peers' access to seed nodes, not a compromised
 * host's access to the block producer.
 */
function tryIsolate(d: Draft, id: string, mode: IsolationMode): Refusal | undefined {
  const c = d.clusters[id];
  const tc = d.byId.get(id)!;
  const refusal = firstRefusal(ISOLATION_GUARDS, mode, guardContext(d, id, 0));
  const automatic = mode === 'automatic' || mode === 'rampAbort';
  const compromised = automatic && isCompromised(c);
  if (refusal?.guardId === 'LAG_SETTLING') {
    // "Not yet", not a refusal anyone must hear of: recorded nowhere, so the page of a chain-wide lag that the
    // settle time reveals is still the first one for this activation.
    d.notes.push({ clusterId: id, outcome: 'NO_CHANGE', reason: `Cluster ${id} lags behind the chain; ${refusal.reason}, so it is not drained yet.` });
    return refusal;
  }
  if (refusal?.guardId === 'CHAIN_WIDE_LAG') d.global = { ...d.global, chainWideLagSeenAt: d.now };
  if (refusal) {
    if (automatic) {
      const reason = `Refused to isolate cluster ${id} (${describeTriggers(c)}): ${refusal.reason} [${refusal.guardId}].`;
      const fresh = c.lastRefusal === undefined || c.lastRefusal.triggerAt !== c.lastTriggerAt;
      if (compromised && c.status !== ClusterStatus.BP_PATH_CUT && canCutBpPath(d, tc)) {
        cutBpPathOnly(d, id, refusal);
      } else if (fresh) {
        setCluster(d, id, { lastRefusal: { reason, at: d.now, triggerAt: c.lastTriggerAt } });
        d.notes.push({ clusterId: id, outcome: 'ISOLATION_REFUSED', reason, severity: refusal.guardId === 'COOLDOWN' || refusal.guardId === 'PINNED_IN_SERVICE' ? 'WARNING' : 'CRITICAL' });
      } else {
        // Already reported for this activation: re-evaluated silently until a guard allows it.
        d.notes.push({ clusterId: id, outcome: 'ISOLATION_REFUSED', reason });
      }
    }
    return refusal;
  }
  const fromBpCut = c.status === ClusterStatus.BP_PATH_CUT;
  // From BP_PATH_CUT with its cut job done, the BP path is already cut: the rest of the isolation follows.
  // With the cut job still in flight, the isolation job that supersedes it cuts the BP path (first) again.
  // Lag alone is not an attack: the remedy is a DNS drain, nothing is cut (an operator isolation still cuts).
  const drain = automatic && isLaggingOnly(c);
  const cuts = drain ? [] : cutsFor(d, tc, compromised).filter((t) => !(fromBpCut && c.job === undefined && t === 'CUT_BP_PATH'));
  const wasRestoring = c.status === ClusterStatus.RESTORING;
  const overrides = pinOverrideClause(d, c);
  setCluster(d, id, {
    status: ClusterStatus.ISOLATING,
    servingPercent: 0,
    lastTransitionAt: d.now,
    lastRefusal: undefined,
    rampStage: undefined,
    rampStageSince: undefined,
    // A manual isolation has no trigger to clear: it stays until an operator restores it.
    clearSince: undefined,
    quietPending: undefined,
    ...pinRemoval(overrides),
    drained: drain ? true : undefined,
  });
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts, bpFirst: cuts[0] === 'CUT_BP_PATH' && compromised });
  if (automatic) {
    d.global = { ...d.global, recentIsolations: [...isolationsInWindow(d.global, d.topology, d.now), d.now] };
    const levers = drain
      ? 'a drain: DNS weight 0 and nothing cut, since its nodes lag behind the chain and it is not attacked'
      : describeLevers(tc, cuts, compromised);
    const after = d.clusters[id];
    const severity: Severity = isCompromised(after) ? 'CRITICAL' : 'WARNING';
    const tail = `${compromiseClause(after)}${overrides}`;
    d.notes.push(
      wasRestoring
        ? { clusterId: id, outcome: 'RAMP_ABORTED', reason: `Aborted the restore ramp of cluster ${id} and re-isolating it because ${describeTriggers(after)}: ${levers}${tail}.`, severity }
        : fromBpCut
          ? { clusterId: id, outcome: 'ISOLATION_STARTED', reason: `Completing the isolation of cluster ${id} (its block-producer path is already cut) because ${describeTriggers(after)}, now that the guards allow it: ${levers}${tail}.`, severity }
          : { clusterId: id, outcome: 'ISOLATION_STARTED', reason: `Isolating cluster ${id} because ${describeTriggers(after)}: ${levers}${tail}.`, severity },
    );
  }
  return undefined;
}

/** The part of a compromise's isolation the guards allow at once: the BP-path cut, as its own job. */
function cutBpPathOnly(d: Draft, id: string, refusal: Refusal): void {
  const c = d.clusters[id];
  const overrides = pinOverrideClause(d, c);
  const ramp = c.status === ClusterStatus.RESTORING ? '; its restore ramp stops' : '';
  const reason =
    `Cut the block-producer path of cluster ${id} at once because ${describeTriggers(c)}; its DNS weight and internet cut are held back: ` +
    `${refusal.reason} [${refusal.guardId}]. Cluster ${id} still serves peers at ${c.servingPercent} % (BP path cut)${ramp}; the rest follows as soon as the guards allow${overrides}.`;
  setCluster(d, id, {
    status: ClusterStatus.BP_PATH_CUT,
    lastTransitionAt: d.now,
    rampStage: undefined,
    rampStageSince: undefined,
    lastRefusal: { reason, at: d.now, triggerAt: c.lastTriggerAt },
    ...pinRemoval(overrides),
  });
  // Its one cut is the BP-path cut that `bpFirst` puts first in the plan; nothing else is cut yet.
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts: [], bpOnly: true, bpFirst: true });
  d.notes.push({ clusterId: id, outcome: 'BP_PATH_CUT', reason, severity: 'CRITICAL' });
}

/**
 * Starts a restore. An aws cluster gets its weight back only once its cuts are undone (the restore job's
 * result sets the first ramp stage): a weight that went live before a failed undo would count a still-cut
 * cluster as serving, and the minimum-healthy rule would then let another cluster go. A cluster that still
 * serves peers (BP_PATH_CUT) keeps its share and resumes the ramp at the first stage at or above it.
 */
function startRestore(d: Draft, id: string): void {
  const tc = d.byId.get(id)!;
  const c = d.clusters[id];
  // A drained cluster has nothing cut: its weight comes back at once, its lag being clear already.
  const undo = tc.kind === 'aws' && c.drained !== true;
  const ramp = d.topology.policy.restoreRampPercent;
  // 0 % for an ISOLATED cluster (see checkInvariants); a BP_PATH_CUT one keeps its share.
  const serving = c.servingPercent;
  const stage = Math.max(0, ramp.findIndex((p) => p >= serving));
  setCluster(d, id, {
    drained: undefined,
    status: ClusterStatus.RESTORING,
    servingPercent: undo ? serving : ramp[0],
    rampStage: stage,
    rampStageSince: d.now,
    lastTransitionAt: d.now,
    clearSince: undefined,
    quietPending: undefined,
    lastRefusal: undefined,
  });
  d.newJobs.set(id, { kind: 'RESTORE', undo, cuts: [] });
}

/** Timers of one cluster: pin expiry, stuck/failed jobs (reconcile only), missing data, the ramp, the quiet period. */
function advanceTimers(d: Draft, id: string, reconcile: boolean): void {
  expirePin(d, id);
  if (reconcile) pageMissingData(d, id);
  const c = d.clusters[id];
  if (c.job !== undefined) {
    const since = c.job.lastAttemptAt ?? c.job.startedAt;
    // No undo is retried while a trigger of the cluster is active: it would re-open what the next decision cuts
    // again. `evaluateTrigger` sends such a restore back to isolation instead.
    const underFire = c.job.kind === 'RESTORE' && hasActiveTrigger(c);
    if (reconcile && !underFire && (c.job.lastError !== undefined || d.now - since >= JOB_RETRY_AFTER_MS)) {
      d.replans.push(id);
      const why = c.job.lastError !== undefined ? `its last attempt failed (${c.job.lastError})` : `it has run for ${JOB_RETRY_AFTER_MS / MINUTE_MS} minutes or more`;
      d.notes.push({
        clusterId: id,
        outcome: 'JOB_RETRIED',
        reason: `Re-planned the ${c.job.kind} job ${c.job.id} of cluster ${id} (attempt ${(c.job.attempts ?? 1) + 1}) because ${why}; its effects keep their ids.`,
        severity: 'WARNING',
      });
    }
    return;
  }
  // Defensive: timers run before any trigger of the decision is evaluated, so no job of this cluster started yet.
  if (hasJob(d, id)) return;
  // An in-service pin means serving: the ramp completes on schedule although a (non-compromise) trigger recurs.
  // (expirePin above dropped a pin whose time is up: any pin left holds.)
  const pinned = c.pin === OperatorPin.FORCED_IN_SERVICE && !isCompromised(c);
  const rampHeld = (hasActiveTrigger(c) || hasUnknownSignal(c)) && !pinned;
  if (c.status === ClusterStatus.RESTORING && c.servingPercent === 0) {
    // Catching up: the cuts are undone, and the first weight waits until the nodes are back at the chain's head.
    if (!lagUnresolved(c) && !rampHeld && !d.global.automationPaused) {
      const first = d.topology.policy.restoreRampPercent[c.rampStage ?? 0];
      setCluster(d, id, { servingPercent: first, rampStageSince: d.now });
      d.notes.push({ clusterId: id, outcome: 'RAMP_ADVANCED', reason: `Cluster ${id} caught up with the chain after its isolation; its DNS share is now ${first} % and the ramp continues.` });
    }
  } else if (c.status === ClusterStatus.RESTORING && !rampHeld && rampStepDue(c, d.global, d.topology, d.now)) {
    advanceRamp(d, id);
  } else if (c.status === ClusterStatus.ISOLATED && !d.pinExpired.has(id)) {
    if (firstRefusal(RESTORE_GUARDS, 'automatic', guardContext(d, id, d.topology.policy.restoreRampPercent[0])) === undefined) {
      startRestore(d, id);
      const tc = d.byId.get(id)!;
      d.notes.push({
        clusterId: id,
        outcome: 'RESTORE_STARTED',
        reason: `Restoring cluster ${id}: every signal has been confirmed clear for ${d.topology.policy.quietPeriodMinutes} minutes, so ${tc.kind === 'aws' ? 'its cuts are undone and ' : ''}its DNS share ramps up from ${d.topology.policy.restoreRampPercent[0]} %.`,
        severity: 'INFO',
      });
    }
  }
}

/**
 * Drops a pin whose time is up. An expired in-service pin hands the cluster back to the normal rules (an
 * active trigger then isolates it). An expired isolated pin never restores by itself: nothing restores in this
 * decision, and a running quiet period starts again from the expiry, so the cluster needs a full quiet period
 * of confirmed clear data under the normal rules (a compromise still needs an operator's restore).
 */
function expirePin(d: Draft, id: string): void {
  const c = d.clusters[id];
  if (c.pin === undefined || pinHolds(c, d.now)) return;
  const isolatedPin = c.pin === OperatorPin.FORCED_ISOLATED;
  setCluster(d, id, { pin: undefined, pinUntil: undefined, pinBy: undefined, ...(isolatedPin && c.clearSince !== undefined ? { clearSince: d.now } : {}) });
  d.pinExpired.add(id);
  const then = isolatedPin
    ? c.status === ClusterStatus.ISOLATED || c.status === ClusterStatus.ISOLATING
      ? `; it stays ${c.status} under the normal rules (${isCompromised(c) ? 'a compromise needs an operator restore' : c.clearSince !== undefined ? `a fresh ${d.topology.policy.quietPeriodMinutes}-minute quiet period runs from now` : 'no trigger to clear: an operator restores it'})`
      : ''
    : hasActiveTrigger(c)
      ? `; the trigger it held back (${describeTriggers(c)}) now counts`
      : '';
  d.notes.push({ clusterId: id, outcome: 'PIN_EXPIRED', reason: `The pin ${describePin(c)} of cluster ${id} expired; automation manages it again${then}.`, severity: 'WARNING' });
}

/** Pages once per stretch of missing data when an alarm has sat in INSUFFICIENT_DATA (holding its cluster) too long. */
function pageMissingData(d: Draft, id: string): void {
  const c = d.clusters[id];
  const limit = d.topology.policy.insufficientDataPageMinutes ?? DEFAULT_INSUFFICIENT_DATA_PAGE_MINUTES;
  const late = Object.keys(c.signals)
    .sort()
    .filter((k) => holdsAsUnknown(c.signals[k], c) && c.signals[k].unknownPagedAt === undefined && d.now - c.signals[k].timestamp >= limit * MINUTE_MS);
  if (late.length === 0) return;
  const signals = { ...c.signals };
  for (const k of late) signals[k] = { ...signals[k], unknownPagedAt: d.now };
  setCluster(d, id, { signals });
  const since = new Date(Math.min(...late.map((k) => c.signals[k].timestamp))).toISOString();
  d.notes.push({
    clusterId: id,
    outcome: 'DATA_MISSING',
    reason: `Alarm ${late.join(', ')} of cluster ${id} has been in INSUFFICIENT_DATA since ${since} (${limit} minutes or more): cluster ${id} is held, neither isolated nor restored, and no quiet period counts until its data is back; check the metric's source.`,
    severity: 'WARNING',
  });
}

function advanceRamp(d: Draft, id: string): void {
  const c = d.clusters[id];
  const ramp = d.topology.policy.restoreRampPercent;
  const stage = c.rampStage ?? 0;
  const held = pinHoldsTriggersBack(c, d.now) ? `; the pin ${describePin(c)} holds back ${describeTriggers(c)}` : '';
  if (stage >= ramp.length - 1) {
    setCluster(d, id, { status: ClusterStatus.IN_SERVICE, servingPercent: 100, rampStage: undefined, rampStageSince: undefined, lastTransitionAt: d.now });
    d.notes.push({ clusterId: id, outcome: 'RESTORE_COMPLETED', reason: `Cluster ${id} is back in service at 100 % after its restore ramp${held}.`, severity: 'INFO' });
    return;
  }
  const next = stage + 1;
  setCluster(d, id, { servingPercent: ramp[next], rampStage: next, rampStageSince: d.now });
  d.notes.push({ clusterId: id, outcome: 'RAMP_ADVANCED', reason: `Advanced the restore ramp of cluster ${id} to stage ${next + 1} of ${ramp.length} (${ramp[next]} %)${held}.` });
}

/**
 * An active trigger asks for an isolation: of a cluster in DNS without a job, of a cluster whose restore job
 * is failing, stuck or facing a compromise (no undo under fire), and, for a compromise, of a cluster whose
 * isolation job does not cut the BP path first.
 */
function evaluateTrigger(d: Draft, id: string): void {
  const c = d.clusters[id];
  if (d.newJobs.has(id) || !hasActiveTrigger(c)) return;
  const job = c.job;
  if (job !== undefined) {
    if (job.kind === 'RESTORE') abortRestoreJob(d, id);
    // A BP-only cut still in flight when the guards allow the rest: the full isolation supersedes it.
    else if (c.status === ClusterStatus.BP_PATH_CUT) tryIsolate(d, id, 'automatic');
    else if (isCompromised(c)) cutBpPathFirst(d, id);
    return;
  }
  if (c.status === ClusterStatus.IN_SERVICE || c.status === ClusterStatus.BP_PATH_CUT) tryIsolate(d, id, 'automatic');
  else if (c.status === ClusterStatus.RESTORING) tryIsolate(d, id, 'rampAbort');
  // Only ISOLATED is left (an ISOLATING cluster has a job): a drained one that is now attacked gets its cuts.
  else if (c.drained === true && !isLaggingOnly(c)) escalateDrain(d, id);
}

/**
 * A drained cluster (out of DNS for lag, nothing cut) that is now attacked gets the cuts an isolation makes.
 * Its weight is 0 already, so neither the floor nor the rate limit is concerned; a pause still holds it.
 */
function escalateDrain(d: Draft, id: string): void {
  if (d.global.automationPaused) return;
  const tc = d.byId.get(id)!;
  // A compromise cuts the BP path first, as in any isolation of a compromise (rule 2).
  const compromised = isCompromised(d.clusters[id]);
  const cuts = cutsFor(d, tc, compromised);
  setCluster(d, id, { status: ClusterStatus.ISOLATING, drained: undefined, lastTransitionAt: d.now, clearSince: undefined });
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts, bpFirst: compromised && cuts[0] === 'CUT_BP_PATH' });
  const after = d.clusters[id];
  d.notes.push({
    clusterId: id,
    outcome: 'ISOLATION_STARTED',
    reason: `Isolating cluster ${id}, drained for lag until now, because ${describeTriggers(after)}: ${describeLevers(tc, cuts, compromised)}${compromiseClause(after)}.`,
    severity: compromised ? 'CRITICAL' : 'WARNING',
  });
}

/**
 * Lag is judged against the other clusters, so any alarm may decide a drain that was settling or held back as
 * chain-wide: re-check every cluster whose only trigger is lag.
 */
function reevaluateLaggingClusters(d: Draft, except: string): void {
  for (const id of triggerOrder(d)) if (id !== except && isLaggingOnly(d.clusters[id])) evaluateTrigger(d, id);
}

/**
 * A trigger during a restore job: no undo while under fire. A job that failed, is stuck, or faces a compromise
 * is abandoned, and the cluster goes back to isolation, re-cutting whatever the partial undo re-opened; a job
 * still running normally is waited for (cutting while it undoes would race it), and its result decides.
 */
function abortRestoreJob(d: Draft, id: string): void {
  const c = d.clusters[id];
  const job = c.job!;
  const compromised = isCompromised(c);
  const stuck = d.now - (job.lastAttemptAt ?? job.startedAt) >= JOB_RETRY_AFTER_MS;
  if (job.lastError === undefined && !stuck && !compromised) return;
  if (pinHoldsTriggersBack(c, d.now)) return;
  // Pause stops everything but the BP-path cut of a compromise: the failed undo is not retried meanwhile.
  if (d.global.automationPaused && !compromised) return;
  const tc = d.byId.get(id)!;
  if (c.servingPercent > 0) {
    // The cluster serves (external DNS-only restore, or a BP_PATH_CUT cluster's undo): leaving DNS changes
    // capacity, so the guards decide; a refused abort keeps the job (not retried while the trigger lasts).
    setCluster(d, id, { job: undefined });
    if (tryIsolate(d, id, 'rampAbort') !== undefined && !d.newJobs.has(id)) setCluster(d, id, { job });
    return;
  }
  // Out of DNS (the undo runs before any weight comes back): re-cutting changes no capacity and starts no new
  // isolation, so no guard applies and the rate limit does not count it.
  const cuts = cutsFor(d, tc, compromised);
  setCluster(d, id, {
    status: ClusterStatus.ISOLATING,
    servingPercent: 0,
    job: undefined,
    rampStage: undefined,
    rampStageSince: undefined,
    lastTransitionAt: d.now,
    clearSince: undefined,
    quietPending: undefined,
  });
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts, bpFirst: compromised && cuts[0] === 'CUT_BP_PATH' });
  const why = job.lastError !== undefined ? `its undo failed (${job.lastError})` : stuck ? `it has not finished in ${JOB_RETRY_AFTER_MS / MINUTE_MS} minutes` : 'a compromise does not wait for it';
  d.notes.push({
    clusterId: id,
    outcome: 'RAMP_ABORTED',
    reason: `Abandoned the restore job ${job.id} of cluster ${id} (${why}) because ${describeTriggers(c)}: back to isolation, re-cutting whatever the partial undo re-opened (${describeLevers(tc, cuts, compromised)})${compromiseClause(c)}.`,
    severity: compromised ? 'CRITICAL' : 'WARNING',
  });
}

/**
 * A compromise on a cluster whose isolation job is in flight: if the job does not cut the BP path first (a
 * DNS failure would skip the cut), it is superseded by one that does, with the same weight and cuts.
 */
function cutBpPathFirst(d: Draft, id: string): void {
  const c = d.clusters[id];
  const tc = d.byId.get(id)!;
  const job = c.job!;
  if (!canCutBpPath(d, tc) || job.effects[0]?.type === 'CUT_BP_PATH') return;
  const cuts = cutsFor(d, tc, true);
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts, bpFirst: true });
  d.notes.push({
    clusterId: id,
    outcome: 'ISOLATION_STARTED',
    reason: `Re-planned the isolation of cluster ${id} (job ${job.id}${job.lastError !== undefined ? `, failing: ${job.lastError}` : ''}) with its block-producer path cut first because ${describeTriggers(c)}: ${describeLevers(tc, cuts, true)}${compromiseClause(c)}.`,
    severity: 'CRITICAL',
  });
}

// ---------------------------------------------------------------- job results

function applyJobResult(d: Draft, event: JobResultEvent): Decision | undefined {
  const id = event.clusterId;
  const c = d.clusters[id];
  const job = c.job;
  if (job === undefined || job.id !== event.jobId) {
    return unchanged(d.orig, 'DUPLICATE', `Ignored the result of job ${event.jobId} for cluster ${id}: it is not the active job (duplicate or late).`);
  }
  if (event.outcome === 'FAILED') {
    if (job.lastError !== undefined) {
      return unchanged(d.orig, 'DUPLICATE', `Ignored a repeated failure of job ${job.id} for cluster ${id}: the failure is already recorded and the next reconcile re-plans the job.`);
    }
    const error = event.error ?? 'unknown error';
    // What a failed isolation did cut is still recorded, so a restore can undo it.
    setCluster(d, id, { job: { ...job, lastError: error }, isolation: mergeIsolation(c.isolation, event.isolation) });
    d.notes.push({
      clusterId: id,
      outcome: 'JOB_FAILED',
      reason: `The ${job.kind} job ${job.id} of cluster ${id} failed (${error}); the job stays recorded and the next reconcile re-plans it${job.kind === 'RESTORE' && hasActiveTrigger(c) ? ', unless a trigger is active: no undo is retried under fire' : ''}.`,
      severity: 'CRITICAL',
    });
    // A failing undo under fire goes straight back to isolation.
    if (job.kind === 'RESTORE') evaluateTrigger(d, id);
    return undefined;
  }
  if (job.kind === 'ISOLATE' && c.status === ClusterStatus.BP_PATH_CUT) {
    setCluster(d, id, { job: undefined, isolation: mergeIsolation(c.isolation, event.isolation) ?? {} });
    planReachabilityCheck(d, id, 'BLOCKED');
    d.notes.push({ clusterId: id, outcome: 'NO_CHANGE', reason: `The block-producer path of cluster ${id} is cut; it still serves peers at ${c.servingPercent} % until the guards allow the rest of its isolation.` });
  } else if (job.kind === 'ISOLATE') {
    setCluster(d, id, { status: ClusterStatus.ISOLATED, job: undefined, isolation: mergeIsolation(c.isolation, event.isolation) ?? {} });
    const proof = planReachabilityCheck(d, id, 'BLOCKED');
    d.notes.push({
      clusterId: id,
      outcome: 'ISOLATION_COMPLETED',
      reason: `Cluster ${id} is isolated; its isolation record lists what was cut so a restore undoes exactly that${proof ? `; Reachability Analyzer now checks that ${proof} are blocked` : ''}.`,
      severity: 'INFO',
    });
  } else {
    // The cuts are undone: now the first ramp stage goes live (its DNS change is part of this decision), and
    // the stage is timed from here.
    // A cluster that was cut lags behind the chain; its first weight waits until it caught up (advanceTimers).
    // One that served peers all along (BP path cut only) keeps its share: dropping it to 0 % here would take it
    // out of DNS without the floor's say; a lag of its own is a trigger, and the guarded drain handles that.
    const first = lagUnresolved(c) && c.servingPercent === 0 ? 0 : d.topology.policy.restoreRampPercent[c.rampStage ?? 0];
    // The paths the undone cuts had closed must be found again: read them from the record before it goes.
    const reopened = reachabilityPathsOf(c.isolation);
    // Only a job that had cuts to undo "undid its cuts": a drained or DNS-only cluster had none.
    const cuts = (c.isolation?.revokedIngress?.length ?? 0) + (c.isolation?.addedNaclEntries?.length ?? 0) + (c.isolation?.disabledPropagation?.length ?? 0);
    const done = cuts > 0 ? 'undid its cuts' : 'finished (nothing was cut)';
    setCluster(d, id, { job: undefined, isolation: undefined, servingPercent: first, rampStageSince: d.now });
    planReachabilityCheck(d, id, 'OPEN', reopened);
    d.notes.push({
      clusterId: id,
      outcome: 'NO_CHANGE',
      reason: first === 0
        ? `The restore job ${job.id} of cluster ${id} ${done}; its DNS share stays 0 % until its nodes catch up with the chain (lag alarm not OK).`
        : `The restore job ${job.id} of cluster ${id} ${done}; its DNS share is now ${first} % and the ramp continues.`,
    });
  }
  advanceTimers(d, id, false);
  evaluateTrigger(d, id);
  return undefined;
}

// ---------------------------------------------------------------- what the reconcile observed

/** The observation of a reconcile, when it was made against the very state this decision reads. */
function currentObservation(d: Draft): NonNullable<ReconcileEvent['observed']> | undefined {
  const e = d.event;
  return e.type === 'RECONCILE' && e.observed !== undefined && observationIsCurrent(e.observed, d.orig) ? e.observed : undefined;
}

/** Marks the observation as acted on: the global version moves, so the same observation never acts twice. */
function consumeObservation(d: Draft): void {
  d.global = { ...d.global, lastObservationEventId: d.event.id };
}

/**
 * A recorded cut that AWS shows open again pages on-call.
 *
 * When the cluster stack now publishes a network ACL the isolation record does not name, a deploy replaced
 * the ACL during the isolation and the new one came up open (its entries are the stack's, not ours): the core
 * cuts it again at once, as a job of its own (no DNS change, the weight is 0 already; the same suspension), and
 * pages CRITICAL. Otherwise (the recorded ACLs, entries removed) someone changed them by hand: the cut is never
 * re-applied behind their back, a person decides (restore, or isolate again). A pause also leaves it to a person.
 */
function compareObservedCuts(d: Draft, event: ReconcileEvent): void {
  const observed = currentObservation(d);
  if (observed === undefined) return;
  for (const seen of observed.cuts ?? []) {
    const c = requireCluster(d, seen.clusterId);
    if (c.status !== ClusterStatus.ISOLATED || d.byId.get(c.clusterId)!.kind !== 'aws') continue;
    const undone = undoneCuts(c, seen);
    if (undone.length === 0) continue;
    consumeObservation(d);
    const replaced = replacedAcls(c, seen);
    if (replaced.length > 0 && !d.global.automationPaused && !hasJob(d, c.clusterId)) {
      recut(d, c.clusterId, undone, replaced, event.id);
      continue;
    }
    d.notes.push({
      clusterId: c.clusterId,
      outcome: 'ISOLATION_DIVERGED',
      reason:
        `Cluster ${c.clusterId} is recorded ISOLATED but its ${undone.join(' and ')} ${undone.length > 1 ? 'are' : 'is'} open again (seen by ${event.id}). ` +
        `Check who changed it; restore with "seedshield restore ${c.clusterId}" or re-isolate with "seedshield isolate ${c.clusterId}".`,
      severity: 'CRITICAL',
    });
  }
}

/** The network ACLs the stack publishes now that the isolation record never cut (a deploy replaced them). */
function replacedAcls(c: ClusterState, seen: ObservedCuts): string[] {
  const recorded = new Set((c.isolation?.addedNaclEntries ?? []).map((e) => e.networkAclId));
  if (recorded.size === 0) return [];
  return [...new Set(seen.networkAclIds ?? [])].filter((id) => !recorded.has(id)).sort();
}

/** Cuts an ISOLATED cluster again whose cut a deploy re-opened (see {@link compareObservedCuts}). */
function recut(d: Draft, id: string, undone: readonly ('internet ingress' | 'block-producer path')[], replaced: readonly string[], seenBy: string): void {
  const c = d.clusters[id];
  const tc = d.byId.get(id)!;
  const compromised = isCompromised(c);
  const wanted = new Set<CutType>(undone.map((u) => (u === 'internet ingress' ? 'CUT_INTERNET' : 'CUT_BP_PATH')));
  const cuts = cutsFor(d, tc, compromised).filter((t) => wanted.has(t));
  // Not a new isolation: the rate limit does not count it, and the quiet period (if any) goes on.
  setCluster(d, id, { status: ClusterStatus.ISOLATING });
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts, bpFirst: compromised && cuts[0] === 'CUT_BP_PATH', noDns: true });
  d.notes.push({
    clusterId: id,
    outcome: 'ISOLATION_DIVERGED',
    reason:
      `Cluster ${id} is recorded ISOLATED but its ${undone.join(' and ')} ${undone.length > 1 ? 'are' : 'is'} open again on network ACL ${replaced.join(', ')} (seen by ${seenBy}), ` +
      `which the cluster stack publishes now and the isolation never cut: a deploy replaced it. Cutting it again: ${cuts.map((t) => (t === 'CUT_INTERNET' ? 'internet cut' : 'block-producer VPN path cut')).join(', ')} (its DNS weight stays 0).`,
    severity: 'CRITICAL',
  });
}

/**
 * A weight set Route 53 serves that differs from the recorded state (a ramp step whose change failed, a hand
 * edit in the console, a lost write) is set back in one change, unless this decision changes the weights
 * anyway or a job is in flight (the job owns the weights until its result is in).
 */
function repairDns(d: Draft, weights: Readonly<Record<string, number>>): boolean {
  const served = currentObservation(d)?.servedWeights;
  if (served === undefined || d.topology.clusters.some((tc) => hasJob(d, tc.id))) return false;
  const diverged = divergedWeights(weights, served);
  if (diverged.length === 0) return false;
  consumeObservation(d);
  d.notes.push({
    outcome: 'DNS_REPAIRED',
    reason: `Set the DNS weights back to the recorded state: Route 53 served ${diverged.map((id) => `${id} at ${served[id]} instead of ${weights[id]}`).join(', ')}.`,
  });
  return true;
}

// ---------------------------------------------------------------- proof with Reachability Analyzer

/**
 * Plans a Reachability Analyzer check of the paths an isolation's cuts close (`BLOCKED`, after the cuts are in
 * force) or that a restore re-opened (`OPEN`, after the undo). Only for aws clusters, when the policy turns it
 * on, and when something was cut. Returns the paths as words for the notification, or undefined.
 */
function planReachabilityCheck(
  d: Draft,
  id: string,
  expect: ReachabilityExpectation,
  paths: readonly ReachabilityPathKind[] = reachabilityPathsOf(d.clusters[id].isolation),
): string | undefined {
  if (d.topology.policy.verifyReachability !== true || d.byId.get(id)!.kind !== 'aws') return undefined;
  if (reachabilityPathLabels(paths, d.topology).length === 0) return undefined;
  d.verifications.set(id, { expect, paths });
  return describePaths(paths);
}

function describePaths(paths: readonly ReachabilityPathKind[]): string {
  return paths.map((p) => (p === 'INTERNET_TO_NODE' ? 'the internet-to-node path (p2p port)' : 'the node-to-site paths')).join(' and ');
}

/**
 * Reads what a reconcile observed of the pending reachability checks. Reachability Analyzer checks the
 * configuration, not live packets: a path found while the cuts should block it means the configuration lets
 * traffic through (a rule, a route, a replaced ACL), and pages CRITICAL; so does a path not found after a
 * restore. A failed analysis is unknown, never proof: it pages too. A check with a path that shows no analysis
 * for a while is started again (same id), a few times, then given up as unknown.
 *
 * A check is judged only while the cluster is still in the state it checks (cuts recorded for BLOCKED, none for
 * OPEN): a later check replaces it.
 */
function compareReachability(d: Draft): void {
  const observed = currentObservation(d);
  if (observed === undefined) return;
  for (const seen of observed.reachability ?? []) {
    const c = requireCluster(d, seen.clusterId);
    const check = c.reachability;
    if (check === undefined || check.id !== seen.checkId || check.status !== 'PENDING') continue;
    if ((check.expect === 'BLOCKED') !== (c.isolation !== undefined)) continue;
    const id = c.clusterId;
    const verdict = readReachability(check, seen, d.topology);
    const settle = (status: ReachabilityStatus, detail: string, outcome: DecisionOutcome, severity: Severity, reason: string) => {
      setCluster(d, id, { reachability: { ...check, status, detail, decidedAt: d.now } });
      d.notes.push({ clusterId: id, outcome, reason, severity });
    };
    if (verdict.kind === 'PENDING') {
      const attempts = check.attempts ?? 1;
      if (verdict.missing.length === 0 || d.now - (check.lastAttemptAt ?? check.startedAt) < REACHABILITY_RESTART_AFTER_MS) continue;
      const missing = verdict.missing.join(', ');
      if (attempts >= REACHABILITY_MAX_ATTEMPTS) {
        settle('UNKNOWN', `no analysis of ${missing} after ${attempts} starts`, 'REACHABILITY_UNKNOWN', 'WARNING',
          `The Reachability Analyzer check ${check.id} of cluster ${id} is unknown: no analysis of ${missing} appeared after ${attempts} starts (check the journal for the VERIFY_REACHABILITY error, e.g. IAM); the cuts are neither proven nor disproven.`);
        continue;
      }
      setCluster(d, id, { reachability: { ...check, attempts: attempts + 1, lastAttemptAt: d.now } });
      d.reverifications.push(id);
      d.notes.push({ clusterId: id, outcome: 'JOB_RETRIED', reason: `Started the Reachability Analyzer check ${check.id} of cluster ${id} again (attempt ${attempts + 1} of ${REACHABILITY_MAX_ATTEMPTS}): no analysis of ${missing} has appeared.` });
      continue;
    }
    if (verdict.kind === 'FAILED') {
      settle('UNKNOWN', verdict.detail, 'REACHABILITY_UNKNOWN', 'WARNING',
        `The Reachability Analyzer check ${check.id} of cluster ${id} is unknown: an analysis failed (${verdict.detail}); the cuts are neither proven nor disproven, so the ${check.expect === 'BLOCKED' ? 'isolation' : 'restore'} stays unverified until an operator checks it.`);
      continue;
    }
    const wrong = check.expect === 'BLOCKED' ? verdict.found : verdict.notFound;
    if (wrong.length > 0) {
      const what = check.expect === 'BLOCKED'
        ? `found a path on ${wrong.join(', ')} while cluster ${id} is recorded as cut: its configuration lets that traffic through (a rule, a route or a replaced ACL); check what changed, then re-isolate with "seedshield isolate ${id}"`
        : `found no path on ${wrong.join(', ')} after the restore of cluster ${id}: something still blocks it (an entry left behind, a route not propagated); check its network ACLs and routes`;
      settle('UNVERIFIED', `${check.expect === 'BLOCKED' ? 'path found' : 'no path'}: ${wrong.join(', ')}`, 'REACHABILITY_UNVERIFIED', 'CRITICAL', `Reachability Analyzer ${what}.`);
      continue;
    }
    const labels = [...verdict.found, ...verdict.notFound].join(', ');
    settle('VERIFIED', `${check.expect === 'BLOCKED' ? 'no path' : 'path found'}: ${labels}`, 'REACHABILITY_VERIFIED', 'INFO',
      `Reachability Analyzer confirms the ${check.expect === 'BLOCKED' ? 'isolation' : 'restore'} of cluster ${id}: ${check.expect === 'BLOCKED' ? 'no path' : 'a path'} on ${labels} (configuration analysis, not live packets).`);
  }
}

// ---------------------------------------------------------------- operator commands

function applyOperator(d: Draft, event: OperatorEvent): Decision | undefined {
  const by = `${event.operator} (${event.reason})`;
  if (event.command === 'pause' || event.command === 'resume') {
    if (d.global.lastOperatorEventId === event.id) {
      return unchanged(d.orig, 'DUPLICATE', `Ignored operator command ${event.id}: it was already applied.`);
    }
    const pause = event.command === 'pause';
    const already = d.global.automationPaused === pause;
    d.global = { ...d.global, automationPaused: pause, lastOperatorEventId: event.id };
    const consequence = pause
      ? ': only operator commands act, except the block-producer path cut of a compromise'
      : ': held-back triggers are re-checked now';
    d.notes.push({
      outcome: pause ? 'AUTOMATION_PAUSED' : 'AUTOMATION_RESUMED',
      reason: `Operator ${by} ${pause ? 'paused' : 'resumed'} automation${already ? `; it was already ${pause ? 'paused' : 'running'}` : consequence}.`,
      severity: pause ? 'WARNING' : 'INFO',
    });
    return undefined;
  }

  const id = event.clusterId;
  const c = requireCluster(d, id);
  if (c.lastOperatorEventId === event.id) {
    return unchanged(d.orig, 'DUPLICATE', `Ignored operator command ${event.id}: it was already applied.`);
  }
  const cid = id!;
  setCluster(d, cid, { lastOperatorEventId: event.id });
  const refuse = (why: string, rule: string): undefined => {
    d.notes.push({ clusterId: cid, outcome: 'OPERATOR_REFUSED', reason: `Refused ${event.command} of cluster ${cid} by operator ${by}: ${why} [${rule}].`, severity: 'WARNING' });
    return undefined;
  };
  const applied = (what: string, severity: Severity): undefined => {
    d.notes.push({ clusterId: cid, outcome: 'OPERATOR_APPLIED', reason: `Operator ${by} ${what}.`, severity });
    return undefined;
  };
  const isolateMode: IsolationMode = event.force ? 'operatorForced' : 'operator';
  const levers = () => describeLevers(d.byId.get(cid)!, cutsFor(d, d.byId.get(cid)!));
  const inDns = c.status === ClusterStatus.IN_SERVICE || c.status === ClusterStatus.RESTORING || c.status === ClusterStatus.BP_PATH_CUT;

  switch (event.command) {
    case 'isolate': {
      const refusal = tryIsolate(d, cid, isolateMode);
      if (refusal) return refuse(refusal.reason, refusal.guardId);
      return applied(`isolated cluster ${cid}${event.force ? ' (forced)' : ''}: ${levers()}; it stays isolated until an operator restores it`, 'WARNING');
    }
    case 'restore': {
      // The escape hatch for an isolation job that keeps failing (e.g. an IAM deny): with --force, an operator
      // abandons it and undoes whatever it did cut. Only once it has failed: its failed results carry the
      // parts of the isolation record it made, so the undo misses nothing.
      const abandon = c.job?.kind === 'ISOLATE' && c.job.lastError !== undefined && event.force === true;
      if (abandon) {
        const abandoned = c.job;
        setCluster(d, cid, { job: undefined, status: ClusterStatus.ISOLATED });
        d.notes.push({
          clusterId: cid,
          outcome: 'OPERATOR_APPLIED',
          reason: `Operator ${by} abandoned the failing isolation job ${abandoned.id} of cluster ${cid} (last error: ${abandoned.lastError}).`,
          severity: 'WARNING',
        });
      }
      const refusal = firstRefusal(RESTORE_GUARDS, event.force ? 'operatorForced' : 'operator', guardContext(d, cid, 100));
      if (refusal) return refuse(refusal.reason, refusal.guardId);
      const acked = acknowledgeSignals(d, cid);
      if (d.clusters[cid].status === ClusterStatus.BP_PATH_CUT) {
        startRestore(d, cid);
        return applied(`restored cluster ${cid}: acknowledged ${acked} active signals, undoing its block-producer path cut while it keeps serving peers at ${c.servingPercent} %`, 'INFO');
      }
      if (d.clusters[cid].status === ClusterStatus.ISOLATED) {
        startRestore(d, cid);
        return applied(`restored cluster ${cid}: acknowledged ${acked} active signals, undoing its isolation and ramping its DNS share from ${d.topology.policy.restoreRampPercent[0]} %`, 'INFO');
      }
      return applied(`acknowledged ${acked} active signals of cluster ${cid}; it is ${c.status}, so there is nothing to restore`, 'INFO');
    }
    case 'pin': {
      if (event.pin === undefined) throw new InvalidEventError(`operator command ${event.id} (pin) needs a pin`);
      // Pins expire: a pin is about the risk it was set for, and a forgotten pin must not hide the next one.
      const limits = pinLimits(d.topology);
      const until = event.pinUntil ?? d.now + limits.defaultMinutes * MINUTE_MS;
      if (!Number.isFinite(until) || until <= d.now) {
        return refuse(`the pin would expire at or before now (pinUntil ${Number.isFinite(until) ? new Date(until).toISOString() : String(until)}); give a --for or an --until in the future`, 'PIN_EXPIRY');
      }
      if (until - d.now > limits.maxMinutes * MINUTE_MS) {
        return refuse(`the pin would last ${Math.ceil((until - d.now) / MINUTE_MS)} minutes, longer than pinMaxMinutes ${limits.maxMinutes}; give a shorter --for or an earlier --until`, 'PIN_EXPIRY');
      }
      const pinFields = { pin: event.pin, pinUntil: until, pinBy: by };
      const untilText = `until ${new Date(until).toISOString()}`;
      if (event.pin === OperatorPin.FORCED_IN_SERVICE) {
        const refusal = firstRefusal(PIN_IN_SERVICE_GUARDS, 'operator', guardContext(d, cid, 100));
        if (refusal) return refuse(refusal.reason, refusal.guardId);
        if (c.status === ClusterStatus.ISOLATED) {
          const acked = acknowledgeSignals(d, cid);
          setCluster(d, cid, pinFields);
          startRestore(d, cid);
          return applied(`pinned cluster ${cid} FORCED_IN_SERVICE ${untilText} and restored it: acknowledged ${acked} active signals, ramping its DNS share from ${d.topology.policy.restoreRampPercent[0]} %`, 'WARNING');
        }
        setCluster(d, cid, pinFields);
        return applied(`pinned cluster ${cid} FORCED_IN_SERVICE ${untilText}; automation will not isolate it short of a compromise`, 'WARNING');
      }
      if (inDns) {
        const refusal = tryIsolate(d, cid, isolateMode);
        if (refusal) return refuse(refusal.reason, refusal.guardId);
        setCluster(d, cid, pinFields);
        return applied(`pinned cluster ${cid} FORCED_ISOLATED ${untilText} and isolated it${event.force ? ' (forced)' : ''}: ${levers()}`, 'WARNING');
      }
      setCluster(d, cid, pinFields);
      return applied(`pinned cluster ${cid} FORCED_ISOLATED ${untilText}; automation will not restore it`, 'WARNING');
    }
    case 'unpin': {
      const was = c.pin;
      setCluster(d, cid, { pin: undefined, pinUntil: undefined, pinBy: undefined });
      return applied(was ? `unpinned cluster ${cid} (was ${describePin(c)}); automation manages it again` : `unpinned cluster ${cid}, which was not pinned`, 'INFO');
    }
    default:
      throw new InvalidEventError(`unknown operator command: ${(event as { command?: unknown }).command}`);
  }
}

// ---------------------------------------------------------------- assembling the decision

function desiredWeights(d: Draft): Record<string, number> {
  try {
    return effectiveWeights(d.topology.clusters.map((tc) => ({ id: tc.id, baseWeight: tc.baseWeight, servingPercent: d.clusters[tc.id].servingPercent })));
  } catch (e) {
    if (e instanceof WeightInvariantError) {
      throw new DecisionInvariantError(`the decision would produce a forbidden DNS state: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function finalize(d: Draft): Decision {
  const { event, now } = d;
  const plan: Effect[] = [];
  const push = <E extends Effect>(e: EffectDraft<E>): E => {
    const effect = { ...e, id: `${event.id}:${plan.length}` } as unknown as E;
    plan.push(effect);
    return effect;
  };
  const replanned = d.replans.map((id) => d.clusters[id].job!);
  const topoIds = d.topology.clusters.map((c) => c.id);

  // 0. A compromise's BP-path cut before anything else: no DNS failure or undo may skip it.
  const bpCuts = new Map<string, Effect>();
  for (const id of topoIds) {
    const spec = d.newJobs.get(id);
    if (spec?.bpFirst) bpCuts.set(id, push({ type: 'CUT_BP_PATH', clusterId: id }));
  }
  const bpFirstJob = (job: ActiveJob) => job.kind === 'ISOLATE' && job.effects[0]?.type === 'CUT_BP_PATH';
  for (const job of replanned) if (bpFirstJob(job)) plan.push(job.effects[0]);

  // 1. Undo cuts before any weight comes back (never send traffic to a cluster that is still cut).
  const undo = new Map<string, Effect>();
  for (const id of topoIds) {
    const spec = d.newJobs.get(id);
    if (spec?.undo) undo.set(id, push({ type: 'UNDO_ISOLATION', clusterId: id }));
  }
  for (const job of replanned) for (const e of job.effects) if (e.type === 'UNDO_ISOLATION') plan.push(e);

  // 2. ONE weight change: the whole desired weight set. A re-planned job reuses its own DNS effect (same id)
  //    only if it still carries exactly these weights; otherwise re-applying old weights would undo later decisions.
  const servingChanged = topoIds.some((id) => d.clusters[id].servingPercent !== d.orig.clusters[id].servingPercent);
  const oldDns = replanned.flatMap((j) => j.effects.filter((e): e is SetDnsWeightsEffect => e.type === 'SET_DNS_WEIGHTS'));
  let dns: SetDnsWeightsEffect | undefined;
  // A restore job that undoes cuts changes no weight: its first stage goes live with the job's result.
  const jobsNeedingDns = [...d.newJobs.values()].some((spec) => (spec.kind === 'ISOLATE' && spec.bpOnly !== true && spec.noDns !== true) || (spec.kind === 'RESTORE' && !spec.undo));
  if (servingChanged || jobsNeedingDns || oldDns.length > 0) {
    const weights = desiredWeights(d);
    const reusable =
      !servingChanged && d.newJobs.size === 0 && oldDns.length > 0 && oldDns.every((e) => e.id === oldDns[0].id && deepEqual(e.weights, weights));
    if (reusable) {
      dns = oldDns[0];
      plan.push(dns);
    } else {
      dns = push<SetDnsWeightsEffect>({ type: 'SET_DNS_WEIGHTS', weights });
    }
  } else if (currentObservation(d)?.servedWeights !== undefined) {
    const weights = desiredWeights(d);
    if (repairDns(d, weights)) dns = push<SetDnsWeightsEffect>({ type: 'SET_DNS_WEIGHTS', weights });
  }

  // 3. Cuts. Listed after the weight change, but the engine starts them at once, in parallel with it
  //    (policy.ts IMMEDIATE_EFFECT_TYPES): a slow or failed Route 53 change must never keep a cluster open.
  const cuts = new Map<string, Effect[]>();
  for (const id of topoIds) {
    const spec = d.newJobs.get(id);
    if (spec) cuts.set(id, spec.cuts.filter((type) => !(spec.bpFirst && type === 'CUT_BP_PATH')).map((type) => push({ type, clusterId: id })));
  }
  // 3a. While it is cut nothing replaces the cluster's nodes, and a compromise preserves its evidence; both
  //     start at once as well. A drain (nothing cut, not compromised) suspends nothing.
  const extras = new Map<string, Effect[]>();
  for (const id of topoIds) {
    const spec = d.newJobs.get(id);
    if (spec?.kind !== 'ISOLATE' || d.byId.get(id)!.kind !== 'aws') continue;
    const c = d.clusters[id];
    const compromised = isCompromised(c);
    const out: Effect[] = [];
    if (spec.cuts.length > 0 || compromised) {
      out.push(push<SuspendScalingEffect>({ type: 'SUSPEND_SCALING', clusterId: id, processes: [...SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED] }));
    }
    if (compromised) {
      for (const findingId of activeCompromiseFindings(c)) {
        out.push(push<PreserveEvidenceEffect>({ type: 'PRESERVE_EVIDENCE', clusterId: id, findingId, retainDays: EVIDENCE_RETENTION_DAYS }));
      }
    }
    extras.set(id, out);
  }
  for (const job of replanned) {
    for (const [i, e] of job.effects.entries()) if (startsAtOnce(e) && !(i === 0 && bpFirstJob(job))) plan.push(e);
  }

  // 3b. Reachability Analyzer checks: after the cuts in plan order (a check of an isolation is only planned
  //     once its cuts are in force, by their job's result). A check started again keeps its id.
  for (const id of topoIds) {
    const v = d.verifications.get(id);
    if (!v) continue;
    const effect = push<VerifyReachabilityEffect>({ type: 'VERIFY_REACHABILITY', clusterId: id, expect: v.expect, paths: v.paths });
    setCluster(d, id, { reachability: { id: effect.id, expect: v.expect, paths: v.paths, startedAt: now, status: 'PENDING' } });
  }
  for (const id of d.reverifications) {
    const check = d.clusters[id].reachability!;
    plan.push({ type: 'VERIFY_REACHABILITY', id: check.id, clusterId: id, expect: check.expect, paths: check.paths });
  }

  // 4. Record jobs with the exact effect objects of the plan.
  for (const id of topoIds) {
    const spec = d.newJobs.get(id);
    if (!spec) continue;
    const bp = bpCuts.has(id) ? [bpCuts.get(id)!] : [];
    const more = extras.get(id) ?? [];
    const effects =
      spec.bpOnly || spec.noDns
        ? [...bp, ...(cuts.get(id) ?? []), ...more]
        : spec.kind === 'ISOLATE'
          ? [...bp, dns!, ...cuts.get(id)!, ...more]
          : undo.has(id)
            ? [undo.get(id)!]
            : [dns!];
    setCluster(d, id, { job: { id: event.id, kind: spec.kind, effects, startedAt: now } });
  }
  for (const id of d.replans) {
    const job = d.clusters[id].job!;
    const effects = job.effects.map((e) => (e.type === 'SET_DNS_WEIGHTS' ? dns! : e));
    setCluster(d, id, { job: stripUndefined({ ...job, effects, attempts: (job.attempts ?? 1) + 1, lastAttemptAt: now, lastError: undefined }) });
  }

  // 5. Outcome, reason, notification.
  // The headline is the most significant thing that happened (see headlineRank).
  const rank = (n: Note) => headlineRank(n.outcome, n.outcome === 'ISOLATION_REFUSED' && n.severity === undefined);
  const seenNotes = new Set<string>();
  const unique = d.notes.filter((n) => {
    const k = `${n.clusterId}|${n.outcome}|${n.reason}`;
    return seenNotes.has(k) ? false : (seenNotes.add(k), true);
  });
  const notes = [...unique].sort((a, b) => rank(a) - rank(b));
  const main = notes[0] ?? { outcome: 'NO_CHANGE' as const, reason: `Nothing to do for ${event.type} ${event.id}.` };
  const others = notes.slice(1).filter((n) => n.outcome !== 'SIGNAL_RECORDED' && n.outcome !== 'NO_CHANGE');
  const reason = others.length === 0 ? main.reason : `${main.reason.replace(/\.$/, '')} (also: ${others.map((n) => n.reason.replace(/\.$/, '')).join('; ')}).`;
  const notified = notes.filter((n) => n.severity !== undefined);
  if (notified.length > 0) {
    const severity = notified.map((n) => n.severity!).reduce((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a));
    const clusters = [...new Set(notified.flatMap((n) => (n.clusterId ? [n.clusterId] : [])))];
    push<NotifyEffect>({
      type: 'NOTIFY',
      severity,
      // The subject names what on-call is told about: the most significant notified thing.
      subject: `seedshield ${notified[0].outcome}${clusters.length > 0 ? `: ${clusters.join(', ')}` : ''}`,
      message: notified.map((n) => n.reason).join('\n'),
    });
  }

  // 6. Bump the version of every changed item by exactly 1; unchanged items stay the same object.
  const clusters: Record<string, ClusterState> = { ...d.orig.clusters };
  for (const [id, c] of Object.entries(d.clusters)) {
    const o = d.orig.clusters[id];
    if (c !== o && !deepEqual(c, o)) clusters[id] = { ...c, version: o.version + 1 };
  }
  const g = d.global;
  const global = g !== d.orig.global && !deepEqual(g, d.orig.global) ? { ...g, version: d.orig.global.version + 1 } : d.orig.global;
  const same = global === d.orig.global && Object.keys(clusters).every((id) => clusters[id] === d.orig.clusters[id]);
  return { plan, next: same ? d.orig : { global, clusters }, reason, outcome: main.outcome };
}

/** Structural equality of JSON-like values (undefined-valued keys count as absent). @internal */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
