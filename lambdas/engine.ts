/**
 * The remediation engine: parse, load, decide, commit, actuate — the four steps of every handler, shared by
 * the Lambda, the operator CLI and the drill so all three act through the same core and safety rules.
 *
 * It holds no policy: every "should we" lives in the pure core (`decide`). What lives here is ordering and
 * durability: the decision (state + journal) is committed BEFORE any effect runs, effects run in plan order,
 * and the outcome of a job is fed back into the core as a JOB_RESULT event, so a crash anywhere leaves a
 * recorded job that the next reconcile finishes (the control plane never loses track of an isolation).
 */
import type { RuntimeTopology } from '../lib/config/topology';
import { decide } from './core/decide';
import { effectiveWeights } from './core/weights';
import type { AlarmEvent, ClusterState, CoreEvent, Decision, Effect, IsolationRecord, JobResultEvent } from './core/types';
import { DuplicateEventError, StateConflictError } from './errors';
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

/** What the reconcile compares the recorded state with (the actuators implement it). */
export interface WorldObserver {
  /** The weight Route 53 serves now, per cluster id. */
  currentWeights(topology: RuntimeTopology): Promise<Record<string, number>>;
  /** Whether an aws cluster's internet and BP path currently look cut. */
  observeIsolation(clusterId: string, topology: RuntimeTopology): Promise<{ internetCut: boolean; blockProducerPathCut: boolean }>;
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
   * Compares AWS with the recorded state on every reconcile and repairs DNS weights that diverged.
   * @default - no divergence check
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

  /** Re-reads every alarm and lets the core advance timers, retry stuck jobs and re-evaluate refusals. */
  async reconcile(eventId: string): Promise<EngineReport> {
    const observedAlarms = await this.#props.alarms.read(this.#props.topology);
    const report = await this.apply({ type: 'RECONCILE', id: eventId, observedAlarms });
    const repairs = await this.#repairDivergence(eventId);
    return repairs.length === 0 ? report : { ...report, executed: [...report.executed, ...repairs] };
  }

  /**
   * After the core has had its say, compares what AWS serves with what the state says. DNS weights that
   * diverge (a ramp step whose change failed, a hand edit in the console, a lost write) are set back in one
   * change batch; cuts that were undone behind the control plane's back are reported to on-call, never
   * silently re-applied (the record of what was cut would no longer match).
   */
  async #repairDivergence(eventId: string): Promise<EngineReport['executed'][number][]> {
    const { observer, store, topology, executor, logger } = this.#props;
    if (!observer) return [];
    const world = await store.load(this.#clusterIds);
    if (Object.values(world.clusters).some((c) => c.job)) return []; // a job in flight owns the weights
    const expected = effectiveWeights(
      topology.clusters.map((c) => ({ id: c.id, baseWeight: c.baseWeight, servingPercent: world.clusters[c.id]?.servingPercent ?? 100 })),
    );
    const actual = await observer.currentWeights(topology);
    const diverged = Object.keys(expected).filter((id) => actual[id] !== undefined && actual[id] !== expected[id]);
    const executed: EngineReport['executed'][number][] = [];
    // A decision committed while we were reading (a CLI command, the DNS custom resource's deploy) makes this
    // comparison stale: leave the weights to it, the next reconcile looks again.
    const fresh = diverged.length > 0 ? await store.load(this.#clusterIds) : world;
    const moved = fresh.global.version !== world.global.version || this.#clusterIds.some((id) => fresh.clusters[id]?.version !== world.clusters[id]?.version);
    if (diverged.length > 0 && moved) {
      logger.info('DNS weights differ from the state read, but the state moved meanwhile; not repairing now', { eventId, diverged });
    } else if (diverged.length > 0) {
      const effect: Effect = { type: 'SET_DNS_WEIGHTS', id: `${eventId}:dns-repair`, weights: expected };
      logger.warn('DNS weights diverged from the recorded state; repairing', { eventId, diverged, expected, actual });
      try {
        executed.push({ effect, ok: true, result: await executor.execute(effect, { topology }) });
      } catch (err) {
        executed.push({ effect, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
    }
    for (const c of Object.values(world.clusters)) {
      const kind = topology.clusters.find((t) => t.id === c.clusterId)?.kind;
      if (kind !== 'aws' || c.status !== 'ISOLATED' || !c.isolation) continue;
      const seen = await observer.observeIsolation(c.clusterId, topology).catch(() => undefined);
      const wantInternet = (c.isolation.revokedIngress?.length ?? 0) > 0;
      const wantBp = (c.isolation.addedNaclEntries?.length ?? 0) > 0;
      if (seen && ((wantInternet && !seen.internetCut) || (wantBp && !seen.blockProducerPathCut))) {
        const effect: Effect = {
          type: 'NOTIFY',
          id: `${eventId}:divergence:${c.clusterId}`,
          severity: 'CRITICAL',
          subject: `seedshield: ${c.clusterId} isolation was undone outside the control plane`,
          message: `Cluster ${c.clusterId} is recorded ISOLATED but its ${!seen.internetCut && wantInternet ? 'internet ingress' : 'block-producer path'} is open again. Check who changed it; restore with "seedshield restore ${c.clusterId}" or re-isolate with "seedshield isolate ${c.clusterId}".`,
        };
        logger.error('isolation diverged from the recorded state', { eventId, clusterId: c.clusterId, observed: seen });
        try {
          executed.push({ effect, ok: true, result: await executor.execute(effect, { topology }) });
        } catch (err) {
          executed.push({ effect, ok: false, error: String(err) });
        }
      }
    }
    return executed;
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
      if (await store.wasApplied(event.id)) return undefined;
      const before = await store.load(this.#clusterIds);
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
   * Carries out a committed plan in order. Job effects stop at the first failure of their cluster; the job
   * result (with what the cut effects recorded) goes back to the core as a JOB_RESULT event.
   */
  async #carryOut(
    event: CoreEvent,
    decision: Decision,
    at: string,
    executed: EngineReport['executed'][number][],
  ): Promise<JobResultEvent[]> {
    const { executor, topology, logger, store } = this.#props;
    const planned = new Set(decision.plan.map((e) => e.id));
    // The jobs this plan (re)starts: a new job, or a stuck one the reconcile re-planned with the same ids.
    const jobs = Object.values(decision.next.clusters).filter((c) => c.job?.effects.some((e) => planned.has(e.id)));
    // One weight change can belong to several jobs (two clusters isolated in one decision): it is every
    // owner's effect, so its failure fails them all, and a failed owner skips its remaining effects.
    const ownersOf = (effect: Effect) => jobs.filter((c) => c.job!.effects.some((j) => j.id === effect.id));
    const failed = new Map<string, string>();
    const records = new Map<string, IsolationRecord>();
    for (const c of jobs) records.set(c.clusterId, await this.#recoveredIsolation(c));

    for (const effect of decision.plan) {
      const owners = ownersOf(effect);
      const owner = owners[0];
      if (owners.some((o) => failed.has(o.clusterId))) continue;
      const clusterId = journalClusterId(effect);
      const entry = { clusterId, at, effect, eventId: event.id, reason: decision.reason };
      try {
        const cluster = 'clusterId' in effect ? decision.next.clusters[effect.clusterId] : owner;
        const result = await executor.execute(effect, { topology, cluster });
        executed.push({ effect, ok: true, result });
        if (owner && result.isolation) {
          records.set(owner.clusterId, mergeIsolation(records.get(owner.clusterId), result.isolation));
        }
        // What a cut changed is written down at once: if we crash before the job result is committed, the
        // retry recovers it from here (the resource itself no longer shows what was there before the cut).
        await store.recordOutcome({ ...entry, phase: 'DONE', result: { ...(result.details ?? {}), ...(result.isolation ? { isolation: result.isolation } : {}) } });
      } catch (err) {
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        executed.push({ effect, ok: false, error: message });
        logger.error('effect failed', { eventId: event.id, effectId: effect.id, effectType: effect.type, error: message });
        await store.recordOutcome({ ...entry, phase: 'FAILED', result: { error: message } }).catch(() => undefined);
        for (const o of owners) failed.set(o.clusterId, message);
      }
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
    let record = mergeIsolation(undefined, cluster.isolation ?? {});
    if (cluster.job?.kind !== 'ISOLATE') return record;
    const ids = new Set(cluster.job.effects.map((e) => e.id));
    const entries = await this.#props.store.journal(cluster.clusterId, JOURNAL_LOOKBACK);
    for (const entry of entries) {
      const part = (entry.result as { isolation?: Partial<IsolationRecord> } | undefined)?.isolation;
      if (entry.phase === 'DONE' && ids.has(entry.effect.id) && part) record = mergeIsolation(record, part);
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

/** Combines the parts of an isolation record that separate cut effects (and retries) produced. */
export function mergeIsolation(a: IsolationRecord | undefined, b: Partial<IsolationRecord>): IsolationRecord {
  const union = <T>(x: readonly T[] | undefined, y: readonly T[] | undefined): T[] | undefined => {
    if (!x && !y) return undefined;
    const seen = new Set<string>();
    return [...(x ?? []), ...(y ?? [])].filter((item) => {
      const key = JSON.stringify(item);
      return seen.has(key) ? false : (seen.add(key), true);
    });
  };
  return JSON.parse(
    JSON.stringify({
      revokedIngress: union(a?.revokedIngress, b.revokedIngress),
      addedNaclEntries: union(a?.addedNaclEntries, b.addedNaclEntries),
      disabledPropagation: union(a?.disabledPropagation, b.disabledPropagation),
    }),
  ) as IsolationRecord;
}
