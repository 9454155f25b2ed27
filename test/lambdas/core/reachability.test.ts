/**
 * Proof on AWS, in the core: which Reachability Analyzer check an isolation (and a restore) starts, and how a
 * reconcile's observation of the analyses is read. The analyses themselves are the actuator's (see
 * test/lambdas/actuators/reachability.test.ts).
 */
import { decide } from '../../../lambdas/core/decide';
import { REACHABILITY_MAX_ATTEMPTS, REACHABILITY_RESTART_AFTER_MS, stateVersions } from '../../../lambdas/core/policy';
import type { IsolationRecord, NotifyEffect, ObservedAnalysis, ReconcileEvent, VerifyReachabilityEffect, WorldState } from '../../../lambdas/core/types';
import type { RuntimeTopology } from '../../../lib/config/topology';
import { alarm, jobResult, MIN, operator, run, T0, topology } from './fixtures';

/** What the ACL cuts record: the internet deny on the public ACL, a site deny on the private one (and the allows below). */
const CUT: IsolationRecord = {
  addedNaclEntries: [
    { networkAclId: 'acl-pub', ruleNumber: 100, egress: false, cidrBlock: '10.0.0.0/16', ruleAction: 'allow' },
    { networkAclId: 'acl-pub', ruleNumber: 900, egress: false, cidrBlock: '0.0.0.0/0', ruleAction: 'deny' },
    { networkAclId: 'acl-priv', ruleNumber: 200, egress: true, cidrBlock: '198.51.100.0/24', ruleAction: 'deny' },
  ],
};

const ON = topology(3, { verifyReachability: true });

/** Cluster `a` isolated by alarm a1 at T0, its cut job succeeded at T0 + 1 s. */
function isolated(topo: RuntimeTopology = ON, record: IsolationRecord = CUT) {
  return run(topo, [
    [alarm('a1', 'a', 'ALARM', T0), T0],
    [jobResult('j1', 'a', 'a1', 'SUCCEEDED', { isolation: record }), T0 + 1000],
  ]);
}

/** A reconcile that observed `analyses` for cluster a's check `checkId`, read against `state`. */
function observed(id: string, state: WorldState, checkId: string, analyses: ObservedAnalysis[]): ReconcileEvent {
  return { type: 'RECONCILE', id, observedAlarms: [], observed: { stateVersions: stateVersions(state), reachability: [{ clusterId: 'a', checkId, analyses }] } };
}

const verify = (plan: readonly { type: string }[]) => plan.filter((e): e is VerifyReachabilityEffect => e.type === 'VERIFY_REACHABILITY');
const notify = (plan: readonly { type: string }[]) => plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');
const ok = (path: string, pathFound: boolean): ObservedAnalysis => ({ path, status: 'succeeded', pathFound });

describe('Reachability Analyzer proof: what the core starts', () => {
  test('when an isolation with ACL cuts completes and the policy turns it on, it starts one check of both paths, expecting them blocked', () => {
    // GIVEN / WHEN
    const { state, decisions } = isolated();

    // THEN
    const effects = verify(decisions[1].plan);
    expect(effects).toEqual([{ type: 'VERIFY_REACHABILITY', id: 'j1:0', clusterId: 'a', expect: 'BLOCKED', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'] }]);
    expect(state.clusters.a.reachability).toEqual({ id: 'j1:0', expect: 'BLOCKED', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'], startedAt: T0 + 1000, status: 'PENDING' });
    expect(decisions[1].reason).toContain('Reachability Analyzer now checks');
  });

  test('when the switch is off (or absent), it starts no check', () => {
    // GIVEN / WHEN
    const off = isolated(topology(3, { verifyReachability: false }));
    const absent = isolated(topology(3));

    // THEN
    expect(verify(off.decisions[1].plan)).toEqual([]);
    expect(off.state.clusters.a.reachability).toBeUndefined();
    expect(verify(absent.decisions[1].plan)).toEqual([]);
  });

  test('when only the internet was cut, it checks only the internet-to-node path', () => {
    // GIVEN / WHEN
    const { state } = isolated(ON, { addedNaclEntries: [CUT.addedNaclEntries![1]] });

    // THEN
    expect(state.clusters.a.reachability?.paths).toEqual(['INTERNET_TO_NODE']);
  });

  test('when a drain cut nothing, it starts no check', () => {
    // GIVEN / WHEN
    const { state, decisions } = isolated(ON, {});

    // THEN
    expect(verify(decisions[1].plan)).toEqual([]);
    expect(state.clusters.a.reachability).toBeUndefined();
  });
});

describe('Reachability Analyzer proof: how a reconcile reads the analyses of an isolation', () => {
  const cases: { name: string; analyses: ObservedAnalysis[]; status: string; outcome: string; severity?: NotifyEffect['severity'] }[] = [
    { name: 'no path anywhere', analyses: [ok('internet-to-node', false), ok('node-to-site:198.51.100.0/24', false)], status: 'VERIFIED', outcome: 'REACHABILITY_VERIFIED', severity: 'INFO' },
    { name: 'a path from the internet', analyses: [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', false)], status: 'UNVERIFIED', outcome: 'REACHABILITY_UNVERIFIED', severity: 'CRITICAL' },
    { name: 'a path to a site', analyses: [ok('internet-to-node', false), ok('node-to-site:198.51.100.0/24', true)], status: 'UNVERIFIED', outcome: 'REACHABILITY_UNVERIFIED', severity: 'CRITICAL' },
    { name: 'an analysis still running', analyses: [ok('internet-to-node', false), { path: 'node-to-site:198.51.100.0/24', status: 'running' }], status: 'PENDING', outcome: 'NO_CHANGE' },
    {
      name: 'a failed analysis',
      analyses: [ok('internet-to-node', false), { path: 'node-to-site:198.51.100.0/24', status: 'failed', message: 'InternalError' }],
      status: 'UNKNOWN',
      outcome: 'REACHABILITY_UNKNOWN',
      severity: 'WARNING',
    },
    {
      name: 'a succeeded analysis without NetworkPathFound',
      analyses: [ok('internet-to-node', false), { path: 'node-to-site:198.51.100.0/24', status: 'succeeded' }],
      status: 'UNKNOWN',
      outcome: 'REACHABILITY_UNKNOWN',
      severity: 'WARNING',
    },
  ];

  test.each(cases)('when the analyses show $name, the check is $status ($outcome)', ({ analyses, status, outcome, severity }) => {
    // GIVEN
    const { state } = isolated();

    // WHEN
    const d = decide(state, observed('r1', state, 'j1:0', analyses), ON, T0 + 5 * MIN);

    // THEN
    expect(d.next.clusters.a.reachability?.status).toBe(status);
    expect(d.outcome).toBe(outcome);
    expect(notify(d.plan)?.severity).toBe(severity);
    if (status === 'PENDING') expect(d.next).toBe(state);
  });

  test('when a path is found while isolated, the page names the path and the way back', () => {
    // GIVEN
    const { state } = isolated();

    // WHEN
    const d = decide(state, observed('r1', state, 'j1:0', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', false)]), ON, T0 + 5 * MIN);

    // THEN
    const page = notify(d.plan)!;
    expect(page.message).toContain('found a path on internet-to-node while cluster a is recorded as cut');
    expect(page.message).toContain('seedshield isolate a');
    expect(d.next.clusters.a.reachability).toMatchObject({ status: 'UNVERIFIED', detail: 'path found: internet-to-node', decidedAt: T0 + 5 * MIN });
  });

  test('when the same observation arrives again, it acts once', () => {
    // GIVEN
    const { state } = isolated();
    const event = observed('r1', state, 'j1:0', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', false)]);
    const first = decide(state, event, ON, T0 + 5 * MIN);

    // WHEN
    const again = decide(first.next, { ...event, id: 'r2' }, ON, T0 + 10 * MIN);

    // THEN
    expect(notify(again.plan)).toBeUndefined();
    expect(again.next.clusters.a).toBe(first.next.clusters.a);
  });

  test('when the observation was read against an older state, or names another check, it is ignored', () => {
    // GIVEN
    const { state } = isolated();
    const stale: ReconcileEvent = observed('r1', state, 'j1:0', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', true)]);
    const versions = stale.observed!.stateVersions;
    const older = { ...stale, observed: { ...stale.observed!, stateVersions: { ...versions, global: versions.global - 1 } } };

    // WHEN
    const d1 = decide(state, older, ON, T0 + 5 * MIN);
    const d2 = decide(state, observed('r2', state, 'old:0', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', true)]), ON, T0 + 5 * MIN);

    // THEN
    expect(d1.next.clusters.a.reachability?.status).toBe('PENDING');
    expect(d2.next.clusters.a.reachability?.status).toBe('PENDING');
  });

  test('when no analysis of a path appears for a while, it starts the same check again, then gives it up as unknown', () => {
    // GIVEN
    let { state } = isolated();
    const at = (n: number) => T0 + 1000 + n * REACHABILITY_RESTART_AFTER_MS;

    // WHEN: too early for a restart
    const early = decide(state, observed('r0', state, 'j1:0', [ok('internet-to-node', false)]), ON, at(0) + MIN);
    expect(early.next).toBe(state);

    // WHEN: late enough, attempts 2 .. max
    for (let n = 2; n <= REACHABILITY_MAX_ATTEMPTS; n++) {
      const d = decide(state, observed(`r${n}`, state, 'j1:0', [ok('internet-to-node', false)]), ON, at(n - 1));
      // THEN: the same effect id, so the actuator's client tokens make it a no-op where it did start
      expect(verify(d.plan)).toEqual([{ type: 'VERIFY_REACHABILITY', id: 'j1:0', clusterId: 'a', expect: 'BLOCKED', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'] }]);
      expect(d.next.clusters.a.reachability).toMatchObject({ status: 'PENDING', attempts: n, lastAttemptAt: at(n - 1) });
      state = d.next;
    }
    const last = decide(state, observed('rx', state, 'j1:0', [ok('internet-to-node', false)]), ON, at(REACHABILITY_MAX_ATTEMPTS));

    // THEN
    expect(verify(last.plan)).toEqual([]);
    expect(last.next.clusters.a.reachability?.status).toBe('UNKNOWN');
    expect(notify(last.plan)?.severity).toBe('WARNING');
    expect(last.outcome).toBe('REACHABILITY_UNKNOWN');
  });
});

describe('Reachability Analyzer proof: after a restore the same paths must be found again', () => {
  /** Cluster a isolated with CUT, then restored by an operator; the undo job succeeded. */
  function restored() {
    const { state } = isolated();
    return run(
      ON,
      [
        [operator('o1', 'restore', { clusterId: 'a' }), T0 + 60 * MIN],
        [jobResult('j2', 'a', 'o1'), T0 + 61 * MIN],
      ],
      state,
    );
  }

  test('when the undo succeeds, it starts a check of the paths the cuts had closed, expecting them open', () => {
    // GIVEN / WHEN
    const { state, decisions } = restored();

    // THEN
    expect(verify(decisions[1].plan)).toEqual([{ type: 'VERIFY_REACHABILITY', id: 'j2:1', clusterId: 'a', expect: 'OPEN', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'] }]);
    expect(state.clusters.a.reachability).toMatchObject({ id: 'j2:1', expect: 'OPEN', status: 'PENDING' });
  });

  test('when a path is not found after the restore, it pages CRITICAL and the restore is unverified', () => {
    // GIVEN
    const { state } = restored();

    // WHEN
    const d = decide(state, observed('r1', state, 'j2:1', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', false)]), ON, T0 + 65 * MIN);

    // THEN
    expect(d.next.clusters.a.reachability).toMatchObject({ status: 'UNVERIFIED', detail: 'no path: node-to-site:198.51.100.0/24' });
    expect(notify(d.plan)?.severity).toBe('CRITICAL');
    expect(notify(d.plan)?.message).toContain('found no path on node-to-site:198.51.100.0/24 after the restore of cluster a');
  });

  test('when every path is found again, the restore is verified', () => {
    // GIVEN
    const { state } = restored();

    // WHEN
    const d = decide(state, observed('r1', state, 'j2:1', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', true)]), ON, T0 + 65 * MIN);

    // THEN
    expect(d.next.clusters.a.reachability).toMatchObject({ status: 'VERIFIED', expect: 'OPEN' });
    expect(d.outcome).toBe('REACHABILITY_VERIFIED');
  });

  test('when an isolation check is read after the cuts were undone, it is not judged (the restore check replaces it)', () => {
    // GIVEN: a restore job in flight: the isolation record is still there, then gone
    const { state } = isolated();
    const restoring = decide(state, operator('o1', 'restore', { clusterId: 'a' }), ON, T0 + 60 * MIN).next;
    const undone: WorldState = { ...restoring, clusters: { ...restoring.clusters, a: { ...restoring.clusters.a, isolation: undefined } } };

    // WHEN
    const d = decide(undone, observed('r1', undone, 'j1:0', [ok('internet-to-node', true), ok('node-to-site:198.51.100.0/24', true)]), ON, T0 + 61 * MIN);

    // THEN
    expect(d.next.clusters.a.reachability?.status).toBe('PENDING');
    expect(notify(d.plan)).toBeUndefined();
  });
});
