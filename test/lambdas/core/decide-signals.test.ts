/**
 * How a signal (an alarm state or a GuardDuty compromise) is recorded and what the decision says about it:
 * quiet periods count only confirmed clear time, unknown data holds its cluster, an operator's
 * acknowledgement survives updates of the same activation, and the timeline tells a person at 3 a.m. what
 * changed ("a quiet period is announced when it starts, and only for a cluster that is out of service").
 * Also the computed parts of isolation pages: which triggers, which levers, which pin a compromise overrode.
 */
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ClusterStatus, CoreEvent, Decision, NotifyEffect, OperatorPin, WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, isolatedWorld, jobResult, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

const notify = (d: Decision) => d.plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');
const at = (m: number) => T0 + m * MIN;
const unhealthy = (id: string, clusterId: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', when: number) =>
  alarm(id, clusterId, state, when, `${clusterId}-unhealthy`, 'unhealthy');

describe('the quiet period, as the timeline tells it', () => {
  const topo = topology(3);
  /** b in service, its ddos alarm held back by the cooldown at +1 min (b changed status at T0). */
  const heldBackB = (): WorldState => {
    const w = initialWorldState(topo);
    const b = { ...w.clusters.b, lastTransitionAt: T0 };
    const held = decide({ ...w, clusters: { ...w.clusters, b } }, alarm('b1', 'b', 'ALARM', at(1)), topo, at(1));
    expect(held.outcome).toBe('ISOLATION_REFUSED');
    return held.next;
  };

  // Each row: a history, the signal recorded last, what the decision says (its headline is that record), and
  // when the quiet period runs from afterwards (undefined: none runs).
  test.each<{ condition: string; start: () => WorldState; steps: Steps; reason: string; clearSince: number | undefined }>([
    {
      condition: 'the trigger of an isolated cluster clears',
      start: () => isolatedWorld(topo),
      steps: [[alarm('e2', 'a', 'OK', at(10)), at(10)]],
      reason: 'Recorded alarm a-ddos = OK for cluster a; every signal is clear, so the 30-minute quiet period starts.',
      clearSince: at(10),
    },
    {
      condition: 'the trigger of an isolated cluster fires again during its quiet period',
      start: () => isolatedWorld(topo),
      steps: [
        [alarm('e2', 'a', 'OK', at(10)), at(10)],
        [alarm('e3', 'a', 'ALARM', at(20)), at(20)],
      ],
      reason: 'Recorded alarm a-ddos = ALARM for cluster a; it is already ISOLATED, so the quiet period restarts.',
      clearSince: undefined,
    },
    {
      condition: 'another trigger fires while the isolation job runs',
      start: () => initialWorldState(topo),
      steps: [
        [alarm('e1', 'a', 'ALARM', T0), T0],
        [unhealthy('e2', 'a', 'ALARM', T0 + 1000), T0 + 1000],
      ],
      reason: 'Recorded alarm a-unhealthy = ALARM for cluster a; it is already ISOLATING, so the quiet period restarts.',
      clearSince: undefined,
    },
    {
      condition: 'another alarm of an isolated cluster reports OK for the first time while its quiet period runs',
      start: () => isolatedWorld(topo),
      steps: [
        [alarm('e2', 'a', 'OK', at(10)), at(10)],
        [alarm('e3', 'a', 'OK', at(12), 'a-surge', 'surge'), at(12)],
      ],
      reason: 'Recorded alarm a-surge = OK for cluster a; no status change.',
      clearSince: at(10),
    },
    {
      condition: 'an alarm of an isolated cluster loses its data while the quiet period runs',
      start: () => isolatedWorld(topo),
      steps: [
        [alarm('e2', 'a', 'OK', at(10)), at(10)],
        [unhealthy('e3', 'a', 'INSUFFICIENT_DATA', at(15)), at(15)],
      ],
      reason:
        'Recorded alarm a-unhealthy = INSUFFICIENT_DATA for cluster a; its data is unknown, so cluster a is held (neither isolated nor restored) and no quiet period counts until every alarm reports OK.',
      clearSince: undefined,
    },
    {
      condition: 'an alarm of an isolated cluster loses its data while its trigger is still active (the trigger holds it anyway)',
      start: () => isolatedWorld(topo),
      steps: [[unhealthy('e2', 'a', 'INSUFFICIENT_DATA', at(5)), at(5)]],
      reason: 'Recorded alarm a-unhealthy = INSUFFICIENT_DATA for cluster a; no status change.',
      clearSince: undefined,
    },
    {
      condition: 'the trigger of an isolated cluster clears while another alarm has no data',
      start: () => isolatedWorld(topo),
      steps: [
        [unhealthy('e2', 'a', 'INSUFFICIENT_DATA', at(5)), at(5)],
        [alarm('e3', 'a', 'OK', at(10)), at(10)],
      ],
      reason: 'Recorded alarm a-ddos = OK for cluster a; every trigger is clear but some alarm data is unknown, so no quiet period counts until every alarm reports OK.',
      clearSince: undefined,
    },
    {
      condition: 'another alarm reports OK while the quiet period owed waits for missing data (already said)',
      start: () => isolatedWorld(topo),
      steps: [
        [unhealthy('e2', 'a', 'INSUFFICIENT_DATA', at(5)), at(5)],
        [alarm('e3', 'a', 'OK', at(10)), at(10)],
        [alarm('e4', 'a', 'OK', at(12), 'a-surge', 'surge'), at(12)],
      ],
      reason: 'Recorded alarm a-surge = OK for cluster a; no status change.',
      clearSince: undefined,
    },
    {
      condition: 'the missing data of an isolated cluster whose trigger cleared comes back OK',
      start: () => isolatedWorld(topo),
      steps: [
        [unhealthy('e2', 'a', 'INSUFFICIENT_DATA', at(5)), at(5)],
        [alarm('e3', 'a', 'OK', at(10)), at(10)],
        [unhealthy('e4', 'a', 'OK', at(20)), at(20)],
      ],
      reason: 'Recorded alarm a-unhealthy = OK for cluster a; every signal is clear, so the 30-minute quiet period starts.',
      clearSince: at(20),
    },
    {
      condition: 'an alarm of a cluster in service, with no trigger, loses its data',
      start: () => initialWorldState(topo),
      steps: [[unhealthy('e1', 'a', 'INSUFFICIENT_DATA', T0), T0]],
      reason:
        'Recorded alarm a-unhealthy = INSUFFICIENT_DATA for cluster a; its data is unknown, so cluster a is held (neither isolated nor restored) and no quiet period counts until every alarm reports OK.',
      clearSince: undefined,
    },
    {
      condition: 'that data comes back OK (no quiet period was owed)',
      start: () => initialWorldState(topo),
      steps: [
        [unhealthy('e1', 'a', 'INSUFFICIENT_DATA', T0), T0],
        [unhealthy('e2', 'a', 'OK', at(5)), at(5)],
      ],
      reason: 'Recorded alarm a-unhealthy = OK for cluster a; no status change.',
      clearSince: undefined,
    },
    {
      condition: 'the held-back trigger of a cluster in service clears (no quiet period is announced: it is not out of service)',
      start: heldBackB,
      steps: [[alarm('e2', 'b', 'OK', at(2)), at(2)]],
      reason: 'Recorded alarm b-ddos = OK for cluster b; every signal is clear.',
      clearSince: at(2),
    },
    {
      condition: 'the held-back trigger of a cluster in service clears while another alarm has no data',
      start: heldBackB,
      steps: [
        [unhealthy('e2', 'b', 'INSUFFICIENT_DATA', at(2)), at(2)],
        [alarm('e3', 'b', 'OK', at(3)), at(3)],
      ],
      reason: 'Recorded alarm b-ddos = OK for cluster b; no status change.',
      clearSince: undefined,
    },
    {
      condition: 'a lag alarm of a cluster in service fires after its other trigger cleared (the lag is still settling)',
      start: heldBackB,
      steps: [
        [alarm('e2', 'b', 'OK', at(2)), at(2)],
        [alarm('e3', 'b', 'ALARM', at(3), 'b-lag', 'lagging'), at(3)],
      ],
      reason: 'Recorded alarm b-lag = ALARM for cluster b; no status change.',
      clearSince: undefined,
    },
  ])('when $condition, the decision says so and the quiet period runs (or not) accordingly', ({ start, steps, reason, clearSince }) => {
    // GIVEN / WHEN
    const { state, decisions } = run(topo, steps, start());
    const d = decisions[decisions.length - 1];
    // THEN
    expect(d.outcome).toBe('SIGNAL_RECORDED');
    expect(d.reason).toBe(reason);
    const id = reason.includes('for cluster b;') ? 'b' : 'a';
    expect(state.clusters[id].clearSince).toBe(clearSince);
  });
});

describe('unknown data never counts as quiet time', () => {
  const topo = topology(3);

  test.each([
    { minute: 49, status: ClusterStatus.ISOLATED },
    { minute: 50, status: ClusterStatus.RESTORING },
  ])(
    'when data went missing during the quiet period and came back OK at +20 min, the reconcile at +$minute min finds it $status (the quiet period runs from +20 min)',
    ({ minute, status }) => {
      // GIVEN a isolated; its trigger clear at +10 min; the unhealthy alarm without data from +15 to +20 min
      const s = run(
        topo,
        [
          [alarm('e2', 'a', 'OK', at(10)), at(10)],
          [unhealthy('e3', 'a', 'INSUFFICIENT_DATA', at(15)), at(15)],
          [unhealthy('e4', 'a', 'OK', at(20)), at(20)],
        ],
        isolatedWorld(topo),
      ).state;
      // WHEN
      const d = decide(s, reconcile('r1'), topo, at(minute));
      // THEN
      expect(d.next.clusters.a.status).toBe(status);
    },
  );

  test('when a trigger fires, the quiet period owed for earlier missing data is dropped: the new trigger restarts it when it clears', () => {
    // GIVEN a isolated; its trigger clear at +10 min; the unhealthy alarm without data at +15 min (quiet period owed)
    const s = run(
      topo,
      [
        [alarm('e2', 'a', 'OK', at(10)), at(10)],
        [unhealthy('e3', 'a', 'INSUFFICIENT_DATA', at(15)), at(15)],
      ],
      isolatedWorld(topo),
    ).state;
    expect(s.clusters.a.quietPending).toBe(true);
    // WHEN the ddos alarm fires again
    const d = decide(s, alarm('e4', 'a', 'ALARM', at(20)), topo, at(20));
    // THEN no quiet period is owed or running, and the trigger's time is recorded
    expect(d.next.clusters.a).not.toHaveProperty('quietPending');
    expect(d.next.clusters.a).not.toHaveProperty('clearSince');
    expect(d.next.clusters.a.lastTriggerAt).toBe(at(20));
  });
});

describe('an operator acknowledgement and later updates of the same signal', () => {
  const topo = topology(3);
  /** a isolated by `first`, restored by an operator at +5 min (acknowledging it), its undo done: ramping at 10 %. */
  const restoredByOperator = (first: CoreEvent): WorldState =>
    run(topo, [
      [first, T0],
      [jobResult('j1', 'a', first.id), T0 + 1000],
      [operator('o1', 'restore', { clusterId: 'a' }), at(5)],
      [jobResult('j2', 'a', 'o1'), at(6)],
    ]).state;

  test.each<{ condition: string; first: CoreEvent; steps: Steps; status: ClusterStatus; acknowledged: boolean; key: string }>([
    {
      condition: 'the acknowledged alarm sends a newer update while still in ALARM (the same activation)',
      first: alarm('e1', 'a', 'ALARM', T0),
      steps: [[alarm('e2', 'a', 'ALARM', at(7)), at(7)]],
      status: ClusterStatus.RESTORING,
      acknowledged: true,
      key: 'a-ddos',
    },
    {
      condition: 'the acknowledged alarm clears and fires again (a new activation)',
      first: alarm('e1', 'a', 'ALARM', T0),
      steps: [
        [alarm('e2', 'a', 'OK', at(7)), at(7)],
        [alarm('e3', 'a', 'ALARM', at(8)), at(8)],
      ],
      status: ClusterStatus.ISOLATING,
      acknowledged: false,
      key: 'a-ddos',
    },
    {
      condition: 'GuardDuty re-publishes the acknowledged compromise without new activity',
      first: compromise('e1', 'a', T0),
      steps: [[compromise('e2', 'a', at(7), 'f1', { count: 1, lastSeen: T0 }), at(7)]],
      status: ClusterStatus.RESTORING,
      acknowledged: true,
      key: 'guardduty:f1',
    },
    {
      condition: 'the acknowledged compromise shows new activity (its count rose)',
      first: compromise('e1', 'a', T0),
      steps: [[compromise('e2', 'a', at(7), 'f1', { count: 2, lastSeen: T0 }), at(7)]],
      status: ClusterStatus.ISOLATING,
      acknowledged: false,
      key: 'guardduty:f1',
    },
  ])('when $condition, the cluster ends $status', ({ first, steps, status, acknowledged, key }) => {
    // GIVEN
    const start = restoredByOperator(first);
    expect(start.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    // WHEN
    const { state } = run(topo, steps, start);
    // THEN
    expect(state.clusters.a.status).toBe(status);
    expect(state.clusters.a.signals[key].acknowledgedAt).toBe(acknowledged ? at(5) : undefined);
  });
});

describe('an acknowledged lag alarm that loses its data', () => {
  test('when the lag alarm acknowledged by an operator restore goes INSUFFICIENT_DATA, the acknowledgement ends and the first weight waits for the nodes to catch up', () => {
    // GIVEN a isolated for ddos; its nodes, cut off, lag; an operator restores it at +5 min (acknowledging both alarms)
    const topo = topology(3);
    const s = run(
      topo,
      [
        [alarm('e2', 'a', 'ALARM', at(1), 'a-lag', 'lagging'), at(1)],
        [operator('o1', 'restore', { clusterId: 'a' }), at(5)],
      ],
      isolatedWorld(topo),
    ).state;
    expect(s.clusters.a.signals['a-lag'].acknowledgedAt).toBe(at(5));
    // WHEN the lag alarm goes without data (it no longer says the nodes lag, nor that they caught up), then the undo succeeds
    const { state, decisions } = run(topo, [
      [alarm('e3', 'a', 'INSUFFICIENT_DATA', at(6), 'a-lag', 'lagging'), at(6)],
      [jobResult('j2', 'a', 'o1'), at(7)],
    ], s);
    // THEN
    expect(state.clusters.a.signals['a-lag']).not.toHaveProperty('acknowledgedAt');
    expect(state.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
    expect(decisions[1].reason).toBe('The restore job o1 of cluster a undid its cuts; its DNS share stays 0 % until its nodes catch up with the chain (lag alarm not OK).');
  });
});

describe('the page for missing data', () => {
  const topo = topology(3, { insufficientDataPageMinutes: 15 });
  /** a's unhealthy alarm without data since T0, paged by the reconcile at +20 min. */
  const paged = (): WorldState => {
    const d = decide(run(topo, [[unhealthy('u1', 'a', 'INSUFFICIENT_DATA', T0), T0]]).state, reconcile('r1'), topo, at(20));
    expect(d.outcome).toBe('DATA_MISSING');
    return d.next;
  };

  test.each<{ condition: string; steps: Steps; pagedAgain: boolean }>([
    { condition: 'a newer update of the alarm is still without data (the same stretch)', steps: [[unhealthy('u2', 'a', 'INSUFFICIENT_DATA', at(21)), at(21)]], pagedAgain: false },
    {
      condition: 'the data came back and went missing again (a new stretch, 18 minutes long)',
      steps: [
        [unhealthy('u2', 'a', 'OK', at(21)), at(21)],
        [unhealthy('u3', 'a', 'INSUFFICIENT_DATA', at(22)), at(22)],
      ],
      pagedAgain: true,
    },
  ])('when $condition, the reconcile at +40 min pages again: $pagedAgain', ({ steps, pagedAgain }) => {
    // GIVEN
    const s = run(topo, steps, paged()).state;
    // WHEN
    const d = decide(s, reconcile('r2'), topo, at(40));
    // THEN
    expect(d.outcome === 'DATA_MISSING').toBe(pagedAgain);
    expect(types(d).includes('NOTIFY')).toBe(pagedAgain);
  });
});

describe('a held-back trigger is paged once per activation', () => {
  // One cluster and minHealthyClusters 1: the floor holds every isolation back.
  const topo = topology(1);

  test.each<{ condition: string; steps: Steps; paged: boolean }>([
    { condition: 'the alarm sends a newer ALARM update (the same activation)', steps: [[alarm('e2', 'a', 'ALARM', at(1)), at(1)]], paged: false },
    {
      condition: 'the alarm clears and fires again (a new activation)',
      steps: [
        [alarm('e2', 'a', 'OK', at(1)), at(1)],
        [alarm('e3', 'a', 'ALARM', at(2)), at(2)],
      ],
      paged: true,
    },
  ])('when $condition after the refusal was paged, the refusal is paged again: $paged', ({ steps, paged }) => {
    // GIVEN the first activation, refused by the floor and paged
    const first = decide(initialWorldState(topo), alarm('e1', 'a', 'ALARM', T0), topo, T0);
    expect(notify(first)).toMatchObject({ severity: 'CRITICAL', subject: 'seedshield ISOLATION_REFUSED: a' });
    // WHEN
    const { decisions } = run(topo, steps, first.next);
    const d = decisions[decisions.length - 1];
    // THEN: still held back; a silent re-check is no headline
    expect(d.next.clusters.a.status).toBe(ClusterStatus.IN_SERVICE);
    expect(d.outcome).toBe(paged ? 'ISOLATION_REFUSED' : 'SIGNAL_RECORDED');
    expect(notify(d)).toEqual(
      paged
        ? expect.objectContaining({ severity: 'CRITICAL', subject: 'seedshield ISOLATION_REFUSED: a', message: expect.stringContaining('alarm a-ddos (ddos) is in ALARM') })
        : undefined,
    );
  });
});

describe('what an isolation page says: the triggers, the levers, the pin it overrode', () => {
  test('when several alarms fire, the page names every active one in alarm-name order, and none that is OK', () => {
    // GIVEN one cluster (the floor holds it): a-unhealthy OK, then a-surge in ALARM (refused and paged)
    const topo = topology(1);
    const s = run(topo, [
      [unhealthy('e1', 'a', 'OK', T0), T0],
      [alarm('e2', 'a', 'ALARM', at(1), 'a-surge', 'surge'), at(1)],
    ]).state;
    // WHEN a-ddos fires too
    const d = decide(s, alarm('e3', 'a', 'ALARM', at(2)), topo, at(2));
    // THEN
    expect(d.reason).toBe(
      'Refused to isolate cluster a (alarm a-ddos (ddos) is in ALARM and alarm a-surge (surge) is in ALARM): isolating a would leave 0 clusters in DNS, below minHealthyClusters 1 [MIN_HEALTHY].',
    );
  });

  test.each<{ condition: string; policy: Parameters<typeof topology>[1]; event: CoreEvent; reason: string }>([
    {
      condition: 'an alarm isolates a cluster',
      policy: {},
      event: alarm('e1', 'a', 'ALARM', T0),
      reason: 'Isolating cluster a because alarm a-ddos (ddos) is in ALARM: DNS weight 0, internet cut, block-producer VPN path cut.',
    },
    {
      condition: 'a compromise isolates a cluster (the BP path is cut first)',
      policy: {},
      event: compromise('e1', 'a', T0),
      reason:
        'Isolating cluster a because GuardDuty finding f1 reports a compromise: block-producer VPN path cut first, DNS weight 0, internet cut; automation never restores a compromised cluster, only an operator restore does.',
    },
    {
      condition: 'an operator isolates a cluster and the policy cuts only the BP path (nothing is cut first)',
      policy: { cutInternet: false },
      event: operator('o1', 'isolate', { clusterId: 'a' }),
      reason: 'Operator alice (drill) isolated cluster a: DNS weight 0, block-producer VPN path cut; it stays isolated until an operator restores it.',
    },
  ])('when $condition, the reason lists the levers in the order they act', ({ policy, event, reason }) => {
    // GIVEN
    const topo = topology(3, policy);
    // WHEN
    const d = decide(initialWorldState(topo), event, topo, T0);
    // THEN
    expect(d.reason).toBe(reason);
  });

  test('when a compromise hits a cluster pinned FORCED_IN_SERVICE, the page names the pin it overrode and the pin is removed', () => {
    // GIVEN a pinned in service until +60 min
    const topo = topology(3);
    const s = run(topo, [[operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: at(60) }), T0]]).state;
    // WHEN
    const d = decide(s, compromise('e1', 'a', at(1)), topo, at(1));
    // THEN
    expect(d.reason).toBe(
      'Isolating cluster a because GuardDuty finding f1 reports a compromise: block-producer VPN path cut first, DNS weight 0, internet cut; automation never restores a compromised cluster, only an operator restore does; a compromise overrides the pin FORCED_IN_SERVICE until 2026-01-01T01:00:00.000Z, set by alice (drill), which is removed.',
    );
    expect(d.next.clusters.a).not.toHaveProperty('pin');
  });

  test('when an in-service pin ran out before a held-back compromise isolates its cluster, the page does not claim the compromise overrode it', () => {
    // GIVEN four clusters, minHealthyClusters 3, b isolated: a's compromise at +1 min has its BP path cut only
    // (BP_PATH_CUT), then an operator pins a FORCED_IN_SERVICE until +41 min. b's alarm clears at +10 min, and
    // the reconcile at +40 min (the pin still holds) starts b's restore.
    const topo = topology(4, { minHealthyClusters: 3 });
    const s = run(topo, [
      [alarm('e1', 'b', 'ALARM', T0), T0],
      [jobResult('j1', 'b', 'e1'), T0 + 1000],
      [compromise('e2', 'a', at(1)), at(1)],
      [jobResult('j2', 'a', 'e2'), at(1) + 1000],
      [operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: at(41) }), at(2)],
      [alarm('e3', 'b', 'OK', at(10)), at(10)],
      [reconcile('r1'), at(40)],
    ]).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.BP_PATH_CUT, pin: OperatorPin.FORCED_IN_SERVICE });
    expect(s.clusters.b.status).toBe(ClusterStatus.RESTORING);
    // WHEN b's undo succeeds at +42 min, after a's pin ran out: b serves again, so the floor lets a's isolation complete
    const d = decide(s, jobResult('j3', 'b', 'r1'), topo, at(42));
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.ISOLATING);
    expect(notify(d)?.message.split('\n')).toContain(
      'Completing the isolation of cluster a (its block-producer path is already cut) because GuardDuty finding f1 reports a compromise, now that the guards allow it: DNS weight 0, internet cut; automation never restores a compromised cluster, only an operator restore does.',
    );
  });
});

describe('the state a decision returns', () => {
  test('when fields are cleared along an isolation and a restore, the state holds no undefined value: it is exactly what the store reads back', () => {
    // GIVEN / WHEN a cluster isolated, acknowledged by an operator restore, its undo done and ramping
    const topo = topology(3);
    const { decisions } = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'e1'), T0 + 1000],
      [unhealthy('e2', 'a', 'INSUFFICIENT_DATA', at(1)), at(1)],
      [alarm('e3', 'a', 'OK', at(2)), at(2)],
      [unhealthy('e4', 'a', 'OK', at(3)), at(3)],
      [reconcile('r1'), at(40)],
      [jobResult('j2', 'a', 'r1'), at(41)],
      [reconcile('r2'), at(50)],
    ]);
    // THEN
    expect(decisions.map((d) => d.next.clusters.a.status)).toEqual(['ISOLATING', 'ISOLATED', 'ISOLATED', 'ISOLATED', 'ISOLATED', 'RESTORING', 'RESTORING', 'RESTORING']);
    for (const d of decisions) expect(JSON.parse(JSON.stringify(d.next))).toStrictEqual(d.next);
  });
});
