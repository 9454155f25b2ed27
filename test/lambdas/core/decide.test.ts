import { decide } from '../../../lambdas/core/decide';
import { DecisionInvariantError, InvalidEventError, UnknownClusterError } from '../../../lambdas/core/errors';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ClusterStatus, OperatorPin, WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, external, isolatedWorld, jobResult, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

describe('initialWorldState', () => {
  test('when built from a topology, it has every cluster IN_SERVICE at 100 % with version 0 and automation running', () => {
    // GIVEN
    const topo = topology(2);
    // WHEN
    const s = initialWorldState(topo);
    // THEN
    expect(s).toEqual({
      global: { version: 0, automationPaused: false, recentIsolations: [] },
      clusters: {
        a: { clusterId: 'a', version: 0, status: 'IN_SERVICE', servingPercent: 100, signals: {} },
        b: { clusterId: 'b', version: 0, status: 'IN_SERVICE', servingPercent: 100, signals: {} },
      },
    });
  });
});

describe('isolation', () => {
  test.each([
    {
      condition: 'a ddos alarm fires on an aws cluster',
      topo: topology(3),
      event: alarm('e1', 'a', 'ALARM', T0),
      plan: ['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY'],
      reason: 'Isolating cluster a because alarm a-ddos (ddos) is in ALARM: DNS weight 0, internet cut, block-producer VPN path cut.',
      severity: 'WARNING',
    },
    {
      condition: 'the policy does not cut the internet',
      topo: topology(3, { cutInternet: false }),
      event: alarm('e1', 'a', 'ALARM', T0),
      plan: ['SET_DNS_WEIGHTS', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY'],
      reason: 'Isolating cluster a because alarm a-ddos (ddos) is in ALARM: DNS weight 0, block-producer VPN path cut.',
      severity: 'WARNING',
    },
    {
      condition: 'an alarm fires on an external cluster',
      topo: topology(2, {}, [external('x')]),
      event: alarm('e1', 'x', 'ALARM', T0, 'x-unhealthy', 'unhealthy'),
      plan: ['SET_DNS_WEIGHTS', 'NOTIFY'],
      reason: 'Isolating cluster x because alarm x-unhealthy (unhealthy) is in ALARM: DNS weight 0 only, since DNS is the only lever on an external cluster.',
      severity: 'WARNING',
    },
    {
      condition: 'GuardDuty reports a compromise',
      topo: topology(3),
      event: compromise('e1', 'a', T0),
      plan: ['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY'],
      reason:
        'Isolating cluster a because GuardDuty finding f1 reports a compromise: block-producer VPN path cut first, DNS weight 0, internet cut; automation never restores a compromised cluster, only an operator restore does.',
      severity: 'CRITICAL',
    },
  ])('when $condition, it starts an isolation', ({ topo, event, plan, reason, severity }) => {
    // GIVEN
    const state = initialWorldState(topo);
    // WHEN
    const d = decide(state, event, topo, T0 + 5);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(d.reason).toBe(reason);
    expect(types(d)).toEqual(plan);
    expect(d.plan.map((e) => e.id)).toEqual(plan.map((_, i) => `e1:${i}`));
    expect(d.plan[plan.length - 1]).toMatchObject({ type: 'NOTIFY', severity, message: reason });
    const c = d.next.clusters[event.clusterId];
    expect(c).toMatchObject({ status: 'ISOLATING', servingPercent: 0, version: 1, lastTransitionAt: T0 + 5 });
    expect(c.job).toEqual({ id: 'e1', kind: 'ISOLATE', effects: d.plan.slice(0, -1), startedAt: T0 + 5 });
    expect(d.next.global).toMatchObject({ version: 1, recentIsolations: [T0 + 5] });
  });

  test('when a cluster is isolated, the DNS effect carries every weight with the cluster at 0 and the others raised', () => {
    // GIVEN
    const topo = topology(3);
    // WHEN
    const d = decide(initialWorldState(topo), alarm('e1', 'b', 'ALARM', T0), topo, T0);
    // THEN
    expect(d.plan[0]).toEqual({ id: 'e1:0', type: 'SET_DNS_WEIGHTS', weights: { a: 150, b: 0, c: 150 } });
  });

  test('when one cluster changes, it bumps only that cluster and the global item, and leaves the others the same object', () => {
    // GIVEN
    const topo = topology(3);
    const state = initialWorldState(topo);
    // WHEN
    const d = decide(state, alarm('e1', 'a', 'ALARM', T0), topo, T0);
    // THEN
    expect(d.next.clusters.a.version).toBe(1);
    expect(d.next.clusters.b).toBe(state.clusters.b);
    expect(d.next.clusters.c).toBe(state.clusters.c);
  });
});

describe('event ordering and duplicates', () => {
  test.each([
    { condition: 'the same alarm event is applied twice', second: alarm('e1', 'a', 'ALARM', T0), outcome: 'STALE', reason: 'Ignored alarm a-ddos = ALARM for cluster a: a state at least as new is already recorded.' },
    { condition: 'an older OK arrives after a newer ALARM', second: alarm('e0', 'a', 'OK', T0 - 1), outcome: 'STALE', reason: 'Ignored alarm a-ddos = OK for cluster a: a state at least as new is already recorded.' },
  ])('when $condition, it is a no-op ($outcome)', ({ second, outcome, reason }) => {
    // GIVEN
    const topo = topology(3);
    const first = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state;
    // WHEN
    const d = decide(first, second, topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.reason).toBe(reason);
    expect(d.plan).toEqual([]);
    expect(d.next).toBe(first);
  });

  test('when a compromise update is replayed, it is STALE', () => {
    // GIVEN
    const topo = topology(3);
    const first = run(topo, [[compromise('g1', 'a', T0), T0]]).state;
    // WHEN
    const d = decide(first, compromise('g1', 'a', T0), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('STALE');
    expect(d.reason).toBe('Ignored GuardDuty finding f1 for cluster a: an update at least as new is already recorded.');
    expect(d.next).toBe(first);
  });

  test('when an alarm clears for a cluster that is in service, it records the signal and starts no restore', () => {
    // GIVEN
    const topo = topology(3);
    const s = run(topo, [[alarm('e1', 'a', 'OK', T0), T0]]);
    // THEN
    expect(s.decisions[0].outcome).toBe('SIGNAL_RECORDED');
    expect(s.decisions[0].reason).toBe('Recorded alarm a-ddos = OK for cluster a; no status change.');
    expect(s.state.clusters.a.signals['a-ddos']).toEqual({ kind: 'ddos', state: 'OK', timestamp: T0 });
  });
});

describe('safety guards refuse automatic isolation', () => {
  const two = topology(2, { minHealthyClusters: 2 });
  // A refusal on-call must act on pages CRITICAL; a cooldown or an operator's pin holding the trigger back is a WARNING.
  test.each([
    {
      rule: 'MIN_HEALTHY',
      severity: 'CRITICAL',
      condition: 'isolating would leave fewer clusters in DNS than minHealthyClusters',
      topo: two,
      setup: [] as const,
      reason: 'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): isolating a would leave 1 cluster in DNS, below minHealthyClusters 2 [MIN_HEALTHY].',
    },
    {
      rule: 'ALL_WEIGHTS_ZERO',
      severity: 'CRITICAL',
      condition: 'isolating would make every DNS weight 0',
      // a does not count towards the minimum (else MIN_HEALTHY refuses first: a weight-0 b does not count)
      topo: { ...topology(2), clusters: topology(2).clusters.map((c) => (c.id === 'b' ? { ...c, baseWeight: 0 } : { ...c, countsTowardsMinimum: false })) },
      setup: [] as const,
      reason:
        'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): isolating a would set every DNS weight to 0, and Route 53 would then answer with every record [ALL_WEIGHTS_ZERO].',
    },
    {
      rule: 'RATE_LIMIT',
      severity: 'CRITICAL',
      condition: 'maxIsolationsPerWindow automatic isolations already happened in the window',
      topo: topology(4, { maxIsolationsPerWindow: 2 }),
      setup: [
        [alarm('x1', 'b', 'ALARM', T0 - 30 * MIN), T0 - 30 * MIN],
        [alarm('x2', 'c', 'ALARM', T0 - 20 * MIN), T0 - 20 * MIN],
      ] as const,
      reason: 'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): 2 automatic isolations already happened in the last 60 minutes (max 2) [RATE_LIMIT].',
    },
    {
      rule: 'AUTOMATION_PAUSED',
      severity: 'CRITICAL',
      condition: 'automation is paused',
      topo: topology(3),
      setup: [[operator('o1', 'pause'), T0 - MIN]] as const,
      reason: 'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): automation is paused by an operator [AUTOMATION_PAUSED].',
    },
    {
      rule: 'PINNED_IN_SERVICE',
      severity: 'WARNING',
      condition: 'the cluster is pinned FORCED_IN_SERVICE',
      topo: topology(3),
      setup: [[operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }), T0 - MIN]] as const,
      reason:
        'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): cluster a is pinned FORCED_IN_SERVICE until 2026-01-01T03:59:00.000Z, set by alice (drill); the pin holds this trigger back [PINNED_IN_SERVICE].',
    },
    {
      rule: 'COOLDOWN',
      severity: 'WARNING',
      condition: 'the cluster changed status within cooldownMinutes',
      topo: topology(3),
      setup: [[operator('o1', 'restore', { clusterId: 'a' }), T0 - MIN]] as const,
      reason: 'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): cluster a changed status less than 10 minutes ago (cooldown) [COOLDOWN].',
    },
  ])('when $condition, it refuses ($rule) and notifies $severity', ({ topo, setup, reason, rule, severity }) => {
    // GIVEN
    let state = run(topo, setup).state;
    if (rule === 'COOLDOWN') state = { ...state, clusters: { ...state.clusters, a: { ...state.clusters.a, lastTransitionAt: T0 - MIN } } };
    // WHEN
    const d = decide(state, alarm('e1', 'a', 'ALARM', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(d.reason).toBe(reason);
    expect(types(d)).toEqual(['NOTIFY']);
    expect(d.plan[0]).toMatchObject({ severity, subject: 'seedshield ISOLATION_REFUSED: a' });
    expect(d.next.clusters.a).toMatchObject({ status: 'IN_SERVICE', servingPercent: 100, lastRefusal: { reason, at: T0, triggerAt: T0 } });
  });

  test('when a compromise arrives within the cooldown, it isolates at once (a finding does not flap)', () => {
    // GIVEN: cluster a was restored by an operator a minute ago
    const topo = topology(3);
    let state = run(topo, [[operator('o1', 'restore', { clusterId: 'a' }), T0 - MIN]]).state;
    state = { ...state, clusters: { ...state.clusters, a: { ...state.clusters.a, lastTransitionAt: T0 - MIN } } };
    // WHEN
    const d = decide(state, compromise('g1', 'a', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)).toEqual(['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: 'ISOLATING', servingPercent: 0 });
  });

  test('when the undo of a restore fails, the cluster stays out of DNS and does not count as serving', () => {
    // GIVEN: a's restore started (undo job recorded)
    const topo = topology(3, { minHealthyClusters: 2 });
    const restoring = run(topo, [[operator('o1', 'restore', { clusterId: 'a' }), T0]], isolatedWorld(topo, 'a')).state;
    // WHEN the undo fails, and b is then attacked
    const failed = decide(restoring, jobResult('o1:result', 'a', 'o1', 'FAILED', { error: 'UnauthorizedOperation' }), topo, T0 + MIN);
    const d = decide(failed.next, alarm('e1', 'b', 'ALARM', T0 + 2 * MIN), topo, T0 + 2 * MIN);
    // THEN a is still at 0 and b may not go (only b and c serve)
    expect(failed.next.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 0 });
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(d.reason).toContain('[MIN_HEALTHY]');
  });

  test('when the only cluster with AAAA records would go to 0, an operator isolate is refused even with force (Route 53 would answer with every AAAA record)', () => {
    // GIVEN: e is the only cluster with IPv6 endpoints
    const topo = topology(2, {}, [{ ...external('e'), recordTypes: ['A', 'AAAA'] }]);
    // WHEN
    const d = decide(initialWorldState(topo), operator('o1', 'isolate', { clusterId: 'e', force: true }), topo, T0);
    // THEN
    expect(d.outcome).toBe('OPERATOR_REFUSED');
    expect(d.reason).toBe("Refused isolate of cluster e by operator alice (drill): isolating e would set every AAAA record's weight to 0, and Route 53 would then answer with all of them [ALL_WEIGHTS_ZERO].");
    expect(d.next.clusters.e).toMatchObject({ status: 'IN_SERVICE', servingPercent: 100 });
  });

  test('when an isolation job keeps failing, restore --force abandons it and undoes what it did cut; without force it is refused', () => {
    // GIVEN: a's isolation cut the internet, then failed on the BP path
    const topo = topology(3);
    const started = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state;
    const record = { revokedIngress: [{ groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' }] };
    const failing = decide(started, jobResult('e1:result', 'a', 'e1', 'FAILED', { error: 'UnauthorizedOperation', isolation: record }), topo, T0 + MIN).next;
    // WHEN
    const refused = decide(failing, operator('o1', 'restore', { clusterId: 'a' }), topo, T0 + 2 * MIN);
    const forced = decide(failing, operator('o2', 'restore', { clusterId: 'a', force: true }), topo, T0 + 2 * MIN);
    // THEN
    expect(refused.reason).toContain('or abandon the failing job with restore --force [JOB_IN_PROGRESS]');
    expect(forced.outcome).toBe('OPERATOR_APPLIED');
    expect(forced.reason).toContain('abandoned the failing isolation job e1 of cluster a (last error: UnauthorizedOperation)');
    expect(types(forced)).toEqual(['UNDO_ISOLATION', 'NOTIFY']);
    expect(forced.next.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 0, isolation: record, job: { id: 'o2', kind: 'RESTORE' } });
  });

  test('when the same refusal is re-evaluated without a new trigger, it does not notify again', () => {
    // GIVEN
    const topo = topology(2, { minHealthyClusters: 2 });
    const refused = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state;
    // WHEN
    const d = decide(refused, reconcile('r1'), topo, T0 + 5 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(d.plan).toEqual([]);
    expect(d.next).toEqual(refused);
  });

  test('when a new trigger activates after a refusal, it reports the refusal again', () => {
    // GIVEN
    const topo = topology(2, { minHealthyClusters: 2 });
    const refused = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [alarm('e2', 'a', 'OK', T0 + MIN), T0 + MIN],
    ]).state;
    // WHEN
    const d = decide(refused, alarm('e3', 'a', 'ALARM', T0 + 2 * MIN), topo, T0 + 2 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(types(d)).toEqual(['NOTIFY']);
  });

  test('when a refused isolation is re-evaluated by reconcile after the guard allows it, it isolates then', () => {
    // GIVEN: the rate limit refuses a at T0
    const topo = topology(4, { maxIsolationsPerWindow: 1, isolationWindowMinutes: 60 });
    const refused = run(topo, [
      [alarm('x1', 'b', 'ALARM', T0 - 30 * MIN), T0 - 30 * MIN],
      [alarm('e1', 'a', 'ALARM', T0), T0],
    ]);
    expect(refused.decisions[1].outcome).toBe('ISOLATION_REFUSED');
    // WHEN: reconcile runs after the window has passed and a is still in ALARM
    const d = decide(refused.state, reconcile('r1'), topo, T0 + 31 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(d.next.clusters.a).toMatchObject({ status: 'ISOLATING', job: { id: 'r1', kind: 'ISOLATE' } });
    expect(d.next.clusters.a.lastRefusal).toBeUndefined();
  });

  test('when two clusters are held back by a pause and min-healthy allows only one, resume isolates the compromised one first', () => {
    // GIVEN: paused; a has a ddos alarm, c a compromise (its BP path is cut at once, even paused)
    const topo = topology(3, { minHealthyClusters: 2 });
    const state = run(topo, [[operator('o1', 'pause'), T0]]).state;
    const s2 = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [compromise('g1', 'c', T0), T0],
    ], state).state;
    // WHEN
    const d = decide(s2, operator('o2', 'resume'), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(d.next.clusters.c.status).toBe('ISOLATING');
    expect(d.next.clusters.a.status).toBe('IN_SERVICE');
    expect(types(d)).toEqual(['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
  });
});

describe('jobs', () => {
  test.each([
    { condition: 'the isolation job succeeds', result: 'SUCCEEDED' as const, outcome: 'ISOLATION_COMPLETED', status: 'ISOLATED', hasJob: false },
    { condition: 'the isolation job fails', result: 'FAILED' as const, outcome: 'JOB_FAILED', status: 'ISOLATING', hasJob: true },
  ])('when $condition, it reports $outcome and the cluster is $status', ({ result, outcome, status, hasJob }) => {
    // GIVEN
    const topo = topology(3);
    const isolating = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state;
    const record = { revokedIngress: [{ groupId: 'sg-1', ipProtocol: 'tcp' }] };
    // WHEN
    const d = decide(isolating, jobResult('j1', 'a', 'e1', result, { isolation: record, error: 'Throttling' }), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.next.clusters.a.status).toBe(status);
    expect(d.next.clusters.a.job !== undefined).toBe(hasJob);
    expect(d.next.clusters.a.isolation).toEqual(record);
    if (result === 'FAILED') {
      expect(d.reason).toBe('The ISOLATE job e1 of cluster a failed (Throttling); the job stays recorded and the next reconcile re-plans it.');
      expect(d.plan).toEqual([expect.objectContaining({ type: 'NOTIFY', severity: 'CRITICAL' })]);
    }
  });

  test.each([
    { condition: 'a result names a job that is not the active one', event: jobResult('j9', 'a', 'other'), reason: 'Ignored the result of job other for cluster a: it is not the active job (duplicate or late).' },
    { condition: 'a failure is reported twice', event: jobResult('j3', 'a', 'e1', 'FAILED'), reason: 'Ignored a repeated failure of job e1 for cluster a: the failure is already recorded and the next reconcile re-plans the job.' },
  ])('when $condition, it is a DUPLICATE no-op', ({ event, reason }) => {
    // GIVEN
    const topo = topology(3);
    const failed = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('j2', 'a', 'e1', 'FAILED', { error: 'x' }), T0],
    ]).state;
    // WHEN
    const d = decide(failed, event, topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('DUPLICATE');
    expect(d.reason).toBe(reason);
    expect(d.plan).toEqual([]);
    expect(d.next).toBe(failed);
  });

  test.each([
    { condition: 'a job failed', failFirst: true, now: T0 + MIN, why: 'its last attempt failed (Throttling)' },
    { condition: 'a job has run for 10 minutes without a result', failFirst: false, now: T0 + 10 * MIN, why: 'it has run for 10 minutes or more' },
  ])('when $condition, reconcile re-plans it with the same effect ids', ({ failFirst, now, why }) => {
    // GIVEN
    const topo = topology(3);
    const first = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]);
    const state = failFirst ? run(topo, [[jobResult('j1', 'a', 'e1', 'FAILED', { error: 'Throttling' }), T0]], first.state).state : first.state;
    // WHEN
    const d = decide(state, reconcile('r1'), topo, now);
    // THEN
    expect(d.outcome).toBe('JOB_RETRIED');
    expect(d.reason).toBe(`Re-planned the ISOLATE job e1 of cluster a (attempt 2) because ${why}; its effects keep their ids.`);
    expect(d.plan.slice(0, 4)).toEqual(first.decisions[0].plan.slice(0, 4));
    expect(d.plan[3]).toMatchObject({ id: 'e1:3', type: 'SUSPEND_SCALING' });
    expect(d.plan[4]).toMatchObject({ id: 'r1:4', type: 'NOTIFY', severity: 'WARNING' });
    expect(d.next.clusters.a.job).toMatchObject({ id: 'e1', attempts: 2, lastAttemptAt: now });
    expect(d.next.clusters.a.job?.lastError).toBeUndefined();
  });

  test('when a stuck job is re-planned after other weights changed, it carries the current weights under a new id', () => {
    // GIVEN: a's isolation job is stuck; b was isolated later
    const topo = topology(4, { maxIsolationsPerWindow: 5 });
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [alarm('e2', 'b', 'ALARM', T0 + MIN), T0 + MIN],
      [jobResult('j2', 'b', 'e2'), T0 + 2 * MIN],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 10 * MIN);
    // THEN
    expect(d.plan[0]).toEqual({ id: 'r1:0', type: 'SET_DNS_WEIGHTS', weights: { a: 0, b: 0, c: 200, d: 200 } });
    expect(d.plan.slice(1, 3).map((e) => e.id)).toEqual(['e1:1', 'e1:2']);
    expect(d.next.clusters.a.job?.effects[0]).toBe(d.plan[0]);
  });
});

describe('quiet period and restore', () => {
  const topo = topology(3);
  const cleared = () => run(topo, [[alarm('e2', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN]], isolatedWorld(topo)).state;

  test('when every signal of an isolated cluster clears, it starts the quiet period at the clearing event time', () => {
    // GIVEN / WHEN
    const s = cleared();
    // THEN
    expect(s.clusters.a.clearSince).toBe(T0 + 2 * MIN);
  });

  test.each([
    { condition: 'the quiet period is not over', now: T0 + 31 * MIN, outcome: 'NO_CHANGE', status: 'ISOLATED' },
    { condition: 'the quiet period is over', now: T0 + 32 * MIN, outcome: 'RESTORE_STARTED', status: 'RESTORING' },
  ])('when $condition, reconcile reports $outcome', ({ now, outcome, status }) => {
    // GIVEN
    const s = cleared();
    // WHEN
    const d = decide(s, reconcile('r1'), topo, now);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.next.clusters.a.status).toBe(status);
    if (outcome === 'RESTORE_STARTED') {
      expect(d.reason).toBe('Restoring cluster a: every signal has been confirmed clear for 30 minutes, so its cuts are undone and its DNS share ramps up from 10 %.');
      // The weight stays 0 until the cuts are undone: the restore job is the undo alone.
      expect(types(d)).toEqual(['UNDO_ISOLATION', 'NOTIFY']);
      expect(d.next.clusters.a).toMatchObject({ servingPercent: 0, rampStage: 0, job: { id: 'r1', kind: 'RESTORE', effects: d.plan.slice(0, 1) } });
      // WHEN the undo succeeds
      const after = decide(d.next, jobResult('r1:result', 'a', 'r1'), topo, now);
      // THEN the first ramp stage goes live, in one weight change
      expect(types(after)).toEqual(['SET_DNS_WEIGHTS']);
      expect(after.plan[0]).toMatchObject({ weights: { a: 10, b: 145, c: 145 } });
      expect(after.next.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 10, rampStage: 0, rampStageSince: now });
      expect(after.next.clusters.a.job).toBeUndefined();
    } else {
      expect(d.plan).toEqual([]);
      expect(d.next).toBe(s);
    }
  });

  test.each([
    { condition: 'the cluster is pinned FORCED_ISOLATED', setup: operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED }) },
    { condition: 'automation is paused', setup: operator('o1', 'pause') },
  ])('when $condition, the quiet period does not restore it', ({ setup }) => {
    // GIVEN
    const s = run(topo, [[setup, T0 + 3 * MIN]], cleared()).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 120 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe('ISOLATED');
    expect(d.plan).toEqual([]);
  });

  test('when a cluster was isolated for a compromise, automation never restores it, even after the quiet period', () => {
    // GIVEN
    const s = run(topo, [
      [compromise('g1', 'a', T0), T0],
      [jobResult('j1', 'a', 'g1'), T0],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 1000 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe('ISOLATED');
    expect(d.plan).toEqual([]);
  });

  test('when a trigger fires again during the quiet period, it resets the quiet period', () => {
    // GIVEN
    const s = run(topo, [[alarm('e3', 'a', 'ALARM', T0 + 20 * MIN), T0 + 20 * MIN], [alarm('e4', 'a', 'OK', T0 + 25 * MIN), T0 + 25 * MIN]], cleared()).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 40 * MIN);
    // THEN
    expect(s.clusters.a.clearSince).toBe(T0 + 25 * MIN);
    expect(d.next.clusters.a.status).toBe('ISOLATED');
  });

  const restoring = () =>
    run(topo, [
      [reconcile('r1'), T0 + 40 * MIN],
      [jobResult('j5', 'a', 'r1'), T0 + 41 * MIN],
    ], cleared());

  test('when the restore job succeeds, it clears the job and the isolation record and stays RESTORING', () => {
    // GIVEN / WHEN
    const { state, decisions } = restoring();
    // THEN
    expect(decisions[1].outcome).toBe('NO_CHANGE');
    expect(state.clusters.a).toMatchObject({ status: 'RESTORING', servingPercent: 10, rampStageSince: T0 + 41 * MIN });
    expect(state.clusters.a.job).toBeUndefined();
    expect(state.clusters.a.isolation).toBeUndefined();
  });

  test.each([
    { condition: 'the stage has not lasted restoreRampStepMinutes', steps: [T0 + 45 * MIN], outcome: 'NO_CHANGE', serving: 10, status: 'RESTORING' },
    { condition: 'the stage has lasted restoreRampStepMinutes', steps: [T0 + 46 * MIN], outcome: 'RAMP_ADVANCED', serving: 50, status: 'RESTORING' },
    { condition: 'the 100 % stage has lasted restoreRampStepMinutes', steps: [T0 + 46 * MIN, T0 + 51 * MIN, T0 + 56 * MIN], outcome: 'RESTORE_COMPLETED', serving: 100, status: 'IN_SERVICE' },
  ])('when $condition, reconcile reports $outcome', ({ steps, outcome, serving, status }) => {
    // GIVEN
    const s = restoring().state;
    // WHEN
    const r = run(topo, steps.map((now, i) => [reconcile(`t${i}`), now] as const), s);
    // THEN
    const last = r.decisions[r.decisions.length - 1];
    expect(last.outcome).toBe(outcome);
    expect(r.state.clusters.a).toMatchObject({ servingPercent: serving, status });
  });

  test('when a trigger fires during the ramp, it aborts the ramp and re-isolates immediately, ignoring the cooldown', () => {
    // GIVEN
    const s = restoring().state;
    // WHEN
    const d = decide(s, alarm('e9', 'a', 'ALARM', T0 + 42 * MIN), topo, T0 + 42 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(d.reason).toBe(
      'Aborted the restore ramp of cluster a and re-isolating it because alarm a-ddos (ddos) is in ALARM: DNS weight 0, internet cut, block-producer VPN path cut.',
    );
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: 'ISOLATING', servingPercent: 0, job: { id: 'e9', kind: 'ISOLATE' } });
  });

  test('when a trigger fires while the undo job is still running, it waits for the job and aborts when the job succeeds', () => {
    // GIVEN
    const s = run(topo, [[reconcile('r1'), T0 + 40 * MIN], [alarm('e9', 'a', 'ALARM', T0 + 40.5 * MIN), T0 + 40.5 * MIN]], cleared());
    expect(s.decisions[1].outcome).toBe('SIGNAL_RECORDED');
    // WHEN
    const d = decide(s.state, jobResult('j5', 'a', 'r1'), topo, T0 + 41 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(d.next.clusters.a).toMatchObject({ status: 'ISOLATING', job: { id: 'j5' } });
  });
});

describe('operator commands', () => {
  const topo = topology(3, { minHealthyClusters: 3 });
  test.each([
    {
      condition: 'an operator isolates a cluster and min-healthy forbids it',
      start: () => initialWorldState(topo),
      event: operator('o1', 'isolate', { clusterId: 'a' }),
      outcome: 'OPERATOR_REFUSED',
      reason: 'Refused isolate of cluster a by operator alice (drill): isolating a would leave 2 clusters in DNS, below minHealthyClusters 3 [MIN_HEALTHY].',
      status: 'IN_SERVICE',
    },
    {
      condition: 'an operator forces the isolation',
      start: () => initialWorldState(topo),
      event: operator('o1', 'isolate', { clusterId: 'a', force: true }),
      outcome: 'OPERATOR_APPLIED',
      reason: 'Operator alice (drill) isolated cluster a (forced): DNS weight 0, internet cut, block-producer VPN path cut; it stays isolated until an operator restores it.',
      status: 'ISOLATING',
    },
    {
      condition: 'a forced isolation would make every weight 0',
      start: () => run(topology(1), [[operator('o0', 'pause'), T0]]).state,
      topoOverride: topology(1),
      event: operator('o1', 'isolate', { clusterId: 'a', force: true }),
      outcome: 'OPERATOR_REFUSED',
      reason: 'Refused isolate of cluster a by operator alice (drill): isolating a would set every DNS weight to 0, and Route 53 would then answer with every record [ALL_WEIGHTS_ZERO].',
      status: 'IN_SERVICE',
    },
    {
      condition: 'an operator restores an isolated cluster',
      start: () => isolatedWorld(topology(3)),
      event: operator('o1', 'restore', { clusterId: 'a' }),
      outcome: 'OPERATOR_APPLIED',
      reason: 'Operator alice (drill) restored cluster a: acknowledged 1 active signals, undoing its isolation and ramping its DNS share from 10 %.',
      status: 'RESTORING',
    },
    {
      condition: 'an operator restores a cluster pinned FORCED_ISOLATED',
      start: () => run(topo, [[operator('o0', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED }), T0]], isolatedWorld(topology(3))).state,
      event: operator('o1', 'restore', { clusterId: 'a' }),
      outcome: 'OPERATOR_REFUSED',
      reason: 'Refused restore of cluster a by operator alice (drill): cluster a is pinned FORCED_ISOLATED until 2026-01-01T04:00:00.000Z, set by alice (drill); unpin it first [PINNED_ISOLATED].',
      status: 'ISOLATED',
    },
    {
      condition: 'an operator restores a cluster whose isolation job is running',
      start: () => run(topology(3), [[alarm('e1', 'a', 'ALARM', T0), T0]]).state,
      event: operator('o1', 'restore', { clusterId: 'a' }),
      outcome: 'OPERATOR_REFUSED',
      reason: 'Refused restore of cluster a by operator alice (drill): an ISOLATE job is in progress; retry when it finishes [JOB_IN_PROGRESS].',
      status: 'ISOLATING',
    },
    {
      condition: 'an operator pins an isolated cluster FORCED_IN_SERVICE',
      start: () => isolatedWorld(topology(3)),
      event: operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }),
      outcome: 'OPERATOR_APPLIED',
      reason: 'Operator alice (drill) pinned cluster a FORCED_IN_SERVICE until 2026-01-01T04:02:00.000Z and restored it: acknowledged 1 active signals, ramping its DNS share from 10 %.',
      status: 'RESTORING',
    },
    {
      condition: 'an operator pins a cluster FORCED_ISOLATED and min-healthy forbids it',
      start: () => initialWorldState(topo),
      event: operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED }),
      outcome: 'OPERATOR_REFUSED',
      reason: 'Refused pin of cluster a by operator alice (drill): isolating a would leave 2 clusters in DNS, below minHealthyClusters 3 [MIN_HEALTHY].',
      status: 'IN_SERVICE',
    },
    {
      condition: 'an operator pins a cluster FORCED_ISOLATED with force',
      start: () => initialWorldState(topo),
      event: operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED, force: true }),
      outcome: 'OPERATOR_APPLIED',
      reason: 'Operator alice (drill) pinned cluster a FORCED_ISOLATED until 2026-01-01T04:02:00.000Z and isolated it (forced): DNS weight 0, internet cut, block-producer VPN path cut.',
      status: 'ISOLATING',
    },
    {
      condition: 'an operator unpins a cluster',
      start: () => run(topo, [[operator('o0', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }), T0]]).state,
      event: operator('o1', 'unpin', { clusterId: 'a' }),
      outcome: 'OPERATOR_APPLIED',
      reason: 'Operator alice (drill) unpinned cluster a (was FORCED_IN_SERVICE until 2026-01-01T04:00:00.000Z, set by alice (drill)); automation manages it again.',
      status: 'IN_SERVICE',
    },
    {
      condition: 'an operator pauses automation',
      start: () => initialWorldState(topo),
      event: operator('o1', 'pause'),
      outcome: 'AUTOMATION_PAUSED',
      reason: 'Operator alice (drill) paused automation: only operator commands act, except the block-producer path cut of a compromise.',
      status: 'IN_SERVICE',
    },
  ])('when $condition, it reports $outcome', ({ start, event, outcome, reason, status, topoOverride }) => {
    // GIVEN
    const t = topoOverride ?? topo;
    const state = start();
    // WHEN
    const d = decide(state, event, t, T0 + 2 * MIN);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.reason).toBe(reason);
    expect(d.plan[d.plan.length - 1]).toMatchObject({ type: 'NOTIFY', message: reason });
    expect(d.next.clusters.a.status).toBe(status);
    // a replayed operator command is a no-op
    const replay = decide(d.next, event, t, T0 + 3 * MIN);
    expect(replay.outcome).toBe('DUPLICATE');
    expect(replay.plan).toEqual([]);
  });

  test('when an operator restores a compromised cluster, it acknowledges the compromise so automation does not re-isolate it', () => {
    // GIVEN
    const t = topology(3);
    const s = run(t, [
      [compromise('g1', 'a', T0), T0],
      [jobResult('j1', 'a', 'g1'), T0],
      [operator('o1', 'restore', { clusterId: 'a' }), T0 + MIN],
      [jobResult('j2', 'a', 'o1'), T0 + 2 * MIN],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), t, T0 + 8 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ADVANCED');
    expect(s.clusters.a.signals['guardduty:f1'].acknowledgedAt).toBe(T0 + MIN);
  });

  test('when a manually isolated cluster has no trigger, automation never restores it', () => {
    // GIVEN
    const t = topology(3);
    const s = run(t, [[operator('o1', 'isolate', { clusterId: 'a' }), T0], [jobResult('j1', 'a', 'o1'), T0]]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), t, T0 + 1000 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe('ISOLATED');
    expect(s.global.recentIsolations).toEqual([]);
  });
});

describe('errors', () => {
  test.each([
    { condition: 'an alarm names an unknown cluster', event: alarm('e1', 'zz', 'ALARM', T0), error: UnknownClusterError, message: 'unknown cluster "zz"; the topology has: a, b, c' },
    { condition: 'a reconcile observes an unknown cluster', event: reconcile('r1', [{ clusterId: 'zz', alarmName: 'x', kind: 'ddos', state: 'OK', stateTimestamp: T0 }]), error: UnknownClusterError, message: 'unknown cluster "zz"; the topology has: a, b, c' },
    { condition: 'an operator command lacks its cluster', event: operator('o1', 'isolate'), error: InvalidEventError, message: 'OPERATOR event o1 needs a clusterId' },
  ])('when $condition, it throws $error.name', ({ event, error, message }) => {
    // GIVEN
    const topo = topology(3);
    // WHEN / THEN
    expect(() => decide(initialWorldState(topo), event, topo, T0)).toThrow(error);
    expect(() => decide(initialWorldState(topo), event, topo, T0)).toThrow(message);
  });

  test('when the state is ISOLATING without a job, it throws DecisionInvariantError', () => {
    // GIVEN
    const topo = topology(2);
    const s0 = initialWorldState(topo);
    const bad: WorldState = { ...s0, clusters: { ...s0.clusters, a: { ...s0.clusters.a, status: ClusterStatus.ISOLATING, servingPercent: 0 } } };
    // WHEN / THEN
    expect(() => decide(bad, reconcile('r1'), topo, T0)).toThrow(DecisionInvariantError);
    try {
      decide(bad, reconcile('r1'), topo, T0);
    } catch (e) {
      expect((e as Error).name).toBe('DecisionInvariantError');
    }
  });
});

describe('operator guards in the tables', () => {
  test.each([
    { condition: 'an operator isolates a cluster that is already ISOLATED', command: 'isolate' as const, extra: {}, guard: 'ALREADY_ISOLATED', why: 'it is already ISOLATED' },
    { condition: 'an operator forces an isolation of a cluster that is already ISOLATED', command: 'isolate' as const, extra: { force: true }, guard: 'ALREADY_ISOLATED', why: 'it is already ISOLATED' },
  ])('when $condition, it is refused by the $guard guard and nothing is planned but the page', ({ command, extra, guard, why }) => {
    // GIVEN
    const topo = topology(3);
    const isolated = isolatedWorld(topo);
    // WHEN
    const d = decide(isolated, operator('o1', command, { clusterId: 'a', ...extra }), topo, T0 + 2 * MIN);
    // THEN
    expect(d.outcome).toBe('OPERATOR_REFUSED');
    expect(d.reason).toContain(`${why} [${guard}]`);
    expect(types(d)).toEqual(['NOTIFY']);
  });

  test('when an operator pins an ISOLATING cluster in service, it is refused by JOB_IN_PROGRESS; a RESTORING one with its undo job running is pinned', () => {
    // GIVEN: a is being isolated; b is restoring (its undo job running)
    const topo = topology(4);
    const isolating = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state;
    const restoring = decide(isolatedWorld(topo, 'b'), operator('o0', 'restore', { clusterId: 'b' }), topo, T0 + MIN).next;
    // WHEN
    const refused = decide(isolating, operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }), topo, T0 + MIN);
    const pinned = decide(restoring, operator('o2', 'pin', { clusterId: 'b', pin: OperatorPin.FORCED_IN_SERVICE }), topo, T0 + 2 * MIN);
    // THEN
    expect(refused.reason).toContain('an ISOLATE job is in progress; retry when it finishes [JOB_IN_PROGRESS]');
    expect(refused.next.clusters.a.pin).toBeUndefined();
    expect(pinned.outcome).toBe('OPERATOR_APPLIED');
    expect(pinned.next.clusters.b).toMatchObject({ pin: OperatorPin.FORCED_IN_SERVICE, job: { kind: 'RESTORE' } });
  });
});
