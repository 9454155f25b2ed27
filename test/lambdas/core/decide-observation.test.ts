/**
 * What a reconcile's observation makes the core do: a recorded cut AWS shows open again on an ISOLATED cluster
 * pages (or is cut again when a deploy replaced the ACL), a served weight set that diverged from the recorded
 * state is set back, and the Reachability Analyzer analyses of a pending check are judged. An observation is
 * acted on once, and only when it was read against the very state the decision reads.
 */
import { decide } from '../../../lambdas/core/decide';
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
});
