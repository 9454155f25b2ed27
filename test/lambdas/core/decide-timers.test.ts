/**
 * The timers of a cluster (lambdas/core/decide.ts advanceTimers): pins expiring, pages for missing data, the
 * restore ramp and the catch-up after a cut. Issue 19's rules 4 and 6 at their edges: INSUFFICIENT_DATA holds
 * a cluster and pages once with the alarms and since when; a pin expires into the normal rules, an expired
 * isolated pin never restores by itself, and the page says what the expiry means for the cluster.
 */
import type { RuntimeTopology } from '../../../lib/config/topology';
import { decide } from '../../../lambdas/core/decide';
import { ClusterStatus, CoreEvent, Decision, NotifyEffect, OperatorPin, WorldState } from '../../../lambdas/core/types';
import { alarm, catchingUpWorld, compromise, isolatedWorld, jobResult, lagAlarm, lagOfA, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

const HOUR = 60 * MIN;
const notify = (d: Decision) => d.plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');
const pinText = (pin: OperatorPin, until: number) => `${pin} until ${new Date(until).toISOString()}, set by alice (drill)`;

/** Cluster `a` isolated by an alarm at T0, its alarm OK at +2m, restore at +40m, undo done at +41m: RESTORING at 10 %. */
function rampingWorld(topo: RuntimeTopology): WorldState {
  return run(
    topo,
    [
      [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      [reconcile('r1'), T0 + 40 * MIN],
      [jobResult('u1', 'a', 'r1'), T0 + 41 * MIN],
    ],
    isolatedWorld(topo),
  ).state;
}

describe('an in-service pin expiring', () => {
  const topo = topology(3);
  const UNTIL = T0 + HOUR;
  const pinned = (steps: Steps = []): WorldState =>
    run(topo, [[operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: UNTIL }), T0], ...steps]).state;

  test('when it expires with no trigger, it pages WARNING that automation manages the cluster again, nothing more', () => {
    // GIVEN
    const s = pinned();
    // WHEN
    const d = decide(s, reconcile('r1'), topo, UNTIL);
    // THEN
    expect(d.outcome).toBe('PIN_EXPIRED');
    expect(notify(d)).toMatchObject({
      severity: 'WARNING',
      subject: 'seedshield PIN_EXPIRED: a',
      message: `The pin ${pinText(OperatorPin.FORCED_IN_SERVICE, UNTIL)} of cluster a expired; automation manages it again.`,
    });
  });

  test('when it expires while it holds a trigger back, the page names the trigger that now counts', () => {
    // GIVEN
    const s = pinned([[alarm('e1', 'a', 'ALARM', T0 + MIN), T0 + MIN]]);
    // WHEN
    const d = decide(s, reconcile('r1'), topo, UNTIL);
    // THEN the held-back trigger isolates, and the page says why
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(notify(d)?.message.split('\n')).toContain(
      `The pin ${pinText(OperatorPin.FORCED_IN_SERVICE, UNTIL)} of cluster a expired; automation manages it again; the trigger it held back (alarm a-ddos (ddos) is in ALARM) now counts.`,
    );
  });

  test('when it expires after a trigger it held back cleared, the cluster only loses its pin (the clear time stays)', () => {
    // GIVEN a ddos alarm fired and cleared under the pin
    const s = pinned([
      [alarm('e1', 'a', 'ALARM', T0 + MIN), T0 + MIN],
      [alarm('e2', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
    ]);
    expect(s.clusters.a.clearSince).toBe(T0 + 2 * MIN);
    // WHEN
    const d = decide(s, reconcile('r1'), topo, UNTIL);
    // THEN
    expect(d.next.clusters.a).toEqual({ ...s.clusters.a, pin: undefined, pinUntil: undefined, pinBy: undefined, version: s.clusters.a.version + 1 });
  });
});

describe('an isolated pin expiring', () => {
  const topo = topology(3);
  const UNTIL = T0 + HOUR;
  const pinIsolated = () => operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED, pinUntil: UNTIL }) as CoreEvent;
  const expiry = (then: string) => `The pin ${pinText(OperatorPin.FORCED_ISOLATED, UNTIL)} of cluster a expired; automation manages it again${then}.`;

  test.each([
    {
      condition: 'its alarm cleared (a quiet period was running)',
      setup: [
        [alarm('e1', 'a', 'ALARM', T0), T0],
        [jobResult('j1', 'a', 'e1'), T0],
        [pinIsolated(), T0 + MIN],
        [alarm('ok', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      ] as Steps,
      status: ClusterStatus.ISOLATED,
      then: '; it stays ISOLATED under the normal rules (a fresh 30-minute quiet period runs from now)',
    },
    {
      condition: 'it is compromised',
      setup: [
        [compromise('g1', 'a', T0), T0],
        [jobResult('j1', 'a', 'g1'), T0],
        [pinIsolated(), T0 + MIN],
      ] as Steps,
      status: ClusterStatus.ISOLATED,
      then: '; it stays ISOLATED under the normal rules (a compromise needs an operator restore)',
    },
    {
      condition: 'the pin itself isolated it (no trigger)',
      setup: [
        [pinIsolated(), T0],
        [jobResult('j1', 'a', 'o1'), T0],
      ] as Steps,
      status: ClusterStatus.ISOLATED,
      then: '; it stays ISOLATED under the normal rules (no trigger to clear: an operator restores it)',
    },
    {
      condition: 'the isolation job the pin started has not finished',
      setup: [[pinIsolated(), T0]] as Steps,
      status: ClusterStatus.ISOLATING,
      then: '; it stays ISOLATING under the normal rules (no trigger to clear: an operator restores it)',
    },
  ])('when $condition, the page says it stays $status and what brings it back', ({ setup, status, then }) => {
    // GIVEN
    const s = run(topo, setup).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, UNTIL);
    // THEN
    expect(d.next.clusters.a.status).toBe(status);
    expect(d.next.clusters.a.pin).toBeUndefined();
    expect(notify(d)?.message.split('\n')).toContain(expiry(then));
  });

  test('when the pin itself isolated the cluster, it never restores by itself after the expiry: no quiet period is invented', () => {
    // GIVEN
    const s = run(topo, [
      [pinIsolated(), T0],
      [jobResult('j1', 'a', 'o1'), T0],
    ]).state;
    // WHEN
    const r = run(topo, [
      [reconcile('r1'), UNTIL],
      [reconcile('r2'), UNTIL + 31 * MIN],
      [reconcile('r3'), UNTIL + 10 * HOUR],
    ], s);
    // THEN
    expect(r.decisions.map((d) => d.next.clusters.a.status)).toEqual([ClusterStatus.ISOLATED, ClusterStatus.ISOLATED, ClusterStatus.ISOLATED]);
    expect(r.state.clusters.a.clearSince).toBeUndefined();
  });

  test('when an operator restored the cluster after the pin ran out but before any timer dropped it, the expiry only says automation manages it again', () => {
    // GIVEN the pin isolated a; after its time, an operator restores a (the restore is not refused by a pin that no longer holds)
    const s = run(topo, [
      [pinIsolated(), T0],
      [jobResult('j1', 'a', 'o1'), T0],
      [operator('o2', 'restore', { clusterId: 'a' }), UNTIL + MIN],
    ]).state;
    expect(s.clusters.a.status).toBe(ClusterStatus.RESTORING);
    // WHEN
    const d = decide(s, reconcile('r1'), topo, UNTIL + 2 * MIN);
    // THEN
    expect(d.next.clusters.a.pin).toBeUndefined();
    expect(notify(d)?.message.split('\n')).toContain(expiry(''));
  });
});

describe('missing data pages once per stretch, naming every alarm and since when', () => {
  const topo = topology(3, { insufficientDataPageMinutes: 15 });
  const unhealthy = (id: string, name: string, state: 'OK' | 'INSUFFICIENT_DATA', at: number) => alarm(id, 'a', state, at, name, 'unhealthy');

  test('when two alarms of a cluster have sat in INSUFFICIENT_DATA too long, one page lists them sorted and since the earlier one, and the other signals stay', () => {
    // GIVEN z-... went unknown at +1m, m-... at T0 (recorded in that order), and a-ddos is OK
    const s = run(topo, [
      [alarm('d1', 'a', 'OK', T0), T0],
      [unhealthy('z1', 'z-unhealthy', 'INSUFFICIENT_DATA', T0 + MIN), T0 + MIN],
      [unhealthy('m1', 'm-unhealthy', 'INSUFFICIENT_DATA', T0), T0 + MIN],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 20 * MIN);
    // THEN
    expect(d.outcome).toBe('DATA_MISSING');
    expect(notify(d)?.message).toBe(
      "Alarm m-unhealthy, z-unhealthy of cluster a has been in INSUFFICIENT_DATA since 2026-01-01T00:00:00.000Z (15 minutes or more): cluster a is held, neither isolated nor restored, and no quiet period counts until its data is back; check the metric's source.",
    );
    expect(d.next.clusters.a.signals).toEqual({
      'a-ddos': { kind: 'ddos', state: 'OK', timestamp: T0 },
      'z-unhealthy': { kind: 'unhealthy', state: 'INSUFFICIENT_DATA', timestamp: T0 + MIN, unknownPagedAt: T0 + 20 * MIN },
      'm-unhealthy': { kind: 'unhealthy', state: 'INSUFFICIENT_DATA', timestamp: T0, unknownPagedAt: T0 + 20 * MIN },
    });
  });
});

describe('the restore ramp', () => {
  const topo = topology(3);

  test('when a ramp step is due, it advances one stage and says which of how many', () => {
    // GIVEN
    const s = rampingWorld(topo);
    // WHEN
    const d = decide(s, reconcile('r2'), topo, T0 + 46 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ADVANCED');
    expect(d.reason).toBe('Advanced the restore ramp of cluster a to stage 2 of 3 (50 %).');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 50, rampStage: 1 });
  });

  test('when the step after the last stage is due, the cluster is back in service and on-call is told (INFO)', () => {
    // GIVEN a at the last stage (100 %)
    const s = run(topo, [[reconcile('r2'), T0 + 46 * MIN], [reconcile('r3'), T0 + 51 * MIN]], rampingWorld(topo)).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 100, rampStage: 2 });
    // WHEN
    const d = decide(s, reconcile('r4'), topo, T0 + 56 * MIN);
    // THEN
    expect(d.outcome).toBe('RESTORE_COMPLETED');
    expect(notify(d)).toMatchObject({ severity: 'INFO', subject: 'seedshield RESTORE_COMPLETED: a', message: 'Cluster a is back in service at 100 % after its restore ramp.' });
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.IN_SERVICE, servingPercent: 100 });
  });

  test('when a cluster back from a cut catches up with the chain, its first weight goes live and the decision says so', () => {
    // GIVEN a cut for an attack; its nodes lag through the cut; the undo is done while the lag alarm is in ALARM
    const lag = lagOfA;
    const s = catchingUpWorld(topo);
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
    // WHEN
    const d = decide(s, lag('l2', 'OK', T0 + 44 * MIN), topo, T0 + 44 * MIN);
    // THEN
    expect(d.outcome).toBe('RAMP_ADVANCED');
    expect(d.reason).toBe('Cluster a caught up with the chain after its isolation; its DNS share is now 10 % and the ramp continues.');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10, rampStageSince: T0 + 44 * MIN });
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS']);
  });

  test('when a cluster in service has been clear for longer than the quiet period, nothing restores it (only an isolated one restores)', () => {
    // GIVEN a's alarm was refused by the cooldown, then cleared
    const s = run(topo, [
      [operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: T0 + 10 * MIN }), T0],
      [alarm('e1', 'a', 'ALARM', T0 + MIN), T0 + MIN],
      [alarm('e2', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      [reconcile('r0'), T0 + 10 * MIN],
    ]).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.IN_SERVICE, clearSince: T0 + 2 * MIN });
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + 2 * HOUR);
    // THEN
    expect(d.plan).toEqual([]);
    expect(d.next.clusters.a.status).toBe(ClusterStatus.IN_SERVICE);
  });
});

describe('an operator restore of a cluster in service', () => {
  test('when nothing is active, it changes nothing but the command it records', () => {
    // GIVEN a's alarm fired under a pin and cleared: its clear time is recorded
    const topo = topology(3);
    const s = run(topo, [
      [operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: T0 + HOUR }), T0],
      [alarm('e1', 'a', 'ALARM', T0 + MIN), T0 + MIN],
      [alarm('e2', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
    ]).state;
    // WHEN
    const d = decide(s, operator('o2', 'restore', { clusterId: 'a' }), topo, T0 + 3 * MIN);
    // THEN
    expect(d.reason).toBe('Operator alice (drill) acknowledged 0 active signals of cluster a; it is IN_SERVICE, so there is nothing to restore.');
    expect(d.next.clusters.a).toEqual({ ...s.clusters.a, lastOperatorEventId: 'o2', version: s.clusters.a.version + 1 });
  });
});

describe('an operator restore acknowledges only the active signals', () => {
  test('when an isolated cluster has one alarm in ALARM and its lag telemetry missing, it acknowledges 1 and the first weight still waits for the lag', () => {
    // GIVEN a isolated for a DDoS; its lag alarm has no data (the cut may stop its agent)
    const topo = topology(3);
    const s = run(topo, [[lagAlarm('l1', 'a', 'INSUFFICIENT_DATA', T0 + MIN), T0 + MIN]], isolatedWorld(topo)).state;
    // WHEN
    const r = run(topo, [
      [operator('o1', 'restore', { clusterId: 'a' }), T0 + 2 * MIN],
      [jobResult('u1', 'a', 'o1'), T0 + 3 * MIN],
    ], s);
    // THEN
    expect(r.decisions[0].reason).toBe('Operator alice (drill) restored cluster a: acknowledged 1 active signals, undoing its isolation and ramping its DNS share from 10 %.');
    expect(r.state.clusters.a.signals['seedshield.a.lagging.head-block']).toEqual({ kind: 'lagging', state: 'INSUFFICIENT_DATA', timestamp: T0 + MIN });
    expect(r.state.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
  });
});

describe('a cluster restored from a BP-path cut keeps serving through its undo', () => {
  const topo = topology(3);
  /** a compromised while paused (BP path cut, still serving at 100 %), restored by an operator (ramp stage 3 of 3); its lag alarm fires during the undo. */
  const laggedThroughUndo = () =>
    run(topo, [
      [operator('p1', 'pause'), T0],
      [compromise('g1', 'a', T0 + MIN), T0 + MIN],
      [jobResult('j1', 'a', 'g1'), T0 + MIN],
      [operator('o1', 'restore', { clusterId: 'a' }), T0 + 2 * MIN],
      [lagOfA('l1', 'ALARM', T0 + 3 * MIN), T0 + 3 * MIN],
      [jobResult('u1', 'a', 'o1'), T0 + 4 * MIN],
    ]).state;

  test('when its nodes lag through the undo, it keeps the share it had (100 %) and only the guarded drain takes it out, on resume', () => {
    // GIVEN
    const s = laggedThroughUndo();
    // (the undo's result does not drop it to 0 %: that would take it out of DNS without asking the floor)
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 100, rampStage: 2 });
    // WHEN automation resumes
    const d = decide(s, operator('p2', 'resume'), topo, T0 + 5 * MIN);
    // THEN its lag is a trigger like any other: the floor (1 of 3) allows a drain, so its DNS share goes to 0 and nothing is cut
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0, drained: true });
  });

  test('when a state stored by an earlier release has it waiting at 0 % at its own stage, it comes back at that stage (100 %), not the first', () => {
    // GIVEN the same cluster as an earlier release left it: the undo's result had dropped it to 0 % at stage 3 of 3
    // (the control plane's table outlives a deploy, so the core still reads such a state)
    const stored = laggedThroughUndo();
    const earlier: WorldState = { ...stored, clusters: { ...stored.clusters, a: { ...stored.clusters.a, servingPercent: 0 } } };
    const s = run(topo, [[operator('p2', 'resume'), T0 + 5 * MIN]], earlier).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0, rampStage: 2 });
    // WHEN its nodes catch up
    const d = decide(s, lagOfA('l2', 'OK', T0 + 6 * MIN), topo, T0 + 6 * MIN);
    // THEN
    expect(d.reason).toBe('Cluster a caught up with the chain after its isolation; its DNS share is now 100 % and the ramp continues.');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 100, rampStage: 2 });
  });
});

describe('a compromise stops a pinned ramp before it advances', () => {
  test('when a compromise hits a ramping cluster pinned in service as its ramp step falls due, the ramp does not advance first', () => {
    // GIVEN a forced out and restored by an operator, ramping at 10 %, pinned in service; the floor (2 of 2) refuses its isolation
    const two = topology(2, { minHealthyClusters: 2 });
    const s = run(two, [
      [operator('o1', 'isolate', { clusterId: 'a', force: true }), T0],
      [jobResult('j1', 'a', 'o1'), T0],
      [operator('o2', 'restore', { clusterId: 'a' }), T0 + MIN],
      [jobResult('j2', 'a', 'o2'), T0 + 2 * MIN],
      [operator('o3', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: T0 + HOUR }), T0 + 3 * MIN],
    ]).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    // WHEN the compromise arrives after the 5-minute step fell due
    const d = decide(s, compromise('g1', 'a', T0 + 8 * MIN), two, T0 + 8 * MIN);
    // THEN a pin does not hold a compromise's ramp: the BP path is cut at the share it had
    expect(d.outcome).toBe('BP_PATH_CUT');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.BP_PATH_CUT, servingPercent: 10 });
  });
});
