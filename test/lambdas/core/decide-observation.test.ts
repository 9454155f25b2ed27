/**
 * What a reconcile's observation makes the core do: a recorded cut AWS shows open again on an ISOLATED cluster
 * pages (or is cut again when a deploy replaced the ACL), a served weight set that diverged from the recorded
 * state is set back, and the Reachability Analyzer analyses of a pending check are judged. An observation is
 * acted on once, and only when it was read against the very state the decision reads.
 */
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { stateVersions } from '../../../lambdas/core/policy';
import { ClusterStatus, type AddedNaclEntry, type CoreEvent, type Decision, type NotifyEffect, type ObservedCuts, type ReconcileEvent, type ReconcileObservation, type WorldState } from '../../../lambdas/core/types';
import type { RuntimeTopology } from '../../../lib/config/topology';
import { alarm, compromise, external, jobResult, MIN, reconcile, run, T0, topology, types } from './fixtures';

type Steps = readonly (readonly [CoreEvent, number])[];

/** The internet deny on the public ACL and a site deny on the private one, as an ACL cut records them. */
const CUT: AddedNaclEntry[] = [
  { networkAclId: 'acl-pub', ruleNumber: 900, egress: false, cidrBlock: '0.0.0.0/0', ruleAction: 'deny' },
  { networkAclId: 'acl-priv', ruleNumber: 200, egress: true, cidrBlock: '198.51.100.0/24', ruleAction: 'deny' },
];

/** Cluster `id` isolated by its ddos alarm at T0, the job recording the ACL cut. */
const isolatedSteps = (id = 'a', entries = CUT): Steps => [
  [alarm('a1', id, 'ALARM', T0), T0],
  [jobResult('j1', id, 'a1', 'SUCCEEDED', { isolation: { addedNaclEntries: entries } }), T0 + 1000],
];

/** A reconcile that observed `observed`, read against `state`. */
function reconcileSeeing(id: string, state: WorldState, observed: Omit<ReconcileObservation, 'stateVersions'>): ReconcileEvent {
  return { ...reconcile(id), observed: { stateVersions: stateVersions(state), ...observed } };
}

const open = (clusterId: string, networkAclIds?: string[]): ObservedCuts => ({
  clusterId,
  internetCut: false,
  blockProducerPathCut: false,
  ...(networkAclIds ? { networkAclIds } : {}),
});
const notify = (d: Decision) => d.plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');

describe('cuts AWS shows open again', () => {
  const topo = topology(3);

  // Rule: only an ISOLATED cluster's cuts are expected in force. While a job changes them (an isolation still
  // cutting, a restore undoing), open cuts are what the job is about, not a divergence: no page.
  test.each<{ condition: string; steps: Steps }>([
    {
      condition: 'a restore is undoing the cuts',
      steps: [...isolatedSteps(), [alarm('ok1', 'a', 'OK', T0 + 2 * MIN), T0 + 2 * MIN], [reconcile('r1'), T0 + 40 * MIN]],
    },
    {
      condition: 'an isolation job failed after its internet cut',
      steps: [[alarm('a1', 'a', 'ALARM', T0), T0], [jobResult('j1', 'a', 'a1', 'FAILED', { error: 'AccessDenied', isolation: { addedNaclEntries: CUT } }), T0 + 1000]],
    },
  ])('when $condition, a reconcile seeing them open pages nothing', ({ steps }) => {
    // GIVEN
    const s = run(topo, steps).state;
    expect(s.clusters.a.isolation?.addedNaclEntries).toEqual(CUT);
    // WHEN
    const d = decide(s, reconcileSeeing('r2', s, { cuts: [open('a', ['acl-pub', 'acl-priv'])] }), topo, s.clusters.a.job!.startedAt + MIN);
    // THEN
    expect(d.outcome).not.toBe('ISOLATION_DIVERGED');
    expect(d.plan.filter((e) => e.type === 'NOTIFY' && e.message.includes('open again'))).toEqual([]);
  });

  test('when an ISOLATED cluster\'s recorded cuts are open again on its own ACLs, it pages CRITICAL naming both and the way back', () => {
    // GIVEN
    const s = run(topo, isolatedSteps()).state;
    // WHEN
    const d = decide(s, reconcileSeeing('r1', s, { cuts: [open('a', ['acl-pub', 'acl-priv'])] }), topo, T0 + 5 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_DIVERGED');
    expect(d.reason).toBe(
      'Cluster a is recorded ISOLATED but its internet ingress and block-producer path are open again (seen by r1). Check who changed it; restore with "seedshield restore a" or re-isolate with "seedshield isolate a".',
    );
    expect(notify(d)).toMatchObject({ severity: 'CRITICAL', subject: 'seedshield ISOLATION_DIVERGED: a' });
  });

  test('when an external cluster\'s record names ACL entries, a reconcile never compares its cuts (DNS is its only lever)', () => {
    // GIVEN
    const topo2 = topology(2, {}, [external('x')]);
    const s = run(topo2, isolatedSteps('x')).state;
    expect(s.clusters.x.status).toBe(ClusterStatus.ISOLATED);
    // WHEN
    const d = decide(s, reconcileSeeing('r1', s, { cuts: [open('x', ['acl-pub-2'])] }), topo2, T0 + 5 * MIN);
    // THEN
    expect(d.plan).toEqual([]);
    expect(d.next).toBe(s);
  });

  test('when a compromise hits a cluster whose re-cut cuts nothing (the policy no longer makes the cut a deploy re-opened), the isolation is re-planned with the BP path cut first', () => {
    // GIVEN: a isolated with both cuts; the policy then stops cutting the internet, and a deploy replaced the
    // public ACL: the re-cut job has nothing to cut
    const before = run(topo, isolatedSteps()).state;
    const noInternet: RuntimeTopology = topology(3, { cutInternet: false });
    const recut = decide(before, reconcileSeeing('r1', before, { cuts: [{ ...open('a', ['acl-pub-2', 'acl-priv']), blockProducerPathCut: true }] }), noInternet, T0 + 5 * MIN);
    expect(recut.next.clusters.a.job).toMatchObject({ kind: 'ISOLATE', effects: [] });
    // WHEN
    const d = decide(recut.next, compromise('g1', 'a', T0 + 6 * MIN), noInternet, T0 + 6 * MIN);
    // THEN
    expect(d.outcome).toBe('ISOLATION_STARTED');
    expect(types(d)[0]).toBe('CUT_BP_PATH');
    expect(d.next.clusters.a.job).toMatchObject({ id: 'g1', kind: 'ISOLATE', effects: [{ type: 'CUT_BP_PATH' }, { type: 'SET_DNS_WEIGHTS' }, { type: 'SUSPEND_SCALING' }, { type: 'PRESERVE_EVIDENCE' }] });
  });

  test('when a re-cut job that cuts nothing has not reported for 10 minutes, the reconcile re-plans it with nothing to carry out', () => {
    // GIVEN: as above, the policy no longer cuts the internet and the re-cut job has no effect
    const before = run(topo, isolatedSteps()).state;
    const noInternet: RuntimeTopology = topology(3, { cutInternet: false });
    const recut = decide(before, reconcileSeeing('r1', before, { cuts: [{ ...open('a', ['acl-pub-2', 'acl-priv']), blockProducerPathCut: true }] }), noInternet, T0 + 5 * MIN);
    // WHEN
    const d = decide(recut.next, reconcile('r2'), noInternet, T0 + 15 * MIN);
    // THEN
    expect(d.outcome).toBe('JOB_RETRIED');
    expect(types(d)).toEqual(['NOTIFY']);
    expect(d.next.clusters.a.job).toMatchObject({ id: 'r1', effects: [], attempts: 2 });
  });
});

describe('a deploy that replaced an ACL during an isolation: what is cut again', () => {
  const topo = topology(3);
  const seenOn = (acls: string[], internetCut: boolean, blockProducerPathCut: boolean): ObservedCuts => ({ clusterId: 'a', internetCut, blockProducerPathCut, networkAclIds: acls });

  // Rule: only the cuts AWS shows open are made again, in the order an isolation makes them (a compromise's
  // BP path first), and the page names every replaced ACL in a stable (sorted) order.
  test.each([
    {
      condition: 'the internet cut is open on a replaced ACL (the BP path is still cut)',
      first: alarm('a1', 'a', 'ALARM', T0),
      seen: seenOn(['acl-pub-2', 'acl-priv'], false, true),
      job: ['CUT_INTERNET', 'SUSPEND_SCALING'],
      reason: 'Cluster a is recorded ISOLATED but its internet ingress is open again on network ACL acl-pub-2 (seen by r1), which the cluster stack publishes now and the isolation never cut: a deploy replaced it. Cutting it again: internet cut (its DNS weight stays 0).',
    },
    {
      condition: 'both cuts are open on two replaced ACLs',
      first: alarm('a1', 'a', 'ALARM', T0),
      seen: seenOn(['acl-pub-2', 'acl-priv-2'], false, false),
      job: ['CUT_INTERNET', 'CUT_BP_PATH', 'SUSPEND_SCALING'],
      reason: 'Cluster a is recorded ISOLATED but its internet ingress and block-producer path are open again on network ACL acl-priv-2, acl-pub-2 (seen by r1), which the cluster stack publishes now and the isolation never cut: a deploy replaced it. Cutting it again: internet cut, block-producer VPN path cut (its DNS weight stays 0).',
    },
    {
      condition: 'the internet cut of a compromised cluster is open on a replaced ACL (the BP path is still cut)',
      first: compromise('a1', 'a', T0),
      seen: seenOn(['acl-pub-2', 'acl-priv'], false, true),
      job: ['CUT_INTERNET', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE'],
      reason: 'Cluster a is recorded ISOLATED but its internet ingress is open again on network ACL acl-pub-2 (seen by r1), which the cluster stack publishes now and the isolation never cut: a deploy replaced it. Cutting it again: internet cut (its DNS weight stays 0).',
    },
  ])('when $condition, the re-cut job is $job', ({ first, seen, job, reason }) => {
    // GIVEN
    const s = run(topo, [[first, T0], [jobResult('j1', 'a', 'a1', 'SUCCEEDED', { isolation: { addedNaclEntries: CUT } }), T0 + 1000]]).state;
    // WHEN
    const d = decide(s, reconcileSeeing('r1', s, { cuts: [seen] }), topo, T0 + 5 * MIN);
    // THEN
    expect(d.reason).toBe(reason);
    expect(types(d)).toEqual([...job, 'NOTIFY']);
    expect(d.next.clusters.a.job?.effects.map((e) => e.type)).toEqual(job);
  });

  // Rule: a compromise's BP-path cut is the plan's first effect even when another cluster's DNS change is in
  // the same decision; any other cut follows the weight change.
  test.each([
    {
      condition: 'a compromised cluster\'s cuts are both open',
      first: compromise('a1', 'a', T0),
      seen: seenOn(['acl-pub-2', 'acl-priv-2'], false, false),
      plan: ['CUT_BP_PATH a', 'SET_DNS_WEIGHTS', 'CUT_INTERNET a', 'CUT_INTERNET b', 'CUT_BP_PATH b', 'SUSPEND_SCALING a', 'PRESERVE_EVIDENCE a', 'SUSPEND_SCALING b', 'NOTIFY'],
    },
    {
      condition: 'only the BP path of a cluster isolated for an alarm is open',
      first: alarm('a1', 'a', 'ALARM', T0),
      seen: seenOn(['acl-pub', 'acl-priv-2'], true, false),
      plan: ['SET_DNS_WEIGHTS', 'CUT_BP_PATH a', 'CUT_INTERNET b', 'CUT_BP_PATH b', 'SUSPEND_SCALING a', 'SUSPEND_SCALING b', 'NOTIFY'],
    },
  ])('when $condition and the same reconcile isolates b, the plan is $plan', ({ first, seen, plan }) => {
    // GIVEN
    const s = run(topo, [[first, T0], [jobResult('j1', 'a', 'a1', 'SUCCEEDED', { isolation: { addedNaclEntries: CUT } }), T0 + 1000]]).state;
    const bUnderAttack = { clusterId: 'b', alarmName: 'b-ddos', kind: 'ddos' as const, state: 'ALARM' as const, stateTimestamp: T0 + 4 * MIN };
    // WHEN
    const d = decide(s, { ...reconcileSeeing('r1', s, { cuts: [seen] }), observedAlarms: [bUnderAttack] }, topo, T0 + 5 * MIN);
    // THEN
    expect(d.plan.map((e) => ('clusterId' in e ? `${e.type} ${e.clusterId}` : e.type))).toEqual(plan);
  });
});

describe('DNS weights Route 53 serves that diverged from the recorded state', () => {
  const topo = topology(3);

  test('when no job is in flight, they are set back in one change, without a page', () => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, reconcileSeeing('r1', s, { servedWeights: { a: 100, b: 50, c: 100 } }), topo, T0);
    // THEN
    expect(d.outcome).toBe('DNS_REPAIRED');
    expect(d.reason).toBe('Set the DNS weights back to the recorded state: Route 53 served b at 50 instead of 100.');
    expect(d.plan).toEqual([{ type: 'SET_DNS_WEIGHTS', id: 'r1:0', weights: { a: 100, b: 100, c: 100 } }]);
  });

  test('when a job is in flight, they are left to it (the job owns the weights until its result is in)', () => {
    // GIVEN: a's isolation job has not reported yet; Route 53 still serves the old weights
    const s = run(topo, [[alarm('a1', 'a', 'ALARM', T0), T0]]).state;
    // WHEN
    const d = decide(s, reconcileSeeing('r1', s, { servedWeights: { a: 100, b: 100, c: 100 } }), topo, T0 + MIN);
    // THEN
    expect(d.plan).toEqual([]);
  });
});

describe('Reachability Analyzer checks: what is started and how the analyses are read', () => {
  const ON = topology(3, { verifyReachability: true });
  const SITE = 'node-to-site:198.51.100.0/24';
  const ok = (path: string, pathFound: boolean) => ({ path, status: 'succeeded' as const, pathFound });
  /** a isolated with `entries` recorded; its check j1:0 pending. */
  const isolated = (entries = CUT) => run(ON, isolatedSteps('a', entries));

  test.each([
    {
      what: 'both cuts',
      entries: CUT,
      reason: 'Cluster a is isolated; its isolation record lists what was cut so a restore undoes exactly that; Reachability Analyzer now checks that the internet-to-node path (p2p port) and the node-to-site paths are blocked.',
    },
    {
      what: 'the site deny alone',
      entries: [CUT[1]],
      reason: 'Cluster a is isolated; its isolation record lists what was cut so a restore undoes exactly that; Reachability Analyzer now checks that the node-to-site paths are blocked.',
    },
  ])('when an isolation recorded $what, the completion names the paths checked', ({ entries, reason }) => {
    // GIVEN / WHEN
    const { decisions } = isolated(entries);
    // THEN
    expect(decisions[1].reason).toBe(reason);
  });

  test('when an external cluster\'s record names ACL entries, no check is started (only aws clusters are analysed)', () => {
    // GIVEN
    const topo = topology(2, { verifyReachability: true }, [external('x')]);
    // WHEN
    const { decisions, state } = run(topo, isolatedSteps('x'));
    // THEN
    expect(types(decisions[1])).toEqual(['NOTIFY']);
    expect(state.clusters.x.reachability).toBeUndefined();
  });

  test('when every analysis finds no path, the isolation is verified and the notification lists the paths', () => {
    // GIVEN
    const { state } = isolated();
    // WHEN
    const d = decide(state, reconcileSeeing('r1', state, { reachability: [{ clusterId: 'a', checkId: 'j1:0', analyses: [ok('internet-to-node', false), ok(SITE, false)] }] }), ON, T0 + 5 * MIN);
    // THEN
    expect(d.reason).toBe(`Reachability Analyzer confirms the isolation of cluster a: no path on internet-to-node, ${SITE} (configuration analysis, not live packets).`);
    expect(d.next.clusters.a.reachability).toMatchObject({ status: 'VERIFIED', detail: `no path: internet-to-node, ${SITE}` });
  });

  test('when a check is decided already, a later observation of it is not judged again', () => {
    // GIVEN: verified by r1
    const { state } = isolated();
    const verified = decide(state, reconcileSeeing('r1', state, { reachability: [{ clusterId: 'a', checkId: 'j1:0', analyses: [ok('internet-to-node', false), ok(SITE, false)] }] }), ON, T0 + 5 * MIN).next;
    // WHEN a current observation shows other analyses
    const d = decide(verified, reconcileSeeing('r2', verified, { reachability: [{ clusterId: 'a', checkId: 'j1:0', analyses: [ok('internet-to-node', true), ok(SITE, true)] }] }), ON, T0 + 10 * MIN);
    // THEN
    expect(d.plan).toEqual([]);
    expect(d.next.clusters.a.reachability?.status).toBe('VERIFIED');
  });

  test('when the observation names a cluster without a check, it is ignored', () => {
    // GIVEN
    const { state } = isolated();
    // WHEN
    const d = decide(state, reconcileSeeing('r1', state, { reachability: [{ clusterId: 'b', checkId: 'j1:0', analyses: [ok('internet-to-node', true)] }] }), ON, T0 + 5 * MIN);
    // THEN
    expect(d.plan).toEqual([]);
    expect(d.next).toBe(state);
  });

  // Rule: a check is started again only when an analysis is missing (not merely running) for 10 minutes.
  test.each([
    { condition: 'an analysis is still running 20 minutes after the start', analyses: [ok('internet-to-node', false), { path: SITE, status: 'running' as const }], restarted: false },
    { condition: 'an analysis is missing 20 minutes after the start', analyses: [ok('internet-to-node', false)], restarted: true },
  ])('when $condition, restarted is $restarted', ({ analyses, restarted }) => {
    // GIVEN
    const { state } = isolated();
    // WHEN
    const d = decide(state, reconcileSeeing('r1', state, { reachability: [{ clusterId: 'a', checkId: 'j1:0', analyses }] }), ON, T0 + 20 * MIN);
    // THEN
    if (!restarted) {
      expect(d.plan).toEqual([]);
      return;
    }
    expect(d.outcome).toBe('JOB_RETRIED');
    expect(d.reason).toBe(`Started the Reachability Analyzer check j1:0 of cluster a again (attempt 2 of 3): no analysis of ${SITE} has appeared.`);
    expect(types(d)).toEqual(['VERIFY_REACHABILITY']);
  });
});
