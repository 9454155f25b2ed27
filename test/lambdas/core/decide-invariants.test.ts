/**
 * The state invariants `decide()` checks before it decides anything: every topology cluster has a state item,
 * and a cluster's status, job and serving level are a combination some decision produces. A state read that
 * breaks them (a hand-edited item, a bug in an older version) is refused with DecisionInvariantError rather
 * than acted on: a decision taken on an impossible state could cut or restore the wrong cluster.
 */
import { decide } from '../../../lambdas/core/decide';
import { DecisionInvariantError } from '../../../lambdas/core/errors';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ActiveJob, ClusterStatus, WorldState } from '../../../lambdas/core/types';
import { operator, T0, topology } from './fixtures';

const topo = topology(3);
const job = (kind: ActiveJob['kind']): ActiveJob => ({ id: 'e0', kind, effects: [], startedAt: T0 });

/** The initial world with cluster a in the given status, serving level and job. */
function worldWithA(status: ClusterStatus, servingPercent: number, kind?: ActiveJob['kind']): WorldState {
  const w = initialWorldState(topo);
  const a = { ...w.clusters.a, status, servingPercent, ...(kind ? { job: job(kind) } : {}) };
  return { ...w, clusters: { ...w.clusters, a } };
}

// A pause touches no cluster: whatever happens is the invariant check alone.
const pause = operator('p1', 'pause');

describe('the status, job and serving level a decision accepts', () => {
  test.each<[string, ClusterStatus, number, ActiveJob['kind'] | undefined]>([
    ['being isolated: out of DNS, its ISOLATE job running', ClusterStatus.ISOLATING, 0, 'ISOLATE'],
    ['isolated: out of DNS, no job', ClusterStatus.ISOLATED, 0, undefined],
    ['restoring, its undo done and waiting for its nodes to catch up (weight 0)', ClusterStatus.RESTORING, 0, undefined],
    ['restoring along its ramp', ClusterStatus.RESTORING, 50, undefined],
    ['restoring, its RESTORE job (the undo) running', ClusterStatus.RESTORING, 0, 'RESTORE'],
    ['BP path cut and still serving peers, the cut done', ClusterStatus.BP_PATH_CUT, 50, undefined],
    ['BP path cut and still serving peers, the cut job running', ClusterStatus.BP_PATH_CUT, 100, 'ISOLATE'],
    ['in service, no job', ClusterStatus.IN_SERVICE, 100, undefined],
  ])('when a cluster is %s, it decides', (_what, status, serving, kind) => {
    // GIVEN
    const state = worldWithA(status, serving, kind);
    // WHEN
    const d = decide(state, pause, topo, T0);
    // THEN
    expect(d.outcome).toBe('AUTOMATION_PAUSED');
    expect(d.next.clusters.a).toEqual(state.clusters.a);
  });
});

describe('the status, job and serving level a decision refuses', () => {
  // Each row: the combination, and the message on-call reads (status, serving level and the job, with its article).
  test.each<[string, ClusterStatus, number, ActiveJob['kind'] | undefined, string]>([
    ['ISOLATING without a job (nothing carries the isolation out)', ClusterStatus.ISOLATING, 0, undefined, 'cluster a is ISOLATING at 0 % with no job'],
    ['ISOLATING with a RESTORE job', ClusterStatus.ISOLATING, 0, 'RESTORE', 'cluster a is ISOLATING at 0 % with a RESTORE job'],
    ['ISOLATING while still served', ClusterStatus.ISOLATING, 50, 'ISOLATE', 'cluster a is ISOLATING at 50 % with an ISOLATE job'],
    ['ISOLATED with a job', ClusterStatus.ISOLATED, 0, 'ISOLATE', 'cluster a is ISOLATED at 0 % with an ISOLATE job'],
    ['ISOLATED while still served', ClusterStatus.ISOLATED, 10, undefined, 'cluster a is ISOLATED at 10 % with no job'],
    ['RESTORING with an ISOLATE job', ClusterStatus.RESTORING, 0, 'ISOLATE', 'cluster a is RESTORING at 0 % with an ISOLATE job'],
    ['BP_PATH_CUT with a RESTORE job', ClusterStatus.BP_PATH_CUT, 50, 'RESTORE', 'cluster a is BP_PATH_CUT at 50 % with a RESTORE job'],
    ['BP_PATH_CUT out of DNS (it would be ISOLATED)', ClusterStatus.BP_PATH_CUT, 0, undefined, 'cluster a is BP_PATH_CUT at 0 % with no job'],
    ['BP_PATH_CUT out of DNS with its cut job running', ClusterStatus.BP_PATH_CUT, 0, 'ISOLATE', 'cluster a is BP_PATH_CUT at 0 % with an ISOLATE job'],
    ['IN_SERVICE with an ISOLATE job', ClusterStatus.IN_SERVICE, 100, 'ISOLATE', 'cluster a is IN_SERVICE at 100 % with an ISOLATE job'],
    ['IN_SERVICE with a RESTORE job', ClusterStatus.IN_SERVICE, 100, 'RESTORE', 'cluster a is IN_SERVICE at 100 % with a RESTORE job'],
  ])('when a cluster is %s, it throws DecisionInvariantError and decides nothing', (_what, status, serving, kind, message) => {
    // GIVEN
    const state = worldWithA(status, serving, kind);
    // WHEN
    const act = () => decide(state, pause, topo, T0);
    // THEN
    expect(act).toThrow(DecisionInvariantError);
    expect(act).toThrow(`${message}, which no decision produces`);
  });

  test('when a topology cluster has no state item, it throws DecisionInvariantError naming the cluster and the fix', () => {
    // GIVEN a state seeded before cluster b joined the topology
    const w = initialWorldState(topo);
    const clusters = Object.fromEntries(Object.entries(w.clusters).filter(([id]) => id !== 'b'));
    // WHEN
    const act = () => decide({ ...w, clusters }, pause, topo, T0);
    // THEN
    expect(act).toThrow(DecisionInvariantError);
    expect(act).toThrow('the state has no item for cluster b; seed missing clusters with initialClusterState()');
  });
});
