import * as fc from 'fast-check';
import { decide } from '../../../lambdas/core/decide';
import { classifyFinding, FINDING_POLICY } from '../../../lambdas/core/finding-policy';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { CoreEvent, FindingEvent, NotifyEffect, WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, finding, jobResult, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

const HOUR = 60 * MIN;
const probe = (id: string, clusterId: string, at: number, findingId = 'p1', activity: { count?: number; lastSeen?: number } = {}): FindingEvent =>
  finding(id, clusterId, at, { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, resourceRole: 'TARGET', direction: 'INBOUND' }, findingId, activity);
const notifies = (d: { plan: readonly { type: string }[] }) => d.plan.filter((e): e is NotifyEffect => e.type === 'NOTIFY');

describe('GuardDuty findings in the core', () => {
  test('when a port probe arrives, it notifies INFO once and changes nothing else', () => {
    // GIVEN
    const t = topology(3);
    const s = initialWorldState(t);
    // WHEN
    const d = decide(s, probe('e1', 'a', T0), t, T0);
    // THEN
    expect(types(d)).toEqual(['NOTIFY']);
    expect(notifies(d)[0].severity).toBe('INFO');
    expect(d.reason).toBe(
      'GuardDuty finding p1 (Recon:EC2/PortProbeUnprotectedPort, severity 2) on cluster a (count 1) is attack-on-us: the internet probes an open port; the p2p port is open to everyone by design [PORT_PROBE]; notify only, never isolates.',
    );
    expect(d.next.clusters.a.status).toBe('IN_SERVICE');
    expect(d.next.global).toBe(s.global);
  });

  test('when the same port probe is re-published every 6 hours, it stays quiet until a day has passed with new activity', () => {
    // GIVEN
    const t = topology(3);
    const first = decide(initialWorldState(t), probe('e1', 'a', T0), t, T0);
    // WHEN
    const republished = decide(first.next, probe('e2', 'a', T0 + 6 * HOUR, 'p1', { count: 1, lastSeen: T0 }), t, T0 + 6 * HOUR);
    const more = decide(republished.next, probe('e3', 'a', T0 + 12 * HOUR, 'p1', { count: 40, lastSeen: T0 + 12 * HOUR }), t, T0 + 12 * HOUR);
    const nextDay = decide(more.next, probe('e4', 'a', T0 + 24 * HOUR, 'p1', { count: 66, lastSeen: T0 + 24 * HOUR }), t, T0 + 24 * HOUR);
    // THEN
    expect(types(republished)).toEqual([]);
    expect(republished.reason).toMatch(/\(re-published, no new activity\)\.$/);
    expect(types(more)).toEqual([]);
    expect(more.reason).toMatch(/\(told less than a day ago\)\.$/);
    expect(types(nextDay)).toEqual(['NOTIFY']);
  });

  test('when a sample finding reaches the core, it is ignored with the reason', () => {
    // GIVEN
    const t = topology(3);
    const s = initialWorldState(t);
    // WHEN
    const d = decide(s, finding('e1', 'a', T0, { type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, sample: true }), t, T0);
    // THEN
    expect(d.outcome).toBe('NO_CHANGE');
    expect(d.next).toBe(s);
    expect(d.reason).toMatch(/^Ignored GuardDuty finding f1 \(Backdoor:EC2\/C&CActivity.B!DNS, severity 8\) on cluster a: a sample finding/);
  });

  test('when a Bitcoin finding arrives on a blockchain node, it notifies INFO and does not isolate', () => {
    // GIVEN
    const t = topology(3);
    // WHEN
    const d = decide(initialWorldState(t), finding('e1', 'a', T0, { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }), t, T0);
    // THEN
    expect(types(d)).toEqual(['NOTIFY']);
    expect(d.reason).toContain('expected-on-blockchain-node');
  });

  test('when an unknown Medium type arrives, it notifies with a WARNING naming the config key', () => {
    // GIVEN
    const t = topology(3);
    // WHEN
    const d = decide(initialWorldState(t), finding('e1', 'a', T0, { type: 'Recon:EC2/SomethingNew', severity: 5 }), t, T0);
    // THEN
    expect(notifies(d)[0].severity).toBe('WARNING');
    expect(notifies(d)[0].message).toContain('Add it to protection.guardDuty.findingPolicy');
  });

  test('when the config reclassifies a type as a compromise, it isolates', () => {
    // GIVEN
    const t = { ...topology(3), findingPolicy: [{ id: 'cfg0', type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', class: 'compromise' as const, explanation: 'never Bitcoin', source: 'config' }] };
    // WHEN
    const d = decide(initialWorldState(t), finding('e1', 'a', T0, { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8 }), t, T0);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
  });

  describe('an operator restore of a compromise', () => {
    const t = topology(3);
    const restored = (): WorldState =>
      run(t, [
        [compromise('g1', 'a', T0, 'f1', { count: 3, lastSeen: T0 }), T0],
        [jobResult('j1', 'a', 'g1'), T0],
        [operator('o1', 'restore', { clusterId: 'a', reason: 'rebuilt' }), T0 + HOUR],
        [jobResult('j2', 'a', 'o1'), T0 + HOUR],
      ]).state;

    test('when GuardDuty re-publishes the finding without new activity, the restore holds', () => {
      // GIVEN
      const s = restored();
      // WHEN
      const d = decide(s, compromise('g2', 'a', T0 + 6 * HOUR, 'f1', { count: 3, lastSeen: T0 }), t, T0 + 6 * HOUR);
      // THEN
      expect(d.outcome).toBe('RAMP_ADVANCED'); // the ramp goes on: the update is recorded, nothing re-isolates
      expect(types(d).filter((e) => e.startsWith('CUT_'))).toEqual([]);
      expect(d.next.clusters.a.status).toBe('RESTORING');
      expect(d.next.clusters.a.signals['guardduty:f1'].acknowledgedAt).toBe(T0 + HOUR);
    });

    test('when service.count rose, it isolates again', () => {
      // GIVEN
      const s = restored();
      // WHEN
      const d = decide(s, compromise('g2', 'a', T0 + 6 * HOUR, 'f1', { count: 4, lastSeen: T0 }), t, T0 + 6 * HOUR);
      // THEN
      expect(d.outcome).toBe('RAMP_ABORTED');
    });

    test('when eventLastSeen is later than the restore, it isolates again', () => {
      // GIVEN
      const s = restored();
      // WHEN
      const d = decide(s, compromise('g2', 'a', T0 + 6 * HOUR, 'f1', { count: 3, lastSeen: T0 + 2 * HOUR }), t, T0 + 6 * HOUR);
      // THEN
      expect(d.outcome).toBe('RAMP_ABORTED');
      expect(notifies(d)[0].severity).toBe('CRITICAL');
    });
  });

  describe('isolateOnDdos', () => {
    test('when "always" (the default), a DDoS reading alone isolates', () => {
      // GIVEN
      const t = topology(3);
      // WHEN
      const d = decide(initialWorldState(t), alarm('e1', 'a', 'ALARM', T0), t, T0);
      // THEN
      expect(d.outcome).toBe('ISOLATION_STARTED');
    });

    test('when "with-impact", a DDoS reading alone sends a WARNING and isolates nothing', () => {
      // GIVEN
      const t = topology(3, { isolateOnDdos: 'with-impact', ddosImpactWindowMinutes: 30 });
      // WHEN
      const d = decide(initialWorldState(t), alarm('e1', 'a', 'ALARM', T0), t, T0);
      // THEN
      expect(types(d)).toEqual(['NOTIFY']);
      expect(notifies(d)[0].severity).toBe('WARNING');
      expect(notifies(d)[0].message).toBe(
        'Shield reports DDoSDetected on cluster a (alarm a-ddos) without impact: no unhealthy targets, no traffic surge, no attack-on-us finding within 30 minutes. Shield mitigates at the edge; not isolating (protection.isolateOnDdos is "with-impact").',
      );
      expect(d.next.clusters.a.status).toBe('IN_SERVICE');
    });

    test('when "with-impact" and the reconcile re-reads the same DDoS reading, it does not warn again', () => {
      // GIVEN
      const t = topology(3, { isolateOnDdos: 'with-impact' });
      const s = decide(initialWorldState(t), alarm('e1', 'a', 'ALARM', T0), t, T0).next;
      // WHEN
      const d = decide(s, reconcile('r1', [{ clusterId: 'a', alarmName: 'a-ddos', kind: 'ddos', state: 'ALARM', stateTimestamp: T0 }]), t, T0 + 5 * MIN);
      // THEN
      expect(types(d)).toEqual([]);
    });

    test('when "with-impact" and an attack-on-us finding arrives within the window, the held reading isolates', () => {
      // GIVEN
      const t = topology(3, { isolateOnDdos: 'with-impact', ddosImpactWindowMinutes: 30 });
      const s = decide(initialWorldState(t), alarm('e1', 'a', 'ALARM', T0), t, T0).next;
      // WHEN
      const d = decide(s, finding('e2', 'a', T0 + 10 * MIN, { type: 'Behavior:EC2/TrafficVolumeUnusual', severity: 5, resourceRole: 'TARGET', direction: 'INBOUND' }), t, T0 + 10 * MIN);
      // THEN
      expect(d.outcome).toBe('ISOLATION_STARTED');
      expect(d.reason).toContain('alarm a-ddos (ddos) is in ALARM');
    });

    test('when "with-impact" and the attack finding is older than the window, the reading stays held', () => {
      // GIVEN
      const t = topology(3, { isolateOnDdos: 'with-impact', ddosImpactWindowMinutes: 30 });
      const s = decide(initialWorldState(t), probe('e0', 'a', T0 - 2 * HOUR), t, T0 - 2 * HOUR).next;
      // WHEN
      const d = decide(s, alarm('e1', 'a', 'ALARM', T0), t, T0);
      // THEN
      expect(d.next.clusters.a.status).toBe('IN_SERVICE');
    });

    test('when "with-impact" and targets turn unhealthy, the cluster is isolated and the DDoS reading counts', () => {
      // GIVEN
      const t = topology(3, { isolateOnDdos: 'with-impact' });
      const s = decide(initialWorldState(t), alarm('e1', 'a', 'ALARM', T0), t, T0).next;
      // WHEN
      const d = decide(s, alarm('e2', 'a', 'ALARM', T0 + MIN, 'a-unhealthy', 'unhealthy'), t, T0 + MIN);
      // THEN
      expect(d.outcome).toBe('ISOLATION_STARTED');
      expect(d.next.clusters.a.signals['a-ddos'].awaitingImpact).toBeUndefined();
    });
  });
});

describe('property: non-compromise findings', () => {
  // Facts drawn from the whole table plus unknown types, with random severity, role, direction and flags;
  // only the ones the policy does NOT call a compromise are kept.
  const typeArb = fc.oneof(fc.constantFrom(...FINDING_POLICY.map((r) => r.type.replace(/\*$/, 'X'))), fc.constantFrom('Recon:EC2/Unknown', 'Impact:EC2/Unknown'));
  const factsArb = fc.record({
    type: typeArb,
    severity: fc.integer({ min: 10, max: 100 }).map((n) => n / 10),
    resourceType: fc.constantFrom('Instance', 'Instance', 'AccessKey'),
    resourceRole: fc.constantFrom('ACTOR', 'TARGET', undefined),
    direction: fc.constantFrom('INBOUND', 'OUTBOUND', undefined),
    sample: fc.boolean(),
    archived: fc.boolean(),
  });
  const stepArb = fc.record({
    facts: factsArb,
    cluster: fc.nat(2),
    finding: fc.nat(4),
    count: fc.integer({ min: 1, max: 100 }),
    dt: fc.integer({ min: 0, max: 12 * 60 }),
  });

  test('when any sequence of non-compromise findings arrives, nothing is isolated and the rate limit is untouched', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), fc.boolean(), (steps, withImpact) => {
        // GIVEN
        const t = topology(3, withImpact ? { isolateOnDdos: 'with-impact' } : {});
        let state = initialWorldState(t);
        let now = T0;
        // WHEN
        for (const [i, s] of steps.entries()) {
          const facts = Object.fromEntries(Object.entries(s.facts).filter(([, v]) => v !== undefined)) as unknown as FindingEvent['facts'];
          if (classifyFinding(facts).class === 'compromise') continue;
          now += s.dt * MIN;
          const event: CoreEvent = finding(`e${i}`, ['a', 'b', 'c'][s.cluster], now, facts, `f${s.finding}`, { count: s.count, lastSeen: now });
          const d = decide(state, event, t, now);
          // THEN
          expect(d.plan.every((e) => e.type === 'NOTIFY')).toBe(true);
          expect(d.next.global.recentIsolations).toEqual([]);
          for (const id of ['a', 'b', 'c']) expect(d.next.clusters[id].status).toBe('IN_SERVICE');
          state = d.next;
        }
      }),
      { numRuns: Number(process.env.SEEDSHIELD_PROPERTY_RUNS ?? 200) },
    );
  });
});
