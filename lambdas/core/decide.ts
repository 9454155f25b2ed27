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
import type { RuntimeTopology, TopologyCluster } from '../../lib/config/topology';
import { DecisionInvariantError, InvalidEventError, UnknownClusterError } from './errors';
import { mergeIsolation } from './isolation-record';
import {
  divergedWeights,
  firstRefusal,
  GuardContext,
  hasActiveTrigger,
  isCompromised,
  isolationsInWindow,
  isSignalActive,
  ISOLATION_GUARDS,
  IsolationMode,
  JOB_RETRY_AFTER_MS,
  MINUTE_MS,
  observationIsCurrent,
  PIN_IN_SERVICE_GUARDS,
  rampStepDue,
  Refusal,
  RESTORE_GUARDS,
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
  OperatorEvent,
  OperatorPin,
  ReconcileEvent,
  SetDnsWeightsEffect,
  SignalState,
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
  readonly cuts: readonly CutType[];
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
}

/** Outcomes from most to least significant: the decision reports the most significant one. */
const OUTCOME_PRIORITY: readonly DecisionOutcome[] = [
  'RAMP_ABORTED',
  'ISOLATION_STARTED',
  'JOB_FAILED',
  'ISOLATION_DIVERGED',
  'ISOLATION_REFUSED',
  'OPERATOR_REFUSED',
  'OPERATOR_APPLIED',
  'RESTORE_STARTED',
  'ISOLATION_COMPLETED',
  'RESTORE_COMPLETED',
  'JOB_RETRIED',
  'DNS_REPAIRED',
  'RAMP_ADVANCED',
  'SIGNAL_RECORDED',
  'NO_CHANGE',
  'STALE',
  'DUPLICATE',
];

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
  return finalize(d);
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
      (c.status === ClusterStatus.IN_SERVICE && job === undefined);
    if (!ok) {
      throw new DecisionInvariantError(
        `cluster ${tc.id} is ${c.status} at ${c.servingPercent} % with ${job ? `a ${job.kind} job` : 'no job'}, which no decision produces`,
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
  const next = stripUndefined({ ...d.clusters[id], ...patch }) as ClusterState;
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
    now: d.now,
  };
}

/** Compromised clusters first (most urgent), then topology order: the order guards see isolations in. */
function triggerOrder(d: Draft): string[] {
  const ids = d.topology.clusters.map((c) => c.id);
  return [...ids.filter((id) => isCompromised(d.clusters[id])), ...ids.filter((id) => !isCompromised(d.clusters[id]))];
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

function cutsFor(d: Draft, tc: TopologyCluster): CutType[] {
  if (tc.kind !== 'aws') return [];
  const p = d.topology.policy;
  return [...(p.cutInternet ? (['CUT_INTERNET'] as const) : []), ...(p.cutBlockProducerPath ? (['CUT_BP_PATH'] as const) : [])];
}

function describeLevers(tc: TopologyCluster, cuts: readonly CutType[]): string {
  if (tc.kind === 'external') return 'DNS weight 0 only, since DNS is the only lever on an external cluster';
  return ['DNS weight 0', ...cuts.map((c) => (c === 'CUT_INTERNET' ? 'internet cut' : 'block-producer VPN path cut'))].join(', ');
}

// ---------------------------------------------------------------- signals

/**
 * Records a signal if it is newer than the recorded one (events are ordered by their own timestamp, never by
 * arrival). Returns false when it is stale.
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
  const next: SignalState = keepAck ? { ...incoming, acknowledgedAt: prev!.acknowledgedAt } : incoming;
  const wasActive = hasActiveTrigger(c);
  const activated = isSignalActive(next) && !(prev !== undefined && isSignalActive(prev));
  const signals = { ...c.signals, [key]: next };
  const isActive = Object.values(signals).some(isSignalActive);
  const clearSince = activated ? undefined : wasActive && !isActive ? incoming.timestamp : c.clearSince;
  const after = setCluster(d, id, { signals, clearSince, lastTriggerAt: activated ? incoming.timestamp : c.lastTriggerAt });

  let consequence: string;
  if (activated && (after.status === ClusterStatus.ISOLATED || after.status === ClusterStatus.ISOLATING)) {
    consequence = `it is already ${after.status}, so the quiet period restarts`;
  } else if (wasActive && !isActive) {
    consequence = `every signal is clear, so the ${d.topology.policy.quietPeriodMinutes}-minute quiet period starts`;
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
/** Notify-only findings not updated for this long are forgotten (keeps the state item small). */
const FORGET_FINDING_MS = 30 * 24 * 60 * MINUTE_MS;

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
  const kept = Object.fromEntries(Object.entries(c.notifiedFindings ?? {}).filter(([, f]) => d.now - f.at < FORGET_FINDING_MS));
  const record: NotifiedFinding = { class: verdict.class, count: event.count, lastSeen: event.lastSeen, at: event.at, notifiedAt: tell ? d.now : prev!.notifiedAt };
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
    ...(tell ? { severity: verdict.warning ? ('WARNING' as const) : ('INFO' as const) } : {}),
  });
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
  const held = Object.entries(c.signals).filter(([, s]) => s.awaitingImpact === true && s.state === 'ALARM');
  let released = false;
  for (const [key, s] of held) {
    const by = ddosCorroboration(d, id, s.timestamp);
    if (by === undefined) continue;
    const cur = d.clusters[id];
    const wasActive = hasActiveTrigger(cur);
    const { awaitingImpact: _held, ...signal } = s;
    setCluster(d, id, { signals: { ...cur.signals, [key]: signal }, clearSince: isSignalActive(signal) ? undefined : cur.clearSince, lastTriggerAt: !wasActive && isSignalActive(signal) ? d.now : cur.lastTriggerAt });
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
  if (n > 0) setCluster(d, id, { signals, clearSince: undefined });
  return n;
}

// ---------------------------------------------------------------- transitions

/**
 * Starts an isolation if the guards of `mode` allow it. Automatic refusals are recorded and notified once per
 * trigger activation; operator refusals are left to the caller.
 */
function tryIsolate(d: Draft, id: string, mode: IsolationMode): Refusal | undefined {
  const c = d.clusters[id];
  const tc = d.byId.get(id)!;
  const refusal = firstRefusal(ISOLATION_GUARDS, mode, guardContext(d, id, 0));
  const automatic = mode === 'automatic' || mode === 'rampAbort';
  if (refusal) {
    if (automatic) {
      const reason = `Refused to isolate cluster ${id} (${describeTriggers(c)}): ${refusal.reason} [${refusal.guardId}].`;
      const fresh = c.lastRefusal === undefined || c.lastRefusal.triggerAt !== c.lastTriggerAt;
      if (fresh) {
        setCluster(d, id, { lastRefusal: { reason, at: d.now, triggerAt: c.lastTriggerAt } });
        d.notes.push({ clusterId: id, outcome: 'ISOLATION_REFUSED', reason, severity: refusal.guardId === 'COOLDOWN' ? 'WARNING' : 'CRITICAL' });
      } else {
        // Already reported for this activation: re-evaluated silently until a guard allows it.
        d.notes.push({ clusterId: id, outcome: 'ISOLATION_REFUSED', reason });
      }
    }
    return refusal;
  }
  const cuts = cutsFor(d, tc);
  const wasRestoring = c.status === ClusterStatus.RESTORING;
  setCluster(d, id, {
    status: ClusterStatus.ISOLATING,
    servingPercent: 0,
    lastTransitionAt: d.now,
    lastRefusal: undefined,
    rampStage: undefined,
    rampStageSince: undefined,
    // A manual isolation has no trigger to clear: it stays until an operator restores it.
    clearSince: undefined,
  });
  d.newJobs.set(id, { kind: 'ISOLATE', undo: false, cuts });
  if (automatic) {
    d.global = { ...d.global, recentIsolations: [...isolationsInWindow(d.global, d.topology, d.now), d.now] };
    const levers = describeLevers(tc, cuts);
    const after = d.clusters[id];
    d.notes.push(
      wasRestoring
        ? {
            clusterId: id,
            outcome: 'RAMP_ABORTED',
            reason: `Aborted the restore ramp of cluster ${id} and re-isolating it because ${describeTriggers(after)}: ${levers}${compromiseClause(after)}.`,
            severity: isCompromised(after) ? 'CRITICAL' : 'WARNING',
          }
        : {
            clusterId: id,
            outcome: 'ISOLATION_STARTED',
            reason: `Isolating cluster ${id} because ${describeTriggers(after)}: ${levers}${compromiseClause(after)}.`,
            severity: isCompromised(after) ? 'CRITICAL' : 'WARNING',
          },
    );
  }
  return undefined;
}

/**
 * Starts a restore. An aws cluster gets its weight back only once its cuts are undone (the restore job's
 * result sets the first ramp stage): a weight that went live before a failed undo would count a still-cut
 * cluster as serving, and the minimum-healthy rule would then let another cluster go.
 */
function startRestore(d: Draft, id: string): void {
  const tc = d.byId.get(id)!;
  const undo = tc.kind === 'aws';
  setCluster(d, id, {
    status: ClusterStatus.RESTORING,
    servingPercent: undo ? 0 : d.topology.policy.restoreRampPercent[0],
    rampStage: 0,
    rampStageSince: d.now,
    lastTransitionAt: d.now,
    clearSince: undefined,
    lastRefusal: undefined,
  });
  d.newJobs.set(id, { kind: 'RESTORE', undo, cuts: [] });
}

/** Timers of one cluster: stuck/failed jobs (reconcile only), the restore ramp, the quiet period. */
function advanceTimers(d: Draft, id: string, reconcile: boolean): void {
  const c = d.clusters[id];
  if (c.job !== undefined) {
    const since = c.job.lastAttemptAt ?? c.job.startedAt;
    if (reconcile && (c.job.lastError !== undefined || d.now - since >= JOB_RETRY_AFTER_MS)) {
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
  if (d.newJobs.has(id)) return;
  if (c.status === ClusterStatus.RESTORING && !hasActiveTrigger(c) && rampStepDue(c, d.global, d.topology, d.now)) {
    advanceRamp(d, id);
  } else if (c.status === ClusterStatus.ISOLATED) {
    if (firstRefusal(RESTORE_GUARDS, 'automatic', guardContext(d, id, d.topology.policy.restoreRampPercent[0])) === undefined) {
      startRestore(d, id);
      const tc = d.byId.get(id)!;
      d.notes.push({
        clusterId: id,
        outcome: 'RESTORE_STARTED',
        reason: `Restoring cluster ${id}: every signal has been clear for ${d.topology.policy.quietPeriodMinutes} minutes, so ${tc.kind === 'aws' ? 'its cuts are undone and ' : ''}its DNS share ramps up from ${d.topology.policy.restoreRampPercent[0]} %.`,
        severity: 'INFO',
      });
    }
  }
}

function advanceRamp(d: Draft, id: string): void {
  const c = d.clusters[id];
  const ramp = d.topology.policy.restoreRampPercent;
  const stage = c.rampStage ?? 0;
  if (stage >= ramp.length - 1) {
    setCluster(d, id, { status: ClusterStatus.IN_SERVICE, servingPercent: 100, rampStage: undefined, rampStageSince: undefined, lastTransitionAt: d.now });
    d.notes.push({ clusterId: id, outcome: 'RESTORE_COMPLETED', reason: `Cluster ${id} is back in service at 100 % after its restore ramp.`, severity: 'INFO' });
    return;
  }
  const next = stage + 1;
  setCluster(d, id, { servingPercent: ramp[next], rampStage: next, rampStageSince: d.now });
  d.notes.push({ clusterId: id, outcome: 'RAMP_ADVANCED', reason: `Advanced the restore ramp of cluster ${id} to stage ${next + 1} of ${ramp.length} (${ramp[next]} %).` });
}

/** An active trigger on a cluster in DNS (and without a job) asks for an isolation. */
function evaluateTrigger(d: Draft, id: string): void {
  const c = d.clusters[id];
  if (hasJob(d, id) || !hasActiveTrigger(c)) return;
  if (c.status === ClusterStatus.IN_SERVICE) tryIsolate(d, id, 'automatic');
  else if (c.status === ClusterStatus.RESTORING) tryIsolate(d, id, 'rampAbort');
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
      reason: `The ${job.kind} job ${job.id} of cluster ${id} failed (${error}); the job stays recorded and the next reconcile re-plans it.`,
      severity: 'CRITICAL',
    });
    return undefined;
  }
  if (job.kind === 'ISOLATE') {
    setCluster(d, id, { status: ClusterStatus.ISOLATED, job: undefined, isolation: mergeIsolation(c.isolation, event.isolation) ?? {} });
    d.notes.push({ clusterId: id, outcome: 'ISOLATION_COMPLETED', reason: `Cluster ${id} is isolated; its isolation record lists what was cut so a restore undoes exactly that.`, severity: 'INFO' });
  } else {
    // The cuts are undone: now the first ramp stage goes live (its DNS change is part of this decision), and
    // the stage is timed from here.
    const first = d.topology.policy.restoreRampPercent[c.rampStage ?? 0];
    setCluster(d, id, { job: undefined, isolation: undefined, servingPercent: first, rampStageSince: d.now });
    d.notes.push({ clusterId: id, outcome: 'NO_CHANGE', reason: `The restore job ${job.id} of cluster ${id} undid its cuts; its DNS share is now ${first} % and the ramp continues.` });
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
 * A recorded cut that AWS shows open again pages on-call. It is never re-applied silently: the record of what
 * was cut would no longer match what the resource holds, so a person decides (restore, or isolate again).
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
    d.notes.push({
      outcome: 'OPERATOR_APPLIED',
      reason: `Operator ${by} ${pause ? 'paused' : 'resumed'} automation${already ? `; it was already ${pause ? 'paused' : 'running'}` : ''}.`,
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
  const inDns = c.status === ClusterStatus.IN_SERVICE || c.status === ClusterStatus.RESTORING;

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
        const abandoned = c.job!;
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
      if (d.clusters[cid].status === ClusterStatus.ISOLATED) {
        startRestore(d, cid);
        return applied(`restored cluster ${cid}: acknowledged ${acked} active signals, undoing its isolation and ramping its DNS share from ${d.topology.policy.restoreRampPercent[0]} %`, 'INFO');
      }
      return applied(`acknowledged ${acked} active signals of cluster ${cid}; it is ${c.status}, so there is nothing to restore`, 'INFO');
    }
    case 'pin': {
      if (event.pin === undefined) throw new InvalidEventError(`operator command ${event.id} (pin) needs a pin`);
      if (event.pin === OperatorPin.FORCED_IN_SERVICE) {
        const refusal = firstRefusal(PIN_IN_SERVICE_GUARDS, 'operator', guardContext(d, cid, 100));
        if (refusal) return refuse(refusal.reason, refusal.guardId);
        if (c.status === ClusterStatus.ISOLATED) {
          const acked = acknowledgeSignals(d, cid);
          setCluster(d, cid, { pin: event.pin });
          startRestore(d, cid);
          return applied(`pinned cluster ${cid} FORCED_IN_SERVICE and restored it: acknowledged ${acked} active signals, ramping its DNS share from ${d.topology.policy.restoreRampPercent[0]} %`, 'WARNING');
        }
        setCluster(d, cid, { pin: event.pin });
        return applied(`pinned cluster ${cid} FORCED_IN_SERVICE; automation will not isolate it`, 'WARNING');
      }
      if (inDns) {
        const refusal = tryIsolate(d, cid, isolateMode);
        if (refusal) return refuse(refusal.reason, refusal.guardId);
        setCluster(d, cid, { pin: event.pin });
        return applied(`pinned cluster ${cid} FORCED_ISOLATED and isolated it${event.force ? ' (forced)' : ''}: ${levers()}`, 'WARNING');
      }
      setCluster(d, cid, { pin: event.pin });
      return applied(`pinned cluster ${cid} FORCED_ISOLATED; automation will not restore it`, 'WARNING');
    }
    case 'unpin': {
      const was = c.pin;
      setCluster(d, cid, { pin: undefined });
      return applied(was ? `unpinned cluster ${cid} (was ${was}); automation manages it again` : `unpinned cluster ${cid}, which was not pinned`, 'INFO');
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
  const jobsNeedingDns = [...d.newJobs.values()].some((spec) => spec.kind === 'ISOLATE' || !spec.undo);
  if (servingChanged || jobsNeedingDns || oldDns.length > 0) {
    const weights = desiredWeights(d);
    const reusable = !servingChanged && d.newJobs.size === 0 && oldDns.length > 0 && oldDns.every((e) => e.id === oldDns[0].id && deepEqual(e.weights, weights));
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
    if (spec) cuts.set(id, spec.cuts.map((type) => push({ type, clusterId: id })));
  }
  for (const job of replanned) for (const e of job.effects) if (e.type === 'CUT_INTERNET' || e.type === 'CUT_BP_PATH') plan.push(e);

  // 4. Record jobs with the exact effect objects of the plan.
  for (const id of topoIds) {
    const spec = d.newJobs.get(id);
    if (!spec) continue;
    const effects = spec.kind === 'ISOLATE' ? [dns!, ...cuts.get(id)!] : undo.has(id) ? [undo.get(id)!] : [dns!];
    setCluster(d, id, { job: { id: event.id, kind: spec.kind, effects, startedAt: now } });
  }
  for (const id of d.replans) {
    const job = d.clusters[id].job!;
    const effects = job.effects.map((e) => (e.type === 'SET_DNS_WEIGHTS' ? dns! : e));
    setCluster(d, id, { job: stripUndefined({ ...job, effects, attempts: (job.attempts ?? 1) + 1, lastAttemptAt: now, lastError: undefined }) });
  }

  // 5. Outcome, reason, notification.
  const rank = (o: DecisionOutcome) => OUTCOME_PRIORITY.indexOf(o);
  const notes = [...d.notes].sort((a, b) => rank(a.outcome) - rank(b.outcome));
  const main = notes[0] ?? { outcome: 'NO_CHANGE' as const, reason: `Nothing to do for ${event.type} ${event.id}.` };
  const others = notes.slice(1).filter((n) => n.outcome !== 'SIGNAL_RECORDED' && n.outcome !== 'NO_CHANGE');
  const reason = others.length === 0 ? main.reason : `${main.reason.replace(/\.$/, '')} (also: ${others.map((n) => n.reason.replace(/\.$/, '')).join('; ')}).`;
  const notified = d.notes.filter((n) => n.severity !== undefined);
  if (notified.length > 0) {
    const severity = notified.map((n) => n.severity!).reduce((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a));
    const clusters = [...new Set(notified.flatMap((n) => (n.clusterId ? [n.clusterId] : [])))];
    push<NotifyEffect>({
      type: 'NOTIFY',
      severity,
      subject: `seedshield ${main.outcome}${clusters.length > 0 ? `: ${clusters.join(', ')}` : ''}`,
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
