/**
 * What one decision covers and how it is told: which outcome is the headline (and the SNS subject) when
 * several things happened, which severity the page gets, which clusters an event about another one may act
 * on, and what only the reconcile does (re-plan jobs, page missing data).
 */
import { decide, headlineRank } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ClusterStatus, CoreEvent, DecisionOutcome, NotifyEffect, WorldState } from '../../../lambdas/core/types';
import { alarm, isolatedWorld, jobResult, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

describe('the headline of a decision', () => {
  // Each row: when both happened in one decision, the first is the headline, and why on-call needs it first.
  test.each<[DecisionOutcome, DecisionOutcome, string]>([
    ['RAMP_ABORTED', 'ISOLATION_STARTED', 'an aborted ramp is an isolation that also undoes a restore on its way'],
    ['ISOLATION_STARTED', 'BP_PATH_CUT', 'a full isolation says more than its BP-path part alone'],
    ['BP_PATH_CUT', 'JOB_FAILED', 'a compromised host was just cut off the block producer'],
    ['JOB_FAILED', 'ISOLATION_DIVERGED', 'a failing job is what on-call must act on now'],
    ['ISOLATION_DIVERGED', 'REACHABILITY_UNVERIFIED', 'a cut seen open is worse than a proof that did not hold'],
    ['REACHABILITY_UNVERIFIED', 'ISOLATION_REFUSED', 'a path open that the cuts should block beats a held-back trigger'],
    ['ISOLATION_REFUSED', 'OPERATOR_REFUSED', 'an attack the floor holds back beats a refused command'],
    ['OPERATOR_REFUSED', 'AUTOMATION_PAUSED', 'the operator must hear the refusal of the command they just gave'],
    ['AUTOMATION_PAUSED', 'AUTOMATION_RESUMED', 'a pause and a resume are told apart'],
    ['AUTOMATION_RESUMED', 'OPERATOR_APPLIED', 'whether automation runs beats a command applied'],
    ['OPERATOR_APPLIED', 'RESTORE_STARTED', 'what the operator did beats what followed from it'],
    ['RESTORE_STARTED', 'DATA_MISSING', 'a cluster coming back beats a held one'],
    ['DATA_MISSING', 'REACHABILITY_UNKNOWN', 'an alarm without data holds a cluster; an unknown proof holds nothing'],
    ['REACHABILITY_UNKNOWN', 'PIN_EXPIRED', 'an unproven cut beats a pin running out'],
    ['PIN_EXPIRED', 'ISOLATION_COMPLETED', 'a pin running out changes what automation may do'],
    ['ISOLATION_COMPLETED', 'RESTORE_COMPLETED', 'a finished cut beats a finished restore'],
    ['RESTORE_COMPLETED', 'JOB_RETRIED', 'a finished job beats a retried one'],
    ['JOB_RETRIED', 'DNS_REPAIRED', 'a retry is news, a repaired weight routine'],
    ['DNS_REPAIRED', 'REACHABILITY_VERIFIED', 'a change made beats a proof'],
    ['REACHABILITY_VERIFIED', 'RAMP_ADVANCED', 'a proof beats a routine ramp step'],
    ['RAMP_ADVANCED', 'SIGNAL_RECORDED', 'a weight change beats a recorded signal'],
    ['SIGNAL_RECORDED', 'NO_CHANGE', 'something recorded beats nothing'],
    ['NO_CHANGE', 'STALE', 'a decision beats an ignored stale event'],
    ['STALE', 'DUPLICATE', 'a stale event says more than a replay'],
  ])('when %s and %s both happened, %s is the headline (%s)', (first, second) => {
    expect(headlineRank(first)).toBeLessThan(headlineRank(second));
  });

  test('a silent re-check of a refusal already reported ranks below everything that happened', () => {
    expect(headlineRank('ISOLATION_REFUSED', true)).toBeGreaterThan(headlineRank('RAMP_ADVANCED'));
    expect(headlineRank('ISOLATION_REFUSED', true)).toBeGreaterThan(headlineRank('SIGNAL_RECORDED'));
  });
});

describe('the severity of a page', () => {
  test('when the headline is INFO and another part of the decision WARNING, the page is WARNING with the headline as subject', () => {
    // GIVEN a isolated, its alarm clear since T0 + 10 min; b's health alarm in INSUFFICIENT_DATA since T0 + 25 min
    const topo = topology(3);
    const start = run(
      topo,
      [
        [alarm('a2', 'a', 'OK', T0 + 10 * MIN), T0 + 10 * MIN],
        [alarm('u1', 'b', 'INSUFFICIENT_DATA', T0 + 25 * MIN, 'b-unhealthy', 'unhealthy'), T0 + 25 * MIN],
      ],
      isolatedWorld(topo, 'a'),
    ).state;
    // WHEN the reconcile after a's 30-minute quiet period, with b's data missing for the page limit (15 min)
    const d = decide(start, reconcile('r1'), topo, T0 + 41 * MIN);
    // THEN
    expect(d.outcome).toBe('RESTORE_STARTED');
    const page = d.plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');
    expect(page?.severity).toBe('WARNING');
    expect(page?.subject).toBe('seedshield RESTORE_STARTED: a, b');
  });
});

describe('what an event about one cluster may do to another', () => {
  // b's ddos alarm was held back by the cooldown after b's last status change at T0.
  const topo = topology(3);
  const heldBack = (): WorldState => {
    const w = initialWorldState(topo);
    const b = { ...w.clusters.b, lastTransitionAt: T0 };
    const held = decide({ ...w, clusters: { ...w.clusters, b } }, alarm('b1', 'b', 'ALARM', T0 + MIN), topo, T0 + MIN);
    expect(held.outcome).toBe('ISOLATION_REFUSED');
    return held.next;
  };

  test.each<[string, CoreEvent]>([
    ['an alarm of c that changes no serving capacity', alarm('c1', 'c', 'OK', T0 + 11 * MIN, 'c-surge', 'surge')],
    ['a resume while automation is running', operator('o1', 'resume')],
  ])('when %s arrives after b’s cooldown, b waits for the reconcile (nothing about b is decided)', (_what, event) => {
    const d = decide(heldBack(), event, topo, T0 + 11 * MIN);
    expect(d.next.clusters.b.status).toBe(ClusterStatus.IN_SERVICE);
    expect(types(d)).not.toContain('SET_DNS_WEIGHTS');
  });

  test('when the reconcile comes after b’s cooldown, b is isolated', () => {
    const d = decide(heldBack(), reconcile('r1'), topo, T0 + 11 * MIN);
    expect(d.next.clusters.b.status).toBe(ClusterStatus.ISOLATING);
  });
});

describe('what only the reconcile does', () => {
  const topo = topology(3);
  const failing = () =>
    run(topo, [
      [alarm('a1', 'a', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'a1', 'FAILED', { error: 'throttled' }), T0 + 1000],
    ]).state;

  test('when an alarm of the cluster arrives while its job failed, the job is not re-planned: the reconcile does that', () => {
    const d = decide(failing(), alarm('a2', 'a', 'ALARM', T0 + MIN, 'a-unhealthy', 'unhealthy'), topo, T0 + MIN);
    expect(d.next.clusters.a.job?.attempts ?? 1).toBe(1);
    expect(types(d)).not.toContain('CUT_INTERNET');
    expect(decide(failing(), reconcile('r1'), topo, T0 + MIN).outcome).toBe('JOB_RETRIED');
  });

  test('when an alarm has been without data past the page limit, an alarm event of its cluster does not page: the reconcile does', () => {
    const w = run(topo, [[alarm('u1', 'b', 'INSUFFICIENT_DATA', T0, 'b-unhealthy', 'unhealthy'), T0]]).state;
    const other = decide(w, alarm('s1', 'b', 'OK', T0 + 20 * MIN, 'b-surge', 'surge'), topo, T0 + 20 * MIN);
    expect(types(other)).not.toContain('NOTIFY');
    expect(decide(w, reconcile('r1'), topo, T0 + 20 * MIN).outcome).toBe('DATA_MISSING');
  });
});

describe('a decision that comes to the same thing twice', () => {
  const two = topology(2, { minHealthyClusters: 2 });
  /** An alarm as the reconcile reads it (no event type or id of its own). */
  const seen = (state: 'OK' | 'ALARM', at: number) => {
    const { clusterId, alarmName, kind, stateTimestamp } = alarm('x', 'a', state, at);
    return { clusterId, alarmName, kind, state, stateTimestamp };
  };

  test('when a reconcile carries one alarm twice and the floor refuses the isolation, the refusal is told once', () => {
    // WHEN
    const d = decide(initialWorldState(two), reconcile('r1', [seen('ALARM', T0), seen('ALARM', T0)]), two, T0 + MIN);
    // THEN
    const refusal = 'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): isolating a would leave 1 cluster in DNS, below minHealthyClusters 2 [MIN_HEALTHY].';
    expect(d.reason).toBe(refusal);
    expect(d.plan.filter((e): e is NotifyEffect => e.type === 'NOTIFY').map((e) => e.message)).toEqual([refusal]);
  });

  test('when an undo completes under a held-back alarm, the refusal it re-checks twice (its own trigger, then rule 3) is told once', () => {
    // GIVEN a forced out and restored by an operator; its alarm fires while the undo runs
    const s = run(two, [
      [operator('o1', 'isolate', { clusterId: 'a', force: true }), T0],
      [jobResult('j1', 'a', 'o1'), T0],
      [operator('o2', 'restore', { clusterId: 'a' }), T0 + MIN],
      [alarm('x1', 'a', 'ALARM', T0 + 2 * MIN), T0 + 2 * MIN],
    ]).state;
    // WHEN the undo completes: a serves again (10 %), so its trigger is checked, and serving capacity changed, so every held-back trigger is too
    const d = decide(s, jobResult('u1', 'a', 'o2'), two, T0 + 3 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_REFUSED');
    expect(d.reason).toBe('Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM): isolating a would leave 1 cluster in DNS, below minHealthyClusters 2 [MIN_HEALTHY].');
  });

  test('when a reconcile reads an alarm exactly as recorded, nothing changes: the state keeps its version and object', () => {
    // GIVEN a's alarm recorded OK at T0
    const s = run(two, [[alarm('o1', 'a', 'OK', T0), T0]]).state;
    // WHEN
    const d = decide(s, reconcile('r1', [seen('OK', T0)]), two, T0 + MIN);
    // THEN
    expect(d.next.clusters.a.version).toBe(s.clusters.a.version);
    expect(d.next).toBe(s);
  });
});

describe('events the core does not know', () => {
  test('when the event type is unknown, it throws InvalidEventError naming the type', () => {
    const w = initialWorldState(topology(1));
    expect(() => decide(w, { type: 'BOGUS', id: 'x' } as unknown as CoreEvent, topology(1), T0)).toThrow(expect.objectContaining({ name: 'InvalidEventError', message: 'unknown event type: BOGUS' }));
  });
});
