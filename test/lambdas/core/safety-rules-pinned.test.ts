/**
 * Safety rules that mutation testing (`npm run test:mutation`, MUTATION.md) found unpinned: a mutant that
 * removed the rule survived every other test. Each case here fails when its rule is taken out of
 * lambdas/core/{policy,decide}.ts.
 */
import type { RuntimeTopology } from '../../../lib/config/topology';
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ClusterStatus, CoreEvent, OperatorPin, WorldState } from '../../../lambdas/core/types';
import { alarm, catchingUpWorld, compromise, external, isolatedWorld, jobResult, lagOfA, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

/** Cluster `id` isolated by an alarm at T0, its alarm OK at +2m, the restore started at +40m and its undo done at +41m: RESTORING at 10 %. */
function rampingWorld(topo: RuntimeTopology, id = 'a'): WorldState {
  return run(
    topo,
    [
      [alarm('ok1', id, 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      [reconcile('r1'), T0 + 40 * MIN],
      [jobResult('u1', id, 'r1'), T0 + 41 * MIN],
    ],
    isolatedWorld(topo, id),
  ).state;
}

/** `state` with cluster `id` replaced by `patch` applied to it (a world no event sequence reaches cheaply). */
function withCluster(state: WorldState, id: string, patch: Partial<WorldState['clusters'][string]>): WorldState {
  return { ...state, clusters: { ...state.clusters, [id]: { ...state.clusters[id], ...patch } } };
}

describe('a pause stops a restore ramp', () => {
  const topo = topology(3);

  test.each([
    { condition: 'the ramp step is due', steps: [[reconcile('r2'), T0 + 50 * MIN]] as Steps },
    { condition: 'several ramp steps are due', steps: [[reconcile('r2'), T0 + 50 * MIN], [reconcile('r3'), T0 + 60 * MIN], [reconcile('r4'), T0 + 70 * MIN]] as Steps },
  ])('when automation is paused during a ramp and $condition, the cluster stays at its stage and no weight changes', ({ steps }) => {
    // GIVEN a at 10 %, then paused
    const s = run(topo, [[operator('p1', 'pause'), T0 + 42 * MIN]], rampingWorld(topo)).state;
    // WHEN
    const { state, decisions } = run(topo, steps, s);
    // THEN
    expect(state.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10, rampStage: 0 });
    for (const d of decisions) expect(types(d)).not.toContain('SET_DNS_WEIGHTS');
  });

  test('when automation resumes, the ramp goes on from where it stopped', () => {
    // GIVEN
    const s = run(topo, [[operator('p1', 'pause'), T0 + 42 * MIN], [reconcile('r2'), T0 + 50 * MIN]], rampingWorld(topo)).state;
    // WHEN
    const { state } = run(topo, [[operator('p2', 'resume'), T0 + 51 * MIN], [reconcile('r3'), T0 + 52 * MIN]], s);
    // THEN
    expect(state.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 50, rampStage: 1 });
  });

  test('when automation is paused while a cut cluster catches up with the chain, its first weight waits for resume', () => {
    // GIVEN a cut for an attack; its nodes lag through the cut; the undo is done while the lag alarm is in ALARM
    const lag = lagOfA;
    const s = run(topo, [[operator('p1', 'pause'), T0 + 43 * MIN]], catchingUpWorld(topo)).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
    // WHEN the nodes catch up while paused
    const d = decide(s, lag('l2', 'OK', T0 + 44 * MIN), topo, T0 + 44 * MIN);
    // THEN
    expect(d.next.clusters.a.servingPercent).toBe(0);
    expect(types(d)).not.toContain('SET_DNS_WEIGHTS');
  });

  test('when automation is paused and the quiet period of an isolated cluster is over, it does not restore', () => {
    // GIVEN
    const s = run(topo, [[alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN], [operator('p1', 'pause'), T0 + 3 * MIN]], isolatedWorld(topo)).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 40 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.ISOLATED);
    expect(types(d)).toEqual([]);
  });
});

describe('a trigger during a restore ramp (rampAbort) is held by the same guards as any automatic isolation, short of a compromise', () => {
  test.each([
    {
      guard: 'AUTOMATION_PAUSED',
      condition: 'automation is paused',
      topo: topology(3),
      world: (topo: RuntimeTopology) => run(topo, [[operator('p1', 'pause'), T0 + 42 * MIN]], rampingWorld(topo)).state,
    },
    {
      guard: 'RATE_LIMIT',
      condition: 'the rate-limit window is spent',
      topo: topology(4, { maxIsolationsPerWindow: 2 }),
      // a's own isolation at T0 and b's at +43m: 2 in the last 60 minutes
      world: (topo: RuntimeTopology) => run(topo, [[alarm('xb', 'b', 'ALARM', T0 + 43 * MIN, 'b-ddos'), T0 + 43 * MIN], [jobResult('jb', 'b', 'xb'), T0 + 43 * MIN]], rampingWorld(topo)).state,
    },
    {
      guard: 'ALL_WEIGHTS_ZERO',
      condition: 'isolating it would set every weight to 0',
      // a does not count towards the minimum (else MIN_HEALTHY refuses first); b is out of DNS
      topo: { ...topology(2), clusters: topology(2).clusters.map((c) => (c.id === 'a' ? { ...c, countsTowardsMinimum: false } : c)) },
      world: (topo: RuntimeTopology) => withCluster(rampingWorld(topo), 'b', { status: ClusterStatus.ISOLATED, servingPercent: 0 }),
    },
  ])('when a ddos alarm fires on a ramping cluster and $condition, it is refused by $guard and the cluster keeps its share', ({ guard, topo, world }) => {
    // GIVEN a RESTORING at 10 %
    const s = world(topo);
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + 44 * MIN), topo, T0 + 44 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(d.reason).toContain(`[${guard}]`);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    expect(types(d)).toEqual(['NOTIFY']);
  });

  test('when a ddos alarm fires on a ramping cluster within the cooldown, the ramp is aborted anyway (cooldown is for in-service clusters)', () => {
    // GIVEN a RESTORING since +40m (cooldown 10 minutes)
    const topo = topology(3);
    // WHEN
    const d = decide(rampingWorld(topo), alarm('e2', 'a', 'ALARM', T0 + 42 * MIN), topo, T0 + 42 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0 });
  });
});

describe('an in-service pin holds during a ramp', () => {
  test('when a non-compromise trigger fires on a ramping cluster pinned FORCED_IN_SERVICE, it is not re-isolated', () => {
    // GIVEN a ramping at 10 %, pinned in service
    const topo = topology(3);
    const s = run(topo, [[operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }), T0 + 42 * MIN]], rampingWorld(topo)).state;
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + 55 * MIN), topo, T0 + 55 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.RESTORING);
    expect(d.next.clusters.a.servingPercent).toBeGreaterThan(0);
    expect(types(d)).not.toContain('CUT_INTERNET');
    expect(d.reason).toContain('[PINNED_IN_SERVICE]');
  });

  test('when a compromise hits a ramping cluster pinned FORCED_IN_SERVICE, the compromise overrides the pin and aborts the ramp', () => {
    // GIVEN
    const topo = topology(3);
    const s = run(topo, [[operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }), T0 + 42 * MIN]], rampingWorld(topo)).state;
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0 + 55 * MIN), topo, T0 + 55 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(types(d)[0]).toBe('CUT_BP_PATH');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0 });
    expect(d.next.clusters.a.pin).toBeUndefined();
  });
});

describe('minHealthyClusters counts only clusters that carry traffic', () => {
  test.each([
    { condition: 'the third cluster has weight 0', cWeight: 0, isolates: false },
    { condition: 'the third cluster has a weight', cWeight: 100, isolates: true },
  ])('when the floor is 2, one of three clusters is attacked and $condition, it isolates: $isolates', ({ cWeight, isolates }) => {
    // GIVEN a, b, c in service; c at weight cWeight
    const base = topology(3, { minHealthyClusters: 2 });
    const topo = { ...base, clusters: base.clusters.map((c) => (c.id === 'c' ? { ...c, baseWeight: cWeight } : c)) };
    // WHEN
    const d = decide(initialWorldState(topo), alarm('e1', 'a', 'ALARM', T0), topo, T0);
    // THEN
    expect(d.next.clusters.a.status).toBe(isolates ? ClusterStatus.ISOLATING : ClusterStatus.IN_SERVICE);
    if (!isolates) expect(d.reason).toContain('would leave 1 cluster in DNS, below minHealthyClusters 2 [MIN_HEALTHY]');
  });

  test('when a cluster that does not count towards the minimum is attacked at the floor, it is isolated', () => {
    // GIVEN floor 2: a and b count, the external x does not
    const topo = topology(2, { minHealthyClusters: 2 }, [external('x', false)]);
    // WHEN
    const d = decide(initialWorldState(topo), alarm('e1', 'x', 'ALARM', T0, 'x-unhealthy', 'unhealthy'), topo, T0);
    // THEN
    expect(d.next.clusters.x.status).toBe(ClusterStatus.ISOLATING);
  });
});

describe('a compromise counts whatever other signals the cluster has', () => {
  const topo = topology(5, { maxIsolationsPerWindow: 2 });
  /** Spends the rate-limit window with b and c at `at`. */
  const spend = (at: number): Steps => [
    [alarm('xb', 'b', 'ALARM', at, 'b-ddos'), at],
    [jobResult('jb', 'b', 'xb'), at],
    [alarm('xc', 'c', 'ALARM', at, 'c-ddos'), at],
    [jobResult('jc', 'c', 'xc'), at],
  ];

  test.each([
    { condition: 'an alarm of a in ALARM (refused by the rate limit)', other: alarm('e1', 'a', 'ALARM', T0 + MIN) },
    { condition: 'an alarm of a that is OK', other: alarm('e1', 'a', 'OK', T0 + MIN) },
    { condition: 'an unhealthy alarm of a in INSUFFICIENT_DATA', other: alarm('e1', 'a', 'INSUFFICIENT_DATA', T0 + MIN, 'a-unhealthy', 'unhealthy') },
  ])('when a has $condition and then a compromise, the compromise isolates a past the rate limit, BP path cut first', ({ other }) => {
    // GIVEN
    const s = run(topo, [...spend(T0), [other, T0 + MIN]]).state;
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0 + 2 * MIN), topo, T0 + 2 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)).toEqual(['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
    expect(d.plan.find((e) => e.type === 'NOTIFY')).toMatchObject({ severity: 'CRITICAL' });
  });

  test('when a compromised cluster with a cleared alarm has sat out the quiet period, automation does not restore it', () => {
    // GIVEN a isolated by an alarm, then compromised, then the alarm clears
    const s = run(topo, [[compromise('g1', 'a', T0 + MIN), T0 + MIN], [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN]], isolatedWorld(topo)).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 600 * MIN);
    // THEN
    expect(d.next.clusters.a.status).not.toBe(ClusterStatus.RESTORING);
    expect(types(d)).not.toContain('UNDO_ISOLATION');
  });
});

describe('an isolation record keeps what every attempt of the job cut', () => {
  const topo = topology(3);
  const internetDeny = { networkAclId: 'acl-a', ruleNumber: 900, egress: false, ruleAction: 'deny' as const, cidrBlock: '0.0.0.0/0' };
  const bpDeny = { networkAclId: 'acl-a', ruleNumber: 200, egress: false, ruleAction: 'deny' as const, cidrBlock: '198.51.100.0/24' };
  const propagation = { routeTableId: 'rtb-1', gatewayId: 'vgw-1' };

  test('when an isolation job fails after one cut and its retry makes the others, the record holds every cut', () => {
    // GIVEN a's isolation job cut the internet, then failed; reconcile re-planned it
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'e1', 'FAILED', { error: 'Throttling', isolation: { addedNaclEntries: [internetDeny] } }), T0 + 1000],
      [reconcile('r1'), T0 + 5 * MIN],
    ]).state;
    expect(s.clusters.a.job).toMatchObject({ id: 'e1', attempts: 2 });
    // WHEN the retry succeeds with the cuts it made
    const d = decide(s, jobResult('j2', 'a', 'e1', 'SUCCEEDED', { isolation: { addedNaclEntries: [bpDeny], disabledPropagation: [propagation] } }), topo, T0 + 6 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.ISOLATED);
    expect(d.next.clusters.a.isolation).toEqual({ addedNaclEntries: [internetDeny, bpDeny], disabledPropagation: [propagation] });
  });

  test('when an isolation job fails twice with different partial cuts, the record holds both', () => {
    // GIVEN
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'e1', 'FAILED', { error: 'Throttling', isolation: { addedNaclEntries: [internetDeny] } }), T0 + 1000],
      [reconcile('r1'), T0 + 5 * MIN],
    ]).state;
    // WHEN
    const d = decide(s, jobResult('j2', 'a', 'e1', 'FAILED', { error: 'AccessDenied', isolation: { addedNaclEntries: [bpDeny] } }), topo, T0 + 6 * MIN);
    // THEN
    expect(d.next.clusters.a.isolation).toEqual({ addedNaclEntries: [internetDeny, bpDeny] });
    expect(d.next.clusters.a.job?.lastError).toBe('AccessDenied');
  });

  test('when the BP-path cut job of a compromise succeeds, its cut is recorded next to what was recorded before', () => {
    // GIVEN a BP_PATH_CUT job that failed once with nothing cut, re-planned
    const two = topology(2, { minHealthyClusters: 2 });
    const s = run(two, [[compromise('g1', 'a', T0), T0], [jobResult('j1', 'a', 'g1', 'FAILED', { error: 'Throttling', isolation: { disabledPropagation: [propagation] } }), T0], [reconcile('r1'), T0 + 5 * MIN]]).state;
    // WHEN
    const d = decide(s, jobResult('j2', 'a', 'g1', 'SUCCEEDED', { isolation: { addedNaclEntries: [bpDeny] } }), two, T0 + 6 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.BP_PATH_CUT);
    expect(d.next.clusters.a.isolation).toEqual({ disabledPropagation: [propagation], addedNaclEntries: [bpDeny] });
  });
});

describe('an external cluster has no network cut to undo', () => {
  const topo = topology(2, {}, [external('x')]);
  const isolatedX = () =>
    run(topo, [
      [alarm('e1', 'x', 'ALARM', T0, 'x-unhealthy', 'unhealthy'), T0],
      [jobResult('j1', 'x', 'e1'), T0 + 1000],
      [alarm('e2', 'x', 'OK', T0 + 2 * MIN, 'x-unhealthy', 'unhealthy'), T0 + 2 * MIN],
    ]).state;

  test('when an isolated external cluster restores after its quiet period, it plans the first weight and no UNDO_ISOLATION', () => {
    // WHEN
    const d = decide(isolatedX(), reconcile('r1'), topo, T0 + 40 * MIN);
    // THEN
    expect(d.outcome).toBe('RESTORE_STARTED');
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'NOTIFY']);
    expect(d.next.clusters.x).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10, job: { kind: 'RESTORE' } });
    expect(d.reason).not.toContain('cuts are undone');
  });

  test('when an operator restores an isolated external cluster, it plans the first weight and no UNDO_ISOLATION', () => {
    // WHEN
    const d = decide(isolatedX(), operator('o1', 'restore', { clusterId: 'x' }), topo, T0 + 5 * MIN);
    // THEN
    expect(types(d)).not.toContain('UNDO_ISOLATION');
    expect(types(d)).toContain('SET_DNS_WEIGHTS');
    expect(d.next.clusters.x).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
  });

  test('when an isolated aws cluster restores, its cuts are undone before any weight comes back', () => {
    // WHEN
    const d = decide(run(topo, [[alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN]], isolatedWorld(topo)).state, reconcile('r1'), topo, T0 + 40 * MIN);
    // THEN
    expect(types(d)).toEqual(['UNDO_ISOLATION', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
  });
});
