/**
 * Proof on AWS: starts VPC Reachability Analyzer analyses of an aws cluster's paths and reads them back.
 *
 * The core decides what to check and how to read the answer (`VERIFY_REACHABILITY`, `readReachability`); this
 * file only calls EC2. Reachability Analyzer "analyzes the path between a source and destination by building a
 * model of the network configuration ... It does not send packets or analyze the data plane" (VPC Reachability
 * Analyzer guide, "How Reachability Analyzer works"): it proves what the configuration allows, not what flows.
 *
 * Paths (created once, tagged with the cluster and reused by every later check):
 * - `internet-to-node`: the VPC's internet gateway to a running seed node, TCP to the p2p port. It crosses the
 *   NLB, the public and private subnets' ACLs and the node's security group.
 * - `node-to-site:<cidr>`: a seed node to the first host address of each IPv4 site CIDR, TCP to the p2p port,
 *   destination the cluster's VPN gateway (Reachability Analyzer takes VPN gateways as destinations and an IP
 *   address as `DestinationIp`; it takes no IPv6 destination address, so IPv6 site CIDRs are not analysed).
 * A path names the node it starts or ends at; when the Auto Scaling group replaced that node, a new path is
 * created (paths cost nothing; analyses are what is billed).
 *
 * Every analysis is tagged `seedshield:reachability-check` = the effect id, and started with a client token
 * derived from it, so a repeated effect (a crash, a reconcile's restart) starts nothing twice, and a reconcile
 * finds exactly the analyses of the check it reads.
 * @see https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInsightsPath.html
 */
import {
  CreateNetworkInsightsPathCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInsightsAnalysesCommand,
  DescribeNetworkInsightsPathsCommand,
  EC2Client,
  StartNetworkInsightsAnalysisCommand,
  type NetworkInsightsAnalysis,
  type NetworkInsightsPath,
  type Tag,
} from '@aws-sdk/client-ec2';
import { createHash } from 'crypto';
import { CLUSTER_TAG_KEY, REACHABILITY_CHECK_TAG_KEY, REACHABILITY_PATH_TAG_KEY } from '../../lib/config/naming';
import type { RuntimeTopology } from '../../lib/config/topology';
import { reachabilityPathLabels, REACHABILITY_P2P_PORT } from '../core/policy';
import type { ObservedAnalysis, VerifyReachabilityEffect } from '../core/types';
import { ActuatorError, ResourceDiscoveryError } from '../errors';
import { awsCall } from './aws-call';
import type { ClusterResourceDiscovery, ClusterResources } from './discovery';

export { REACHABILITY_CHECK_TAG_KEY, REACHABILITY_PATH_TAG_KEY };

/** Props of {@link ReachabilityActuator}. */
export interface ReachabilityActuatorProps {
  /** Returns the EC2 client of a region. */
  readonly ec2: (region: string) => EC2Client;
  readonly discovery: ClusterResourceDiscovery;
  readonly topology: RuntimeTopology;
}

/** What starting a check did. */
export interface StartedReachabilityCheck {
  /** One per path label: the path (reused or created) and the analysis started on it. */
  readonly analyses: readonly StartedAnalysis[];
}

/** One analysis a check started. */
export interface StartedAnalysis {
  readonly path: string;
  readonly networkInsightsPathId: string;
  readonly networkInsightsAnalysisId: string;
  /** Whether the path was created for it (false: an existing tagged path was reused). */
  readonly pathCreated: boolean;
}

/** A path to analyse, before it exists. @internal */
interface PathSpec {
  readonly label: string;
  readonly source: string;
  readonly destination: string;
  readonly destinationIp?: string;
}

/** Starts and reads Reachability Analyzer analyses of aws clusters. */
export class ReachabilityActuator {
  readonly #props: ReachabilityActuatorProps;

  constructor(props: ReachabilityActuatorProps) {
    this.#props = props;
  }

  /**
   * Starts one analysis per path of the check, reusing the cluster's tagged paths.
   * @throws ResourceDiscoveryError when the cluster has no internet gateway or no running seed node
   * @throws ActuatorError when an EC2 call fails (after the SDK's retries)
   */
  async start(effect: VerifyReachabilityEffect): Promise<StartedReachabilityCheck> {
    const { res, ec2 } = await this.#cluster(effect.clusterId);
    const specs = await this.#pathSpecs(ec2, res, reachabilityPathLabels(effect.paths, this.#props.topology));
    const analyses = [];
    // One after the other: a handful of calls, and an error names the path it failed on.
    for (const spec of specs) {
      const { path, created } = await this.#path(ec2, res.clusterId, spec, effect.id);
      const started = await awsCall(`StartNetworkInsightsAnalysis ${spec.label} of ${res.clusterId}`, () =>
        ec2.send(
          new StartNetworkInsightsAnalysisCommand({
            NetworkInsightsPathId: path.NetworkInsightsPathId,
            ClientToken: clientToken('analysis', effect.id, spec.label),
            TagSpecifications: [
              {
                ResourceType: 'network-insights-analysis',
                Tags: [
                  { Key: CLUSTER_TAG_KEY, Value: res.clusterId },
                  { Key: REACHABILITY_PATH_TAG_KEY, Value: spec.label },
                  { Key: REACHABILITY_CHECK_TAG_KEY, Value: effect.id },
                ],
              },
            ],
          }),
        ),
      );
      const analysisId = started.NetworkInsightsAnalysis?.NetworkInsightsAnalysisId;
      if (!analysisId) throw new ActuatorError(`StartNetworkInsightsAnalysis ${spec.label} of ${res.clusterId} returned no analysis id`);
      analyses.push({ path: spec.label, networkInsightsPathId: path.NetworkInsightsPathId!, networkInsightsAnalysisId: analysisId, pathCreated: created });
    }
    return { analyses };
  }

  /**
   * The analyses of check `checkId` on the cluster's tagged paths, started at or after `since` (epoch ms).
   * `DescribeNetworkInsightsAnalyses` filters by path and start time only, so the check's tag is matched here.
   * @throws ActuatorError when an EC2 call fails
   */
  async observe(clusterId: string, checkId: string, since: number): Promise<ObservedAnalysis[]> {
    const { res, ec2 } = await this.#cluster(clusterId);
    const paths = (await this.#taggedPaths(ec2, res.clusterId)).filter((p) => tag(p.Tags, REACHABILITY_PATH_TAG_KEY) !== undefined);
    const out: ObservedAnalysis[] = [];
    for (const p of paths) {
      let token: string | undefined;
      do {
        const input = { NetworkInsightsPathId: p.NetworkInsightsPathId, AnalysisStartTime: new Date(since - CLOCK_SKEW_MS), NextToken: token };
        const page = await awsCall(`DescribeNetworkInsightsAnalyses of ${p.NetworkInsightsPathId}`, () => ec2.send(new DescribeNetworkInsightsAnalysesCommand(input)));
        for (const a of page.NetworkInsightsAnalyses ?? []) {
          const label = tag(a.Tags, REACHABILITY_PATH_TAG_KEY) ?? tag(p.Tags, REACHABILITY_PATH_TAG_KEY)!;
          if (tag(a.Tags, REACHABILITY_CHECK_TAG_KEY) === checkId) out.push(toObserved(a, label));
        }
        token = page.NextToken;
      } while (token);
    }
    return out;
  }

  async #cluster(clusterId: string): Promise<{ res: ClusterResources; ec2: EC2Client }> {
    const tc = this.#props.topology.clusters.find((c) => c.id === clusterId);
    if (!tc) throw new ResourceDiscoveryError(`cluster ${clusterId} is not in the topology`);
    const res = await this.#props.discovery.resources(tc);
    return { res, ec2: this.#props.ec2(res.region) };
  }

  /** The concrete paths for `labels`: the internet gateway and a seed node are looked up now. */
  async #pathSpecs(ec2: EC2Client, res: ClusterResources, labels: readonly string[]): Promise<PathSpec[]> {
    const vpcId = res.vpcId ?? (await vpcOfAcl(ec2, res.publicNetworkAclId));
    const node = await seedNode(ec2, res);
    const needsIgw = labels.includes('internet-to-node');
    const igw = needsIgw ? await internetGateway(ec2, res.clusterId, vpcId) : undefined;
    return labels.map((label) => {
      if (label === 'internet-to-node') return { label, source: igw!, destination: node };
      const cidr = label.slice('node-to-site:'.length);
      return { label, source: node, destination: res.vpnGatewayId, destinationIp: firstHost(cidr) };
    });
  }

  /** The cluster's path matching `spec` (same ends, address, port, protocol and label), created if none. */
  async #path(ec2: EC2Client, clusterId: string, spec: PathSpec, effectId: string): Promise<{ path: NetworkInsightsPath; created: boolean }> {
    const existing = (await this.#taggedPaths(ec2, clusterId, spec)).find(
      (p) =>
        tag(p.Tags, REACHABILITY_PATH_TAG_KEY) === spec.label &&
        p.Source === spec.source &&
        p.Destination === spec.destination &&
        (p.DestinationIp ?? undefined) === spec.destinationIp &&
        p.DestinationPort === REACHABILITY_P2P_PORT &&
        p.Protocol === 'tcp',
    );
    if (existing) return { path: existing, created: false };
    const out = await awsCall(`CreateNetworkInsightsPath ${spec.label} of ${clusterId}`, () =>
      ec2.send(
        new CreateNetworkInsightsPathCommand({
          Source: spec.source,
          Destination: spec.destination,
          ...(spec.destinationIp ? { DestinationIp: spec.destinationIp } : {}),
          Protocol: 'tcp',
          DestinationPort: REACHABILITY_P2P_PORT,
          ClientToken: clientToken('path', effectId, spec.label),
          TagSpecifications: [
            {
              ResourceType: 'network-insights-path',
              Tags: [
                { Key: CLUSTER_TAG_KEY, Value: clusterId },
                { Key: REACHABILITY_PATH_TAG_KEY, Value: spec.label },
              ],
            },
          ],
        }),
      ),
    );
    if (!out.NetworkInsightsPath?.NetworkInsightsPathId) throw new ActuatorError(`CreateNetworkInsightsPath ${spec.label} of ${clusterId} returned no path id`);
    return { path: out.NetworkInsightsPath, created: true };
  }

  /** The paths tagged with the cluster (optionally only those with `spec`'s ends: the API filters by source and destination). */
  async #taggedPaths(ec2: EC2Client, clusterId: string, spec?: PathSpec): Promise<NetworkInsightsPath[]> {
    const paths: NetworkInsightsPath[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`DescribeNetworkInsightsPaths of ${clusterId}`, () =>
        ec2.send(
          new DescribeNetworkInsightsPathsCommand({
            ...(spec ? { Filters: [{ Name: 'source', Values: [spec.source] }, { Name: 'destination', Values: [spec.destination] }] } : {}),
            NextToken: token,
          }),
        ),
      );
      paths.push(...(page.NetworkInsightsPaths ?? []).filter((p) => tag(p.Tags, CLUSTER_TAG_KEY) === clusterId));
      token = page.NextToken;
    } while (token);
    return paths;
  }
}

/** Analyses are listed from a little before the check's start: the control plane's clock and EC2's may differ. */
const CLOCK_SKEW_MS = 5 * 60_000;

function toObserved(a: NetworkInsightsAnalysis, path: string): ObservedAnalysis {
  const status = a.Status === 'succeeded' || a.Status === 'failed' ? a.Status : 'running';
  return {
    path,
    status,
    ...(status === 'succeeded' && typeof a.NetworkPathFound === 'boolean' ? { pathFound: a.NetworkPathFound } : {}),
    ...(a.StatusMessage ? { message: a.StatusMessage } : {}),
  };
}

function tag(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** A client token (at most 64 ASCII characters) derived from the effect id and the path: a repeat is a no-op. */
function clientToken(kind: string, effectId: string, label: string): string {
  return `seedshield-${kind}-${createHash('sha256').update(`${effectId}|${label}`).digest('hex').slice(0, 40)}`;
}

/** The first host address of an IPv4 CIDR (`10.1.0.0/16` -> `10.1.0.1`; a /32 is itself). */
export function firstHost(cidr: string): string {
  const [addr, lenText] = cidr.split('/');
  const len = Number(lenText);
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const host = len >= 31 ? n : n + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(host / 2 ** s) % 256).join('.');
}

async function vpcOfAcl(ec2: EC2Client, aclId: string): Promise<string> {
  const out = await awsCall(`DescribeNetworkAcls ${aclId}`, () => ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] })));
  const vpcId = out.NetworkAcls?.[0]?.VpcId;
  if (!vpcId) throw new ResourceDiscoveryError(`network ACL ${aclId} was not found; redeploy the cluster stack`);
  return vpcId;
}

async function internetGateway(ec2: EC2Client, clusterId: string, vpcId: string): Promise<string> {
  const out = await awsCall(`DescribeInternetGateways of ${vpcId}`, () =>
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] })),
  );
  const id = out.InternetGateways?.[0]?.InternetGatewayId;
  if (!id) throw new ResourceDiscoveryError(`cluster ${clusterId}: VPC ${vpcId} has no internet gateway attached, so the internet-to-node path cannot be analysed`);
  return id;
}

/**
 * A running seed node of the cluster: an instance in its private subnets launched by its Auto Scaling group
 * (the jumpbox is not), the lowest id so repeated checks reuse the same paths.
 */
async function seedNode(ec2: EC2Client, res: ClusterResources): Promise<string> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(`DescribeInstances of ${res.clusterId}`, () =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'subnet-id', Values: [...res.privateSubnetIds] },
            { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [res.clusterId] },
            { Name: 'tag-key', Values: ['aws:autoscaling:groupName'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
          NextToken: token,
        }),
      ),
    );
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) ids.push(i.InstanceId);
    token = page.NextToken;
  } while (token);
  if (ids.length === 0) throw new ResourceDiscoveryError(`cluster ${res.clusterId} has no running seed node in its private subnets, so its paths cannot be analysed`);
  return ids.sort()[0];
}
