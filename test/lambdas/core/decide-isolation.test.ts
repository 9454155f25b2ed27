/**
 * What isolates a cluster and how (lambdas/core/decide.ts: findings, DDoS corroboration, acknowledging signals,
 * tryIsolate, the BP-path cut on its own, evaluateTrigger, drains). Issue 19's rules 1, 2, 3 and 6 at their
 * edges: a compromise is never rate-limited and cuts the BP path at once, an attack-on-us finding is never a
 * trigger by itself, a DDoS reading under "with-impact" waits for corroboration, only a compromise overrides
 * an in-service pin.
 */
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ClusterStatus, CoreEvent, FindingEvent, NotifyEffect, OperatorPin, WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, finding, jobResult, lagAlarm, lagOfA, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const notifies = (d: { plan: readonly { type: string }[] }) => d.plan.filter((e): e is NotifyEffect => e.type === 'NOTIFY');

/** A port probe: the policy calls it attack-on-us (notify only). */
const probe = (id: string, clusterId: string, at: number, findingId = 'p1', activity: { count?: number; lastSeen?: number } = {}): FindingEvent =>
  finding(id, clusterId, at, { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, resourceRole: 'TARGET', direction: 'INBOUND' }, findingId, activity);
/** Bitcoin traffic: expected on a blockchain node (notify only, never an attack). */
const bitcoin = (id: string, clusterId: string, at: number, findingId = 'b1'): FindingEvent =>
  finding(id, clusterId, at, { type: 'CryptoCurrency:EC2/BitcoinTool.B', severity: 5, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, findingId);
/** An unknown finding type of High severity: a compromise by severity, with a warning to extend the table. */
const unknownHigh = (id: string, clusterId: string, at: number): FindingEvent => finding(id, clusterId, at, { type: 'Backdoor:EC2/SomethingNew', severity: 8 }, 'u1');
const UNKNOWN_HIGH_WARNING =
  "GuardDuty finding type Backdoor:EC2/SomethingNew is not in seedshield's finding policy; classified by severity 8. Add it to protection.guardDuty.findingPolicy to decide explicitly.";

describe('a compromise finding', () => {
  const topo = topology(3);

  test('when it arrives, it is recorded as a compromise signal in ALARM with its count and last activity', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0, 'f1', { count: 3, lastSeen: T0 - MIN }), topo, T0);
    // THEN
    expect(d.next.clusters.a.signals['guardduty:f1']).toEqual({ kind: 'compromise', state: 'ALARM', timestamp: T0, findingCount: 3, lastSeen: T0 - MIN });
  });

  test('when an unknown High type hits an isolated cluster, it is a compromise and on-call is still told (WARNING) to add the type to the policy', () => {
    // GIVEN a isolated for a DDoS: the compromise starts no new isolation
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'e1'), T0],
    ]).state;
    // WHEN
    const d = decide(s, unknownHigh('g1', 'a', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('SIGNAL_RECORDED');
    expect(notifies(d)).toEqual([expect.objectContaining({ severity: 'WARNING', subject: 'seedshield SIGNAL_RECORDED: a', message: UNKNOWN_HIGH_WARNING })]);
    expect(d.next.clusters.a.signals['guardduty:u1']).toMatchObject({ kind: 'compromise' });
  });

  test('when an unknown High type hits a cluster in service, it isolates and the page carries the warning too', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, unknownHigh('g1', 'a', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(notifies(d)[0].severity).toBe('CRITICAL');
    expect(notifies(d)[0].message.split('\n')).toContain(UNKNOWN_HIGH_WARNING);
  });
});

describe('an operator restore of a compromise holds until GuardDuty shows activity after it', () => {
  // The restore acknowledges the finding at T0 + 1 h. Activity GuardDuty saw at that very moment was known to
  // the operator who restored: only activity after it re-isolates.
  const topo = topology(3);
  const restored = (): WorldState =>
    run(topo, [
      [compromise('g1', 'a', T0, 'f1', { count: 3, lastSeen: T0 }), T0],
      [jobResult('j1', 'a', 'g1'), T0],
      [operator('o1', 'restore', { clusterId: 'a', reason: 'rebuilt' }), T0 + HOUR],
      [jobResult('j2', 'a', 'o1'), T0 + HOUR],
    ]).state;

  test.each([
    { condition: 'the update was last seen before the restore', lastSeen: T0 + HOUR - 1, outcome: 'RAMP_ADVANCED', status: 'RESTORING' },
    { condition: 'the update was last seen at the moment of the restore', lastSeen: T0 + HOUR, outcome: 'RAMP_ADVANCED', status: 'RESTORING' },
    { condition: 'the update was last seen 1 ms after the restore', lastSeen: T0 + HOUR + 1, outcome: 'RAMP_ABORTED', status: 'ISOLATING' },
  ])('when $condition, it is $outcome', ({ lastSeen, outcome, status }) => {
    // GIVEN
    const s = restored();
    // WHEN
    const d = decide(s, compromise('g2', 'a', T0 + 6 * HOUR, 'f1', { count: 3, lastSeen }), topo, T0 + 6 * HOUR);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.next.clusters.a.status).toBe(status);
  });
});

describe('notify-only findings (attack on us, expected activity)', () => {
  const topo = topology(3);

  test.each([
    { condition: 'an older update of a recorded finding', at: T0 - MIN },
    { condition: 'an update as old as the recorded one', at: T0 },
  ])('when $condition arrives, it is STALE and changes nothing', ({ at }) => {
    // GIVEN
    const s = decide(initialWorldState(topo), probe('e1', 'a', T0, 'p1', { count: 5 }), topo, T0).next;
    // WHEN
    const d = decide(s, probe('e2', 'a', at, 'p1', { count: 9, lastSeen: at }), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('STALE');
    expect(d.reason).toBe('Ignored GuardDuty finding p1 for cluster a: an update at least as new is already recorded.');
    expect(d.next).toBe(s);
    expect(d.plan).toEqual([]);
  });

  test.each([
    { condition: 'neither its count nor its last activity changed', activity: { count: 5, lastSeen: T0 }, told: false },
    { condition: 'only its count rose', activity: { count: 6, lastSeen: T0 }, told: true },
    { condition: 'only its last activity is later', activity: { count: 5, lastSeen: T0 + DAY }, told: true },
  ])('when a day later a re-published update shows that $condition, it is told again: $told', ({ activity, told }) => {
    // GIVEN told at T0
    const s = decide(initialWorldState(topo), probe('e1', 'a', T0, 'p1', { count: 5 }), topo, T0).next;
    // WHEN
    const d = decide(s, probe('e2', 'a', T0 + DAY, 'p1', activity), topo, T0 + DAY);
    // THEN
    expect(types(d)).toEqual(told ? ['NOTIFY'] : []);
    expect(d.next.clusters.a.notifiedFindings?.p1).toEqual({ class: 'attack-on-us', ...activity, at: T0 + DAY, notifiedAt: told ? T0 + DAY : T0 });
  });

  // Findings not updated for 30 days are forgotten, so the state item stays small; a forgotten finding that
  // comes back is news again.
  test.each([
    { condition: '29 days', age: 29 * DAY, kept: true },
    { condition: '30 days less 1 ms', age: 30 * DAY - 1, kept: true },
    { condition: '30 days', age: 30 * DAY, kept: false },
  ])('when another finding arrives $condition after the last update of one, that one is kept: $kept', ({ age, kept }) => {
    // GIVEN
    const s = decide(initialWorldState(topo), probe('e1', 'a', T0, 'p1'), topo, T0).next;
    // WHEN
    const d = decide(s, probe('e2', 'a', T0 + age, 'p2'), topo, T0 + age);
    // THEN
    expect(Object.keys(d.next.clusters.a.notifiedFindings ?? {}).sort()).toEqual(kept ? ['p1', 'p2'] : ['p2']);
  });

  test('when a Bitcoin finding (expected on a blockchain node) arrives, the reason says so and no attack is recorded', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, bitcoin('e1', 'a', T0), topo, T0);
    // THEN
    expect(d.reason).toBe(
      'GuardDuty finding b1 (CryptoCurrency:EC2/BitcoinTool.B, severity 5) on cluster a (count 1) is expected-on-blockchain-node: GuardDuty documents Bitcoin-related traffic as possibly expected on an instance involved in blockchain activity [BITCOIN_TOOL]; expected on a blockchain node, notify only.',
    );
    expect(d.next.clusters.a.lastAttackSeenAt).toBeUndefined();
  });

  test('when an unknown Medium type arrives, the headline is the recorded signal and the page has the finding and the warning', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, finding('e1', 'a', T0, { type: 'Recon:EC2/SomethingNew', severity: 5 }), topo, T0);
    // THEN
    expect(d.outcome).toBe('SIGNAL_RECORDED');
    expect(notifies(d)).toEqual([
      expect.objectContaining({
        severity: 'WARNING',
        subject: 'seedshield SIGNAL_RECORDED: a',
        message:
          'GuardDuty finding f1 (Recon:EC2/SomethingNew, severity 5) on cluster a (count 1) is attack-on-us: an unknown finding type below High severity (5 < 7): notify only [UNKNOWN_BELOW_HIGH]; notify only, never isolates.\n' +
          "GuardDuty finding type Recon:EC2/SomethingNew is not in seedshield's finding policy; classified by severity 5. Add it to protection.guardDuty.findingPolicy to decide explicitly.",
      }),
    ]);
  });

  test('when an attack-on-us finding arrives on a cluster whose isolation the floor holds back, it does not re-announce the refusal', () => {
    // GIVEN a's DDoS isolation refused by the floor (reported once)
    const two = topology(2, { minHealthyClusters: 2 });
    const s = decide(initialWorldState(two), alarm('e1', 'a', 'ALARM', T0), two, T0).next;
    // WHEN
    const d = decide(s, probe('e2', 'a', T0 + MIN), two, T0 + MIN);
    // THEN an attack on us is no trigger: the finding is told, nothing else
    expect(d.reason).toBe(
      'GuardDuty finding p1 (Recon:EC2/PortProbeUnprotectedPort, severity 2) on cluster a (count 1) is attack-on-us: the internet probes an open port; the p2p port is open to everyone by design [PORT_PROBE]; notify only, never isolates.',
    );
  });
});

describe('isolateOnDdos "with-impact": a DDoS reading waits for corroboration', () => {
  const WINDOW = 5;
  const topo = topology(3, { isolateOnDdos: 'with-impact', ddosImpactWindowMinutes: WINDOW });
  const heldAt = (t: number): WorldState => decide(initialWorldState(topo), alarm('e1', 'a', 'ALARM', t), topo, t).next;
  const held = () => heldAt(T0);
  const observed = (state: 'OK' | 'ALARM', at: number) => ({ clusterId: 'a', alarmName: 'a-ddos', kind: 'ddos' as const, state, stateTimestamp: at });

  test('when a reading alone arrives, the headline is the recorded signal and the WARNING names the configured window', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, alarm('e1', 'a', 'ALARM', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('SIGNAL_RECORDED');
    expect(notifies(d)[0].message).toBe(
      'Shield reports DDoSDetected on cluster a (alarm a-ddos) without impact: no unhealthy targets, no traffic surge, no attack-on-us finding within 5 minutes. Shield mitigates at the edge; not isolating (protection.isolateOnDdos is "with-impact").',
    );
  });

  test.each([
    { kind: 'unhealthy' as const },
    { kind: 'surge' as const },
  ])('when a $kind alarm fires after a held reading, the reading counts and the cluster is isolated for both', ({ kind }) => {
    // GIVEN
    const s = held();
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + MIN, `a-${kind}`, kind), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(d.reason).toMatch(new RegExp(`^Isolating cluster a because alarm a-ddos \\(ddos\\) is in ALARM and alarm a-${kind} \\(${kind}\\) is in ALARM: `));
  });

  test.each([
    { kind: 'unhealthy' as const },
    { kind: 'surge' as const },
  ])('when a $kind alarm is in ALARM before the reading, the reading isolates at once and nobody is told it lacks impact', ({ kind }) => {
    // GIVEN a's own alarm is refused by the floor, so the cluster stays in service with it in ALARM
    const two = topology(2, { minHealthyClusters: 2, isolateOnDdos: 'with-impact' });
    const s = decide(initialWorldState(two), alarm('e1', 'a', 'ALARM', T0, `a-${kind}`, kind), two, T0).next;
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + MIN), two, T0 + MIN);
    // THEN
    expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBeUndefined();
    expect(notifies(d).map((n) => n.message).join('\n')).not.toContain('without impact');
  });

  test('when the unhealthy alarm is OK, it corroborates nothing', () => {
    // GIVEN
    const s = decide(initialWorldState(topo), alarm('e1', 'a', 'OK', T0, 'a-unhealthy', 'unhealthy'), topo, T0).next;
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.IN_SERVICE);
    expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBe(true);
  });

  test('when the unhealthy alarm in ALARM was acknowledged by an operator restore, it corroborates nothing', () => {
    // GIVEN a isolated for unhealthy targets, restored by an operator while they stay unhealthy, ramping
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0, 'a-unhealthy', 'unhealthy'), T0],
      [jobResult('j1', 'a', 'e1'), T0],
      [operator('o1', 'restore', { clusterId: 'a' }), T0 + MIN],
      [jobResult('j2', 'a', 'o1'), T0 + MIN],
    ]).state;
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + 2 * MIN), topo, T0 + 2 * MIN);
    // THEN
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBe(true);
  });

  test.each([
    { condition: 'the window before the reading', findingAt: T0 - WINDOW * MIN, corroborated: true },
    { condition: 'the window after the reading', findingAt: T0 + WINDOW * MIN, corroborated: true },
    { condition: 'the window and 1 ms before the reading', findingAt: T0 - WINDOW * MIN - 1, corroborated: false },
    { condition: 'twice the window before the reading', findingAt: T0 - 2 * WINDOW * MIN, corroborated: false },
  ])('when an attack-on-us finding was last seen $condition, the reading is corroborated: $corroborated', ({ findingAt, corroborated }) => {
    // GIVEN
    const steps: Steps =
      findingAt < T0
        ? [
            [probe('p', 'a', findingAt), findingAt],
            [alarm('e1', 'a', 'ALARM', T0), T0],
          ]
        : [
            [alarm('e1', 'a', 'ALARM', T0), T0],
            [probe('p', 'a', findingAt), findingAt],
          ];
    // WHEN
    const { state } = run(topo, steps);
    // THEN
    expect(state.clusters.a.status).toBe(corroborated ? ClusterStatus.ISOLATING : ClusterStatus.IN_SERVICE);
  });

  test.each([
    { condition: 'within the default 30 minutes', before: 30 * MIN, corroborated: true },
    { condition: 'more than the default 30 minutes', before: 30 * MIN + 1, corroborated: false },
  ])('when no window is configured and the attack finding was $condition before the reading, it is corroborated: $corroborated', ({ before, corroborated }) => {
    // GIVEN
    const t = topology(3, { isolateOnDdos: 'with-impact' });
    // WHEN
    const { state, decisions } = run(t, [
      [probe('p', 'a', T0 - before), T0 - before],
      [alarm('e1', 'a', 'ALARM', T0), T0],
    ]);
    // THEN
    expect(state.clusters.a.status).toBe(corroborated ? ClusterStatus.ISOLATING : ClusterStatus.IN_SERVICE);
    if (!corroborated) expect(notifies(decisions[1])[0].message).toContain('no attack-on-us finding within 30 minutes');
  });

  test('when an attack-on-us finding came first, the reading isolates at once and nobody is told it lacks impact', () => {
    // GIVEN
    const s = decide(initialWorldState(topo), probe('p', 'a', T0), topo, T0).next;
    // WHEN
    const d = decide(s, alarm('e1', 'a', 'ALARM', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(notifies(d)).toHaveLength(1);
    expect(notifies(d)[0].message).toMatch(/^Isolating cluster a because alarm a-ddos \(ddos\) is in ALARM: /);
  });

  test('when a Bitcoin finding (expected activity, no attack) arrives, the held reading stays held', () => {
    // GIVEN
    const s = held();
    // WHEN
    const d = decide(s, bitcoin('e2', 'a', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.IN_SERVICE);
    expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBe(true);
  });

  test.each([
    { kind: 'unhealthy' as const },
    { kind: 'surge' as const },
  ])('when a $kind alarm fires alone, it isolates at once: only DDoS readings wait for corroboration', ({ kind }) => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, alarm('e1', 'a', 'ALARM', T0, `a-${kind}`, kind), topo, T0);
    // THEN the page is the isolation alone: no "without impact" warning about this alarm
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(notifies(d)[0].message.split('\n')).toEqual([expect.stringMatching(new RegExp(`^Isolating cluster a because alarm a-${kind} \\(${kind}\\) is in ALARM: `))]);
    expect(d.next.clusters.a.signals[`a-${kind}`]).toEqual({ kind, state: 'ALARM', timestamp: T0 });
  });

  test('when a DDoS alarm reports OK, nothing is held and nobody is told', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, alarm('e1', 'a', 'OK', T0), topo, T0);
    // THEN
    expect(d.plan).toEqual([]);
    expect(d.next.clusters.a.signals['a-ddos']).toEqual({ kind: 'ddos', state: 'OK', timestamp: T0 });
  });

  test.each([
    { how: 'an alarm event', event: alarm('e2', 'a', 'ALARM', T0 + 2 * MIN) },
    { how: 'a reconcile', event: reconcile('r1', [observed('ALARM', T0 + 2 * MIN)]) },
  ])('when a newer update of a held reading arrives by $how without corroboration, it stays held and is not told again', ({ event }) => {
    // GIVEN
    const s = held();
    // WHEN
    const d = decide(s, event, topo, T0 + 2 * MIN);
    // THEN
    expect(d.next.clusters.a.status).toBe(ClusterStatus.IN_SERVICE);
    expect(d.next.clusters.a.signals['a-ddos']).toMatchObject({ timestamp: T0 + 2 * MIN, awaitingImpact: true });
    expect(notifies(d)).toEqual([]);
  });

  test('when a DDoS alarm that was OK fires, the held reading is told (a new reading)', () => {
    // GIVEN
    const s = decide(initialWorldState(topo), alarm('e1', 'a', 'OK', T0), topo, T0).next;
    // WHEN
    const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(notifies(d).map((n) => n.severity)).toEqual(['WARNING']);
    expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBe(true);
  });

  test.each([
    { condition: 'older than', at: T0 + MIN },
    { condition: 'as old as', at: T0 + 2 * MIN },
  ])('when a reconcile brings a DDoS reading $condition the OK recorded, it is ignored without a page', ({ at }) => {
    // GIVEN the alarm went OK at T0 + 2 min
    const s = decide(initialWorldState(topo), alarm('e1', 'a', 'OK', T0 + 2 * MIN), topo, T0 + 2 * MIN).next;
    // WHEN
    const d = decide(s, reconcile('r1', [observed('ALARM', at)]), topo, T0 + 3 * MIN);
    // THEN
    expect(notifies(d)).toEqual([]);
    expect(d.next.clusters.a.signals['a-ddos']).toEqual({ kind: 'ddos', state: 'OK', timestamp: T0 + 2 * MIN });
  });

  test('when a released reading keeps firing after what corroborated it cleared, it stays a trigger: no quiet period starts', () => {
    // GIVEN a isolated for a DDoS corroborated by unhealthy targets; the targets recover, the DDoS goes on
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [alarm('e2', 'a', 'ALARM', T0 + MIN, 'a-unhealthy', 'unhealthy'), T0 + MIN],
      [jobResult('j1', 'a', 'e2'), T0 + MIN],
      [alarm('e3', 'a', 'OK', T0 + 2 * MIN, 'a-unhealthy', 'unhealthy'), T0 + 2 * MIN],
    ]).state;
    // WHEN a newer update of the still-firing DDoS reading
    const d = decide(s, reconcile('r1', [observed('ALARM', T0 + 3 * MIN)]), topo, T0 + 3 * MIN);
    // THEN
    expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBeUndefined();
    expect(d.next.clusters.a.clearSince).toBeUndefined();
    expect(notifies(d)).toEqual([]);
  });

  test('when a reconcile runs on an isolated cluster whose triggers are not DDoS readings, it reports no corroboration', () => {
    // GIVEN a isolated for unhealthy targets
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0, 'a-unhealthy', 'unhealthy'), T0],
      [jobResult('j1', 'a', 'e1'), T0],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r1'), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('NO_CHANGE');
    expect(d.reason).toBe('Nothing to do for RECONCILE r1.');
  });

  describe('a released reading is a new activation only when no other trigger was active', () => {
    // The floor refuses every isolation, so each refusal is paged once per activation (lastTriggerAt).
    const floor = topology(2, { minHealthyClusters: 2, isolateOnDdos: 'with-impact', ddosImpactWindowMinutes: WINDOW });
    const ddos2 = (id: string, at: number) => alarm(id, 'a', 'ALARM', at, 'a-ddos-2');

    test('when the cluster had no active trigger, the release is paged as a new refusal', () => {
      // GIVEN an unhealthy alarm refused and cleared, then a DDoS reading held
      const s = run(floor, [
        [alarm('e1', 'a', 'ALARM', T0, 'a-unhealthy', 'unhealthy'), T0],
        [alarm('e2', 'a', 'OK', T0 + MIN, 'a-unhealthy', 'unhealthy'), T0 + MIN],
        [alarm('e3', 'a', 'ALARM', T0 + 2 * MIN), T0 + 2 * MIN],
      ]).state;
      // WHEN an attack-on-us finding corroborates it
      const d = decide(s, probe('p', 'a', T0 + 3 * MIN), floor, T0 + 3 * MIN);
      // THEN
      expect(d.outcome).toBe('ISOLATION_REFUSED');
      expect(notifies(d)[0].severity).toBe('CRITICAL');
      expect(d.next.clusters.a.lastTriggerAt).toBe(T0 + 3 * MIN);
    });

    test('when another trigger of the cluster was active, the release is no new activation and the refusal is not paged again', () => {
      // GIVEN a-ddos released by an attack finding and refused; a-ddos-2 fires outside the window and is held
      const s = run(floor, [
        [probe('p', 'a', T0), T0],
        [alarm('e1', 'a', 'ALARM', T0 + MIN), T0 + MIN],
        [ddos2('e2', T0 + 20 * MIN), T0 + 20 * MIN],
      ]).state;
      expect(s.clusters.a.signals['a-ddos-2'].awaitingImpact).toBe(true);
      // WHEN a new attack finding corroborates a-ddos-2
      const d = decide(s, probe('p2', 'a', T0 + 21 * MIN, 'p2'), floor, T0 + 21 * MIN);
      // THEN
      expect(d.next.clusters.a.signals['a-ddos-2'].awaitingImpact).toBeUndefined();
      expect(d.next.clusters.a.lastTriggerAt).toBe(T0 + MIN);
      expect(notifies(d).map((n) => n.subject)).toEqual(['seedshield SIGNAL_RECORDED: a']);
    });
  });
});

describe('a lone lag that is still settling', () => {
  test('when the first lag alarm fires, it is only recorded: the headline is the signal, no refusal', () => {
    // GIVEN
    const topo = topology(3);
    // WHEN
    const d = decide(initialWorldState(topo), lagOfA('l1', 'ALARM', T0), topo, T0);
    // THEN
    expect(d.outcome).toBe('SIGNAL_RECORDED');
    expect(d.plan).toEqual([]);
    expect(d.next.clusters.a.lastRefusal).toBeUndefined();
  });
});

describe('only a compromise removes an in-service pin', () => {
  const topo = topology(3);
  const UNTIL = T0 + HOUR;
  const pinned = () => decide(initialWorldState(topo), operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: UNTIL }), topo, T0).next;

  test('when an operator forces the isolation of a pinned cluster, the pin stays as the operator set it', () => {
    // GIVEN
    const s = pinned();
    // WHEN
    const d = decide(s, operator('o2', 'isolate', { clusterId: 'a', force: true }), topo, T0 + MIN);
    // THEN
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: UNTIL, pinBy: 'alice (drill)' });
  });

  test('when a compromise hits a pinned cluster and the floor holds the isolation back, the BP path is cut, the pin is removed and the page names it', () => {
    // GIVEN the floor refuses any isolation
    const two = topology(2, { minHealthyClusters: 2 });
    const s = decide(initialWorldState(two), operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: UNTIL }), two, T0).next;
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0 + MIN), two, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('BP_PATH_CUT');
    expect(d.reason).toBe(
      'Cut the block-producer path of cluster a at once because GuardDuty finding f1 reports a compromise; its DNS weight and internet cut are held back: ' +
        'isolating a would leave 1 cluster in DNS, below minHealthyClusters 2 [MIN_HEALTHY]. Cluster a still serves peers at 100 % (BP path cut); the rest follows as soon as the guards allow; ' +
        'a compromise overrides the pin FORCED_IN_SERVICE until 2026-01-01T01:00:00.000Z, set by alice (drill), which is removed.',
    );
    expect(d.next.clusters.a.pin).toBeUndefined();
    expect(d.next.clusters.a.pinUntil).toBeUndefined();
    expect(d.next.clusters.a.pinBy).toBeUndefined();
  });
});

describe('the BP path cut alone (rule 2)', () => {
  const topo = topology(3);

  test.each([
    {
      condition: 'in service',
      start: () => initialWorldState(topo),
      serving: 100,
      ramp: '',
    },
    {
      condition: 'ramping back into service',
      start: () =>
        run(
          topo,
          [
            [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
            [reconcile('r1'), T0 + 40 * MIN],
            [jobResult('u1', 'a', 'r1'), T0 + 41 * MIN],
          ],
          run(topo, [
            [alarm('a1', 'a', 'ALARM', T0), T0],
            [jobResult('j1', 'a', 'a1'), T0],
          ]).state,
        ).state,
      serving: 10,
      ramp: '; its restore ramp stops',
    },
  ])('when a paused cluster $condition is compromised, the page says it still serves peers at its share, and whether its ramp stops', ({ start, serving, ramp }) => {
    // GIVEN automation paused
    const s = decide(start(), operator('p1', 'pause'), topo, T0 + 42 * MIN).next;
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0 + 43 * MIN), topo, T0 + 43 * MIN);
    // THEN
    expect(d.outcome).toBe('BP_PATH_CUT');
    expect(d.reason).toBe(
      'Cut the block-producer path of cluster a at once because GuardDuty finding f1 reports a compromise; its DNS weight and internet cut are held back: ' +
        `automation is paused by an operator [AUTOMATION_PAUSED]. Cluster a still serves peers at ${serving} % (BP path cut)${ramp}; the rest follows as soon as the guards allow.`,
    );
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.BP_PATH_CUT, servingPercent: serving });
    expect(d.next.clusters.a.rampStage).toBeUndefined();
  });
});

describe('a drained cluster that is then attacked (escalation of a drain)', () => {
  const topo = topology(3);
  /** a lagged alone past the settle time, was drained, and the drain job succeeded. */
  const drained = (): WorldState =>
    run(topo, [
      [lagOfA('e1', 'ALARM', T0), T0],
      [lagAlarm('e2', 'a', 'ALARM', T0 + 2 * MIN, 'head-block-sustained'), T0 + 2 * MIN],
      [jobResult('j1', 'a', 'e2'), T0 + 2 * MIN],
    ]).state;

  test.each([
    {
      trigger: 'a DDoS alarm',
      event: alarm('x1', 'a', 'ALARM', T0 + 3 * MIN),
      severity: 'WARNING',
      reason:
        'Isolating cluster a, drained for lag until now, because alarm a-ddos (ddos) is in ALARM and alarm seedshield.a.lagging.head-block (lagging) is in ALARM and alarm seedshield.a.lagging.head-block-sustained (lagging) is in ALARM: DNS weight 0, internet cut, block-producer VPN path cut.',
      plan: ['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY'],
    },
    {
      trigger: 'a compromise',
      event: compromise('x1', 'a', T0 + 3 * MIN),
      severity: 'CRITICAL',
      reason:
        'Isolating cluster a, drained for lag until now, because GuardDuty finding f1 reports a compromise and alarm seedshield.a.lagging.head-block (lagging) is in ALARM and alarm seedshield.a.lagging.head-block-sustained (lagging) is in ALARM: block-producer VPN path cut first, DNS weight 0, internet cut; automation never restores a compromised cluster, only an operator restore does.',
      // rule 2: the BP path is cut first, as in any isolation of a compromise
      plan: ['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY'],
    },
  ])('when $trigger hits it, it is cut like an isolation and on-call is paged $severity', ({ event, severity, reason, plan }) => {
    // GIVEN
    const s = drained();
    expect(s.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATED, drained: true });
    // WHEN
    const d = decide(s, event, topo, T0 + 3 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(d.reason).toBe(reason);
    expect(notifies(d)[0]).toMatchObject({ severity, subject: 'seedshield ISOLATION_STARTED: a' });
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0, job: { kind: 'ISOLATE', id: 'x1' } });
    expect(types(d)).toEqual(plan);
    expect(d.next.clusters.a.job?.effects.map((e) => e.type)).toEqual(plan.slice(0, -1));
  });

  // Only a compromise puts the BP-path cut first, and only a cut the policy makes is planned at all.
  test.each([
    {
      condition: 'the policy cuts no BP path and a compromise hits',
      policy: { cutBlockProducerPath: false },
      event: compromise('x1', 'a', T0 + 3 * MIN) as CoreEvent,
      plan: ['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY'],
    },
    {
      condition: 'the policy cuts no internet and a DDoS alarm fires',
      policy: { cutInternet: false },
      event: alarm('x1', 'a', 'ALARM', T0 + 3 * MIN) as CoreEvent,
      plan: ['SET_DNS_WEIGHTS', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY'],
    },
  ])('when $condition on a drained cluster, it plans $plan', ({ policy, event, plan }) => {
    // GIVEN
    const t = topology(3, policy);
    const s = run(t, [
      [lagOfA('e1', 'ALARM', T0), T0],
      [lagAlarm('e2', 'a', 'ALARM', T0 + 2 * MIN, 'head-block-sustained'), T0 + 2 * MIN],
      [jobResult('j1', 'a', 'e2'), T0 + 2 * MIN],
    ]).state;
    // WHEN
    const d = decide(s, event, t, T0 + 3 * MIN);
    // THEN
    expect(types(d)).toEqual(plan);
  });

  test('when automation is paused, an attack on a drained cluster cuts nothing until resume', () => {
    // GIVEN
    const s = decide(drained(), operator('p1', 'pause'), topo, T0 + 3 * MIN).next;
    // WHEN
    const d = decide(s, alarm('x1', 'a', 'ALARM', T0 + 4 * MIN), topo, T0 + 4 * MIN);
    // THEN
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATED, drained: true });
    expect(d.plan).toEqual([]);
  });
});
