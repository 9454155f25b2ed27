/**
 * Keeps the Auto Scaling group of a cluster's seed nodes from replacing them while the cluster is isolated,
 * and gives back exactly what it took on restore.
 *
 * Why: a node launched while the cluster is cut cannot boot (its user data needs the internet), stays
 * unhealthy, and would keep the cluster from ever restoring; a compromised node terminated as "unhealthy"
 * takes the evidence with it. Which processes is the core's choice (policy.ts
 * `SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED`); this file only carries it out.
 *
 * Exactness and crash safety, like the network ACL cuts:
 * - Only processes that are running are ours to suspend: one someone else suspended (an operator, or an
 *   administrative suspension by Auto Scaling itself) is neither claimed nor resumed.
 * - What we suspend is recorded on the group BEFORE the call, in the tag `seedshield:suspended-processes`
 *   (comma-separated): a crash between the tag and the call, or after the call but before the job result is
 *   committed, leaves the claim on the group, and the retry returns the same record.
 * - Resume acts on the record only, then removes those names from the tag.
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html
 */
import {
  type AutoScalingClient,
  type AutoScalingGroup,
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import type { RuntimeTopology } from '../../lib/config/topology';
import { clusterParameterName, SUSPENDED_PROCESSES_TAG_KEY } from '../../lib/config/naming';
import type { IsolationRecord, SuspendedProcess } from '../core/types';
import { ResourceDiscoveryError } from '../errors';
import { awsCall } from './aws-call';
import type { ClusterResourceDiscovery } from './discovery';

/** Tag on the seed-node group listing the processes seedshield suspended (its claim, written first). */
export const SUSPENDED_PROCESSES_TAG = SUSPENDED_PROCESSES_TAG_KEY;

/** Props of {@link ScalingSuspensionActuator}. */
export interface ScalingSuspensionActuatorProps {
  /** The Auto Scaling client of a region. */
  readonly autoScaling: (region: string) => AutoScalingClient;
  /** Where the group's name comes from (the cluster stack publishes it). */
  readonly discovery: ClusterResourceDiscovery;
  readonly topology: RuntimeTopology;
}

/** What a resume did. */
export interface ResumeResult {
  readonly resumed: readonly SuspendedProcess[];
  /** Recorded groups that no longer exist (a deploy replaced the group: the new one suspends nothing). */
  readonly missingGroups: readonly string[];
}

/** Carries out SUSPEND_SCALING and the scaling part of UNDO_ISOLATION. */
export class ScalingSuspensionActuator {
  readonly #props: ScalingSuspensionActuatorProps;

  constructor(props: ScalingSuspensionActuatorProps) {
    this.#props = props;
  }

  /**
   * Suspends those of `processes` that run on the cluster's seed-node group now (keeping any earlier claim of
   * ours), after recording them on the group.
   *
   * @returns every process suspended by us (now or by an earlier attempt)
   * @throws ResourceDiscoveryError when the group is not published or no longer exists; ActuatorError (AWS)
   */
  async suspend(clusterId: string, processes: readonly string[]): Promise<Pick<IsolationRecord, 'suspendedProcesses'>> {
    const { client, name } = await this.#group(clusterId);
    const group = await describeGroup(client, name);
    if (!group) {
      this.#props.discovery.invalidate(clusterId);
      throw new ResourceDiscoveryError(`Auto Scaling group ${name} of ${clusterId} no longer exists (the cluster stack was redeployed?); the retry reads the name the stack publishes now`);
    }
    const suspendedNow = new Set((group.SuspendedProcesses ?? []).map((p) => p.ProcessName));
    const claimed = claimedProcesses(group);
    const ours = [...new Set([...claimed, ...processes.filter((p) => !suspendedNow.has(p))])].sort();
    if (ours.length === 0) return { suspendedProcesses: [] };
    if (ours.join(',') !== claimed.join(',')) {
      await awsCall(`CreateOrUpdateTags ${name}`, () =>
        client.send(
          new CreateOrUpdateTagsCommand({
            Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: SUSPENDED_PROCESSES_TAG, Value: ours.join(','), PropagateAtLaunch: false }],
          }),
        ),
      );
    }
    const missing = ours.filter((p) => !suspendedNow.has(p));
    if (missing.length > 0) {
      await awsCall(`SuspendProcesses ${name} ${missing.join(',')}`, () => client.send(new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: missing })));
    }
    return { suspendedProcesses: ours.map((process) => ({ autoScalingGroupName: name, process })) };
  }

  /**
   * Resumes exactly the recorded processes and drops them from the group's claim tag. A recorded group that
   * no longer exists is fine: nothing of ours is suspended on a group that is gone.
   */
  async resume(clusterId: string, recorded: readonly SuspendedProcess[]): Promise<ResumeResult> {
    if (recorded.length === 0) return { resumed: [], missingGroups: [] };
    const client = this.#props.autoScaling(this.#region(clusterId));
    const byGroup = new Map<string, string[]>();
    for (const r of recorded) byGroup.set(r.autoScalingGroupName, [...(byGroup.get(r.autoScalingGroupName) ?? []), r.process]);
    const resumed: SuspendedProcess[] = [];
    const missingGroups: string[] = [];
    await Promise.all(
      [...byGroup.entries()].map(async ([name, processes]) => {
        const group = await describeGroup(client, name);
        if (!group) {
          missingGroups.push(name);
          return;
        }
        await awsCall(`ResumeProcesses ${name} ${processes.join(',')}`, () => client.send(new ResumeProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: processes })));
        const left = claimedProcesses(group).filter((p) => !processes.includes(p));
        await awsCall(`update ${SUSPENDED_PROCESSES_TAG} on ${name}`, () =>
          client.send(
            left.length > 0
              ? new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: SUSPENDED_PROCESSES_TAG, Value: left.join(','), PropagateAtLaunch: false }] })
              : new DeleteTagsCommand({ Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: SUSPENDED_PROCESSES_TAG }] }),
          ),
        );
        resumed.push(...processes.map((process) => ({ autoScalingGroupName: name, process })));
      }),
    );
    return { resumed: resumed.sort(byGroupAndProcess), missingGroups: missingGroups.sort() };
  }

  async #group(clusterId: string): Promise<{ client: AutoScalingClient; name: string }> {
    const tc = this.#cluster(clusterId);
    const res = await this.#props.discovery.resources(tc);
    if (!res.seedNodeAutoScalingGroupName) {
      throw new ResourceDiscoveryError(
        `SSM parameter ${clusterParameterName(clusterId, 'seedNodeAutoScalingGroupName')} is missing in ${tc.region}: the cluster stack of ${clusterId} predates it; deploy it again so isolations can stop the group from replacing nodes`,
      );
    }
    return { client: this.#props.autoScaling(this.#region(clusterId)), name: res.seedNodeAutoScalingGroupName };
  }

  #cluster(clusterId: string) {
    const tc = this.#props.topology.clusters.find((c) => c.id === clusterId);
    if (!tc || tc.kind !== 'aws' || !tc.region) throw new ResourceDiscoveryError(`cluster ${clusterId} is not an aws cluster of the topology; it has no Auto Scaling group`);
    return tc;
  }

  #region(clusterId: string): string {
    return this.#cluster(clusterId).region as string;
  }
}

/** The processes the group's claim tag lists (sorted), empty when it has none. */
function claimedProcesses(group: AutoScalingGroup): string[] {
  const value = (group.Tags ?? []).find((t) => t.Key === SUSPENDED_PROCESSES_TAG)?.Value ?? '';
  return [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s.length > 0))].sort();
}

async function describeGroup(client: AutoScalingClient, name: string): Promise<AutoScalingGroup | undefined> {
  const out = await awsCall(`DescribeAutoScalingGroups ${name}`, () => client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })));
  return out.AutoScalingGroups?.[0];
}

function byGroupAndProcess(a: SuspendedProcess, b: SuspendedProcess): number {
  return a.autoScalingGroupName.localeCompare(b.autoScalingGroupName) || a.process.localeCompare(b.process);
}
