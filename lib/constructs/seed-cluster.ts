import * as path from 'path';
import { Annotations, CfnOutput, Duration, Fn, Tags, Token, Validations } from 'aws-cdk-lib';
import * as certificatemanager from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CLUSTER_PARAMETERS, CLUSTER_TAG_KEY, ClusterParameterKey, clusterParameterName } from '../config/naming';
import { ClusterConfig, SeedshieldConfig } from '../config/schema';
import { ValidationError } from '../errors';
import { RESERVED_RULE_MAX } from '../../lambdas/actuators/nacl-plan';
import { ChainHealthThresholds, ClusterAlarm, ClusterAlarms } from './cluster-alarms';
import { ClusterEndpoints } from './cluster-endpoints';
import { SeedNodeGroup } from './seed-node-group';
import { grantNodeAgentMetrics, renderNodeAgentInstall } from './node-agent';
import {
  HTTP_API_PORT,
  loadPinnedGenesis,
  P2P_PORT,
  renderSeedNodeUserData,
  requiredDataVolumeGiB,
  SeedNodeChainOptions,
} from './seed-node-user-data';
import { createLogsKey } from './logs-key';
import { SessionJumpbox } from './session-jumpbox';
import { encryptDefaultSecurityGroupHandlerLogs } from './default-sg-logs';
import { eipAllocationArn, EipShieldProtection } from './shield-protection';
import { ShieldedNlb } from './shielded-nlb';
import { acknowledgeControl } from '../control-tower';

/** Prefix length of each public subnet (NLB nodes and NAT gateways only). */
const PUBLIC_SUBNET_MASK = 24;
/** Prefix length of each private subnet (seed nodes and the jumpbox). */
const PRIVATE_SUBNET_MASK = 20;
/**
 * First network ACL rule number seedshield's own allow entries use. Rules 1-999 are RESERVED for the control
 * plane, which inserts entries there at run time in fixed sub-ranges (lower numbers are evaluated first; see
 * lambdas/actuators/nacl-plan.ts): 100-199 allow the VPC CIDRs, 200-299 deny the site CIDRs (BP cut), 300-399
 * allow the site CIDRs (internet-only cut), 900-901 deny 0.0.0.0/0 and ::/0 (internet cut).
 */
export const NACL_ALLOW_RULE_NUMBER = RESERVED_RULE_MAX + 1;

/** Props of {@link SeedCluster}. Build them from the config with {@link seedClusterPropsFromConfig}. */
export interface SeedClusterProps {
  /** The cluster id (DNS-safe, never renamed): names alarms, parameters and the Shield resources. */
  readonly clusterId: string;
  /** IPv4 CIDR of the cluster VPC. */
  readonly vpcCidr: string;
  /** Availability zones, at least 2, in the stack's region. Explicit: no lookup at synth. */
  readonly availabilityZones: string[];
  /** Seed nodes to run. */
  readonly seedNodeCount: number;
  /** Instance type of the seed nodes. */
  readonly seedNodeInstanceType: ec2.InstanceType;
  /**
   * Root volume of each seed node.
   * @default 500
   */
  readonly seedNodeVolumeSizeGiB?: number;
  /**
   * Certificate for TLS 443 in front of the HTTP API.
   * @default - plain HTTP API on 8888
   */
  readonly httpsCertificate?: certificatemanager.ICertificate;
  /** AntelopeIO/spring release, e.g. "1.2.2". */
  readonly nodeosVersion: string;
  /**
   * SHA-256 of the release .deb.
   * @default - not verified; synth warns (`seedshield:nodeosUnverified`)
   */
  readonly nodeosPackageSha256?: string;
  /**
   * `p2p-max-nodes-per-host`.
   * @default 2
   */
  readonly nodeosP2pMaxNodesPerHost?: number;
  /**
   * `agent-name` announced to peers.
   * @default "seedshield"
   */
  readonly nodeosAgentName?: string;
  /**
   * `max-clients` (inbound p2p connections).
   * @default 250
   */
  readonly nodeosMaxClients?: number;
  /** The chain the seed nodes serve: id, snapshot or genesis, state size, block retention. */
  readonly nodeosChain: SeedNodeChainOptions;
  /** SSM parameters holding the block producers' p2p addresses, primary first. Read at boot. */
  readonly blockProducerPeersParameters: ssm.IStringParameter[];
  /** Secret holding `peer-private-key`. Read at boot. */
  readonly peerKeySecret: secretsmanager.ISecret;
  /** Whether the account has a Shield Advanced subscription (protections, protection group, `ddos` alarms). */
  readonly shieldAdvanced: boolean;
  /**
   * Associate the health check with the Shield protections (see `protection.shieldHealthBasedDetection`).
   * @default false
   */
  readonly shieldHealthBasedDetection?: boolean;
  /**
   * Healthy seed nodes below this raises `unhealthy`.
   * @default 1
   */
  readonly alarmMinHealthyHosts?: number;
  /**
   * New flows per minute above this raises `surge`.
   * @default 60000
   */
  readonly alarmSurgeNewFlowsPerMinute?: number;
  /**
   * Bytes per minute above this raises `surge`.
   * @default 30000000000
   */
  readonly alarmSurgeProcessedBytesPerMinute?: number;
  /**
   * Minutes a condition must hold before its alarm fires.
   * @default 2
   */
  readonly alarmEvaluationPeriods?: number;
  /**
   * Chain health from the node agent: the `lagging` alarms' thresholds.
   * @default - see {@link ClusterAlarmsProps.chainHealth}
   */
  readonly alarmChainHealth?: ChainHealthThresholds;
}

/** Maps the validated config of one cluster to {@link SeedClusterProps}. */
export function seedClusterPropsFromConfig(scope: Construct, config: SeedshieldConfig, cluster: ClusterConfig): SeedClusterProps {
  // Primary first: nodeos tries peers in order.
  const sites = [...config.sites].sort((a, b) => (a.role === b.role ? 0 : a.role === 'primary' ? -1 : 1));
  return {
    clusterId: cluster.id,
    vpcCidr: cluster.vpcCidr,
    availabilityZones: [...cluster.availabilityZones],
    seedNodeCount: cluster.seedNodes.count,
    seedNodeInstanceType: new ec2.InstanceType(cluster.seedNodes.instanceType),
    seedNodeVolumeSizeGiB: cluster.seedNodes.volumeSizeGiB,
    httpsCertificate: cluster.httpsCertificateArn
      ? certificatemanager.Certificate.fromCertificateArn(scope, 'HttpsCertificate', cluster.httpsCertificateArn)
      : undefined,
    nodeosVersion: config.nodeos.version,
    nodeosPackageSha256: config.nodeos.packageSha256,
    nodeosP2pMaxNodesPerHost: config.nodeos.p2pMaxNodesPerHost,
    nodeosAgentName: config.nodeos.agentName,
    nodeosMaxClients: config.nodeos.maxClients,
    nodeosChain: chainOptionsFromConfig(scope, config.nodeos.chain),
    blockProducerPeersParameters: sites.map((s) =>
      ssm.StringParameter.fromStringParameterName(scope, `BlockProducerPeers-${s.id}`, s.blockProducerPeersParameter),
    ),
    peerKeySecret: secretsmanager.Secret.fromSecretNameV2(scope, 'PeerKeySecret', config.nodeos.peerKeySecretName),
    shieldAdvanced: config.protection.shieldAdvanced,
    shieldHealthBasedDetection: config.protection.shieldHealthBasedDetection,
    alarmMinHealthyHosts: cluster.alarms.minHealthyHosts,
    alarmSurgeNewFlowsPerMinute: cluster.alarms.surgeNewFlowsPerMinute,
    alarmSurgeProcessedBytesPerMinute: cluster.alarms.surgeProcessedBytesPerMinute,
    alarmEvaluationPeriods: cluster.alarms.evaluationPeriods,
    alarmChainHealth: {
      maxHeadBlockLagSeconds: cluster.alarms.maxHeadBlockLagSeconds,
      minPeers: cluster.alarms.minPeers,
      evaluationPeriods: cluster.alarms.chainEvaluationPeriods,
    },
  };
}

/** The repository root: `nodeos.chain.genesis.file` is relative to it. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Maps `nodeos.chain` to the user data's chain options (reading and checking a genesis file). */
function chainOptionsFromConfig(scope: Construct, chain: SeedshieldConfig['nodeos']['chain']): SeedNodeChainOptions {
  let source: SeedNodeChainOptions['source'];
  if (chain.snapshot) {
    const { url, s3, sha256 } = chain.snapshot;
    source = { kind: 'snapshot', uri: s3 ? `s3://${s3.bucket}/${s3.key}` : url!, sha256 };
  } else {
    try {
      source = { kind: 'genesis', genesisJson: loadPinnedGenesis(chain.genesis!.file, chain.genesis!.sha256, REPO_ROOT) };
    } catch (e) {
      throw new ValidationError((e as Error).message, scope, { cause: e });
    }
  }
  return {
    chainId: chain.id,
    source,
    chainStateDbSizeMb: chain.chainStateDbSizeMb,
    blockLogRetainBlocks: chain.blockLogRetainBlocks,
    bootGraceMinutes: chain.bootGraceMinutes,
  };
}

/**
 * One cloud seed-node cluster: VPC, dedicated network ACLs, an internet-facing NLB on Elastic IPs, seed nodes
 * in private subnets, an SSM-only jumpbox, Shield Advanced (when subscribed), detection alarms, and the SSM
 * parameters through which the control plane finds all of it at run time.
 */
export class SeedCluster extends Construct {
  /** The cluster VPC. The site VPN attaches here (its private route tables: `vpc.privateSubnets`). */
  public readonly vpc: ec2.Vpc;
  /** The internet-facing NLB. */
  public readonly nlb: elbv2.NetworkLoadBalancer;
  /** The NLB's security group (isolation does not touch it: security groups keep established flows). */
  public readonly nlbSecurityGroup: ec2.SecurityGroup;
  /** Network ACL of the public subnets; rules 1-999 belong to the control plane. */
  public readonly publicNetworkAcl: ec2.NetworkAcl;
  /** Network ACL of the private subnets; rules 1-999 belong to the control plane. */
  public readonly privateNetworkAcl: ec2.NetworkAcl;
  /** One Elastic IP per AZ, in AZ order; `ref` is the public address. */
  public readonly eips: readonly ec2.CfnEIP[];
  /** Every detection alarm (name, kind, qualifier). */
  public readonly alarms: readonly ClusterAlarm[];
  /** The seed nodes. */
  public readonly seedNodes: SeedNodeGroup;
  /** The admins' jumpbox. */
  public readonly jumpbox: SessionJumpbox;
  /** Interface VPC endpoints (Session Manager, logs, metrics, KMS): they keep working while the cluster is cut. */
  public readonly endpoints: ClusterEndpoints;
  /** Customer-managed key of the cluster's log groups (flow logs; the site VPN's tunnel logs reuse it). */
  public readonly logsKey: kms.Key;

  constructor(scope: Construct, id: string, props: SeedClusterProps) {
    super(scope, id);
    this.validate(props);
    Tags.of(this).add(CLUSTER_TAG_KEY, props.clusterId);

    this.logsKey = createLogsKey(this, 'LogsKey', `seedshield ${props.clusterId}: VPC flow logs and VPN tunnel logs`);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr),
      availabilityZones: props.availabilityZones,
      // One NAT per AZ: an AZ outage must not cut the other AZs' egress (peers, BP over the internet, apt).
      natGateways: props.availabilityZones.length,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: PUBLIC_SUBNET_MASK, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: PRIVATE_SUBNET_MASK },
      ],
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_YEAR, encryptionKey: this.logsKey }),
          ),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    encryptDefaultSecurityGroupHandlerLogs(this, this.logsKey);
    Validations.of(this.vpc).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
      reason: 'Only the public subnets route 0.0.0.0/0 to the internet gateway: they hold the internet-facing NLB (a public seed) and the NAT gateways. Seed nodes and the jumpbox are in private subnets.',
    });
    Validations.of(this.vpc).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The flow-log role\'s policy is generated by CDK for this one role and only lets VPC Flow Logs write to the cluster\'s encrypted flow-log group; a managed policy would be attachable elsewhere.',
    });

    this.publicNetworkAcl = this.allowAllNetworkAcl('PublicNetworkAcl', ec2.SubnetType.PUBLIC);
    this.privateNetworkAcl = this.allowAllNetworkAcl('PrivateNetworkAcl', ec2.SubnetType.PRIVATE_WITH_EGRESS);
    // Operator sessions, session logs and the node agent's metrics stay inside the VPC: an isolation denies
    // 0.0.0.0/0 at rule 900 but allows the VPC CIDR at 100-199 (nacl-plan.ts), so these survive every cut.
    this.endpoints = new ClusterEndpoints(this, 'Endpoints', { vpc: this.vpc, vpcCidrBlock: props.vpcCidr });

    if (!props.nodeosPackageSha256) {
      Annotations.of(this).addWarningV2(
        'seedshield:nodeosUnverified',
        `nodeos.packageSha256 is not set: seed nodes install AntelopeIO/spring ${props.nodeosVersion} without checking its SHA-256. Set it to the release's published checksum.`,
      );
    }
    const chain = props.nodeosChain;
    const s3Snapshot = chain.source.kind === 'snapshot' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(chain.source.uri) : null;
    this.seedNodes = new SeedNodeGroup(this, 'SeedNodes', {
      vpc: this.vpc,
      count: props.seedNodeCount,
      instanceType: props.seedNodeInstanceType,
      volumeSizeGiB: props.seedNodeVolumeSizeGiB ?? 500,
      minimumVolumeSizeGiB: requiredDataVolumeGiB(chain),
      userDataScript: [
        renderSeedNodeUserData({
          nodeosVersion: props.nodeosVersion,
          nodeosPackageSha256: props.nodeosPackageSha256,
          p2pMaxNodesPerHost: props.nodeosP2pMaxNodesPerHost ?? 2,
          maxClients: props.nodeosMaxClients ?? 250,
          agentName: props.nodeosAgentName ?? 'seedshield',
          blockProducerPeersParameterNames: props.blockProducerPeersParameters.map((p) => p.parameterName),
          peerKeySecretName: props.peerKeySecret.secretName,
          chain,
        }),
        // The chain-health agent starts after nodeos; its metrics drive the cluster's `lagging` alarms.
        ...renderNodeAgentInstall({ clusterId: props.clusterId, httpApiPort: HTTP_API_PORT, p2pPort: P2P_PORT }),
        '',
      ].join('\n'),
      readableParameters: props.blockProducerPeersParameters,
      peerKeySecret: props.peerKeySecret,
      snapshotObject: s3Snapshot ? { bucket: s3Snapshot[1], key: s3Snapshot[2] } : undefined,
      // The chain check may wait bootGraceMinutes for nodeos; the install before it gets 15 more.
      healthCheckGracePeriod: Duration.minutes(chain.bootGraceMinutes + 15),
    });

    grantNodeAgentMetrics(this.seedNodes.role);

    const edge = new ShieldedNlb(this, 'Nlb', {
      vpc: this.vpc,
      targets: [this.seedNodes.autoScalingGroup],
      httpsCertificate: props.httpsCertificate,
    });
    this.nlb = edge.loadBalancer;
    this.nlbSecurityGroup = edge.securityGroup;
    this.eips = edge.eips;
    // The NLB (listeners and health checks) reaches nodeos on its two ports, nothing else.
    for (const port of [P2P_PORT, HTTP_API_PORT]) {
      this.seedNodes.securityGroup.connections.allowFrom(this.nlbSecurityGroup, ec2.Port.tcp(port), `NLB to nodeos ${port}`);
    }

    this.jumpbox = new SessionJumpbox(this, 'Jumpbox', { vpc: this.vpc, namePrefix: `seedshield-${props.clusterId}` });
    // Operators reach a node with a Session Manager session (from the jumpbox, or straight from their own
    // machine), logged with the jumpbox's document: no port is open for it, and it works while the cluster is
    // cut (the endpoints above). Seed nodes carry the cluster tag (set on the whole construct, propagated to
    // the instances), which is what the jumpbox may open sessions to.
    this.jumpbox.allowSessionsToTagged(CLUSTER_TAG_KEY, props.clusterId);
    this.jumpbox.grantSessionLogging(this.seedNodes.role);

    const clusterAlarms = new ClusterAlarms(this, 'Alarms', {
      clusterId: props.clusterId,
      loadBalancer: this.nlb,
      p2pTargetGroup: edge.p2pTargetGroup,
      // DDoSDetected only exists for Shield Advanced protected resources.
      protectedEipArns: props.shieldAdvanced ? this.eips.map((eip) => eipAllocationArn(this, eip)) : undefined,
      minHealthyHosts: props.alarmMinHealthyHosts,
      surgeNewFlowsPerMinute: props.alarmSurgeNewFlowsPerMinute,
      surgeProcessedBytesPerMinute: props.alarmSurgeProcessedBytesPerMinute,
      evaluationPeriods: props.alarmEvaluationPeriods,
      chainHealth: props.alarmChainHealth,
    });
    this.alarms = clusterAlarms.alarms;

    if (props.shieldAdvanced) {
      new EipShieldProtection(this, 'Shield', {
        clusterId: props.clusterId,
        eips: this.eips,
        healthAlarm: clusterAlarms.healthyHostsAlarm,
        associateHealthCheck: props.shieldHealthBasedDetection ?? false,
      });
    } else {
      Annotations.of(this).addWarningV2(
        'seedshield:shieldStandardOnly',
        `protection.shieldAdvanced is false: cluster ${props.clusterId}'s Elastic IPs only have Shield Standard (no DDoS detection alarms, no Shield Response Team). Enable it once the account has a Shield Advanced subscription.`,
      );
    }

    this.publish(props.clusterId, {
      nlbSecurityGroupId: this.nlbSecurityGroup.securityGroupId,
      eipAllocationIds: Fn.join(',', this.eips.map((eip) => eip.attrAllocationId)),
      nlbAddresses: Fn.join(',', this.eips.map((eip) => eip.ref)),
      publicSubnetIds: Fn.join(',', this.vpc.publicSubnets.map((s) => s.subnetId)),
      privateSubnetIds: Fn.join(',', this.vpc.privateSubnets.map((s) => s.subnetId)),
      publicNetworkAclId: this.publicNetworkAcl.networkAclId,
      privateNetworkAclId: this.privateNetworkAcl.networkAclId,
      privateRouteTableIds: Fn.join(',', this.vpc.privateSubnets.map((s) => s.routeTable.routeTableId)),
      vpcId: this.vpc.vpcId,
      seedNodeAutoScalingGroupName: this.seedNodes.autoScalingGroup.autoScalingGroupName,
    });
  }

  /**
   * A network ACL over every subnet of `subnetType`, allowing all IPv4 traffic both ways at rule 1000.
   * Rules 1-999 are RESERVED for the control plane: it inserts deny entries there at run time (lower numbers
   * are evaluated first) to isolate the cluster, and deletes them to restore it. Never add entries below 1000.
   */
  private allowAllNetworkAcl(id: string, subnetType: ec2.SubnetType): ec2.NetworkAcl {
    const acl = new ec2.NetworkAcl(this, id, { vpc: this.vpc, subnetSelection: { subnetType } });
    for (const direction of [ec2.TrafficDirection.INGRESS, ec2.TrafficDirection.EGRESS]) {
      acl.addEntry(direction === ec2.TrafficDirection.INGRESS ? 'AllowAllIngress' : 'AllowAllEgress', {
        ruleNumber: NACL_ALLOW_RULE_NUMBER,
        cidr: ec2.AclCidr.anyIpv4(),
        traffic: ec2.AclTraffic.allTraffic(),
        direction,
        ruleAction: ec2.Action.ALLOW,
      });
    }
    Validations.of(acl).acknowledge({
      id: 'AwsSolutions::AwsSolutions-VPC3',
      reason: 'Dedicated ACLs are the control plane\'s isolation lever: allow-all at 1000; at run time an isolation inserts, below it, allows for the VPC (and site) CIDRs and denies for the internet and site CIDRs, both directions, which also stop established flows.',
    });
    acknowledgeControl(
      acl,
      'nacl_no_unrestricted_ssh_rdp_check',
      'The ACL is the isolation switch, not the port filter: security groups admit only the seed listener ports from the internet, none admits 22 or 3389 (operators use Session Manager). Splitting allow-all by port would move the rule numbers an isolation writes around.',
    );
    return acl;
  }

  /** Publishes the control plane's view of this cluster in SSM (this region), and as stack outputs. */
  private publish(clusterId: string, values: Record<Exclude<ClusterParameterKey, 'vpnGatewayId'>, string>): void {
    for (const [key, value] of Object.entries(values) as [Exclude<ClusterParameterKey, 'vpnGatewayId'>, string][]) {
      const pascal = key.charAt(0).toUpperCase() + key.slice(1);
      new ssm.StringParameter(this, `${pascal}Parameter`, {
        parameterName: clusterParameterName(clusterId, key),
        description: `seedshield cluster ${clusterId}: ${CLUSTER_PARAMETERS[key]} (read by the control plane)`,
        stringValue: value,
      });
      new CfnOutput(this, pascal, { value, description: clusterParameterName(clusterId, key) });
    }
  }

  private validate(props: SeedClusterProps): void {
    if (props.availabilityZones.length < 2) {
      throw new ValidationError(`availabilityZones must list at least 2 zones, got: ${JSON.stringify(props.availabilityZones)}`, this);
    }
    if (!Token.isUnresolved(props.vpcCidr)) {
      const prefix = Number(props.vpcCidr.split('/')[1]);
      const needed = props.availabilityZones.length * (2 ** (32 - PUBLIC_SUBNET_MASK) + 2 ** (32 - PRIVATE_SUBNET_MASK));
      if (!(2 ** (32 - prefix) >= needed)) {
        throw new ValidationError(
          `vpcCidr must hold ${props.availabilityZones.length} public /${PUBLIC_SUBNET_MASK} and ${props.availabilityZones.length} private /${PRIVATE_SUBNET_MASK} subnets (${needed} addresses), got: ${props.vpcCidr}`,
          this,
        );
      }
    }
    const minHealthy = props.alarmMinHealthyHosts ?? 1;
    if (!Token.isUnresolved(minHealthy) && !Token.isUnresolved(props.seedNodeCount) && minHealthy > props.seedNodeCount) {
      // The unhealthy alarm would sit in ALARM forever and the control plane would keep the cluster isolated.
      throw new ValidationError(`alarmMinHealthyHosts must be at most seedNodeCount (${props.seedNodeCount}), got: ${minHealthy}`, this);
    }
  }
}
