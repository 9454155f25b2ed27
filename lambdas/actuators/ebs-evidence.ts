/**
 * Preserves the evidence of a compromise: an EBS snapshot of every volume attached to the cluster's seed nodes,
 * tagged with the GuardDuty finding id.
 *
 * - Idempotent by tag, not by effect id: snapshots tagged with this finding and cluster are looked up first
 *   (DescribeSnapshots), and a volume that has one gets no other. A re-planned job, a duplicate delivery or a
 *   second isolation for the same finding add nothing.
 * - Tagged at creation (CreateSnapshot `TagSpecifications`): a snapshot never exists without its tags, so a
 *   crash right after the call cannot leave one the lookup would miss.
 * - A snapshot is point-in-time at the call, so it captures the disk as the isolation found it, even while the
 *   copy is still `pending`.
 * - Retention: `seedshield:retain-until` (ISO date) on every snapshot; nothing here deletes snapshots (see
 *   README, "Evidence"): the control plane never erases evidence.
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-snapshot.html
 */
import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateSnapshotCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type EC2Client, type Snapshot, type Volume } from '@aws-sdk/client-ec2';
import type { RuntimeTopology } from '../../lib/config/topology';
import { CLUSTER_TAG_KEY, clusterParameterName } from '../../lib/config/naming';
import { ActuatorError, ResourceDiscoveryError } from '../errors';
import { awsCall } from './aws-call';
import type { ClusterResourceDiscovery } from './discovery';

/** Tag carrying the GuardDuty finding id on an evidence snapshot. */
export const FINDING_TAG = 'seedshield:finding';
/** Tag carrying the date (YYYY-MM-DD, UTC) until which an evidence snapshot must be kept. */
export const RETAIN_UNTIL_TAG = 'seedshield:retain-until';
/** Tag carrying the instance the snapshotted volume was attached to. */
export const SOURCE_INSTANCE_TAG = 'seedshield:source-instance';

/** Props of {@link EvidenceSnapshotActuator}. */
export interface EvidenceSnapshotActuatorProps {
  readonly ec2: (region: string) => EC2Client;
  readonly autoScaling: (region: string) => AutoScalingClient;
  readonly discovery: ClusterResourceDiscovery;
  readonly topology: RuntimeTopology;
  /** Clock for the retention date. */
  readonly now: () => number;
}

/** What a preservation did. */
export interface EvidenceResult {
  /** Every snapshot of the finding, old and new, sorted. */
  readonly snapshotIds: readonly string[];
  /** How many were created by this call. */
  readonly created: number;
  /** Volumes of the seed nodes now. */
  readonly volumes: number;
  readonly retainUntil: string;
}

/** Carries out PRESERVE_EVIDENCE. */
export class EvidenceSnapshotActuator {
  readonly #props: EvidenceSnapshotActuatorProps;

  constructor(props: EvidenceSnapshotActuatorProps) {
    this.#props = props;
  }

  /**
   * Snapshots every volume of the seed nodes that has no snapshot for this finding yet.
   * @throws ResourceDiscoveryError when the group is not published; ActuatorError when AWS refuses a snapshot
   *   (the others are made; the retry makes only the missing ones)
   */
  async preserve(clusterId: string, findingId: string, retainDays: number): Promise<EvidenceResult> {
    const tc = this.#props.topology.clusters.find((c) => c.id === clusterId);
    if (!tc || tc.kind !== 'aws' || !tc.region) throw new ResourceDiscoveryError(`cluster ${clusterId} is not an aws cluster of the topology; it has no volumes to snapshot`);
    const region = tc.region;
    const res = await this.#props.discovery.resources(tc);
    const groupName = res.seedNodeAutoScalingGroupName;
    if (!groupName) {
      throw new ResourceDiscoveryError(`SSM parameter ${clusterParameterName(clusterId, 'seedNodeAutoScalingGroupName')} is missing in ${region}: deploy the cluster stack of ${clusterId} again so a compromise can snapshot its nodes`);
    }
    const ec2 = this.#props.ec2(region);
    const [instanceIds, existing] = await Promise.all([
      groupInstances(this.#props.autoScaling(region), groupName),
      describeEvidence(ec2, clusterId, findingId),
    ]);
    const volumes = await attachedVolumes(ec2, instanceIds);
    const done = new Set(existing.map((s) => s.VolumeId));
    const retainUntil = new Date(this.#props.now() + retainDays * 86_400_000).toISOString().slice(0, 10);
    const failures: string[] = [];
    const made = await Promise.all(
      volumes
        .filter((v) => !done.has(v.VolumeId))
        .map(async (v) => {
          const instanceId = v.Attachments?.find((a) => a.InstanceId)?.InstanceId ?? 'unknown';
          try {
            const out = await awsCall(`CreateSnapshot ${v.VolumeId}`, () =>
              ec2.send(
                new CreateSnapshotCommand({
                  VolumeId: v.VolumeId,
                  Description: `seedshield evidence: cluster ${clusterId}, GuardDuty finding ${findingId}, ${instanceId}`,
                  TagSpecifications: [
                    {
                      ResourceType: 'snapshot',
                      Tags: [
                        { Key: CLUSTER_TAG_KEY, Value: clusterId },
                        { Key: FINDING_TAG, Value: findingId },
                        { Key: RETAIN_UNTIL_TAG, Value: retainUntil },
                        { Key: SOURCE_INSTANCE_TAG, Value: instanceId },
                        { Key: 'Name', Value: `seedshield-evidence-${clusterId}-${instanceId}` },
                      ],
                    },
                  ],
                }),
              ),
            );
            return out.SnapshotId;
          } catch (err) {
            failures.push(err instanceof Error ? err.message : String(err));
            return undefined;
          }
        }),
    );
    const created = made.filter((id): id is string => id !== undefined);
    if (failures.length > 0) {
      throw new ActuatorError(`evidence of ${clusterId} (finding ${findingId}) is incomplete: ${created.length} snapshots made, ${failures.length} refused: ${failures.join('; ')}`);
    }
    return {
      snapshotIds: [...existing.map((s) => s.SnapshotId as string), ...created].sort(),
      created: created.length,
      volumes: volumes.length,
      retainUntil,
    };
  }
}

async function groupInstances(client: AutoScalingClient, name: string): Promise<string[]> {
  const out = await awsCall(`DescribeAutoScalingGroups ${name}`, () => client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })));
  const group = out.AutoScalingGroups?.[0];
  if (!group) throw new ResourceDiscoveryError(`Auto Scaling group ${name} no longer exists (the cluster stack was redeployed?)`);
  return (group.Instances ?? []).map((i) => i.InstanceId as string).sort();
}

async function attachedVolumes(ec2: EC2Client, instanceIds: readonly string[]): Promise<Volume[]> {
  if (instanceIds.length === 0) return [];
  const volumes: Volume[] = [];
  let NextToken: string | undefined;
  do {
    const out = await awsCall('DescribeVolumes', () => ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [...instanceIds] }], NextToken })));
    volumes.push(...(out.Volumes ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  return volumes.sort((a, b) => (a.VolumeId ?? '').localeCompare(b.VolumeId ?? ''));
}

async function describeEvidence(ec2: EC2Client, clusterId: string, findingId: string): Promise<Snapshot[]> {
  const snapshots: Snapshot[] = [];
  let NextToken: string | undefined;
  do {
    const out = await awsCall('DescribeSnapshots', () =>
      ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [
            { Name: `tag:${FINDING_TAG}`, Values: [findingId] },
            { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [clusterId] },
          ],
          NextToken,
        }),
      ),
    );
    snapshots.push(...(out.Snapshots ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  return snapshots;
}
