/**
 * The seven safety rules of the decision core under adversarial event sequences, each as a table of cases:
 * compromise first, unknown is not clear, no restore under fire, pins that expire, notifications that say
 * what happened.
 */
import type { RuntimeTopology } from '../../../lib/config/topology';
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { TRIGGER_SEVERITY_ORDER } from '../../../lambdas/core/policy';
import { ClusterStatus, CoreEvent, Decision, OperatorPin, WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, external, isolatedWorld, jobResult, lagOfA, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

/** A world where a was isolated by an alarm, its quiet period ran, and its restore is ramping at stage 1 (10 %). */
function rampingWorld(topo: RuntimeTopology): WorldState {
  const s = isolatedWorld(topo);
  return run(
    topo,
    [
      [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      [reconcile('r1'), T0 + 40 * MIN],
      [jobResult('u1', 'a', 'r1'), T0 + 41 * MIN],
    ],
    s,
  ).state;
}

/** Spends the rate-limit window (2 automatic isolations of b and c) at `at`, then lets their jobs succeed. */
function spendWindow(at: number): Steps {
  return [
    [alarm('xb', 'b', 'ALARM', at, 'b-ddos'), at],
    [jobResult('jb', 'b', 'xb'), at],
    [alarm('xc', 'c', 'ALARM', at, 'c-ddos'), at],
    [jobResult('jc', 'c', 'xc'), at],
  ];
}

const notify = (d: Decision) => d.plan.find((e) => e.type === 'NOTIFY');

describe('rule 1: a compromise is never rate-limited', () => {
  const topo = topology(5, { maxIsolationsPerWindow: 2, minHealthyClusters: 1 });
  test.each([
    {
      state: 'IN_SERVICE, rate window spent, within cooldown',
      world: () => {
        const s = run(topo, spendWindow(T0 + 50 * MIN)).state;
        return { ...s, clusters: { ...s.clusters, a: { ...s.clusters.a, lastTransitionAt: T0 + 49 * MIN } } };
      },
      outcome: 'ISOLATION_STARTED',
    },
    { state: 'RESTORING (ramp), rate window spent', world: () => run(topo, spendWindow(T0 + 42 * MIN), rampingWorld(topo)).state, outcome: 'RAMP_ABORTED' },
    {
      state: 'RESTORING with a failing undo job',
      world: () => {
        const s = isolatedWorld(topo);
        return run(topo, [[alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN], [reconcile('r1'), T0 + 40 * MIN], [jobResult('u1', 'a', 'r1', 'FAILED', { error: 'AccessDenied' }), T0 + 41 * MIN], ...spendWindow(T0 + 42 * MIN)], s).state;
      },
      outcome: 'RAMP_ABORTED',
    },
  ])('when a compromise arrives and a is $state, it isolates a at once ($outcome), BP path cut first', ({ world, outcome }) => {
    // GIVEN
    const state = world();
    // WHEN
    const d = decide(state, compromise('g1', 'a', T0 + 55 * MIN), topo, T0 + 55 * MIN);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.next.clusters.a).toMatchObject({ status: 'ISOLATING', servingPercent: 0 });
    expect(types(d)[0]).toBe('CUT_BP_PATH');
    expect(types(d)).toContain('SET_DNS_WEIGHTS');
    expect(types(d)).not.toContain('UNDO_ISOLATION');
    expect(notify(d)).toMatchObject({ severity: 'CRITICAL' });
    expect(d.next.clusters.a.job?.effects.map((e) => e.type)).toEqual(['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE']);
  });

  test('when an ddos alarm arrives with the rate window spent, it is still refused (the limit holds for alarms)', () => {
    // GIVEN
    const state = run(topo, spendWindow(T0)).state;
    // WHEN
    const d = decide(state, alarm('e1', 'a', 'ALARM', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(d.reason).toContain('[RATE_LIMIT]');
  });

  test('when a compromise arrives while an isolation job of the cluster is failing on DNS, it re-plans the job with the BP cut first', () => {
    // GIVEN: a's isolation job failed (Route 53 throttled before the cuts ran)
    const state = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0], [jobResult('f1', 'a', 'e1', 'FAILED', { error: 'Throttling' }), T0]]).state;
    // WHEN
    const d = decide(state, compromise('g1', 'a', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)).toEqual(['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
    expect(d.next.clusters.a.job).toMatchObject({ id: 'g1', kind: 'ISOLATE' });
    expect(d.next.clusters.a.job?.effects[0].type).toBe('CUT_BP_PATH');
  });
});

describe('rule 2: a compromise cuts the BP path at once, whatever the floor says', () => {
  const two = topology(2, { minHealthyClusters: 2 });
  test.each([
    { condition: 'the floor refuses the isolation', topo: two, setup: [] as Steps, guard: 'MIN_HEALTHY' },
    { condition: 'automation is paused', topo: topology(3), setup: [[operator('p1', 'pause'), T0 - MIN]] as Steps, guard: 'AUTOMATION_PAUSED' },
    {
      condition: 'every weight would be 0',
      topo: { ...topology(2), clusters: topology(2).clusters.map((c) => (c.id === 'b' ? { ...c, baseWeight: 0 } : { ...c, countsTowardsMinimum: false })) },
      setup: [] as Steps,
      guard: 'ALL_WEIGHTS_ZERO',
    },
  ])('when $condition, it cuts only the BP path (own job, first), keeps serving peers and pages CRITICAL naming $guard', ({ topo, setup, guard }) => {
    // GIVEN
    const state = run(topo, setup).state;
    // WHEN
    const d = decide(state, compromise('g1', 'a', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('BP_PATH_CUT');
    expect(types(d)).toEqual(['CUT_BP_PATH', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.BP_PATH_CUT, servingPercent: 100 });
    expect(d.next.clusters.a.job).toMatchObject({ kind: 'ISOLATE', effects: [{ type: 'CUT_BP_PATH', clusterId: 'a' }, { type: 'SUSPEND_SCALING' }, { type: 'PRESERVE_EVIDENCE' }] });
    expect(notify(d)).toMatchObject({ severity: 'CRITICAL', subject: 'seedshield BP_PATH_CUT: a' });
    expect(d.reason).toContain(`[${guard}]`);
    expect(d.reason).toContain('still serves peers at 100 % (BP path cut)');
  });

  test('when the BP cut job succeeds, the cluster stays BP_PATH_CUT with its cut recorded and nothing else changes', () => {
    // GIVEN
    const s = run(two, [[compromise('g1', 'a', T0), T0]]).state;
    // WHEN
    const d = decide(s, jobResult('j1', 'a', 'g1', 'SUCCEEDED', { isolation: { disabledPropagation: [{ routeTableId: 'rtb-1', gatewayId: 'vgw-1' }] } }), two, T0 + 1000);
    // THEN
    expect(d.plan).toEqual([]);
    expect(d.next.clusters.a).toMatchObject({ status: 'BP_PATH_CUT', servingPercent: 100, isolation: { disabledPropagation: [{ routeTableId: 'rtb-1', gatewayId: 'vgw-1' }] } });
    expect(d.next.clusters.a.job).toBeUndefined();
  });

  test('when automation is paused and resumed, the held-back DNS weight and internet cut follow on resume, and the BP path is not cut twice', () => {
    // GIVEN
    const topo = topology(3);
    const s = run(topo, [[operator('p1', 'pause'), T0 - MIN], [compromise('g1', 'a', T0), T0], [jobResult('j1', 'a', 'g1'), T0]]).state;
    // WHEN
    const d = decide(s, operator('p2', 'resume'), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: 'ISOLATING', servingPercent: 0 });
    expect(notify(d)?.subject).toBe('seedshield ISOLATION_STARTED: a');
  });

  test('when an external cluster is compromised and the floor refuses, there is no BP path to cut: it pages the refusal CRITICAL', () => {
    // GIVEN
    const topo = topology(1, { minHealthyClusters: 2 }, [external('x', true)]);
    // WHEN
    const d = decide(initialWorldState(topo), compromise('g1', 'x', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(types(d)).toEqual(['NOTIFY']);
    expect(notify(d)).toMatchObject({ severity: 'CRITICAL' });
  });

  test('when an operator restores a BP_PATH_CUT cluster, it undoes the cut while the cluster keeps serving', () => {
    // GIVEN
    const s = run(two, [[compromise('g1', 'a', T0), T0], [jobResult('j1', 'a', 'g1'), T0]]).state;
    // WHEN
    const d = decide(s, operator('o1', 'restore', { clusterId: 'a' }), two, T0 + MIN);
    const done = decide(d.next, jobResult('u1', 'a', 'o1'), two, T0 + 2 * MIN);
    // THEN
    expect(types(d)).toEqual(['UNDO_ISOLATION', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 100 });
    expect(done.next.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 100 });
    expect(done.next.clusters.a.isolation).toBeUndefined();
  });

  test('when its lag alarm fires during the operator\'s undo, the undo\'s result keeps it serving: the floor (2 of 2) still governs its DNS share', () => {
    // GIVEN a compromised under a floor of 2 of 2 (BP path cut, still serving at 100 %), restored by an operator;
    // its lag alarm fires while the undo runs
    const lag = lagOfA('l1', 'ALARM', T0 + 2 * MIN);
    const s = run(two, [
      [compromise('g1', 'a', T0), T0],
      [jobResult('j1', 'a', 'g1'), T0],
      [operator('o1', 'restore', { clusterId: 'a' }), T0 + MIN],
      [lag, T0 + 2 * MIN],
    ]).state;
    // WHEN the undo completes
    const d = decide(s, jobResult('u1', 'a', 'o1'), two, T0 + 3 * MIN);
    // THEN it is not dropped to 0 % behind the floor's back: it keeps the share it served all along
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 100 });
    expect(d.plan.filter((e) => e.type === 'SET_DNS_WEIGHTS')).toEqual([]);
  });
});

describe('rule 3: held-back isolations are re-checked as soon as the floor allows, most severe first', () => {
  test('the severity order is compromise, ddos, unhealthy, lagging, surge', () => {
    expect(TRIGGER_SEVERITY_ORDER).toEqual(['compromise', 'ddos', 'unhealthy', 'lagging', 'surge']);
  });

  test.each([
    { condition: 'a surge and a ddos are held back', first: ['b', 'b-surge', 'surge'] as const, second: ['c', 'c-ddos', 'ddos'] as const, isolated: 'c' },
    { condition: 'an unhealthy and a ddos are held back', first: ['b', 'b-unhealthy', 'unhealthy'] as const, second: ['c', 'c-ddos', 'ddos'] as const, isolated: 'c' },
    { condition: 'a surge and an unhealthy are held back', first: ['c', 'c-surge', 'surge'] as const, second: ['b', 'b-unhealthy', 'unhealthy'] as const, isolated: 'b' },
  ])('when $condition and a restore frees one slot, the job result that restores capacity isolates the more severe one ($isolated) at once', ({ first, second, isolated }) => {
    // GIVEN: 3 clusters, floor 2; a isolated, b and c held back by MIN_HEALTHY; a ramps back in
    const topo = topology(3, { minHealthyClusters: 2, maxIsolationsPerWindow: 10, cooldownMinutes: 0 });
    const s = run(topo, [
      [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      [alarm('h1', first[0], 'ALARM', T0 + 3 * MIN, first[1], first[2]), T0 + 3 * MIN],
      [alarm('h2', second[0], 'ALARM', T0 + 3 * MIN, second[1], second[2]), T0 + 3 * MIN],
      [reconcile('r1'), T0 + 40 * MIN],
    ], isolatedWorld(topo)).state;
    expect(s.clusters.b.status).toBe('IN_SERVICE');
    // WHEN: a's undo succeeds, so a serves again
    const d = decide(s, jobResult('u1', 'a', 'r1'), topo, T0 + 41 * MIN);
    // THEN
    expect(d.next.clusters[isolated].status).toBe('ISOLATING');
    expect(d.next.clusters[isolated === 'b' ? 'c' : 'b'].status).toBe('IN_SERVICE');
    expect(d.outcome).toBe('ISOLATION_STARTED');
  });
});

describe('rule 4: INSUFFICIENT_DATA is not clear', () => {
  const topo = topology(3, { insufficientDataPageMinutes: 15 });
  const unhealthy = (id: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', at: number) => alarm(id, 'a', state, at, 'a-unhealthy', 'unhealthy');

  test.each([
    { condition: 'the alarm goes OK -> INSUFFICIENT_DATA for the whole quiet period', steps: [[unhealthy('u1', 'INSUFFICIENT_DATA', T0 + 2 * MIN), T0 + 2 * MIN]] as Steps, restores: false },
    // (after the OK at +2m: an update with the same timestamp would be ignored as stale)
    { condition: 'the ddos alarm (missing data is normal) reports INSUFFICIENT_DATA', steps: [[alarm('u1', 'a', 'INSUFFICIENT_DATA', T0 + 3 * MIN), T0 + 3 * MIN]] as Steps, restores: true },
    {
      condition: 'data comes back OK 20 minutes into the quiet period',
      steps: [[unhealthy('u0', 'OK', T0 + MIN), T0 + MIN], [unhealthy('u1', 'INSUFFICIENT_DATA', T0 + 10 * MIN), T0 + 10 * MIN], [unhealthy('u2', 'OK', T0 + 30 * MIN), T0 + 30 * MIN]] as Steps,
      restores: false,
    },
  ])('when a trigger cleared at +2m and $condition, reconcile at +40m restores: $restores', ({ steps, restores }) => {
    // GIVEN: a isolated by a-ddos at T0, a-ddos OK at +2m
    const s = run(topo, [[alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN], ...steps], isolatedWorld(topo)).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 40 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(restores ? 'RESTORING' : 'ISOLATED');
  });

  test('when data comes back OK, the quiet period runs from that moment, counting only confirmed OK time', () => {
    // GIVEN
    const s = run(topo, [[unhealthy('u0', 'OK', T0 + MIN), T0 + MIN], [unhealthy('u1', 'INSUFFICIENT_DATA', T0 + 10 * MIN), T0 + 10 * MIN], [alarm('ok1', 'a', 'OK', T0 + 12 * MIN), T0 + 12 * MIN], [unhealthy('u2', 'OK', T0 + 30 * MIN), T0 + 30 * MIN]], isolatedWorld(topo)).state;
    // THEN
    expect(s.clusters.a.clearSince).toBe(T0 + 30 * MIN);
    expect(decide(s, reconcile('r1'), topo, T0 + 59 * MIN).next.clusters.a.status).toBe('ISOLATED');
    expect(decide(s, reconcile('r1'), topo, T0 + 60 * MIN).next.clusters.a.status).toBe('RESTORING');
  });

  test('when an alarm sits in INSUFFICIENT_DATA longer than insufficientDataPageMinutes, it pages once', () => {
    // GIVEN
    const s = run(topo, [[unhealthy('u1', 'INSUFFICIENT_DATA', T0), T0]]).state;
    // WHEN
    const early = decide(s, reconcile('r0'), topo, T0 + 14 * MIN);
    const d = decide(s, reconcile('r1'), topo, T0 + 15 * MIN);
    const again = decide(d.next, reconcile('r2'), topo, T0 + 20 * MIN);
    // THEN
    expect(early.plan).toEqual([]);
    expect(d.outcome).toBe('DATA_MISSING');
    expect(notify(d)).toMatchObject({ severity: 'WARNING', subject: 'seedshield DATA_MISSING: a' });
    expect(d.reason).toContain('neither isolated nor restored');
    expect(again.plan).toEqual([]);
  });

  test('when a ramping cluster has an alarm in INSUFFICIENT_DATA, the ramp holds', () => {
    // GIVEN
    const s = run(topo, [[unhealthy('u1', 'INSUFFICIENT_DATA', T0 + 42 * MIN), T0 + 42 * MIN]], rampingWorld(topo)).state;
    // WHEN
    const d = decide(s, reconcile('r2'), topo, T0 + 50 * MIN);
    // THEN
    expect(d.next.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 10 });
  });

  test('when an in-service cluster goes INSUFFICIENT_DATA, it is not isolated (unknown is not a trigger either)', () => {
    const d = decide(initialWorldState(topo), unhealthy('u1', 'INSUFFICIENT_DATA', T0), topo, T0);
    expect(d.next.clusters.a.status).toBe('IN_SERVICE');
    expect(d.plan).toEqual([]);
  });
});

describe('rule 5: no undo while under fire', () => {
  const topo = topology(3);
  /** a isolated, quiet period over, restore started (undo job r1 recorded). */
  const restoring = () => run(topo, [[alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN], [reconcile('r1'), T0 + 40 * MIN]], isolatedWorld(topo)).state;

  test.each([
    {
      condition: 'the undo failed and then the trigger fires again',
      steps: [[jobResult('u1', 'a', 'r1', 'FAILED', { error: 'AccessDenied' }), T0 + 41 * MIN], [alarm('e2', 'a', 'ALARM', T0 + 42 * MIN), T0 + 42 * MIN]] as Steps,
    },
    {
      condition: 'the trigger fires again and then the undo fails',
      steps: [[alarm('e2', 'a', 'ALARM', T0 + 41 * MIN), T0 + 41 * MIN], [jobResult('u1', 'a', 'r1', 'FAILED', { error: 'AccessDenied' }), T0 + 42 * MIN]] as Steps,
    },
  ])('when $condition, it goes straight back to isolation, re-cutting, and on-call hears the trigger', ({ steps }) => {
    // GIVEN / WHEN
    const { state, decisions } = run(topo, steps, restoring());
    const d = decisions[decisions.length - 1];
    // THEN
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY']);
    expect(state.clusters.a).toMatchObject({ status: 'ISOLATING', servingPercent: 0, job: { kind: 'ISOLATE' } });
    expect(notify(d)?.message).toContain('alarm a-ddos (ddos) is in ALARM');
    expect(d.reason).toContain('re-cutting whatever the partial undo re-opened');
  });

  test('when a trigger is active and the undo failed, reconcile never re-plans the undo', () => {
    // GIVEN: paused, so the failed undo is neither retried nor turned into a re-cut
    const s = run(topo, [[operator('p1', 'pause'), T0 + 40 * MIN + 1], [alarm('e2', 'a', 'ALARM', T0 + 41 * MIN), T0 + 41 * MIN], [jobResult('u1', 'a', 'r1', 'FAILED', { error: 'x' }), T0 + 42 * MIN]], restoring()).state;
    // WHEN
    const d = decide(s, reconcile('r9'), topo, T0 + 60 * MIN);
    // THEN
    expect(types(d)).not.toContain('UNDO_ISOLATION');
    expect(d.outcome).not.toBe('JOB_RETRIED');
  });

  test('when the undo is still running and a non-compromise trigger fires, it waits for the job (no race with the undo)', () => {
    const d = decide(restoring(), alarm('e2', 'a', 'ALARM', T0 + 41 * MIN), topo, T0 + 41 * MIN);
    expect(d.plan.filter((e) => e.type !== 'NOTIFY')).toEqual([]);
    expect(d.next.clusters.a.job?.kind).toBe('RESTORE');
  });
});

describe('rule 6: pins expire and never hide a compromise', () => {
  const topo = topology(3, { pinDefaultMinutes: 240, pinMaxMinutes: 1440 });
  const pinIn = (id: string, extra = {}) => operator(id, 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, ...extra });

  test.each([
    { condition: 'no expiry is given', extra: {}, until: T0 + 240 * MIN },
    { condition: 'pinUntil is given', extra: { pinUntil: T0 + 60 * MIN }, until: T0 + 60 * MIN },
  ])('when a pin is set and $condition, it expires at the default or the given time', ({ extra, until }) => {
    const d = decide(initialWorldState(topo), pinIn('o1', extra), topo, T0);
    expect(d.next.clusters.a).toMatchObject({ pin: 'FORCED_IN_SERVICE', pinUntil: until, pinBy: 'alice (drill)' });
  });

  test.each([
    { condition: 'longer than pinMaxMinutes', pinUntil: T0 + 1441 * MIN, reason: 'longer than pinMaxMinutes 1440' },
    { condition: 'in the past', pinUntil: T0 - 1, reason: 'at or before now' },
  ])('when a pin would expire $condition, it is refused (PIN_EXPIRY) and changes no pin', ({ pinUntil, reason }) => {
    const d = decide(initialWorldState(topo), pinIn('o1', { pinUntil }), topo, T0);
    expect(d.outcome).toBe('OPERATOR_REFUSED');
    expect(d.reason).toContain(reason);
    expect(d.reason).toContain('[PIN_EXPIRY]');
    expect(d.next.clusters.a.pin).toBeUndefined();
  });

  test('when a compromise hits an in-service pinned cluster, it isolates it and the page names the pin it overrode', () => {
    // GIVEN
    const s = run(topo, [[pinIn('o1'), T0]]).state;
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)[0]).toBe('CUT_BP_PATH');
    expect(notify(d)?.message).toContain('a compromise overrides the pin FORCED_IN_SERVICE until 2026-01-01T04:00:00.000Z, set by alice (drill)');
    expect(d.next.clusters.a.pin).toBeUndefined();
  });

  test('when a non-compromise trigger recurs on a pinned cluster during its ramp, the ramp completes on schedule and says the pin holds the trigger back', () => {
    // GIVEN: a isolated, pinned in-service (restores), undo done, then a ddos alarm again
    const s = run(topo, [[pinIn('o1'), T0 + 2 * MIN], [jobResult('u1', 'a', 'o1'), T0 + 3 * MIN], [alarm('k1', 'a', 'OK', T0 + 3 * MIN), T0 + 3 * MIN], [alarm('e2', 'a', 'ALARM', T0 + 4 * MIN), T0 + 4 * MIN]], isolatedWorld(topo)).state;
    expect(s.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 10 });
    // WHEN
    const r = run(topo, [[reconcile('r1'), T0 + 8 * MIN], [reconcile('r2'), T0 + 13 * MIN], [reconcile('r3'), T0 + 18 * MIN]], s);
    // THEN
    expect(r.decisions[0].outcome).toBe('RAMP_ADVANCED');
    expect(r.decisions[0].reason).toContain('holds back alarm a-ddos (ddos) is in ALARM');
    expect(r.state.clusters.a).toMatchObject({ status: 'IN_SERVICE', servingPercent: 100 });
  });

  test.each([
    { condition: 'an in-service pin with an active trigger', pin: OperatorPin.FORCED_IN_SERVICE, expectStatus: 'ISOLATING', outcome: 'ISOLATION_STARTED' },
    { condition: 'an isolated pin', pin: OperatorPin.FORCED_ISOLATED, expectStatus: 'ISOLATED', outcome: 'PIN_EXPIRED' },
  ])('when $condition expires, the cluster falls back under the normal rules ($expectStatus)', ({ pin, expectStatus, outcome }) => {
    // GIVEN
    const setup: Steps =
      pin === OperatorPin.FORCED_IN_SERVICE
        ? [[pinIn('o1', { pinUntil: T0 + 60 * MIN }), T0], [alarm('e1', 'a', 'ALARM', T0 + MIN), T0 + MIN]]
        : [[alarm('e1', 'a', 'ALARM', T0), T0], [jobResult('j1', 'a', 'e1'), T0], [operator('o1', 'pin', { clusterId: 'a', pin, pinUntil: T0 + 60 * MIN }), T0 + MIN], [alarm('ok', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN]];
    const s = run(topo, setup).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 60 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(expectStatus);
    expect(d.next.clusters.a.pin).toBeUndefined();
    expect(d.outcome).toBe(outcome);
    expect(d.reason).toContain('expired');
  });

  test('when an isolated pin expires after the quiet period ran, the cluster needs a fresh quiet period from the expiry', () => {
    // GIVEN
    const s = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0], [jobResult('j1', 'a', 'e1'), T0], [operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED, pinUntil: T0 + 60 * MIN }), T0 + MIN], [alarm('ok', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN]]).state;
    // WHEN
    const r = run(topo, [[reconcile('r1'), T0 + 60 * MIN], [reconcile('r2'), T0 + 89 * MIN], [reconcile('r3'), T0 + 90 * MIN]], s);
    // THEN
    expect(r.decisions.map((d) => d.next.clusters.a.status)).toEqual(['ISOLATED', 'ISOLATED', 'RESTORING']);
  });

  test('when an isolated pin of a compromised cluster expires, automation still never restores it', () => {
    const s = run(topo, [[compromise('g1', 'a', T0), T0], [jobResult('j1', 'a', 'g1'), T0], [operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED, pinUntil: T0 + 60 * MIN }), T0 + MIN]]).state;
    const r = run(topo, [[reconcile('r1'), T0 + 60 * MIN], [reconcile('r2'), T0 + 600 * MIN]], s);
    expect(r.state.clusters.a.status).toBe('ISOLATED');
  });
});

describe('rule 7: notifications say what happened', () => {
  test('when a restore starts while a refusal of another cluster is silently re-checked, the headline and subject are the restore', () => {
    // GIVEN: b and c isolated... a held back by the floor (refusal already paged); b's quiet period is over
    const topo = topology(3, { minHealthyClusters: 2 });
    const s = run(topo, [
      [alarm('e1', 'b', 'ALARM', T0, 'b-ddos'), T0],
      [jobResult('j1', 'b', 'e1'), T0],
      [alarm('e2', 'a', 'ALARM', T0 + MIN), T0 + MIN],
      [alarm('e3', 'b', 'OK', T0 + 2 * MIN, 'b-ddos'), T0 + 2 * MIN],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 40 * MIN);
    // THEN
    expect(d.outcome).toBe('RESTORE_STARTED');
    expect(notify(d)?.subject).toBe('seedshield RESTORE_STARTED: b');
  });

  test.each([
    { command: 'pause' as const, outcome: 'AUTOMATION_PAUSED' },
    { command: 'resume' as const, outcome: 'AUTOMATION_RESUMED' },
  ])('when an operator runs $command, the outcome and subject say $outcome', ({ command, outcome }) => {
    const topo = topology(3);
    const start = command === 'resume' ? run(topo, [[operator('p0', 'pause'), T0]]).state : initialWorldState(topo);
    const d = decide(start, operator('p1', command), topo, T0 + MIN);
    expect(d.outcome).toBe(outcome);
    expect(notify(d)?.subject).toBe(`seedshield ${outcome}`);
  });
});
