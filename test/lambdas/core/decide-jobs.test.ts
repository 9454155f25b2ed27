/**
 * Jobs in the decision core: what a job's result does, how a restore under fire is abandoned, how a job is
 * re-planned, and how `finalize` orders the plan and records each job with the exact effects of the plan.
 * Also the structural equality the core uses to tell a changed state item from an unchanged one.
 */
import { decide, deepEqual } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { stateVersions } from '../../../lambdas/core/policy';
import { ClusterStatus, OperatorPin, type CoreEvent, type Decision, type IsolationRecord, type NotifyEffect } from '../../../lambdas/core/types';
import type { RuntimeTopology } from '../../../lib/config/topology';
import { alarm, compromise, external, isolatedWorld, jobResult, lagAlarm, MIN, operator, reconcile, run, T0, topology, types } from './fixtures';

describe('structural equality of state items', () => {
  // Rule: a state item whose content is unchanged keeps its version (no write); undefined-valued keys are
  // absent in DynamoDB, so they count as absent here too.
  test.each<{ what: string; a: unknown; b: unknown; equal: boolean }>([
    { what: 'the same number', a: 1, b: 1, equal: true },
    { what: 'two different numbers', a: 1, b: 2, equal: false },
    { what: 'the same string', a: 'x', b: 'x', equal: true },
    { what: 'a number and an empty object', a: 1, b: {}, equal: false },
    { what: 'an empty object and a number', a: {}, b: 1, equal: false },
    { what: 'an empty object and null', a: {}, b: null, equal: false },
    { what: 'null and an empty object', a: null, b: {}, equal: false },
    { what: 'an empty array and an empty object', a: [], b: {}, equal: false },
    { what: 'an empty object and an empty array', a: {}, b: [], equal: false },
    { what: 'an array and an object with the same indexes', a: [1], b: { 0: 1 }, equal: false },
    { what: 'two equal arrays', a: [1, 2], b: [1, 2], equal: true },
    { what: 'arrays in another order', a: [1, 2], b: [2, 1], equal: false },
    { what: 'a shorter array', a: [1], b: [1, 2], equal: false },
    { what: 'equal nested objects', a: { a: { b: [1, { c: 'x' }] } }, b: { a: { b: [1, { c: 'x' }] } }, equal: true },
    { what: 'nested objects differing deep down', a: { a: { b: [1, { c: 'x' }] } }, b: { a: { b: [1, { c: 'y' }] } }, equal: false },
    { what: 'an object with an extra key', a: { a: 1 }, b: { a: 1, b: 2 }, equal: false },
    { what: 'an object missing a key', a: { a: 1, b: 2 }, b: { a: 1 }, equal: false },
    { what: 'objects with the same values under other keys', a: { a: 1 }, b: { b: 1 }, equal: false },
    { what: 'objects that differ in their second key only', a: { a: 1, b: 2 }, b: { a: 1, b: 3 }, equal: false },
    { what: 'an undefined-valued key and no key', a: { a: 1, b: undefined }, b: { a: 1 }, equal: true },
    { what: 'no key and an undefined-valued key', a: { a: 1 }, b: { a: 1, b: undefined }, equal: true },
    { what: 'an undefined-valued key and a defined one', a: { a: 1, b: undefined }, b: { a: 1, b: 2 }, equal: false },
    { what: 'a defined key and an undefined-valued one', a: { a: 1, b: 2 }, b: { a: 1, b: undefined }, equal: false },
  ])('when comparing $what, it answers $equal', ({ a, b, equal }) => {
    // GIVEN / WHEN / THEN
    expect(deepEqual(a, b)).toBe(equal);
  });
});

type Steps = readonly (readonly [CoreEvent, number])[];

const notify = (d: Decision) => d.plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');

describe('a trigger during a restore job: no undo under fire', () => {
  const topo = topology(3);
  const START = T0 + 40 * MIN;
  /** a isolated by its ddos alarm, quiet period over, undo job r1 started at START (its cuts not yet undone). */
  const restoring = (t = topo) => run(t, [[alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN], [reconcile('r1'), START]], isolatedWorld(t)).state;
  const again = (at: number) => alarm('e2', 'a', 'ALARM', at);
  const cutAgain = ['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY'];

  // Rule: a job that failed, or has not finished in 10 minutes (JOB_RETRY_AFTER_MS, timed from its last
  // attempt), or faces a compromise is abandoned and the cluster cut again; a job running normally is waited for.
  test.each<{ condition: string; steps: Steps; plan: string[]; why?: string; severity?: string }>([
    {
      condition: 'the undo failed and the trigger fires again',
      steps: [[jobResult('u1', 'a', 'r1', 'FAILED', { error: 'AccessDenied' }), START + MIN], [again(START + 2 * MIN), START + 2 * MIN]],
      plan: cutAgain,
      why: 'its undo failed (AccessDenied)',
      severity: 'WARNING',
    },
    {
      condition: 'the undo has run for exactly 10 minutes when the trigger fires',
      steps: [[again(START + 10 * MIN), START + 10 * MIN]],
      plan: cutAgain,
      why: 'it has not finished in 10 minutes',
      severity: 'WARNING',
    },
    {
      condition: 'the undo has run for just under 10 minutes when the trigger fires',
      steps: [[again(START + 10 * MIN - 1), START + 10 * MIN - 1]],
      plan: [],
    },
    {
      condition: 'the re-planned undo has run for 7 minutes since its new attempt (12 since it started)',
      steps: [
        [jobResult('u1', 'a', 'r1', 'FAILED', { error: 'Throttling' }), START + MIN],
        [reconcile('r2'), START + 5 * MIN],
        [again(START + 12 * MIN), START + 12 * MIN],
      ],
      plan: [],
    },
    {
      condition: 'the re-planned undo has run for 10 minutes since its new attempt',
      steps: [
        [jobResult('u1', 'a', 'r1', 'FAILED', { error: 'Throttling' }), START + MIN],
        [reconcile('r2'), START + 5 * MIN],
        [again(START + 15 * MIN), START + 15 * MIN],
      ],
      plan: cutAgain,
      why: 'it has not finished in 10 minutes',
      severity: 'WARNING',
    },
  ])('when $condition, it plans $plan', ({ steps, plan, why, severity }) => {
    // GIVEN / WHEN
    const { state, decisions } = run(topo, steps, restoring());
    const d = decisions[decisions.length - 1];
    // THEN
    expect(types(d)).toEqual(plan);
    if (why === undefined) {
      expect(state.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, job: { id: 'r1', kind: 'RESTORE' } });
      return;
    }
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(d.reason).toBe(
      `Abandoned the restore job r1 of cluster a (${why}) because alarm a-ddos (ddos) is in ALARM: back to isolation, re-cutting whatever the partial undo re-opened (DNS weight 0, internet cut, block-producer VPN path cut).`,
    );
    expect(notify(d)).toMatchObject({ severity, subject: 'seedshield RAMP_ABORTED: a' });
    expect(state.clusters.a).toMatchObject({ status: ClusterStatus.ISOLATING, servingPercent: 0, job: { id: 'e2', kind: 'ISOLATE' } });
  });

  test('when a compromise hits a cluster whose undo is running, it does not wait: the BP path is cut first and on-call is paged CRITICAL', () => {
    // GIVEN
    const s = restoring();
    // WHEN
    const d = decide(s, compromise('g1', 'a', START + MIN), topo, START + MIN);
    // THEN
    expect(types(d)).toEqual(['CUT_BP_PATH', 'SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY']);
    expect(d.reason).toBe(
      'Abandoned the restore job r1 of cluster a (a compromise does not wait for it) because GuardDuty finding f1 reports a compromise: back to isolation, re-cutting whatever the partial undo re-opened (block-producer VPN path cut first, DNS weight 0, internet cut); automation never restores a compromised cluster, only an operator restore does.',
    );
    expect(notify(d)?.severity).toBe('CRITICAL');
  });

  test.each([
    // Rule: the BP path goes first only for a compromise, and only when the policy cuts it at all.
    { condition: 'the policy does not cut the BP path and a compromise hits', policy: { cutBlockProducerPath: false }, event: compromise('g1', 'a', START + MIN), plan: ['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE', 'NOTIFY'] },
    { condition: 'the policy cuts only the BP path and an alarm fires', policy: { cutInternet: false }, event: again(START + 10 * MIN), plan: ['SET_DNS_WEIGHTS', 'CUT_BP_PATH', 'SUSPEND_SCALING', 'NOTIFY'] },
  ])('when $condition, the re-cut plans $plan', ({ policy, event, plan }) => {
    // GIVEN
    const t = topology(3, policy);
    const s = restoring(t);
    // WHEN
    const d = decide(s, event, t, event.type === 'FINDING' ? event.at : event.stateTimestamp);
    // THEN
    expect(d.outcome).toBe('RAMP_ABORTED');
    expect(types(d)).toEqual(plan);
    expect(d.next.clusters.a.job?.effects.map((e) => e.type)).toEqual(plan.slice(0, -1));
  });

  test('when a cluster pinned in service has a failed undo and a non-compromise trigger fires, the pin holds: the job is kept and nothing is cut', () => {
    // GIVEN: pinned FORCED_IN_SERVICE during its restore, then the undo failed
    const s = run(topo, [
      [operator('p1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE }), START + MIN],
      [jobResult('u1', 'a', 'r1', 'FAILED', { error: 'AccessDenied' }), START + 2 * MIN],
    ], restoring()).state;
    // WHEN
    const d = decide(s, again(START + 3 * MIN), topo, START + 3 * MIN);
    // THEN
    expect(types(d)).toEqual([]);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, job: { id: 'r1', kind: 'RESTORE', lastError: 'AccessDenied' } });
  });
});

describe('a compromise on a cluster whose isolation job is in flight', () => {
  test('when the job does not cut the BP path first, it is re-planned with the BP cut first and pages CRITICAL with the levers in that order', () => {
    // GIVEN: a's alarm isolation job failed on DNS before any cut
    const topo = topology(3);
    const s = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0], [jobResult('f1', 'a', 'e1', 'FAILED', { error: 'Throttling' }), T0]]).state;
    // WHEN
    const d = decide(s, compromise('g1', 'a', T0 + MIN), topo, T0 + MIN);
    // THEN
    expect(d.reason).toBe(
      'Re-planned the isolation of cluster a (job e1, failing: Throttling) with its block-producer path cut first because alarm a-ddos (ddos) is in ALARM and GuardDuty finding f1 reports a compromise: block-producer VPN path cut first, DNS weight 0, internet cut; automation never restores a compromised cluster, only an operator restore does.',
    );
    expect(notify(d)).toMatchObject({ severity: 'CRITICAL', subject: 'seedshield ISOLATION_STARTED: a' });
  });

  test.each([
    // Rule: the re-plan exists to put the BP cut first; a job that already does so, or a cluster without a BP
    // path to cut, keeps its job.
    { condition: 'the job of an earlier compromise already cuts the BP path first', topo: topology(3), id: 'a', first: compromise('g1', 'a', T0) },
    { condition: 'the cluster is external (no BP path to cut)', topo: topology(2, {}, [external('x')]), id: 'x', first: alarm('e1', 'x', 'ALARM', T0) },
  ])('when $condition, a new compromise keeps the job and cuts nothing more', ({ topo, id, first }) => {
    // GIVEN
    const s = run(topo, [[first, T0]]).state;
    const job = s.clusters[id].job;
    // WHEN
    const d = decide(s, compromise('g2', id, T0 + MIN, 'f2'), topo, T0 + MIN);
    // THEN
    expect(types(d)).toEqual([]);
    expect(d.next.clusters[id].job).toEqual(job);
  });
});

describe('what a job result does', () => {
  const two = topology(2, { minHealthyClusters: 2, verifyReachability: true });
  const SITE_DENY = { networkAclId: 'acl-priv', ruleNumber: 200, egress: true, cidrBlock: '198.51.100.0/24', ruleAction: 'deny' as const };

  test('when the BP-only cut of a held-back compromise fails, the page is the failure alone (the held-back rest is not re-checked by a result)', () => {
    // GIVEN
    const s = run(two, [[compromise('g1', 'a', T0), T0]]).state;
    // WHEN
    const d = decide(s, jobResult('j1', 'a', 'g1', 'FAILED', { error: 'AccessDenied' }), two, T0 + 1000);
    // THEN
    expect(d.outcome).toBe('JOB_FAILED');
    expect(d.reason).toBe('The ISOLATE job g1 of cluster a failed (AccessDenied); the job stays recorded and the next reconcile re-plans it.');
  });

  test('when the BP-only cut succeeds, the cluster keeps serving peers and Reachability Analyzer checks the node-to-site paths are blocked', () => {
    // GIVEN
    const s = run(two, [[compromise('g1', 'a', T0), T0]]).state;
    // WHEN
    const d = decide(s, jobResult('j1', 'a', 'g1', 'SUCCEEDED', { isolation: { addedNaclEntries: [SITE_DENY] } }), two, T0 + 1000);
    // THEN
    expect(d.outcome).toBe('NO_CHANGE');
    // (the held-back rest is re-checked silently: it says why it still waits, but pages nobody)
    expect(d.reason).toBe(
      'The block-producer path of cluster a is cut; it still serves peers at 100 % until the guards allow the rest of its isolation ' +
        '(also: Refused to isolate cluster a (GuardDuty finding f1 reports a compromise): isolating a would leave 1 cluster in DNS, below minHealthyClusters 2 [MIN_HEALTHY]).',
    );
    expect(d.plan).toEqual([{ type: 'VERIFY_REACHABILITY', id: 'j1:0', clusterId: 'a', expect: 'BLOCKED', paths: ['NODE_TO_SITES'] }]);
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.BP_PATH_CUT, servingPercent: 100, reachability: { expect: 'BLOCKED', status: 'PENDING' } });
  });

  test('when an isolation job succeeds, on-call is told INFO', () => {
    // GIVEN
    const topo = topology(3);
    const s = run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state;
    // WHEN
    const d = decide(s, jobResult('j1', 'a', 'e1'), topo, T0 + 1000);
    // THEN
    expect(notify(d)).toMatchObject({ severity: 'INFO', subject: 'seedshield ISOLATION_COMPLETED: a', message: 'Cluster a is isolated; its isolation record lists what was cut so a restore undoes exactly that.' });
  });

  test('when a job result arrives while another alarm of the cluster has long been without data, the result does not page it: the reconcile does', () => {
    // GIVEN: a's unhealthy alarm has had no data since T0; its ddos alarm isolates it 20 minutes later
    const topo = topology(3);
    const s = run(topo, [[alarm('u1', 'a', 'INSUFFICIENT_DATA', T0, 'a-unhealthy', 'unhealthy'), T0], [alarm('e1', 'a', 'ALARM', T0 + 20 * MIN), T0 + 20 * MIN]]).state;
    // WHEN
    const d = decide(s, jobResult('j1', 'a', 'e1'), topo, T0 + 21 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_COMPLETED');
    expect(types(d)).toEqual(['NOTIFY']);
    expect(d.next.clusters.a.signals['a-unhealthy'].unknownPagedAt).toBeUndefined();
  });
});

describe('what a finished restore says', () => {
  const topo = topology(3);
  const INGRESS = { groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' };
  const DENY = { networkAclId: 'acl-pub', ruleNumber: 900, egress: false, cidrBlock: '0.0.0.0/0', ruleAction: 'deny' as const };
  const PROPAGATION = { routeTableId: 'rtb-1', gatewayId: 'vgw-1' };

  /** An operator isolation of a whose job recorded `record`, then an operator restore (undo job o2 running). */
  const restoringWith = (record: IsolationRecord) =>
    run(topo, [
      [operator('o1', 'isolate', { clusterId: 'a' }), T0],
      [jobResult('j1', 'a', 'o1', 'SUCCEEDED', { isolation: record }), T0],
      [operator('o2', 'restore', { clusterId: 'a' }), T0 + 20 * MIN],
    ]).state;

  // Rule: "undid its cuts" only when the record held a cut of any kind (ingress rule, ACL entry, route propagation).
  test.each([
    { what: 'an ingress rule and a route propagation', record: { revokedIngress: [INGRESS], disabledPropagation: [PROPAGATION] }, wording: 'undid its cuts' },
    { what: 'an ingress rule and an ACL entry', record: { revokedIngress: [INGRESS], addedNaclEntries: [DENY] }, wording: 'undid its cuts' },
    { what: 'a route propagation alone', record: { disabledPropagation: [PROPAGATION] }, wording: 'undid its cuts' },
    { what: 'nothing', record: {}, wording: 'finished (nothing was cut)' },
  ])('when the record held $what, the restore job $wording', ({ record, wording }) => {
    // GIVEN
    const s = restoringWith(record);
    // WHEN
    const d = decide(s, jobResult('r1', 'a', 'o2'), topo, T0 + 21 * MIN);
    // THEN
    expect(d.reason).toBe(`The restore job o2 of cluster a ${wording}; its DNS share is now 10 % and the ramp continues.`);
  });

  test('when a failing isolation that recorded nothing is abandoned and its restore finishes, it says nothing was cut', () => {
    // GIVEN: the isolation job failed without a record; restore --force abandoned it
    const s = run(topo, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [jobResult('f1', 'a', 'e1', 'FAILED', { error: 'AccessDenied' }), T0],
      [operator('o2', 'restore', { clusterId: 'a', force: true }), T0 + 20 * MIN],
    ]).state;
    expect(s.clusters.a.isolation).toBeUndefined();
    // WHEN
    const d = decide(s, jobResult('r1', 'a', 'o2'), topo, T0 + 21 * MIN);
    // THEN
    expect(d.reason).toBe('The restore job o2 of cluster a finished (nothing was cut); its DNS share is now 10 % and the ramp continues.');
  });

  test('when the cuts are undone but the nodes still lag, the DNS share stays 0 % and the reason says why', () => {
    // GIVEN: a restoring by its quiet period (undo job r1), its lag alarm fired meanwhile (its cut makes it lag)
    const s = run(topo, [
      [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN],
      [reconcile('r1'), T0 + 40 * MIN],
      [alarm('l1', 'a', 'ALARM', T0 + 40 * MIN, 'a-lag', 'lagging'), T0 + 40 * MIN],
    ], isolatedWorld(topo)).state;
    // WHEN
    const d = decide(s, jobResult('u1', 'a', 'r1'), topo, T0 + 41 * MIN);
    // THEN
    expect(d.reason).toBe('The restore job r1 of cluster a undid its cuts; its DNS share stays 0 % until its nodes catch up with the chain (lag alarm not OK).');
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, servingPercent: 0 });
  });
});

describe('a re-planned job keeps the ids of its effects', () => {
  // Rule: the reconcile re-plans a failed job with the very effects (same ids, so the actuators' client tokens
  // make a repeat a no-op), in the plan order of a new job: a compromise's BP cut first, undo before weights,
  // the weight change (reused while it still carries the current weights), then the cuts and the rest.
  const topo = topology(3);
  const two = topology(2, { minHealthyClusters: 2 });
  const withExternal = topology(2, {}, [external('x')]);
  const ids = (d: Decision) => d.plan.map((e) => `${e.type} ${e.id}`);

  test.each<{ condition: string; topo: RuntimeTopology; steps: Steps; plan: string[] }>([
    {
      condition: 'a compromise\'s isolation failed',
      topo,
      steps: [[compromise('g1', 'a', T0), T0], [jobResult('f1', 'a', 'g1', 'FAILED', { error: 'Throttling' }), T0]],
      plan: ['CUT_BP_PATH g1:0', 'SET_DNS_WEIGHTS g1:1', 'CUT_INTERNET g1:2', 'SUSPEND_SCALING g1:3', 'PRESERVE_EVIDENCE g1:4', 'NOTIFY r9:5'],
    },
    {
      condition: 'the BP-only cut of a held-back compromise failed',
      topo: two,
      steps: [[compromise('g1', 'a', T0), T0], [jobResult('f1', 'a', 'g1', 'FAILED', { error: 'Throttling' }), T0]],
      plan: ['CUT_BP_PATH g1:0', 'SUSPEND_SCALING g1:1', 'PRESERVE_EVIDENCE g1:2', 'NOTIFY r9:3'],
    },
    {
      condition: 'the undo of a restore failed',
      topo,
      steps: [
        [alarm('a1', 'a', 'ALARM', T0), T0],
        [jobResult('j1', 'a', 'a1'), T0],
        [operator('o1', 'restore', { clusterId: 'a' }), T0 + MIN],
        [jobResult('f1', 'a', 'o1', 'FAILED', { error: 'AccessDenied' }), T0 + MIN],
      ],
      plan: ['UNDO_ISOLATION o1:0', 'NOTIFY r9:1'],
    },
    {
      condition: 'the DNS change of an external cluster\'s isolation failed',
      topo: withExternal,
      steps: [[alarm('x1', 'x', 'ALARM', T0), T0], [jobResult('f1', 'x', 'x1', 'FAILED', { error: 'Throttling' }), T0]],
      plan: ['SET_DNS_WEIGHTS x1:0', 'NOTIFY r9:1'],
    },
  ])('when $condition, the reconcile plans $plan', ({ topo: t, steps, plan }) => {
    // GIVEN
    const s = run(t, steps).state;
    const failed = Object.values(s.clusters).find((c) => c.job?.lastError !== undefined)!;
    // WHEN
    const d = decide(s, reconcile('r9'), t, T0 + 2 * MIN);
    // THEN
    expect(d.outcome).toBe('JOB_RETRIED');
    expect(ids(d)).toEqual(plan);
    const job = d.next.clusters[failed.clusterId].job!;
    expect(job).toMatchObject({ id: failed.job!.id, attempts: 2, lastAttemptAt: T0 + 2 * MIN });
    expect(job.lastError).toBeUndefined();
    expect(job.effects).toEqual(failed.job!.effects);
  });
});

describe('what finalize plans and records', () => {
  test('when a state would put every DNS weight at 0, a decision that sets weights throws DecisionInvariantError with the cause; one that sets none goes on', () => {
    // GIVEN: a isolated while b served; the topology then lost b, so every weight of the state read is 0
    const s = isolatedWorld(topology(2));
    const alone = topology(1);
    const repair: CoreEvent = { ...reconcile('r1'), observed: { stateVersions: stateVersions(s), servedWeights: { a: 100 } } };
    // WHEN / THEN
    expect(() => decide(s, repair, alone, T0 + MIN)).toThrow(
      expect.objectContaining({ name: 'DecisionInvariantError', message: expect.stringMatching(/^the decision would produce a forbidden DNS state: /), cause: expect.objectContaining({ name: 'WeightInvariantError' }) }),
    );
    expect(decide(s, alarm('e2', 'a', 'OK', T0 + MIN), alone, T0 + MIN).outcome).toBe('SIGNAL_RECORDED');
  });

  test('when an external cluster is compromised, its isolation is the DNS change alone (no scaling group to suspend, no instance to preserve)', () => {
    // GIVEN
    const topo = topology(2, {}, [external('x')]);
    // WHEN
    const d = decide(initialWorldState(topo), compromise('g1', 'x', T0), topo, T0);
    // THEN
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'NOTIFY']);
    expect(d.next.clusters.x.job?.effects).toEqual([d.plan[0]]);
  });

  test('when an external cluster is restored, its restore job is the weight change of the plan', () => {
    // GIVEN
    const topo = topology(2, {}, [external('x')]);
    const s = run(topo, [[alarm('x1', 'x', 'ALARM', T0), T0], [jobResult('j1', 'x', 'x1'), T0]]).state;
    // WHEN
    const d = decide(s, operator('o1', 'restore', { clusterId: 'x' }), topo, T0 + MIN);
    // THEN
    expect(types(d)).toEqual(['SET_DNS_WEIGHTS', 'NOTIFY']);
    expect(d.next.clusters.x.job).toEqual({ id: 'o1', kind: 'RESTORE', effects: [d.plan[0]], startedAt: T0 + MIN });
  });
});

describe('the weight change of re-planned jobs', () => {
  // Rule: a re-planned job reuses its own weight change (same id) only when nothing else in the decision owns
  // the weights: no new job, no serving change, and one weight change that still carries the current weights.
  const topo = topology(3);
  const CUT = { addedNaclEntries: [{ networkAclId: 'acl-pub', ruleNumber: 900, egress: false, cidrBlock: '0.0.0.0/0', ruleAction: 'deny' as const }] };

  test('when two failed isolations are re-planned together, they share one new weight change with the current weights', () => {
    // GIVEN: b's and a's isolation jobs both failed (b's weight change predates a's isolation; a's is current)
    const s = run(topo, [
      [alarm('b1', 'b', 'ALARM', T0), T0],
      [jobResult('f1', 'b', 'b1', 'FAILED', { error: 'Throttling' }), T0],
      [alarm('a1', 'a', 'ALARM', T0 + MIN), T0 + MIN],
      [jobResult('f2', 'a', 'a1', 'FAILED', { error: 'Throttling' }), T0 + MIN],
    ]).state;
    // WHEN
    const d = decide(s, reconcile('r9'), topo, T0 + 2 * MIN);
    // THEN
    expect(d.plan[0]).toEqual({ type: 'SET_DNS_WEIGHTS', id: 'r9:0', weights: { a: 0, b: 0, c: 255 } });
    expect(d.next.clusters.a.job?.effects[0]).toBe(d.plan[0]);
    expect(d.next.clusters.b.job?.effects[0]).toBe(d.plan[0]);
  });

  test('when a failed isolation is re-planned in a decision that starts another job, the weight change is this decision\'s own', () => {
    // GIVEN: b isolated with its internet cut recorded; a's isolation job failed afterwards
    const s = run(topo, [
      [alarm('b1', 'b', 'ALARM', T0), T0],
      [jobResult('j1', 'b', 'b1', 'SUCCEEDED', { isolation: CUT }), T0],
      [alarm('a1', 'a', 'ALARM', T0 + MIN), T0 + MIN],
      [jobResult('f1', 'a', 'a1', 'FAILED', { error: 'Throttling' }), T0 + MIN],
    ]).state;
    const observed = { stateVersions: stateVersions(s), cuts: [{ clusterId: 'b', internetCut: false, blockProducerPathCut: true, networkAclIds: ['acl-pub-2'] }] };
    // WHEN the reconcile re-plans a's job and re-cuts b (a deploy replaced its ACL)
    const d = decide(s, { ...reconcile('r9'), observed }, topo, T0 + 2 * MIN);
    // THEN
    expect(d.plan[0]).toEqual({ type: 'SET_DNS_WEIGHTS', id: 'r9:0', weights: { a: 0, b: 0, c: 255 } });
    expect(d.next.clusters.a.job?.effects[0]).toBe(d.plan[0]);
    expect(d.next.clusters.b.job?.effects.map((e) => e.type)).toEqual(['CUT_INTERNET', 'SUSPEND_SCALING']);
  });

  test('when two failed isolations whose weight changes carry the same weights under different ids are re-planned together, they share one new weight change', () => {
    // GIVEN a and b cut at T0, restored at T0 + 41 min and catching up at 0 % (lag alarms in ALARM); then each is
    // isolated again in a decision of its own, so their jobs carry the same weights under ids x1:0 and x2:0; both fail
    const four = topology(3, { maxIsolationsPerWindow: 4 });
    const s = run(four, [
      [alarm('e1', 'a', 'ALARM', T0), T0],
      [alarm('e2', 'b', 'ALARM', T0), T0],
      [jobResult('j1', 'a', 'e1'), T0],
      [jobResult('j2', 'b', 'e2'), T0],
      [alarm('e3', 'a', 'OK', T0 + MIN), T0 + MIN],
      [alarm('e4', 'b', 'OK', T0 + MIN), T0 + MIN],
      [lagAlarm('l1', 'a', 'ALARM', T0 + 2 * MIN), T0 + 2 * MIN],
      [lagAlarm('l2', 'b', 'ALARM', T0 + 2 * MIN), T0 + 2 * MIN],
      [reconcile('r1'), T0 + 41 * MIN],
      [jobResult('u1', 'a', 'r1'), T0 + 42 * MIN],
      [jobResult('u2', 'b', 'r1'), T0 + 42 * MIN],
      [alarm('x1', 'a', 'ALARM', T0 + 43 * MIN), T0 + 43 * MIN],
      [alarm('x2', 'b', 'ALARM', T0 + 44 * MIN), T0 + 44 * MIN],
      [jobResult('f1', 'a', 'x1', 'FAILED', { error: 'Throttling' }), T0 + 44 * MIN],
      [jobResult('f2', 'b', 'x2', 'FAILED', { error: 'Throttling' }), T0 + 44 * MIN],
    ]).state;
    expect([s.clusters.a.job?.effects[0], s.clusters.b.job?.effects[0]]).toEqual([
      { type: 'SET_DNS_WEIGHTS', id: 'x1:0', weights: { a: 0, b: 0, c: 255 } },
      { type: 'SET_DNS_WEIGHTS', id: 'x2:0', weights: { a: 0, b: 0, c: 255 } },
    ]);
    // WHEN
    const d = decide(s, reconcile('r9'), four, T0 + 45 * MIN);
    // THEN the change gets this decision's id: keeping x1:0 would file b's change under a's job (the id is the
    // Route 53 change comment and the journal key)
    expect(d.plan[0]).toEqual({ type: 'SET_DNS_WEIGHTS', id: 'r9:0', weights: { a: 0, b: 0, c: 255 } });
    expect(d.next.clusters.a.job?.effects[0]).toBe(d.plan[0]);
    expect(d.next.clusters.b.job?.effects[0]).toBe(d.plan[0]);
  });
});
