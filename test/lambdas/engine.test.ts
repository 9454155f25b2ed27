/**
 * The engine's ordering and durability rules, with an in-memory store and a scripted executor (the moto
 * end-to-end tests are in handler.test.ts).
 */
import type { TopologyPolicy } from '../../lib/config/topology';
import type { ClusterState, Effect, WorldState } from '../../lambdas/core/types';
import { EffectExecutor, RemediationEngine, WorldObserver } from '../../lambdas/engine';
import { DuplicateEventError, StateConflictError } from '../../lambdas/errors';
import { initialClusterState, initialGlobalState } from '../../lambdas/core/initial-state';
import { changedItems, JournalEntry, StateCommit, StateStore } from '../../lambdas/state/store';
import { MIN, T0, topology } from './core/fixtures';

/** A StateStore with the DynamoDB store's semantics (versioned commits, event markers), in memory. */
class MemoryStore implements StateStore {
  world: WorldState = { global: initialGlobalState(), clusters: {} };
  readonly applied = new Set<string>();
  readonly entries: JournalEntry[] = [];
  /** Called after every load: lets a test slip a concurrent commit in. */
  afterLoad?: () => void;

  async load(ids: readonly string[]): Promise<WorldState> {
    const out: WorldState = {
      global: this.world.global,
      clusters: Object.fromEntries(ids.map((id) => [id, this.world.clusters[id] ?? initialClusterState(id)])),
    };
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

function engineWith(store: MemoryStore, executor: EffectExecutor, observer?: WorldObserver, now = T0, policy: Partial<TopologyPolicy> = {}) {
  return new RemediationEngine({
    topology: topology(4, { minHealthyClusters: 2, ...policy }),
    store,
    executor,
    observer,
    alarms: { read: async () => [] },
    logger: silent,
    now: () => now,
  });
}

const alarmState = (clusterId: string, at: number) => ({ clusterId, alarmName: `${clusterId}-ddos`, kind: 'ddos' as const, state: 'ALARM' as const, stateTimestamp: at });

describe('RemediationEngine', () => {
  test('when the weight change shared by two isolation jobs fails, both jobs fail but both clusters are still cut, their records kept', async () => {
    // GIVEN: a reconcile that isolates a and b in one decision; Route 53 is down
    const store = new MemoryStore();
    const executed: Effect[] = [];
    const executor: EffectExecutor = {
      execute: async (effect) => {
        executed.push(effect);
        if (effect.type === 'SET_DNS_WEIGHTS') throw new Error('Route 53 unavailable');
        const clusterId = 'clusterId' in effect ? effect.clusterId : '';
        return effect.type === 'CUT_INTERNET' ? { effectId: effect.id, isolation: { revokedIngress: [{ groupId: `sg-${clusterId}`, ipProtocol: 'tcp' }] } } : { effectId: effect.id };
      },
    };
    // WHEN
    const report = await engineWith(store, executor).apply({ type: 'RECONCILE', id: 'r1', observedAlarms: [alarmState('a', T0), alarmState('b', T0)] });
    // THEN: one weight change for both; a failed DNS change skips no cut
    expect(report.decisions[0].plan.filter((e) => e.type === 'SET_DNS_WEIGHTS')).toHaveLength(1);
    expect(executed.filter((e) => e.type.startsWith('CUT')).map((e) => `${e.type} ${'clusterId' in e ? e.clusterId : ''}`).sort()).toEqual([
      'CUT_BP_PATH a',
      'CUT_BP_PATH b',
      'CUT_INTERNET a',
      'CUT_INTERNET b',
    ]);
    expect(report.decisions.slice(1).map((d) => d.outcome)).toEqual(['JOB_FAILED', 'JOB_FAILED']);
    for (const id of ['a', 'b']) {
      expect(store.world.clusters[id]).toMatchObject({
        status: 'ISOLATING',
        job: { lastError: 'Error: Route 53 unavailable' },
        isolation: { revokedIngress: [{ groupId: `sg-${id}`, ipProtocol: 'tcp' }] },
      });
    }
    // and the report lists the effects in plan order, whatever finished first
    expect(report.executed.map((e) => e.effect.id)).toEqual(report.decisions.flatMap((d) => d.plan.map((e) => e.id)));
  });

  test('when the Route 53 change is slow, every cut is in force before it returns, and the notification waits for the cuts', async () => {
    // GIVEN: a DNS change that only completes once both cuts have been carried out
    const store = new MemoryStore();
    const order: string[] = [];
    let releaseDns!: () => void;
    const dnsHeld = new Promise<void>((resolve) => (releaseDns = resolve));
    const executor: EffectExecutor = {
      execute: async (effect) => {
        order.push(`start ${effect.type}`);
        if (effect.type === 'SET_DNS_WEIGHTS') await dnsHeld;
        if (effect.type.startsWith('CUT') && order.filter((o) => o.startsWith('done CUT')).length === 1) releaseDns();
        order.push(`done ${effect.type}`);
        return { effectId: effect.id };
      },
    };
    // WHEN
    const report = await engineWith(store, executor).apply({ type: 'ALARM_STATE', id: 'e1', clusterId: 'a', alarmName: 'a-ddos', kind: 'ddos', state: 'ALARM', stateTimestamp: T0 });
    // THEN
    expect(order.indexOf('done CUT_INTERNET')).toBeLessThan(order.indexOf('done SET_DNS_WEIGHTS'));
    expect(order.indexOf('done CUT_BP_PATH')).toBeLessThan(order.indexOf('done SET_DNS_WEIGHTS'));
    expect(order.indexOf('start NOTIFY')).toBeGreaterThan(Math.max(order.indexOf('done CUT_INTERNET'), order.indexOf('done CUT_BP_PATH')));
    expect(report.decisions.map((d) => d.outcome)).toEqual(['ISOLATION_STARTED', 'ISOLATION_COMPLETED']);
  });

  test('when the state moves after the reconcile observed DNS, it does not repair (the newer decision owns the weights)', async () => {
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
      // right after the observation's read, another invocation commits an isolation of a
      if (++loads === 1) {
        const a: ClusterState = { ...initialClusterState('a'), version: 1, status: 'ISOLATED' as ClusterState['status'], servingPercent: 0 };
        store.world = { ...store.world, clusters: { ...store.world.clusters, a } };
      }
    };
    // WHEN
    const report = await engineWith(store, executor, observer, T0 + 5 * MIN).reconcile('reconcile:1');
    // THEN
    expect(repairs.filter((e) => e.type === 'SET_DNS_WEIGHTS')).toEqual([]);
    expect(report.executed).toEqual([]);
  });

  test('when DNS diverges from a state nobody is changing, the reconcile sets the recorded weights back in one change with an id of its event', async () => {
    // GIVEN
    const store = new MemoryStore();
    const repairs: Effect[] = [];
    const executor: EffectExecutor = { execute: async (e) => (repairs.push(e), { effectId: e.id }) };
    const observer: WorldObserver = {
      currentWeights: async () => ({ a: 0, b: 100, c: 100, d: 100 }),
      observeIsolation: async () => ({ internetCut: false, blockProducerPathCut: false }),
    };
    // WHEN
    const report = await engineWith(store, executor, observer, T0 + 5 * MIN).reconcile('reconcile:2');
    // THEN
    expect(repairs).toEqual([{ type: 'SET_DNS_WEIGHTS', id: 'reconcile:2:0', weights: { a: 100, b: 100, c: 100, d: 100 } }]);
    expect(report.outcome).toBe('DNS_REPAIRED');
    // WHEN: the same reconcile is delivered again
    const again = await engineWith(store, executor, observer, T0 + 5 * MIN).reconcile('reconcile:2');
    // THEN: nothing more
    expect(again.outcome).toBe('DUPLICATE');
    expect(repairs).toHaveLength(1);
  });

  test('when a recorded cut was undone outside the control plane, the reconcile pages on-call and cuts nothing again', async () => {
    // GIVEN: a is ISOLATED with a recorded internet cut; AWS shows its ingress open again
    const store = new MemoryStore();
    const a: ClusterState = {
      ...initialClusterState('a'),
      version: 3,
      status: 'ISOLATED' as ClusterState['status'],
      servingPercent: 0,
      isolation: { addedNaclEntries: [{ networkAclId: 'acl-a', ruleNumber: 900, egress: false, ruleAction: 'deny', cidrBlock: '0.0.0.0/0' }] },
      signals: { 'a-ddos': { kind: 'ddos', state: 'ALARM', timestamp: T0 } },
    };
    store.world = { ...store.world, clusters: { a } };
    const effects: Effect[] = [];
    const executor: EffectExecutor = { execute: async (e) => (effects.push(e), { effectId: e.id }) };
    const observed: string[] = [];
    const observer: WorldObserver = {
      currentWeights: async () => ({ a: 0, b: 133, c: 133, d: 133 }),
      observeIsolation: async (id) => (observed.push(id), { internetCut: false, blockProducerPathCut: false }),
    };
    // WHEN
    const report = await engineWith(store, executor, observer, T0 + 5 * MIN).reconcile('reconcile:3');
    // THEN: only the ISOLATED cluster was looked at; one CRITICAL page with an id of the event; no cut
    expect(observed).toEqual(['a']);
    expect(report.outcome).toBe('ISOLATION_DIVERGED');
    expect(effects).toEqual([
      expect.objectContaining({ type: 'NOTIFY', id: 'reconcile:3:0', severity: 'CRITICAL', message: expect.stringContaining('its internet ingress is open again') }),
    ]);
  });

  test('when Route 53 cannot be read, the reconcile still advances the core and compares no weights', async () => {
    // GIVEN
    const store = new MemoryStore();
    const effects: Effect[] = [];
    const errors: string[] = [];
    const executor: EffectExecutor = { execute: async (e) => (effects.push(e), { effectId: e.id }) };
    const observer: WorldObserver = {
      currentWeights: async () => Promise.reject(new Error('Throttling')),
      observeIsolation: async () => ({ internetCut: true, blockProducerPathCut: true }),
    };
    const engine = new RemediationEngine({
      topology: topology(4, { minHealthyClusters: 2 }),
      store,
      executor,
      observer,
      alarms: { read: async () => [alarmState('a', T0)] },
      logger: { ...silent, error: (m: string) => void errors.push(m) },
      now: () => T0 + MIN,
    });
    // WHEN
    const report = await engine.reconcile('reconcile:4');
    // THEN: the alarm it re-read still isolates a; the unread weights were logged, not taken for "as recorded"
    expect(report.outcome).toBe('ISOLATION_STARTED');
    expect(errors).toContain('could not read the served DNS weights; the reconcile compares no weights this time');
  });
});

describe('RemediationEngine: proof with Reachability Analyzer', () => {
  const NACL_CUT = {
    addedNaclEntries: [
      { networkAclId: 'acl-pub', ruleNumber: 900, egress: false, cidrBlock: '0.0.0.0/0', ruleAction: 'deny' as const },
      { networkAclId: 'acl-priv', ruleNumber: 200, egress: true, cidrBlock: '198.51.100.0/24', ruleAction: 'deny' as const },
    ],
  };
  const cutting: EffectExecutor = {
    execute: async (effect) => (effect.type === 'CUT_INTERNET' ? { effectId: effect.id, isolation: NACL_CUT } : { effectId: effect.id }),
  };
  const engine = (store: MemoryStore, executor: EffectExecutor, observer: WorldObserver | undefined, now: number) =>
    engineWith(store, executor, observer, now, { verifyReachability: true });

  test('when an isolation completes, the engine starts the check; a later reconcile reads it and a path found pages CRITICAL', async () => {
    // GIVEN: cluster a isolated through the engine
    const store = new MemoryStore();
    const executed: Effect[] = [];
    const executor: EffectExecutor = { execute: async (e, ctx) => (executed.push(e), cutting.execute(e, ctx)) };
    await engine(store, executor, undefined, T0).apply({ type: 'RECONCILE', id: 'r1', observedAlarms: [alarmState('a', T0)] });
    const check = store.world.clusters.a.reachability!;
    expect(executed.filter((e) => e.type === 'VERIFY_REACHABILITY')).toEqual([{ type: 'VERIFY_REACHABILITY', id: check.id, clusterId: 'a', expect: 'BLOCKED', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'] }]);
    const asked: unknown[] = [];
    const observer: WorldObserver = {
      currentWeights: async () => ({}),
      observeIsolation: async () => ({ internetCut: true, blockProducerPathCut: true }),
      observeReachability: async (clusterId, checkId, since) => (
        asked.push([clusterId, checkId, since]),
        [
          { path: 'internet-to-node', status: 'succeeded', pathFound: true },
          { path: 'node-to-site:198.51.100.0/24', status: 'succeeded', pathFound: false },
        ]
      ),
    };

    // WHEN
    const report = await engine(store, executor, observer, T0 + 5 * MIN).reconcile('r2');

    // THEN
    expect(asked).toEqual([['a', check.id, check.startedAt]]);
    expect(report.outcome).toBe('REACHABILITY_UNVERIFIED');
    expect(store.world.clusters.a.reachability?.status).toBe('UNVERIFIED');
    expect(executed.filter((e) => e.type === 'NOTIFY').pop()).toMatchObject({ severity: 'CRITICAL' });
  });

  test('when the analyses cannot be read, the check stays pending and the reconcile goes on', async () => {
    // GIVEN
    const store = new MemoryStore();
    await engine(store, cutting, undefined, T0).apply({ type: 'RECONCILE', id: 'r1', observedAlarms: [alarmState('a', T0)] });
    const observer: WorldObserver = {
      currentWeights: async () => ({}),
      observeIsolation: async () => ({ internetCut: true, blockProducerPathCut: true }),
      observeReachability: async () => {
        throw new Error('UnauthorizedOperation');
      },
    };

    // WHEN
    await engine(store, cutting, observer, T0 + 5 * MIN).reconcile('r2');

    // THEN
    expect(store.world.clusters.a.reachability?.status).toBe('PENDING');
  });
});
