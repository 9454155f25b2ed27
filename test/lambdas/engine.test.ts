/**
 * The engine's ordering and durability rules, with an in-memory store and a scripted executor (the moto
 * end-to-end tests are in handler.test.ts).
 */
import type { ClusterState, Effect, WorldState } from '../../lambdas/core/types';
import { EffectExecutor, RemediationEngine, WorldObserver } from '../../lambdas/engine';
import { DuplicateEventError, StateConflictError } from '../../lambdas/errors';
import { changedItems, defaultClusterState, defaultGlobalState, JournalEntry, StateCommit, StateStore } from '../../lambdas/state/store';
import { MIN, T0, topology } from './core/fixtures';

/** A StateStore with the DynamoDB store's semantics (versioned commits, event markers), in memory. */
class MemoryStore implements StateStore {
  world: WorldState = { global: defaultGlobalState(), clusters: {} };
  readonly applied = new Set<string>();
  readonly entries: JournalEntry[] = [];
  /** Called after every load: lets a test slip a concurrent commit in. */
  afterLoad?: () => void;

  async load(ids: readonly string[]): Promise<WorldState> {
    const out: WorldState = { global: this.world.global, clusters: Object.fromEntries(ids.map((id) => [id, this.world.clusters[id] ?? defaultClusterState(id)])) };
    this.afterLoad?.();
    return out;
  }
  async wasApplied(id: string) {
    return this.applied.has(id);
  }
  async commit(c: StateCommit) {
    if (this.applied.has(c.eventId)) throw new DuplicateEventError(c.eventId);
    const { clusters, global } = changedItems(c.previous, c.next);
    for (const cl of clusters) if ((this.world.clusters[cl.clusterId]?.version ?? 0) !== (c.previous.clusters[cl.clusterId]?.version ?? 0)) throw new StateConflictError('moved');
    if (global && this.world.global.version !== c.previous.global.version) throw new StateConflictError('moved');
    for (const cl of clusters) this.world = { ...this.world, clusters: { ...this.world.clusters, [cl.clusterId]: cl } };
    if (global) this.world = { ...this.world, global };
    this.applied.add(c.eventId);
    this.entries.push(...c.journal);
  }
  async recordOutcome(e: JournalEntry) {
    this.entries.push(e);
  }
  async journal(id: string) {
    return this.entries.filter((e) => e.clusterId === id).reverse();
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function engineWith(store: MemoryStore, executor: EffectExecutor, observer?: WorldObserver, now = T0) {
  return new RemediationEngine({ topology: topology(4, { minHealthyClusters: 2 }), store, executor, observer, alarms: { read: async () => [] }, logger: silent, now: () => now });
}

const alarmState = (clusterId: string, at: number) => ({ clusterId, alarmName: `${clusterId}-ddos`, kind: 'ddos' as const, state: 'ALARM' as const, stateTimestamp: at });

describe('RemediationEngine', () => {
  test('when the weight change shared by two isolation jobs fails, both jobs fail and neither cluster is cut', async () => {
    // GIVEN: a reconcile that isolates a and b in one decision; Route 53 is down
    const store = new MemoryStore();
    const executed: Effect[] = [];
    const executor: EffectExecutor = {
      execute: async (effect) => {
        executed.push(effect);
        if (effect.type === 'SET_DNS_WEIGHTS') throw new Error('Route 53 unavailable');
        return { effectId: effect.id };
      },
    };
    // WHEN
    const report = await engineWith(store, executor).apply({ type: 'RECONCILE', id: 'r1', observedAlarms: [alarmState('a', T0), alarmState('b', T0)] });
    // THEN
    expect(report.decisions[0].plan.filter((e) => e.type === 'SET_DNS_WEIGHTS')).toHaveLength(1);
    expect(executed.map((e) => e.type).filter((t) => t.startsWith('CUT'))).toEqual([]);
    expect(report.decisions.slice(1).map((d) => d.outcome)).toEqual(['JOB_FAILED', 'JOB_FAILED']);
    for (const id of ['a', 'b']) expect(store.world.clusters[id]).toMatchObject({ status: 'ISOLATING', job: { lastError: 'Error: Route 53 unavailable' } });
  });

  test('when the state moves while the reconcile compares DNS, it does not repair (the newer decision owns the weights)', async () => {
    // GIVEN: DNS shows a at 0 but the state (as first read) says a serves at 100
    const store = new MemoryStore();
    const repairs: Effect[] = [];
    const executor: EffectExecutor = { execute: async (e) => (repairs.push(e), { effectId: e.id }) };
    const observer: WorldObserver = {
      currentWeights: async () => ({ a: 0, b: 133, c: 133, d: 134 }),
      observeIsolation: async () => ({ internetCut: false, blockProducerPathCut: false }),
    };
    let loads = 0;
    store.afterLoad = () => {
      // right after the repair's first read, another invocation commits an isolation of a; the re-check sees it
      if (++loads === 2) {
        const a: ClusterState = { ...defaultClusterState('a'), version: 1, status: 'ISOLATED' as ClusterState['status'], servingPercent: 0 };
        store.world = { ...store.world, clusters: { ...store.world.clusters, a } };
      }
    };
    // WHEN
    const report = await engineWith(store, executor, observer, T0 + 5 * MIN).reconcile('reconcile:1');
    // THEN
    expect(repairs.filter((e) => e.type === 'SET_DNS_WEIGHTS')).toEqual([]);
    expect(report.executed).toEqual([]);
  });

  test('when DNS diverges from a state nobody is changing, the reconcile sets the recorded weights back in one change', async () => {
    // GIVEN
    const store = new MemoryStore();
    const repairs: Effect[] = [];
    const executor: EffectExecutor = { execute: async (e) => (repairs.push(e), { effectId: e.id }) };
    const observer: WorldObserver = {
      currentWeights: async () => ({ a: 0, b: 100, c: 100, d: 100 }),
      observeIsolation: async () => ({ internetCut: false, blockProducerPathCut: false }),
    };
    // WHEN
    await engineWith(store, executor, observer, T0 + 5 * MIN).reconcile('reconcile:2');
    // THEN
    expect(repairs).toEqual([{ type: 'SET_DNS_WEIGHTS', id: 'reconcile:2:dns-repair', weights: { a: 100, b: 100, c: 100, d: 100 } }]);
  });
});
