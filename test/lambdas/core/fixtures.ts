/** Builders shared by the decision-core tests. */
import type { RuntimeTopology, TopologyCluster, TopologyPolicy } from '../../../lib/config/topology';
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { AlarmEvent, CoreEvent, FindingEvent, Decision, JobResultEvent, OperatorEvent, ReconcileEvent, WorldState } from '../../../lambdas/core/types';

export const MIN = 60_000;
export const T0 = Date.UTC(2026, 0, 1);

export const POLICY: TopologyPolicy = {
  minHealthyClusters: 1,
  cooldownMinutes: 10,
  quietPeriodMinutes: 30,
  maxIsolationsPerWindow: 2,
  isolationWindowMinutes: 60,
  restoreRampPercent: [10, 50, 100],
  restoreRampStepMinutes: 5,
  cutInternet: true,
  cutBlockProducerPath: true,
};

/** Clusters `a`, `b`, `c`, ... (aws, weight 100) plus the given extra clusters. */
export function topology(n = 3, policy: Partial<TopologyPolicy> = {}, extra: TopologyCluster[] = []): RuntimeTopology {
  const clusters: TopologyCluster[] = Array.from({ length: n }, (_, i) => ({
    id: String.fromCharCode(97 + i),
    kind: 'aws' as const,
    region: 'eu-west-1',
    account: '111111111111',
    baseWeight: 100,
    countsTowardsMinimum: true,
  }));
  return {
    clusters: [...clusters, ...extra],
    dns: { hostedZoneId: 'Z1', recordName: 'p2p.example.com', ttlSeconds: 60 },
    siteCidrs: { ipv4: ['198.51.100.0/24'], ipv6: [] },
    policy: { ...POLICY, ...policy },
  };
}

export const external = (id: string, countsTowardsMinimum = false): TopologyCluster => ({ id, kind: 'external', baseWeight: 50, countsTowardsMinimum });

export const alarm = (id: string, clusterId: string, state: AlarmEvent['state'], at: number, alarmName = `${clusterId}-ddos`, kind: AlarmEvent['kind'] = 'ddos'): AlarmEvent => ({
  type: 'ALARM_STATE',
  id,
  clusterId,
  alarmName,
  kind,
  state,
  stateTimestamp: at,
});

/** A GuardDuty finding the policy classifies as a compromise (C&C activity, the instance as ACTOR). */
export const compromise = (id: string, clusterId: string, at: number, findingId = 'f1', activity: { count?: number; lastSeen?: number } = {}): FindingEvent =>
  finding(id, clusterId, at, { type: 'Backdoor:EC2/C&CActivity.B', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, findingId, activity);

/** A GuardDuty finding with the given facts (instance resource, not sample, not archived unless said). */
export const finding = (
  id: string,
  clusterId: string,
  at: number,
  facts: Partial<FindingEvent['facts']> & { type: string; severity: number },
  findingId = 'f1',
  activity: { count?: number; lastSeen?: number } = {},
): FindingEvent => ({
  type: 'FINDING',
  id,
  clusterId,
  findingId,
  facts: { resourceType: 'Instance', sample: false, archived: false, ...facts },
  count: activity.count ?? 1,
  lastSeen: activity.lastSeen ?? at,
  at,
});

export const reconcile = (id: string, observedAlarms: ReconcileEvent['observedAlarms'] = []): ReconcileEvent => ({ type: 'RECONCILE', id, observedAlarms });

export const jobResult = (id: string, clusterId: string, jobId: string, outcome: JobResultEvent['outcome'] = 'SUCCEEDED', extra: Partial<JobResultEvent> = {}): JobResultEvent => ({
  type: 'JOB_RESULT',
  id,
  clusterId,
  jobId,
  outcome,
  ...extra,
});

export const operator = (id: string, command: OperatorEvent['command'], extra: Partial<OperatorEvent> = {}): OperatorEvent => ({
  type: 'OPERATOR',
  id,
  command,
  operator: 'alice',
  reason: 'drill',
  ...extra,
});

/** Applies events in order; each step is `[event, now]`. Returns every decision. */
export function run(
  topo: RuntimeTopology,
  steps: readonly (readonly [CoreEvent, number])[],
  start: WorldState = initialWorldState(topo),
): { state: WorldState; decisions: Decision[] } {
  let state = start;
  const decisions: Decision[] = [];
  for (const [event, now] of steps) {
    const d = decide(state, event, topo, now);
    decisions.push(d);
    state = d.next;
  }
  return { state, decisions };
}

/** A world where cluster `id` was isolated by alarm `a1` at T0 and the isolation job succeeded. */
export function isolatedWorld(topo: RuntimeTopology, id = 'a'): WorldState {
  return run(topo, [
    [alarm('a1', id, 'ALARM', T0), T0],
    [jobResult('j1', id, 'a1', 'SUCCEEDED', { isolation: { revokedIngress: [{ groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' }] } }), T0 + 1000],
  ]).state;
}

export const types = (d: Decision) => d.plan.map((e) => e.type);

/** A lag alarm reading of a cluster: the node agent's `seedshield.<cluster>.lagging.<qualifier>` alarm. */
export const lagAlarm = (id: string, clusterId: string, state: AlarmEvent['state'], at: number, qualifier = 'head-block'): AlarmEvent =>
  alarm(id, clusterId, state, at, `seedshield.${clusterId}.lagging.${qualifier}`, 'lagging');

/** A lag alarm reading of cluster `a` (the node agent's head-block alarm). */
export const lagOfA = (id: string, state: 'OK' | 'ALARM', at: number): AlarmEvent => lagAlarm(id, 'a', state, at);

/**
 * A world where cluster `a` was cut for an attack at T0, its nodes lagged through the cut, and the undo of its
 * automatic restore finished at T0 + 42 min with the lag alarm still in ALARM: RESTORING at 0 %, catching up.
 */
export function catchingUpWorld(topo: RuntimeTopology): WorldState {
  return run(topo, [
    [alarm('e1', 'a', 'ALARM', T0), T0],
    [jobResult('j1', 'a', 'e1'), T0],
    [alarm('e2', 'a', 'OK', T0 + MIN), T0 + MIN],
    [lagOfA('l1', 'ALARM', T0 + 2 * MIN), T0 + 2 * MIN],
    [reconcile('r1'), T0 + 41 * MIN],
    [jobResult('u1', 'a', 'r1'), T0 + 42 * MIN],
  ]).state;
}
