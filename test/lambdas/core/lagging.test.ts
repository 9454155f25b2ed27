/**
 * Chain-aware health in the decision core: the `lagging` trigger drains (DNS weight 0, nothing cut), a lag
 * shared by more than half of the serving clusters drains nothing, a cluster back from a cut isolation
 * catches up before its weight returns, and unknown lag is never taken for caught up.
 */
import * as fc from 'fast-check';
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { LAG_SETTLE_MS } from '../../../lambdas/core/policy';
import { AlarmEvent, ClusterStatus, CoreEvent, NotifyEffect, WorldState } from '../../../lambdas/core/types';
import { alarm, jobResult, lagAlarm, MIN, reconcile, run, T0, topology, types } from './fixtures';

/** A world where cluster `a` lagged alone past the settle time, was drained, and the drain job succeeded. */
function drainedWorld(topo: ReturnType<typeof topology>): { drained: WorldState; settled: number } {
  const settled = T0 + LAG_SETTLE_MS + 1000;
  const { state: drained } = run(topo, [
    [lagAlarm('e1', 'a', 'ALARM', T0), T0 + 1000],
    [lagAlarm('e2', 'a', 'ALARM', T0 + LAG_SETTLE_MS, 'head-block-sustained'), settled],
    [jobResult('j1', 'a', 'e2'), settled + 1000],
  ]);
  return { drained, settled };
}

/** All three clusters lag within two seconds; a reconcile at T0 + 5 min sees the chain-wide lag and refuses to drain. */
const chainWideLagSeen: readonly (readonly [CoreEvent, number])[] = [
  [lagAlarm('e1', 'a', 'ALARM', T0), T0 + 1000],
  [lagAlarm('e2', 'b', 'ALARM', T0 + 1000), T0 + 2000],
  [lagAlarm('e3', 'c', 'ALARM', T0 + 2000), T0 + 3000],
  [reconcile('r1'), T0 + 5 * MIN],
];

const notes = (d: { plan: readonly { type: string }[] }) => d.plan.filter((e): e is NotifyEffect => e.type === 'NOTIFY');

describe('lagging: a drain, not an isolation', () => {
  test('when one cluster lags alone, it is drained once the lag outlasts the settle time, with nothing cut', () => {
    // GIVEN three clusters in service
    const topo = topology(3);
    // WHEN a's head-block alarm fires, then its sustained alarm fires after the settle time
    const { state, decisions } = run(topo, [
      [lagAlarm('e1', 'a', 'ALARM', T0), T0 + 1000],
      [lagAlarm('e2', 'a', 'ALARM', T0 + LAG_SETTLE_MS, 'head-block-sustained'), T0 + LAG_SETTLE_MS + 1000],
    ]);
    // THEN the first event drains nothing and pages nobody
    expect(decisions[0].plan).toEqual([]);
    expect(state.clusters.a.status).toBe(ClusterStatus.ISOLATING);
    // and the second drains: a DNS change and a notification, no cut of any kind
    expect(types(decisions[1])).toEqual(['SET_DNS_WEIGHTS', 'NOTIFY']);
    expect(decisions[1].reason).toContain('a drain: DNS weight 0 and nothing cut');
    expect(state.clusters.a).toMatchObject({ servingPercent: 0, drained: true });
  });

  test('when a lone lag has outlasted the settle time, an alarm of another cluster drains it (lag is judged against every cluster)', () => {
    // GIVEN a lags alone, still settling
    const topo = topology(3);
    const settling = run(topo, [[lagAlarm('e1', 'a', 'ALARM', T0), T0 + 1000]]).state;
    // WHEN, after the settle time, an alarm of b arrives that changes nothing about b
    const d = decide(settling, alarm('s1', 'b', 'OK', T0 + LAG_SETTLE_MS + 1000, 'b-surge', 'surge'), topo, T0 + LAG_SETTLE_MS + 1000);
    // THEN a is drained now, not at the next reconcile
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'NOTIFY']);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0, drained: true });
  });

  test('when a drained cluster catches up and stays healthy for the quiet period, it comes back through the ramp by itself', () => {
    // GIVEN a drained as above
    const topo = topology(3);
    const { drained } = drainedWorld(topo);
    expect(drained.clusters.a.status).toBe(ClusterStatus.ISOLATED);
    // WHEN both lag alarms return to OK, and reconciles run through the quiet period and the ramp
    const ok = T0 + 3 * MIN;
    const quietOver = ok + 31 * MIN;
    const steps: [CoreEvent, number][] = [
      [lagAlarm('e3', 'a', 'OK', ok), ok + 1000],
      [lagAlarm('e4', 'a', 'OK', ok + 1, 'head-block-sustained'), ok + 2000],
      [reconcile('r1'), quietOver],
    ];
    const { state: restoring, decisions } = run(topo, steps, drained);
    // THEN the restore has nothing to undo: the first stage's weight goes live at once
    expect(decisions[2].outcome).toBe('RESTORE_STARTED');
    expect(types(decisions[2])).not.toContain('UNDO_ISOLATION');
    expect(restoring.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10 });
    expect(restoring.clusters.a.drained).toBeUndefined();
    // and the ramp completes on schedule
    const { state: done } = run(topo, [
      [jobResult('j2', 'a', 'r1'), quietOver + 1000],
      [reconcile('r2'), quietOver + 6 * MIN],
      [reconcile('r3'), quietOver + 12 * MIN],
      [reconcile('r4'), quietOver + 18 * MIN],
    ], restoring);
    expect(done.clusters.a).toMatchObject({ status: ClusterStatus.IN_SERVICE, servingPercent: 100 });
  });

  test('when a drained cluster is then attacked, it gets the cuts of an isolation', () => {
    // GIVEN a drained
    const topo = topology(3);
    const { drained, settled } = drainedWorld(topo);
    // WHEN a DDoS alarm fires on it
    const d = decide(drained, alarm('e3', 'a', 'ALARM', settled + 2000), topo, settled + 3000);
    // THEN the internet and the block-producer path are cut
    expect(types(d)).toEqual(expect.arrayContaining(['CUT_INTERNET', 'CUT_BP_PATH']));
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0 });
    expect(d.next.clusters.a.drained).toBeUndefined();
  });

  test('when a drained cluster is attacked while its restore job hangs and the rate limit holds it back, a second reconcile changes nothing, the version included', () => {
    // GIVEN a drained and then restoring at 10 % (a DNS-only restore job, r1, never answered); b isolated for an
    // attack, so two isolations spend the rate window; a's DDoS alarm fires while r1 runs, and a reconcile
    // after r1 is stuck refuses to abort it [RATE_LIMIT]
    const topo = topology(3);
    const { drained, settled } = drainedWorld(topo);
    const { state: refused, decisions } = run(topo, [
      [alarm('b1', 'b', 'ALARM', settled + 2000), settled + 2000],
      [jobResult('j2', 'b', 'b1'), settled + 3000],
      [lagAlarm('e3', 'a', 'OK', settled + MIN), settled + MIN],
      [lagAlarm('e4', 'a', 'OK', settled + MIN, 'head-block-sustained'), settled + MIN],
      [reconcile('r1'), settled + 40 * MIN],
      [alarm('x1', 'a', 'ALARM', settled + 41 * MIN), settled + 41 * MIN],
      [reconcile('r2'), settled + 51 * MIN],
    ], drained);
    expect(decisions.at(-1)!.reason).toContain('[RATE_LIMIT]');
    expect(refused.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 10, job: { id: 'r1', kind: 'RESTORE' } });
    // WHEN the next reconcile re-checks the same refusal (the job is taken off for the check and put back)
    const d = decide(refused, reconcile('r3'), topo, settled + 52 * MIN);
    // THEN a is written back as it was: same object, same version, so no write races another decision
    expect(d.next.clusters.a).toBe(refused.clusters.a);
    expect(d.next).toBe(refused);
  });

  test('when more than half of the serving clusters lag together, nothing is drained and on-call is paged', () => {
    // GIVEN three clusters in service
    const topo = topology(3);
    // WHEN all three report lag within seconds (the chain halted), then their sustained alarms fire
    const { state, decisions } = run(topo, [
      [lagAlarm('e1', 'a', 'ALARM', T0), T0 + 1000],
      [lagAlarm('e2', 'b', 'ALARM', T0 + 4000), T0 + 5000],
      [lagAlarm('e3', 'c', 'ALARM', T0 + 9000), T0 + 10_000],
      [lagAlarm('e4', 'a', 'ALARM', T0 + LAG_SETTLE_MS, 'head-block-sustained'), T0 + LAG_SETTLE_MS + 1000],
      [lagAlarm('e5', 'b', 'ALARM', T0 + LAG_SETTLE_MS + 4000, 'head-block-sustained'), T0 + LAG_SETTLE_MS + 5000],
      [reconcile('r1'), T0 + 5 * MIN],
    ]);
    // THEN every cluster still serves at full weight
    for (const id of ['a', 'b', 'c']) expect(state.clusters[id]).toMatchObject({ status: ClusterStatus.IN_SERVICE, servingPercent: 100 });
    expect(decisions.flatMap(types)).not.toContain('SET_DNS_WEIGHTS');
    // and on-call heard of the chain-wide lag, CRITICAL, once per cluster's activation and never again
    const pages = decisions.flatMap(notes).filter((n) => n.message.includes('lag behind the chain together'));
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.every((p) => p.severity === 'CRITICAL')).toBe(true);
    expect(notes(decisions[5])).toEqual([]);
  });

  test('when a second reconcile comes at the same moment, seeing the same chain-wide lag again changes nothing, the version included', () => {
    // GIVEN the chain-wide lag seen (and refused) by a reconcile at T0 + 5 min
    const topo = topology(3);
    const { state } = run(topo, chainWideLagSeen);
    expect(state.global.chainWideLagSeenAt).toBe(T0 + 5 * MIN);
    // WHEN another reconcile runs at the same moment (EventBridge delivers at least once)
    const d = decide(state, reconcile('r2'), topo, T0 + 5 * MIN);
    // THEN the global item is the same object with the same version: nothing was written
    expect(d.next.global).toBe(state.global);
  });

  test('when the chain resumes and one cluster catches up last, that cluster is not drained as a lone laggard', () => {
    // GIVEN a chain-wide lag that the core has seen (and refused to drain for)
    const topo = topology(3);
    const { state } = run(topo, [
      ...chainWideLagSeen,
      // WHEN a and b catch up, and c is 30 s behind them
      [lagAlarm('e4', 'a', 'OK', T0 + 6 * MIN), T0 + 6 * MIN + 1000],
      [lagAlarm('e5', 'b', 'OK', T0 + 6 * MIN + 2000), T0 + 6 * MIN + 3000],
      [lagAlarm('e6', 'c', 'OK', T0 + 6 * MIN + 30_000), T0 + 6 * MIN + 31_000],
      [reconcile('r2'), T0 + 10 * MIN],
    ]);
    // THEN nobody was drained
    for (const id of ['a', 'b', 'c']) expect(state.clusters[id]).toMatchObject({ status: ClusterStatus.IN_SERVICE, servingPercent: 100 });
  });

  test('when a cluster was cut for an attack, its lag neither restarts the quiet period nor lets its weight back before it caught up', () => {
    // GIVEN a isolated (cut) for a DDoS that ended at T0 + 1 min
    const topo = topology(3);
    const { state: isolated } = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0 + 1000],
      [jobResult('j1', 'a', 'e1'), T0 + 2000],
      [alarm('e2', 'a', 'OK', T0 + MIN), T0 + MIN + 1000],
    ]);
    // WHEN its nodes, cut off, lag (the cut causes it) and the quiet period runs out
    const restoreAt = T0 + 41 * MIN;
    const { state: restoring, decisions } = run(topo, [
      [lagAlarm('e3', 'a', 'ALARM', T0 + 2 * MIN), T0 + 2 * MIN + 1000],
      [reconcile('r1'), restoreAt],
      [jobResult('j2', 'a', 'r1'), restoreAt + 1000],
    ], isolated);
    // THEN the restore starts on time (the lag did not restart the quiet period)
    expect(decisions[1].outcome).toBe('RESTORE_STARTED');
    // and after the undo its weight stays 0 while the lag alarm is not OK
    expect(restoring.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
    const stillBehind = decide(restoring, reconcile('r2'), topo, restoreAt + 10 * MIN);
    expect(stillBehind.next.clusters.a.servingPercent).toBe(0);
    // and the catch-up is not a `lagging` trigger: no drain, no ramp abort
    expect(types(stillBehind)).not.toContain('SET_DNS_WEIGHTS');
    // WHEN the nodes catch up
    const caughtUp = decide(restoring, lagAlarm('e4', 'a', 'OK', restoreAt + 3 * MIN), topo, restoreAt + 3 * MIN + 1000);
    // THEN the first ramp stage's weight goes live
    expect(caughtUp.next.clusters.a.servingPercent).toBe(10);
    expect(types(caughtUp)).toContain('SET_DNS_WEIGHTS');
  });

  test('when the lag telemetry is missing (INSUFFICIENT_DATA), the cluster is neither drained nor taken for caught up', () => {
    // GIVEN a cut cluster whose lag alarm has no data (its agent is silent), and whose quiet period ran out
    const topo = topology(3);
    const { state: restoring } = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0 + 1000],
      [jobResult('j1', 'a', 'e1'), T0 + 2000],
      [alarm('e2', 'a', 'OK', T0 + MIN), T0 + MIN + 1000],
      [lagAlarm('e3', 'a', 'INSUFFICIENT_DATA', T0 + 2 * MIN), T0 + 2 * MIN + 1000],
      [reconcile('r1'), T0 + 41 * MIN],
      // WHEN its cuts are undone
      [jobResult('j2', 'a', 'r1'), T0 + 41 * MIN + 1000],
      [reconcile('r2'), T0 + 50 * MIN],
    ]);
    // THEN its weight stays 0: unknown is not good news
    expect(restoring.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
    // and on a cluster in service, missing lag data drains nothing
    const inService = decide(initialWorldState(topo), lagAlarm('e4', 'b', 'INSUFFICIENT_DATA', T0), topo, T0 + 10 * MIN);
    expect(inService.plan).toEqual([]);
    expect(inService.next.clusters.b.status).toBe(ClusterStatus.IN_SERVICE);
  });
});

describe('lagging: properties', () => {
  /**
   * The oracle, written apart from the code: the clusters that serve peers are the aws clusters IN_SERVICE or
   * drained; a cluster lags when any of its lagging alarms' latest event is ALARM.
   */
  function laggingShare(state: WorldState): { lagging: number; serving: number } {
    let serving = 0;
    let lagging = 0;
    for (const c of Object.values(state.clusters)) {
      if (c.status !== ClusterStatus.IN_SERVICE && c.drained !== true) continue;
      serving += 1;
      const laggingNow = c.drained === true || Object.values(c.signals).some((s) => s.kind === 'lagging' && s.state === 'ALARM' && s.acknowledgedAt === undefined);
      if (laggingNow) lagging += 1;
    }
    return { lagging, serving };
  }

  test('when lag alarms arrive in any order and timing, a drain never starts while more than half of the serving clusters lag, and nothing is ever cut for lag', () => {
    const clusterIds = ['a', 'b', 'c', 'd', 'e'];
    const step = fc.record({
      cluster: fc.constantFrom(...clusterIds),
      qualifier: fc.constantFrom('head-block', 'head-block-sustained', 'peers'),
      state: fc.constantFrom<AlarmEvent['state']>('ALARM', 'OK', 'INSUFFICIENT_DATA'),
      gapMs: fc.integer({ min: 0, max: 3 * MIN }),
      reconcile: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        // GIVEN five clusters in service
        const topo = topology(5, { minHealthyClusters: 1, maxIsolationsPerWindow: 10 });
        let state = initialWorldState(topo);
        let now = T0;
        let n = 0;
        for (const s of steps) {
          now += s.gapMs;
          n += 1;
          const event: CoreEvent = s.reconcile ? reconcile(`r${n}`) : lagAlarm(`e${n}`, s.cluster, s.state, now, s.qualifier);
          // WHEN
          const before = state;
          const d = decide(state, event, topo, now + 500);
          state = d.next;
          // THEN nothing is ever cut because of lag
          expect(d.plan.map((e) => e.type)).not.toEqual(expect.arrayContaining(['CUT_INTERNET']));
          expect(d.plan.map((e) => e.type)).not.toEqual(expect.arrayContaining(['CUT_BP_PATH']));
          // and a drain starts only while at most half of the serving clusters lag
          for (const id of clusterIds) {
            const drainedNow = state.clusters[id].drained === true && before.clusters[id].drained !== true;
            if (!drainedNow) continue;
            // (judged on the state after the decision: it holds the event's signal, and drained clusters count
            // as serving and lagging, exactly as when the drain was decided)
            const share = laggingShare(state);
            expect(share.lagging * 2).toBeLessThanOrEqual(share.serving);
          }
        }
      }),
      { numRuns: Number(process.env.SEEDSHIELD_PROPERTY_RUNS ?? 200) },
    );
  });
});
