/**
 * What an isolation does besides cutting, planned by the core: nothing replaces the nodes while the cluster is
 * cut (SUSPEND_SCALING, undone by the restore's UNDO_ISOLATION), a compromise preserves evidence
 * (PRESERVE_EVIDENCE per finding), and a reconcile that finds the cut open on an ACL a deploy replaced cuts
 * again and pages.
 */
import { decide } from '../../../lambdas/core/decide';
import { mergeIsolation } from '../../../lambdas/core/isolation-record';
import { EVIDENCE_RETENTION_DAYS, LAG_SETTLE_MS, stateVersions } from '../../../lambdas/core/policy';
import { ClusterStatus, type AddedNaclEntry, type CoreEvent, type ObservedCuts, type ReconcileEvent, type SuspendedProcess, type WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, external, jobResult, lagAlarm, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

const SUSPENDED: SuspendedProcess[] = ['HealthCheck', 'Launch', 'ReplaceUnhealthy'].map((process) => ({ autoScalingGroupName: 'asg-a', process }));

/** Entries of a cut of both kinds on the public and private ACLs (a few, as a real record would list them). */
function entries(acls: readonly string[]): AddedNaclEntry[] {
  return acls.flatMap((networkAclId) => [
    { networkAclId, ruleNumber: 100, egress: false, cidrBlock: '10.0.0.0/16', ruleAction: 'allow' as const },
    { networkAclId, ruleNumber: 900, egress: false, cidrBlock: '0.0.0.0/0', ruleAction: 'deny' as const },
    { networkAclId, ruleNumber: 200, egress: false, cidrBlock: '192.0.2.0/24', ruleAction: 'deny' as const },
  ]);
}

/** Cluster a isolated by `trigger` whose job succeeded with a record of cuts on acl-pub/acl-priv and the suspension. */
function isolatedBy(trigger: CoreEvent, topo = topology(3)): WorldState {
  return run(topo, [
    [trigger, T0],
    [jobResult('j1', 'a', trigger.id, 'SUCCEEDED', { isolation: { addedNaclEntries: entries(['acl-pub', 'acl-priv']), suspendedProcesses: SUSPENDED } }), T0 + 1000],
  ]).state;
}

function reconcileSeeing(state: WorldState, id: string, cuts: ObservedCuts[]): ReconcileEvent {
  return { ...reconcile(id), observed: { stateVersions: stateVersions(state), cuts } };
}

describe('nothing replaces the nodes while isolated', () => {
  test.each([
    { condition: 'a ddos alarm isolates an aws cluster', topo: topology(3), steps: [[alarm('e1', 'a', 'ALARM', T0), T0]] as Steps, suspends: true },
    { condition: 'the policy cuts only the BP path', topo: topology(3, { cutInternet: false }), steps: [[alarm('e1', 'a', 'ALARM', T0), T0]] as Steps, suspends: true },
    { condition: 'a compromise isolates an aws cluster', topo: topology(3), steps: [[compromise('e1', 'a', T0), T0]] as Steps, suspends: true },
    { condition: 'the policy cuts nothing but a compromise isolates', topo: topology(3, { cutInternet: false, cutBlockProducerPath: false }), steps: [[compromise('e1', 'a', T0), T0]] as Steps, suspends: true },
    { condition: 'the policy cuts nothing and a ddos alarm isolates', topo: topology(3, { cutInternet: false, cutBlockProducerPath: false }), steps: [[alarm('e1', 'a', 'ALARM', T0), T0]] as Steps, suspends: false },
    { condition: 'an external cluster is isolated (DNS only)', topo: topology(2, {}, [external('x')]), steps: [[alarm('e1', 'x', 'ALARM', T0, 'x-unhealthy', 'unhealthy'), T0]] as Steps, suspends: false },
    { condition: 'an operator isolates an aws cluster', topo: topology(3), steps: [[operator('e1', 'isolate', { clusterId: 'a' }), T0]] as Steps, suspends: true },
  ])('when $condition, it plans SUSPEND_SCALING: $suspends', ({ topo, steps, suspends }) => {
    // GIVEN / WHEN
    const { decisions, state } = run(topo, steps);
    const d = decisions[decisions.length - 1];
    // THEN
    const suspension = d.plan.filter((e) => e.type === 'SUSPEND_SCALING');
    expect(suspension).toHaveLength(suspends ? 1 : 0);
    if (suspends) {
      // Written out, not read from policy.ts: the smallest set that stops replacement ("How suspended processes
      // affect other processes", EC2 Auto Scaling User Guide); Terminate stays, the others cannot launch.
      expect(suspension[0]).toEqual({ id: expect.stringMatching(/^e1:\d+$/), type: 'SUSPEND_SCALING', clusterId: 'a', processes: ['Launch', 'ReplaceUnhealthy', 'HealthCheck'] });
      // recorded with the job before anything runs, so a crash cannot lose it
      expect(state.clusters.a.job?.effects).toContainEqual(suspension[0]);
    }
  });

  test('when a lagging cluster is drained (nothing cut, not attacked), it suspends nothing', () => {
    // GIVEN three clusters in service; WHEN a lags alone past the settle time
    const topo = topology(3);
    const { decisions, state } = run(topo, [
      [lagAlarm('e1', 'a', 'ALARM', T0), T0 + 1000],
      [lagAlarm('e2', 'a', 'ALARM', T0 + LAG_SETTLE_MS, 'head-block-sustained'), T0 + LAG_SETTLE_MS + 1000],
    ]);
    // THEN it is drained (weight 0), with no suspension planned
    expect(state.clusters.a).toMatchObject({ drained: true, servingPercent: 0 });
    expect(types(decisions[1])).toContain('SET_DNS_WEIGHTS');
    expect(decisions.flatMap((d) => types(d))).not.toContain('SUSPEND_SCALING');
  });

  test('when a compromise is held back by the floor, the BP-only job still suspends the group and preserves evidence', () => {
    // GIVEN one cluster may leave DNS, and b is out already
    const topo = topology(2, { minHealthyClusters: 1 });
    const s = run(topo, [[alarm('b1', 'b', 'ALARM', T0), T0]]).state;
    // WHEN a is compromised
    const d = decide(s, compromise('g1', 'a', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.outcome).toBe('BP_PATH_CUT');
    expect(d.next.clusters.a.job?.effects.map((e) => e.type)).toEqual(['CUT_BP_PATH', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE']);
  });

  test('when the isolation job succeeds, the record keeps the suspended processes, and the restore undoes them with the cuts', () => {
    // GIVEN a isolated by an alarm, with the suspension in its record
    const topo = topology(3);
    const s = isolatedBy(alarm('e1', 'a', 'ALARM', T0), topo);
    expect(s.clusters.a.isolation?.suspendedProcesses).toEqual(SUSPENDED);
    // WHEN the alarm clears, the quiet period passes, and the restore job succeeds
    const { state, decisions } = run(
      topo,
      [
        [alarm('e2', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
        [reconcile('r1'), T0 + 40 * MIN],
        [jobResult('j2', 'a', 'r1'), T0 + 41 * MIN],
      ],
      s,
    );
    // THEN the restore's one job effect is UNDO_ISOLATION (which resumes what the record lists), and the record is gone after
    expect(decisions[1].outcome).toBe('RESTORE_STARTED');
    expect(types(decisions[1])).toContain('UNDO_ISOLATION');
    expect(types(decisions[1])).not.toContain('SUSPEND_SCALING');
    expect(state.clusters.a.isolation).toBeUndefined();
  });

  test('when a failed isolation job is re-planned, the suspension keeps its effect id', () => {
    // GIVEN
    const topo = topology(3);
    const first = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'e1', 'FAILED', { error: 'Throttling', isolation: { suspendedProcesses: SUSPENDED } }), T0 + 1000],
    ]);
    // WHEN
    const d = decide(first.state, reconcile('r1'), topo, T0 + MIN);
    // THEN
    const original = first.decisions[0].plan.find((e) => e.type === 'SUSPEND_SCALING');
    expect(d.plan).toContainEqual(original);
    expect(d.next.clusters.a.isolation?.suspendedProcesses).toEqual(SUSPENDED);
  });

  test('when records merge, suspended processes are unioned without duplicates', () => {
    // GIVEN / WHEN
    const merged = mergeIsolation({ suspendedProcesses: SUSPENDED.slice(0, 2) }, { suspendedProcesses: SUSPENDED.slice(1) });
    // THEN
    expect(merged?.suspendedProcesses).toEqual(SUSPENDED);
  });
});

describe('a compromise preserves evidence', () => {
  test.each([
    { condition: 'one compromise finding', steps: [[compromise('e1', 'a', T0, 'f1'), T0]] as Steps, findings: ['f1'] },
    {
      condition: 'a compromise on a cluster a ddos alarm is isolating',
      steps: [
        [alarm('e0', 'a', 'ALARM', T0), T0],
        [compromise('e1', 'a', T0 + 1000, 'f9'), T0 + 1000],
      ] as Steps,
      findings: ['f9'],
    },
    { condition: 'a ddos alarm only', steps: [[alarm('e1', 'a', 'ALARM', T0), T0]] as Steps, findings: [] },
  ])('when $condition, it plans PRESERVE_EVIDENCE for $findings', ({ steps, findings }) => {
    // GIVEN / WHEN
    const { decisions } = run(topology(3), steps);
    const d = decisions[decisions.length - 1];
    // THEN
    const evidence = d.plan.filter((e) => e.type === 'PRESERVE_EVIDENCE');
    expect(evidence).toEqual(findings.map((findingId) => ({ id: expect.any(String), type: 'PRESERVE_EVIDENCE', clusterId: 'a', findingId, retainDays: EVIDENCE_RETENTION_DAYS })));
  });
});

describe('a deploy that replaced an ACL during an isolation', () => {
  test.each([
    {
      condition: 'the stack publishes a new public ACL and the internet cut is open on it',
      seen: { clusterId: 'a', internetCut: false, blockProducerPathCut: false, networkAclIds: ['acl-pub-2', 'acl-priv'] },
      recut: ['CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING'],
    },
    {
      condition: 'the recorded ACLs are current but entries were removed by hand',
      seen: { clusterId: 'a', internetCut: false, blockProducerPathCut: true, networkAclIds: ['acl-pub', 'acl-priv'] },
      recut: undefined,
    },
    {
      condition: 'the ACL ids were not read',
      seen: { clusterId: 'a', internetCut: false, blockProducerPathCut: false },
      recut: undefined,
    },
    {
      condition: 'the new ACL already carries the cut',
      seen: { clusterId: 'a', internetCut: true, blockProducerPathCut: true, networkAclIds: ['acl-pub-2', 'acl-priv'] },
      recut: [],
    },
  ])('when $condition, it re-cuts with $recut', ({ seen, recut }) => {
    // GIVEN a isolated by an alarm, its record naming acl-pub and acl-priv
    const topo = topology(3);
    const s = isolatedBy(alarm('e1', 'a', 'ALARM', T0), topo);
    // WHEN a reconcile observes the cluster
    const d = decide(s, reconcileSeeing(s, 'r1', [seen]), topo, T0 + 5 * MIN);
    // THEN
    if (recut === undefined) {
      expect(d.outcome).toBe('ISOLATION_DIVERGED');
      expect(types(d)).toEqual(['NOTIFY']);
      expect(d.next.clusters.a.status).toBe(ClusterStatus.ISOLATED);
    } else if (recut.length === 0) {
      expect(d.plan).toEqual([]);
    } else {
      expect(d.outcome).toBe('ISOLATION_DIVERGED');
      expect(types(d)).toEqual([...recut, 'NOTIFY']);
      expect(d.plan.find((e) => e.type === 'NOTIFY')).toMatchObject({ severity: 'CRITICAL', subject: 'seedshield ISOLATION_DIVERGED: a' });
      expect(d.reason).toContain('open again on network ACL acl-pub-2');
      expect(d.reason).toContain('a deploy replaced it');
      // no DNS change (the weight is 0 already) and no rate-limit entry (not a new isolation)
      expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0, job: { kind: 'ISOLATE' } });
      expect(d.next.clusters.a.job?.effects.map((e) => e.type)).toEqual(recut);
      expect(d.next.global.recentIsolations).toEqual(s.global.recentIsolations);
    }
  });

  test('when the re-cut job succeeds, the record holds both ACLs and a later reconcile that sees the cut in force does nothing', () => {
    // GIVEN
    const topo = topology(3);
    const s = isolatedBy(alarm('e1', 'a', 'ALARM', T0), topo);
    const seen = { clusterId: 'a', internetCut: false, blockProducerPathCut: false, networkAclIds: ['acl-pub-2', 'acl-priv'] };
    const recut = decide(s, reconcileSeeing(s, 'r1', [seen]), topo, T0 + 5 * MIN);
    // WHEN the re-cut job succeeds, then the next reconcile sees the new ACL cut
    const done = decide(recut.next, jobResult('j2', 'a', 'r1', 'SUCCEEDED', { isolation: { addedNaclEntries: entries(['acl-pub-2']), suspendedProcesses: SUSPENDED } }), topo, T0 + 5 * MIN + 1000);
    const later = decide(done.next, reconcileSeeing(done.next, 'r2', [{ ...seen, internetCut: true, blockProducerPathCut: true }]), topo, T0 + 10 * MIN);
    // THEN the restore will remove the entries of both ACLs (the gone one's are skipped as missing) and resume once
    expect(done.next.clusters.a.status).toBe(ClusterStatus.ISOLATED);
    expect(new Set(done.next.clusters.a.isolation?.addedNaclEntries?.map((e) => e.networkAclId))).toEqual(new Set(['acl-pub', 'acl-priv', 'acl-pub-2']));
    expect(done.next.clusters.a.isolation?.suspendedProcesses).toEqual(SUSPENDED);
    expect(later.plan).toEqual([]);
  });

  test('when a compromised cluster is re-cut, the BP path comes first and its evidence is looked after again', () => {
    // GIVEN
    const topo = topology(3);
    const s = isolatedBy(compromise('e1', 'a', T0), topo);
    // WHEN
    const d = decide(s, reconcileSeeing(s, 'r1', [{ clusterId: 'a', internetCut: false, blockProducerPathCut: false, networkAclIds: ['acl-pub', 'acl-priv-2'] }]), topo, T0 + 5 * MIN);
    // THEN
    expect(types(d)).toEqual(['CUT_BP_PATH', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
  });

  test('when automation is paused, the replaced ACL only pages', () => {
    // GIVEN
    const topo = topology(3);
    const isolated = isolatedBy(alarm('e1', 'a', 'ALARM', T0), topo);
    const s = decide(isolated, operator('p1', 'pause'), topo, T0 + 2 * MIN).next;
    // WHEN
    const d = decide(s, reconcileSeeing(s, 'r1', [{ clusterId: 'a', internetCut: false, blockProducerPathCut: false, networkAclIds: ['acl-pub-2', 'acl-priv'] }]), topo, T0 + 5 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_DIVERGED');
    expect(types(d)).toEqual(['NOTIFY']);
    expect(d.next.clusters.a.status).toBe(ClusterStatus.ISOLATED);
  });
});
