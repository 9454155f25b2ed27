/**
 * The remediation engine: parse, load, decide, commit, actuate, feed results back — the steps of every
 * handler, shared by the Lambda, the operator CLI and the drill so all three act through the same core and
 * safety rules.
 *
 * It holds no policy and writes no prose: every "should we" (repairs of what the reconcile observed
 * included) lives in the pure core (`decide`), and so does every effect id and every on-call text. What lives
 * here is gathering inputs, ordering and durability: the decision (state + journal) is committed BEFORE any
 * effect runs, and the outcome of a job is fed back into the core as a JOB_RESULT event, so a crash anywhere
 * leaves a recorded job that the next reconcile finishes (the control plane never loses track of an
 * isolation).
 */
import type { RuntimeTopology } from '../lib/config/topology';
import { decide } from './core/decide';
import { mergeIsolation } from './core/isolation-record';
import { clustersToObserve, reachabilityChecksToObserve, startsAtOnce, stateVersions } from './core/policy';
import type {
  AlarmEvent,
  ClusterState,
  CoreEvent,
  Decision,
  Effect,
  IsolationRecord,
  JobResultEvent,
  ObservedAnalysis,
  ObservedCuts,
  ObservedReachability,
  ReconcileObservation,
} from './core/types';
import { DuplicateEventError, PartialCutError, StateConflictError } from './errors';
import { EventRejectedError, parseDelivery } from './events/parse';
import type { JournalEntry, StateStore } from './state/store';

/** What an actuator reports for one effect. */
export interface EffectResult {
  readonly effectId: string;
  /** Parts of the isolation record this effect created (cut effects). */
  readonly isolation?: Partial<IsolationRecord>;
  readonly details?: Record<string, unknown>;
}

/** Carries out effects (see lambdas/actuators). Every effect must be idempotent by its id. */
export interface EffectExecutor {
  execute(effect: Effect, ctx: { topology: RuntimeTopology; cluster?: ClusterState }): Promise<EffectResult>;
}

/** What the reconcile observes for the core to compare with the recorded state (the actuators implement it). */
export interface WorldObserver {
  /** The weight Route 53 serves now, per cluster id. */
  currentWeights(topology: RuntimeTopology): Promise<Record<string, number>>;
  /** Whether an aws cluster's internet and BP path currently look cut. */
  observeIsolation(
    clusterId: string,
    topology: RuntimeTopology,
  ): Promise<{ internetCut: boolean; blockProducerPathCut: boolean; networkAclIds?: readonly string[] }>;
  /**
   * The Reachability Analyzer analyses of a pending check (tagged with `checkId`, started since `since`).
   * @default - not observed: pending checks stay pending
   */
  observeReachability?(clusterId: string, checkId: string, since: number, topology: RuntimeTopology): Promise<readonly ObservedAnalysis[]>;
}

/** Reads the current state of every cluster alarm (for the reconcile). */
export interface AlarmStateReader {
  read(topology: RuntimeTopology): Promise<Omit<AlarmEvent, 'type' | 'id'>[]>;
}

/** The structured-logging surface the engine needs (Powertools Logger satisfies it). */
export interface DecisionLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Dependencies of {@link RemediationEngine}. */
export interface RemediationEngineProps {
  readonly topology: RuntimeTopology;
  readonly store: StateStore;
  readonly executor: EffectExecutor;
  readonly alarms: AlarmStateReader;
  readonly logger: DecisionLogger;
  /**
   * Observes DNS and the cuts on every reconcile, for the core to compare with the recorded state.
   * @default - nothing observed: no DNS repair, no check of the cuts
   */
  readonly observer?: WorldObserver;
  /** Epoch ms. The drill injects a simulated clock. @default Date.now */
  readonly now?: () => number;
}

/** What one delivery led to, for the caller (CLI output, drill timeline, tests, metrics). */
export interface EngineReport {
  readonly eventId: string;
  readonly outcome: Decision['outcome'] | 'REJECTED';
  readonly reason: string;
  /** Every decision taken (the event's, then job results'), in order. */
  readonly decisions: readonly { eventId: string; outcome: Decision['outcome']; reason: string; plan: readonly Effect[] }[];
  /** Effects carried out, with their results or errors. */
  readonly executed: readonly { effect: Effect; ok: boolean; error?: string; result?: EffectResult }[];
  readonly rejection?: { code: string; message: string };
}

/**
 * A conflicting write means another invocation changed the state between our read and our commit. Deciding
 * again on the fresh state is always safe (the core is pure), and conflicts clear after one or two rounds.
 */
const MAX_CONFLICT_RETRIES = 5;

/** Job results can start follow-up decisions; they never chain further than this. */
const MAX_FOLLOW_UPS = 4;

/** The remediation engine. */
export class RemediationEngine {
  readonly #props: RemediationEngineProps;
  readonly #clusterIds: string[];
  readonly #now: () => number;

  constructor(props: RemediationEngineProps) {
    this.#props = props;
    this.#clusterIds = props.topology.clusters.map((c) => c.id);
    this.#now = props.now ?? Date.now;
  }

  /** Handles one raw EventBridge delivery (alarm, GuardDuty finding, reconcile request). */
  async handleDelivery(raw: unknown): Promise<EngineReport> {
    let parsed;
    try {
      parsed = parseDelivery(raw, this.#props.topology);
    } catch (err) {
      if (!(err instanceof EventRejectedError)) throw err;
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '(none)';
      this.#props.logger.warn('event rejected', { eventId: id, rejection: err.code, error: err.message });
      return { eventId: id, outcome: 'REJECTED', reason: err.message, decisions: [], executed: [], rejection: { code: err.code, message: err.message } };
    }
    if (parsed.type === 'RECONCILE_REQUEST') return this.reconcile(parsed.id);
    return this.apply(parsed);
  }

  /**
   * Re-reads every alarm and observes DNS and the cuts, then lets the core advance timers, retry stuck jobs,
   * re-evaluate refusals and compare what it observed with the recorded state.
   */
  async reconcile(eventId: string): Promise<EngineReport> {
    const observedAlarms = await this.#props.alarms.read(this.#props.topology);
    const observed = await this.#observe(eventId);
    return this.apply({ type: 'RECONCILE', id: eventId, observedAlarms, ...(observed ? { observed } : {}) });
  }

  /**
   * Reads what the core compares with the state: the weights Route 53 serves, and the cuts in force on the
   * clusters the core names, together with the versions of the state they are compared against. What cannot
   * be read is left out (unknown is never taken for "as recorded"); the core then does not act on it.
   */
  async #observe(eventId: string): Promise<ReconcileObservation | undefined> {
    const { observer, store, topology, logger } = this.#props;
    if (!observer) return undefined;
    const state = await store.load(this.#clusterIds);
    let servedWeights: Record<string, number> | undefined;
    try {
      servedWeights = await observer.currentWeights(topology);
    } catch (err) {
      logger.error('could not read the served DNS weights; the reconcile compares no weights this time', { eventId, error: describeError(err) });
    }
    const cuts: ObservedCuts[] = [];
    for (const clusterId of clustersToObserve(state, topology)) {
      try {
        const seen = await observer.observeIsolation(clusterId, topology);
        cuts.push({
          clusterId,
          internetCut: seen.internetCut,
          blockProducerPathCut: seen.blockProducerPathCut,
          ...(seen.networkAclIds ? { networkAclIds: [...seen.networkAclIds] } : {}),
        });
      } catch (err) {
        logger.warn('could not observe the cuts of a cluster; not compared this time', { eventId, clusterId, error: describeError(err) });
      }
    }
    const reachability: ObservedReachability[] = [];
    for (const { clusterId, check } of observer.observeReachability ? reachabilityChecksToObserve(state, topology) : []) {
      try {
        const analyses = await observer.observeReachability!(clusterId, check.id, check.startedAt, topology);
        reachability.push({ clusterId, checkId: check.id, analyses });
      } catch (err) {
        logger.warn('could not read the Reachability Analyzer analyses of a cluster; not compared this time', { eventId, clusterId, checkId: check.id, error: describeError(err) });
      }
    }
    return { stateVersions: stateVersions(state), ...(servedWeights ? { servedWeights } : {}), cuts, ...(reachability.length > 0 ? { reachability } : {}) };
  }

  /** Applies one core event: decide, commit, carry out, feed job results back. */
  async apply(event: CoreEvent): Promise<EngineReport> {
    const decisions: EngineReport['decisions'][number][] = [];
    const executed: EngineReport['executed'][number][] = [];
    let pending: CoreEvent[] = [event];
    for (let round = 0; pending.length > 0 && round <= MAX_FOLLOW_UPS; round++) {
      const next: CoreEvent[] = [];
      for (const e of pending) {
        const applied = await this.#decideAndCommit(e);
        if (!applied) {
          decisions.push({ eventId: e.id, outcome: 'DUPLICATE', reason: `event ${e.id} was already applied`, plan: [] });
          continue;
        }
        const { decision, at } = applied;
        decisions.push({ eventId: e.id, outcome: decision.outcome, reason: decision.reason, plan: decision.plan });
        next.push(...(await this.#carryOut(e, decision, at, executed)));
      }
      pending = next;
    }
    const first = decisions[0];
    return { eventId: event.id, outcome: first.outcome, reason: first.reason, decisions, executed };
  }

  async #decideAndCommit(event: CoreEvent): Promise<{ decision: Decision; at: string } | undefined> {
    const { store, topology, logger } = this.#props;
    for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
      // Both reads at once: the marker check and the state load are independent, and on an isolation's
      // critical path every serial round trip delays the cut. A state read for an applied event is discarded.
      const [applied, before] = await Promise.all([store.wasApplied(event.id), store.load(this.#clusterIds)]);
      if (applied) return undefined;
      const now = this.#now();
      const decision = decide(before, event, topology, now);
      // One structured line per decision, refused and no-op ones included: the audit trail on-call reads.
      logger.info('decision', {
        eventId: event.id,
        eventType: event.type,
        outcome: decision.outcome,
        reason: decision.reason,
        plan: decision.plan.map((e) => ({ id: e.id, type: e.type, ...('clusterId' in e ? { clusterId: e.clusterId } : {}), ...(e.type === 'SET_DNS_WEIGHTS' ? { weights: e.weights } : {}) })),
        attempt,
      });
      const at = new Date(now).toISOString();
      if (decision.next === before && decision.plan.length === 0) return { decision, at };
      const journal: JournalEntry[] = decision.plan.map((effect) => ({
        clusterId: journalClusterId(effect),
        at,
        effect,
        phase: 'PLANNED',
        eventId: event.id,
        reason: decision.reason,
      }));
      try {
        await store.commit({ previous: before, next: decision.next, eventId: event.id, journal });
        return { decision, at };
      } catch (err) {
        if (err instanceof DuplicateEventError) return undefined;
        if (err instanceof StateConflictError && attempt < MAX_CONFLICT_RETRIES) {
          logger.warn('state conflict, deciding again on fresh state', { eventId: event.id, attempt });
          continue;
        }
        throw err;
      }
    }
    throw new StateConflictError(`gave up applying event ${event.id} after ${MAX_CONFLICT_RETRIES} conflicting writes`);
  }

  /**
   * Carries out a committed plan. Effects the core marks as immediate (the cuts) all start at once, in
   * parallel with the rest; the others run one after the other in plan order, and one placed after a cut
   * (the notification) waits for it. So a slow or failed Route 53 change never delays or skips a cut. Every
   * effect of the plan runs; a job fails when any of its effects failed, and its result (with what each
   * finished cut recorded) goes back to the core as a JOB_RESULT event.
   */
  async #carryOut(
    event: CoreEvent,
    decision: Decision,
    at: string,
    executed: EngineReport['executed'][number][],
  ): Promise<JobResultEvent[]> {
    const { executor, topology, logger, store } = this.#props;
    const plan = decision.plan;
    const planned = new Set(plan.map((e) => e.id));
    // The jobs this plan (re)starts: a new job, or a stuck one the reconcile re-planned with the same ids.
    const jobs = Object.values(decision.next.clusters).filter((c) => c.job?.effects.some((e) => planned.has(e.id)));
    // One weight change can belong to several jobs (two clusters isolated in one decision): it is every
    // owner's effect, so its failure fails them all.
    const ownersOf = (effect: Effect) => jobs.filter((c) => c.job!.effects.some((j) => j.id === effect.id));
    const records = new Map<string, IsolationRecord>();
    for (const c of jobs) records.set(c.clusterId, await this.#recoveredIsolation(c));

    // Results land here by plan position, so the report lists them in plan order whatever finished first.
    const outcomes = new Array<EngineReport['executed'][number]>(plan.length);
    const run = async (effect: Effect, index: number): Promise<void> => {
      const owner = ownersOf(effect)[0];
      const entry = { clusterId: journalClusterId(effect), at, effect, eventId: event.id, reason: decision.reason };
      try {
        const cluster = 'clusterId' in effect ? decision.next.clusters[effect.clusterId] : owner;
        const result = await executor.execute(effect, { topology, cluster });
        if (owner && result.isolation) records.set(owner.clusterId, mergeIsolation(records.get(owner.clusterId), result.isolation)!);
        // What a cut changed is written down at once: if we crash before the job result is committed, the
        // retry recovers it from here (the resource itself no longer shows what was there before the cut).
        await store.recordOutcome({ ...entry, phase: 'DONE', result: { ...(result.details ?? {}), ...(result.isolation ? { isolation: result.isolation } : {}) } });
        outcomes[index] = { effect, ok: true, result };
      } catch (err) {
        const message = describeError(err);
        outcomes[index] = { effect, ok: false, error: message };
        logger.error('effect failed', { eventId: event.id, effectId: effect.id, effectType: effect.type, error: message });
        // A cut AWS took only in part: what IS in force joins the record, so undo removes it even if no retry succeeds.
        const partial = err instanceof PartialCutError ? (err.isolation as Partial<IsolationRecord>) : undefined;
        if (owner && partial) records.set(owner.clusterId, mergeIsolation(records.get(owner.clusterId), partial)!);
        await store.recordOutcome({ ...entry, phase: 'FAILED', result: { error: message, ...(partial ? { isolation: partial } : {}) } }).catch(() => undefined);
      }
    };

    const immediate = plan.map((effect, i) => (startsAtOnce(effect) ? run(effect, i) : undefined));
    for (const [i, effect] of plan.entries()) {
      if (immediate[i]) continue;
      const earlier = immediate.slice(0, i).filter((p): p is Promise<void> => p !== undefined);
      if (earlier.length > 0) await Promise.all(earlier);
      await run(effect, i);
    }
    await Promise.all(immediate.filter((p): p is Promise<void> => p !== undefined));
    executed.push(...outcomes);

    // A job's error is its first failed effect in plan order: the same report whatever finished first.
    const failed = new Map<string, string>();
    for (const o of outcomes) {
      if (o.ok) continue;
      for (const owner of ownersOf(o.effect)) if (!failed.has(owner.clusterId)) failed.set(owner.clusterId, o.error!);
    }
    return jobs.map((c) => {
      const error = failed.get(c.clusterId);
      const isolation = records.get(c.clusterId)!;
      return {
        type: 'JOB_RESULT' as const,
        id: `${event.id}:result:${c.clusterId}`,
        clusterId: c.clusterId,
        jobId: c.job!.id,
        outcome: error ? ('FAILED' as const) : ('SUCCEEDED' as const),
        ...(c.job!.kind === 'ISOLATE' ? { isolation } : {}),
        ...(error ? { error } : {}),
      };
    });
  }

  /** The isolation parts earlier attempts of this job already made (from the state and the journal). */
  async #recoveredIsolation(cluster: ClusterState): Promise<IsolationRecord> {
    let record = mergeIsolation(undefined, cluster.isolation ?? {})!;
    if (cluster.job?.kind !== 'ISOLATE') return record;
    const ids = new Set(cluster.job.effects.map((e) => e.id));
    const entries = await this.#props.store.journal(cluster.clusterId, JOURNAL_LOOKBACK);
    for (const entry of entries) {
      const part = (entry.result as { isolation?: Partial<IsolationRecord> } | undefined)?.isolation;
      if ((entry.phase === 'DONE' || entry.phase === 'FAILED') && ids.has(entry.effect.id) && part) record = mergeIsolation(record, part)!;
    }
    return record;
  }
}

/** Journal entries read back when recovering an interrupted job; a job has a handful of effects per attempt. */
const JOURNAL_LOOKBACK = 100;

/** The journal partition an effect is filed under. */
function journalClusterId(effect: Effect): string {
  if ('clusterId' in effect) return effect.clusterId;
  return effect.type === 'SET_DNS_WEIGHTS' ? '_dns' : '_notify';
}

/** An error as one log/journal line: `Name: message`. */
function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
