/**
 * The Auto Scaling suspension and the evidence snapshots against moto (moto serves Auto Scaling groups with
 * their instances, SuspendProcesses/ResumeProcesses, group tags, EBS volumes and tagged snapshots).
 */
import { CreateOrUpdateTagsCommand, DescribeAutoScalingGroupsCommand, SuspendProcessesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeSnapshotsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import { buildClusterWorld, SEED_NODE_COUNT, type ClusterWorld } from '../../../drill/world';
import { Actuators } from '../../../lambdas/actuators';
import { ScalingSuspensionActuator, SUSPENDED_PROCESSES_TAG } from '../../../lambdas/actuators/auto-scaling';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { EvidenceSnapshotActuator, FINDING_TAG, RETAIN_UNTIL_TAG } from '../../../lambdas/actuators/ebs-evidence';
import { clusterParameterName } from '../../../lib/config/naming';
import { SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED } from '../../../lambdas/core/policy';
import { ClusterStatus, type ClusterState, type IsolationRecord } from '../../../lambdas/core/types';
import { ResourceDiscoveryError } from '../../../lambdas/errors';
import { motoClients, REGION, topologyOf, uniqueId } from './helpers';

const clients = motoClients();
const PROCESSES = SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED;

async function world(prefix: string): Promise<ClusterWorld> {
  return buildClusterWorld({ ec2: clients.ec2(REGION), ssm: clients.ssm(REGION), autoScaling: clients.autoScaling(REGION) }, uniqueId(prefix));
}

function scaling(w: ClusterWorld): ScalingSuspensionActuator {
  return new ScalingSuspensionActuator({
    autoScaling: (r) => clients.autoScaling(r),
    discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
    topology: topologyOf([w]),
  });
}

async function group(name: string) {
  const out = await clients.autoScaling(REGION).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const g = out.AutoScalingGroups![0];
  return {
    suspended: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName).sort(),
    claim: g.Tags?.find((t) => t.Key === SUSPENDED_PROCESSES_TAG)?.Value,
    instances: (g.Instances ?? []).map((i) => i.InstanceId as string),
  };
}

function isolated(clusterId: string, isolation: IsolationRecord): ClusterState {
  return { clusterId, version: 2, status: ClusterStatus.ISOLATED, servingPercent: 0, signals: {}, isolation };
}

describe('ScalingSuspensionActuator against moto', () => {
  test('when an isolation suspends the group, it records its claim on the group and suspends exactly the policy processes', async () => {
    // GIVEN
    const w = await world('asg');

    // WHEN
    const record = await scaling(w).suspend(w.clusterId, PROCESSES);

    // THEN
    expect(record.suspendedProcesses).toEqual([...PROCESSES].sort().map((process) => ({ autoScalingGroupName: w.seedNodeAutoScalingGroupName, process })));
    const g = await group(w.seedNodeAutoScalingGroupName);
    expect(g.suspended).toEqual([...PROCESSES].sort());
    expect(g.claim).toBe([...PROCESSES].sort().join(','));
  });

  test('when a process was suspended by someone else before, it is neither claimed nor resumed on restore', async () => {
    // GIVEN an operator suspended Launch and AZRebalance before the isolation
    const w = await world('asg-foreign');
    await clients.autoScaling(REGION).send(new SuspendProcessesCommand({ AutoScalingGroupName: w.seedNodeAutoScalingGroupName, ScalingProcesses: ['Launch', 'AZRebalance'] }));
    const actuators = new Actuators({ clients });
    const topology = topologyOf([w]);

    // WHEN the isolation suspends, then the restore undoes it
    const suspended = await actuators.execute({ id: 'e:1', type: 'SUSPEND_SCALING', clusterId: w.clusterId, processes: PROCESSES }, { topology });
    const during = await group(w.seedNodeAutoScalingGroupName);
    const undo = await actuators.execute({ id: 'r:0', type: 'UNDO_ISOLATION', clusterId: w.clusterId }, { topology, cluster: isolated(w.clusterId, suspended.isolation as IsolationRecord) });

    // THEN only HealthCheck and ReplaceUnhealthy were ours; Launch and AZRebalance stay suspended
    expect((suspended.isolation as IsolationRecord).suspendedProcesses!.map((p) => p.process)).toEqual(['HealthCheck', 'ReplaceUnhealthy']);
    expect(during.suspended).toEqual(['AZRebalance', 'HealthCheck', 'Launch', 'ReplaceUnhealthy']);
    expect(undo.details).toMatchObject({ resumedProcesses: [{ process: 'HealthCheck' }, { process: 'ReplaceUnhealthy' }] });
    const after = await group(w.seedNodeAutoScalingGroupName);
    expect(after.suspended).toEqual(['AZRebalance', 'Launch']);
    expect(after.claim).toBeUndefined();
  });

  test('when the suspension is re-run after a crash (claim written, job result lost), it returns the same record and changes nothing', async () => {
    // GIVEN a first attempt got as far as the claim and the call
    const w = await world('asg-retry');
    const first = await scaling(w).suspend(w.clusterId, PROCESSES);

    // WHEN the retry runs (the processes now look "already suspended")
    const second = await scaling(w).suspend(w.clusterId, PROCESSES);

    // THEN the claim on the group keeps them ours, so a restore still resumes them
    expect(second).toEqual(first);
    expect((await group(w.seedNodeAutoScalingGroupName)).suspended).toEqual([...PROCESSES].sort());
  });

  test('when the claim tag was written but the call never made, the retry suspends the claimed processes', async () => {
    // GIVEN a crash between the tag and SuspendProcesses
    const w = await world('asg-tag-only');
    await clients.autoScaling(REGION).send(
      new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: w.seedNodeAutoScalingGroupName, ResourceType: 'auto-scaling-group', Key: SUSPENDED_PROCESSES_TAG, Value: 'Launch', PropagateAtLaunch: false }] }),
    );

    // WHEN
    const record = await scaling(w).suspend(w.clusterId, PROCESSES);

    // THEN
    expect(record.suspendedProcesses!.map((p) => p.process)).toEqual(['HealthCheck', 'Launch', 'ReplaceUnhealthy']);
    expect((await group(w.seedNodeAutoScalingGroupName)).suspended).toEqual(['HealthCheck', 'Launch', 'ReplaceUnhealthy']);
  });

  test('when the recorded group no longer exists at restore, the resume reports it and does not fail', async () => {
    // GIVEN
    const w = await world('asg-gone');

    // WHEN
    const result = await scaling(w).resume(w.clusterId, [{ autoScalingGroupName: 'replaced-by-a-deploy', process: 'Launch' }]);

    // THEN
    expect(result).toEqual({ resumed: [], missingGroups: ['replaced-by-a-deploy'] });
  });

  test('when the cluster stack predates the published group name, the suspension fails naming the parameter', async () => {
    // GIVEN
    const w = await world('asg-old-stack');
    await clients.ssm(REGION).send(new DeleteParameterCommand({ Name: clusterParameterName(w.clusterId, 'seedNodeAutoScalingGroupName') }));

    // WHEN
    const run = scaling(w).suspend(w.clusterId, PROCESSES);

    // THEN
    await expect(run).rejects.toThrow(ResourceDiscoveryError);
    await expect(scaling(w).suspend(w.clusterId, PROCESSES)).rejects.toThrow(`SSM parameter ${clusterParameterName(w.clusterId, 'seedNodeAutoScalingGroupName')} is missing`);
  });
});

describe('EvidenceSnapshotActuator against moto', () => {
  const NOW = Date.parse('2026-12-02T07:00:00Z');
  const evidence = (w: ClusterWorld) =>
    new EvidenceSnapshotActuator({
      ec2: (r) => clients.ec2(r),
      autoScaling: (r) => clients.autoScaling(r),
      discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
      topology: topologyOf([w]),
      now: () => NOW,
    });

  test('when a compromise preserves evidence, every seed-node volume gets one snapshot tagged with the finding, cluster and retention', async () => {
    // GIVEN
    const w = await world('ev');
    const { instances } = await group(w.seedNodeAutoScalingGroupName);
    const volumes = await clients.ec2(REGION).send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: instances }] }));

    // WHEN
    const result = await evidence(w).preserve(w.clusterId, 'finding-abc', 90);

    // THEN
    expect(instances).toHaveLength(SEED_NODE_COUNT);
    expect(result.volumes).toBe(volumes.Volumes!.length);
    expect(result.created).toBe(volumes.Volumes!.length);
    expect(result.retainUntil).toBe('2027-03-02');
    const snaps = await clients.ec2(REGION).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${FINDING_TAG}`, Values: ['finding-abc'] }] }));
    expect(snaps.Snapshots!.map((s) => s.VolumeId).sort()).toEqual(volumes.Volumes!.map((v) => v.VolumeId).sort());
    for (const s of snaps.Snapshots!) {
      expect(s.Tags).toEqual(expect.arrayContaining([{ Key: 'seedshield:cluster', Value: w.clusterId }, { Key: RETAIN_UNTIL_TAG, Value: '2027-03-02' }]));
    }
  });

  test('when evidence for the finding exists already, a second run (retry, duplicate) creates no snapshot', async () => {
    // GIVEN
    const w = await world('ev-twice');
    const first = await evidence(w).preserve(w.clusterId, 'finding-twice', 90);

    // WHEN
    const second = await evidence(w).preserve(w.clusterId, 'finding-twice', 90);

    // THEN
    expect(second.created).toBe(0);
    expect(second.snapshotIds).toEqual(first.snapshotIds);
  });

  test('when a second finding arrives, it gets snapshots of its own', async () => {
    // GIVEN
    const w = await world('ev-two');
    const first = await evidence(w).preserve(w.clusterId, 'finding-one', 90);

    // WHEN
    const second = await evidence(w).preserve(w.clusterId, 'finding-two', 90);

    // THEN
    expect(second.created).toBe(first.created);
    expect(second.snapshotIds.filter((id) => first.snapshotIds.includes(id))).toEqual([]);
  });
});
