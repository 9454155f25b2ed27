/**
 * The drill's own checks, on hand-made runs and snapshots (no moto): the negative effect expectation, the
 * forced-isolation waiver of the floor (scoped to that isolation while it is in force), the new
 * isolation-dns-holds invariant and rejected deliveries failing their step.
 */
import { ClusterStatus, type Effect, type WorldState } from '../../lambdas/core/types';
import type { EngineReport } from '../../lambdas/engine';
import { checkExpectation } from '../../drill/expectations';
import type { ScenarioRun, Snapshot } from '../../drill/harness';
import { ISOLATION_DNS_HOLDS, MIN_HEALTHY_IN_DNS, trackStep } from '../../drill/invariants';
import { rejectionProblems } from '../../drill/runner';
import type { Expectation, ScenarioStep } from '../../drill/scenario';

const IDS = ['eu-north', 'eu-central', 'us-east', 'gm-physical'];

/** A run over the example's four clusters (min 2 of the three counting ones). */
function fakeRun(): ScenarioRun {
  return {
    world: {
      topology: {
        clusters: IDS.map((id) => ({ id, kind: id === 'gm-physical' ? 'external' : 'aws', baseWeight: 100, countsTowardsMinimum: id !== 'gm-physical' })),
        policy: { minHealthyClusters: 2 },
      },
    },
    clusterIds: IDS,
    forcedIsolations: new Map(),
    dnsOut: new Map(),
  } as unknown as ScenarioRun;
}

/** A snapshot: status per cluster (IN_SERVICE by default) and the weights Route 53 serves. */
function snapshot(weights: Record<string, number>, statuses: Record<string, ClusterStatus> = {}): Snapshot {
  const cluster = (id: string) => ({ clusterId: id, status: statuses[id] ?? ClusterStatus.IN_SERVICE, servingPercent: 100, signals: {}, version: 1 });
  const clusters = Object.fromEntries(IDS.map((id) => [id, cluster(id)]));
  const state: WorldState = { global: { version: 1, automationPaused: false, recentIsolations: [] }, clusters };
  return { state, weights };
}

function report(outcome: string, executed: readonly Effect[] = [], ok = true): EngineReport {
  return {
    eventId: 'e',
    outcome: outcome as EngineReport['outcome'],
    reason: outcome,
    decisions: [{ eventId: 'e', outcome: outcome as EngineReport['decisions'][number]['outcome'], reason: outcome, plan: executed }],
    executed: executed.map((effect) => ({ effect, ok })),
  };
}

function operatorStep(index: number, command: 'isolate' | 'restore', cluster: string, force = false): ScenarioStep {
  return { index, at: index * 60_000, atText: `+${index}m`, kind: 'operator', operator: { command, cluster, reason: 'drill', force } };
}

const reconcileStep = (index: number): ScenarioStep => ({ index, at: index * 60_000, atText: `+${index}m`, kind: 'reconcile' });

describe('an expectation that an effect did NOT happen', () => {
  const undo: Effect = { id: 'r:0', type: 'UNDO_ISOLATION', clusterId: 'eu-north' };
  const notify: Effect = { id: 'r:1', type: 'NOTIFY', severity: 'INFO', subject: 'seedshield RESTORE_STARTED: eu-north', message: 'restore' };
  const noUndo: Expectation = { type: 'noEffect', effect: 'UNDO_ISOLATION', cluster: 'eu-north' };

  function afterStep(executed: readonly Effect[], ok = true): ScenarioRun {
    const run = fakeRun();
    const s = snapshot({});
    run.lastAction = { step: reconcileStep(3), report: report('RESTORE_STARTED', executed, ok), before: s, after: s };
    return run;
  }

  test.each([
    ['the step carried out that effect', [undo, notify], true, ['expected step 3 (+3m) to carry out no UNDO_ISOLATION on eu-north, but it carried out UNDO_ISOLATION eu-north']],
    ['the step tried that effect and it failed', [undo], false, ['expected step 3 (+3m) to carry out no UNDO_ISOLATION on eu-north, but it carried out UNDO_ISOLATION eu-north (failed)']],
    ['the step carried out that effect on another cluster only', [{ ...undo, clusterId: 'us-east' }, notify], true, []],
    ['the step carried out other effects only', [notify], true, []],
  ])('when %s, it reports %j', async (_what, executed, ok, problems) => {
    expect(await checkExpectation(afterStep(executed, ok), noUndo, snapshot({}))).toEqual(problems);
  });

  test('when a notification subject is excluded, only notifications with that text in their subject count', async () => {
    const run = afterStep([notify]);
    expect(await checkExpectation(run, { type: 'noEffect', effect: 'NOTIFY', subjectContains: 'ISOLATION_REFUSED' }, snapshot({}))).toEqual([]);
    expect(await checkExpectation(run, { type: 'noEffect', effect: 'NOTIFY', subjectContains: 'RESTORE_STARTED' }, snapshot({}))).toEqual([
      'expected step 3 (+3m) to carry out no NOTIFY with subject containing "RESTORE_STARTED", but it carried out NOTIFY INFO "seedshield RESTORE_STARTED: eu-north"',
    ]);
  });

  test('when an effect is expected first but another effect on the cluster came first, it says which', async () => {
    const run = afterStep([notify, undo]);
    expect(await checkExpectation(run, { type: 'effect', effect: 'UNDO_ISOLATION', cluster: 'eu-north', first: true }, snapshot({}))).toEqual([
      'expected UNDO_ISOLATION on eu-north to be the first effect of step 3 (+3m) on eu-north, but NOTIFY INFO "seedshield RESTORE_STARTED: eu-north" came first',
    ]);
  });
});

describe('a forced operator isolation waives the floor while it is in force, and no longer', () => {
  const belowFloor = { 'eu-north': 150, 'eu-central': 0, 'us-east': 0, 'gm-physical': 50 };
  const isolated = { 'eu-central': ClusterStatus.ISOLATED, 'us-east': ClusterStatus.ISOLATED };

  test('when no operator forced anything, one counting cluster in DNS violates the floor', () => {
    expect(MIN_HEALTHY_IN_DNS.check(fakeRun(), snapshot(belowFloor, isolated))).toEqual([
      'only 1 cluster counting towards the minimum has weight > 0 in Route 53 (eu-north), below minHealthyClusters 2, and no operator forced it',
    ]);
  });

  test('when an operator forces us-east out with eu-central already out, the one cluster left in DNS is waived while us-east stays out', () => {
    // GIVEN
    const run = fakeRun();

    // WHEN
    trackStep(run, operatorStep(2, 'isolate', 'us-east', true), report('OPERATOR_APPLIED'), snapshot(belowFloor, isolated));

    // THEN
    expect(run.forcedIsolations).toEqual(new Map([['us-east', { step: 2, inDns: 1 }]]));
    expect(MIN_HEALTHY_IN_DNS.check(run, snapshot(belowFloor, isolated))).toEqual([]);
  });

  test('when us-east was forced out with two clusters left and automation then takes eu-central out too, it is a violation', () => {
    // GIVEN
    const run = fakeRun();
    trackStep(run, operatorStep(2, 'isolate', 'us-east', true), report('OPERATOR_APPLIED'), snapshot({ 'eu-north': 100, 'eu-central': 100, 'us-east': 0 }, { 'us-east': ClusterStatus.ISOLATED }));

    // WHEN
    const problems = MIN_HEALTHY_IN_DNS.check(run, snapshot(belowFloor, isolated));

    // THEN
    expect(problems).toEqual([
      'only 1 cluster counting towards the minimum has weight > 0 in Route 53 (eu-north), below minHealthyClusters 2, and the forced isolation of us-east (step 2) left 2 clusters in DNS, not fewer',
    ]);
  });

  test('when the forced isolation ends (the cluster is back in DNS), a later drop below the floor is a violation again', () => {
    // GIVEN: us-east forced out at step 2 with only eu-north left (waived), restored at step 5
    const run = fakeRun();
    trackStep(run, operatorStep(2, 'isolate', 'us-east', true), report('OPERATOR_APPLIED'), snapshot(belowFloor, isolated));
    expect(MIN_HEALTHY_IN_DNS.check(run, snapshot(belowFloor, isolated))).toEqual([]);
    trackStep(run, operatorStep(5, 'restore', 'us-east'), report('OPERATOR_APPLIED'), snapshot({ 'us-east': 5 }, { 'us-east': ClusterStatus.RESTORING }));

    // WHEN: later, us-east and eu-central are out of DNS again
    const problems = MIN_HEALTHY_IN_DNS.check(run, snapshot(belowFloor, isolated));

    // THEN
    expect(run.forcedIsolations.size).toBe(0);
    expect(problems).toEqual(['only 1 cluster counting towards the minimum has weight > 0 in Route 53 (eu-north), below minHealthyClusters 2, and no operator forced it']);
  });

  test.each([
    ['refused', 'OPERATOR_REFUSED', true],
    ['not forced', 'OPERATOR_APPLIED', false],
  ])('when the operator isolation was %s, it waives nothing', (_what, outcome, force) => {
    const run = fakeRun();
    trackStep(run, operatorStep(2, 'isolate', 'us-east', force), report(outcome), snapshot({ 'us-east': 0 }, { 'us-east': ClusterStatus.ISOLATED }));
    expect(run.forcedIsolations.size).toBe(0);
  });
});

describe('once an isolation\'s DNS change is in, the cluster is not served above 0', () => {
  const weightsOut: Effect = { id: 'a:0', type: 'SET_DNS_WEIGHTS', weights: { 'eu-north': 0, 'eu-central': 150, 'us-east': 75, 'gm-physical': 75 } };

  test('when an isolating cluster\'s DNS change went in and Route 53 serves it again while it is still ISOLATING, it is a violation naming the step', () => {
    // GIVEN: step 1 set eu-north to 0; its cuts are still failing (ISOLATING)
    const run = fakeRun();
    trackStep(run, reconcileStep(1), report('ISOLATION_STARTED', [weightsOut]), snapshot({ 'eu-north': 0 }, { 'eu-north': ClusterStatus.ISOLATING }));

    // WHEN: a later step leaves it served at 100
    const later = snapshot({ 'eu-north': 100 }, { 'eu-north': ClusterStatus.ISOLATING });
    trackStep(run, reconcileStep(4), report('JOB_RETRIED'), later);

    // THEN
    expect(ISOLATION_DNS_HOLDS.check(run, later)).toEqual([
      'eu-north is ISOLATING and its isolation\'s DNS change (weight 0) went in at step 1, but Route 53 serves it at weight 100',
    ]);
  });

  test.each([
    ['the DNS change failed', false, ClusterStatus.ISOLATING, ClusterStatus.ISOLATING],
    ['the cluster was restored since', true, ClusterStatus.ISOLATED, ClusterStatus.RESTORING],
  ])('when %s, a weight above 0 is no violation', (_what, ok, first, then) => {
    const run = fakeRun();
    trackStep(run, reconcileStep(1), report('ISOLATION_STARTED', [weightsOut], ok), snapshot({ 'eu-north': ok ? 0 : 100 }, { 'eu-north': first }));
    const later = snapshot({ 'eu-north': 10 }, { 'eu-north': then });
    trackStep(run, reconcileStep(4), report('NO_CHANGE'), later);
    expect(ISOLATION_DNS_HOLDS.check(run, later)).toEqual([]);
  });
});

describe('a delivery the engine rejects fails its step unless the step expects it', () => {
  const rejected: EngineReport = {
    eventId: 'x',
    outcome: 'REJECTED',
    reason: 'MALFORMED: no detail',
    decisions: [],
    executed: [],
    rejection: { code: 'MALFORMED', message: 'MALFORMED: no detail' },
  };
  const event = (rejectedCode?: string): ScenarioStep => ({ index: 2, at: 0, atText: '+0m', kind: 'event', event: {}, ...(rejectedCode ? { rejected: rejectedCode } : {}) });

  test.each([
    ['rejected and not expected', event(), rejected, ['the engine rejected the event (MALFORMED: no detail); fix the event, or add "rejected": "MALFORMED" to the step if the rejection is what the scenario tests']],
    ['rejected as expected', event('MALFORMED'), rejected, []],
    ['rejected with another code', event('IGNORED_FINDING'), rejected, ['expected the engine to reject the event with IGNORED_FINDING, but it rejected it with MALFORMED: no detail']],
    ['accepted though a rejection was expected', event('MALFORMED'), report('SIGNAL_RECORDED'), ['expected the engine to reject the event with MALFORMED, but it accepted it (outcome SIGNAL_RECORDED); remove "rejected" or fix the event']],
  ])('when the event is %s, the step reports %j', (_what, step, r, problems) => {
    expect(rejectionProblems(step, r)).toEqual(problems);
  });
});
