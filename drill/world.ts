/**
 * Builds, in moto, the AWS world the control plane acts on: what one cluster stack deploys (VPC, subnets,
 * network ACLs, the NLB security group, route tables, a VPN gateway, Elastic IPs, and the SSM parameters named
 * by `clusterParameterName`) and what the DNS stack deploys (a hosted zone with weighted records,
 * SetIdentifier = cluster id). Used by the actuator tests and the drill.
 *
 * Every call creates new resources (new VPC, new zone), so scenarios sharing one moto server do not interfere.
 */
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachVpnGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclCommand,
  CreateLaunchTemplateCommand,
  CreateNetworkAclEntryCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpnGatewayCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'crypto';
import { CLUSTER_TAG_KEY, clusterParameterName, type ClusterParameterKey } from '../lib/config/naming';
import type { ClusterResources } from '../lambdas/actuators/discovery';

/** Ports the seed nodes listen on (p2p and http) in the world a cluster stack builds. */
export const SEED_PORTS = [9876, 8888] as const;

/** Rule number of the cluster's own allow entries (deny entries of an isolation go below it). */
export const ALLOW_RULE_NUMBER = 1000;

/**
 * Image of the seed nodes' launch template. moto launches instances from an image id it does not know (listing
 * its ~1,100 built-in images to pick a real one takes ~15 s per world).
 */
export const SEED_NODE_IMAGE_ID = 'ami-05eed5eed5eed5eed';

/** Seed nodes per cluster world (one per private subnet's AZ would do; two keep the worlds small). */
export const SEED_NODE_COUNT = 2;

/** What {@link buildClusterWorld} created: the resources the control plane discovers, plus the VPC. */
export interface ClusterWorld extends ClusterResources {
  readonly vpcId: string;
  /** The seed nodes' Auto Scaling group (fixed size {@link SEED_NODE_COUNT}, in the private subnets). */
  readonly seedNodeAutoScalingGroupName: string;
  /** The SSM parameters published, by key. */
  readonly parameters: Readonly<Record<ClusterParameterKey, string>>;
}

/** Options of {@link buildClusterWorld}. */
export interface ClusterWorldOptions {
  /**
   * Second octet of the VPC's 10.x.0.0/16 (moto accepts overlapping VPCs; distinct ones read better in logs).
   * @default 0
   */
  readonly vpcOctet?: number;
  /**
   * Availability zones (one public and one private subnet each).
   * @default - `${region}a` and `${region}b`
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Leave these SSM parameters out (to test discovery errors).
   * @default - publish every parameter
   */
  readonly omitParameters?: readonly ClusterParameterKey[];
}

/**
 * Creates one cluster's resources in moto and publishes their ids in SSM exactly as the cluster stack does.
 *
 * The NLB security group allows tcp 9876 and 8888 from 0.0.0.0/0 and ::/0; both ACLs allow everything at rule
 * 1000 (IPv4) and 1001 (IPv6), ingress and egress; each private subnet has its own route table; a fixed-size
 * Auto Scaling group runs the seed nodes in the private subnets (moto starts its instances and their volumes).
 */
export async function buildClusterWorld(
  clients: {
    readonly ec2: EC2Client;
    readonly ssm: SSMClient;
    /** @default - a client built from the EC2 client's endpoint and credentials */
    readonly autoScaling?: AutoScalingClient;
  },
  clusterId: string,
  options: ClusterWorldOptions = {},
): Promise<ClusterWorld> {
  const { ec2, ssm } = clients;
  const region = await ec2.config.region();
  const octet = options.vpcOctet ?? 0;
  const azs = options.availabilityZones ?? [`${region}a`, `${region}b`];
  const tagSpec = (type: string, name: string) => [
    { ResourceType: type as never, Tags: [{ Key: CLUSTER_TAG_KEY, Value: clusterId }, { Key: 'Name', Value: `${clusterId}-${name}` }] },
  ];

  const vpc = await ec2.send(
    new CreateVpcCommand({ CidrBlock: `10.${octet}.0.0/16`, AmazonProvidedIpv6CidrBlock: true, TagSpecifications: tagSpec('vpc', 'vpc') }),
  );
  const vpcId = vpc.Vpc!.VpcId!;

  const publicSubnetIds: string[] = [];
  const privateSubnetIds: string[] = [];
  for (const [i, az] of azs.entries()) {
    const pub = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.${octet}.${i}.0/24`, AvailabilityZone: az, TagSpecifications: tagSpec('subnet', `public-${i}`) }),
    );
    publicSubnetIds.push(pub.Subnet!.SubnetId!);
    const priv = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.${octet}.${100 + i}.0/24`, AvailabilityZone: az, TagSpecifications: tagSpec('subnet', `private-${i}`) }),
    );
    privateSubnetIds.push(priv.Subnet!.SubnetId!);
  }

  const createAcl = async (name: string, subnetIds: readonly string[]): Promise<string> => {
    const acl = await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId, TagSpecifications: tagSpec('network-acl', name) }));
    const aclId = acl.NetworkAcl!.NetworkAclId!;
    for (const egress of [false, true]) {
      await ec2.send(
        new CreateNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: ALLOW_RULE_NUMBER, Egress: egress, Protocol: '-1', RuleAction: 'allow', CidrBlock: '0.0.0.0/0' }),
      );
      await ec2.send(
        new CreateNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: ALLOW_RULE_NUMBER + 1, Egress: egress, Protocol: '-1', RuleAction: 'allow', Ipv6CidrBlock: '::/0' }),
      );
    }
    // Move the subnets from the VPC's default ACL to this one.
    const defaults = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'default', Values: ['true'] }] }));
    for (const assoc of defaults.NetworkAcls?.[0]?.Associations ?? []) {
      if (assoc.SubnetId && subnetIds.includes(assoc.SubnetId) && assoc.NetworkAclAssociationId) {
        await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: assoc.NetworkAclAssociationId, NetworkAclId: aclId }));
      }
    }
    return aclId;
  };
  const publicNetworkAclId = await createAcl('public', publicSubnetIds);
  const privateNetworkAclId = await createAcl('private', privateSubnetIds);

  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${clusterId}-nlb-${randomUUID().slice(0, 8)}`, Description: `NLB of ${clusterId}`, VpcId: vpcId, TagSpecifications: tagSpec('security-group', 'nlb') }),
  );
  const nlbSecurityGroupId = sg.GroupId!;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: nlbSecurityGroupId,
      IpPermissions: SEED_PORTS.map((port) => ({
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: `seed ${port} IPv4` }],
        Ipv6Ranges: [{ CidrIpv6: '::/0', Description: `seed ${port} IPv6` }],
      })),
    }),
  );

  const privateRouteTableIds: string[] = [];
  for (const [i, subnetId] of privateSubnetIds.entries()) {
    const rt = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tagSpec('route-table', `private-${i}`) }));
    const rtId = rt.RouteTable!.RouteTableId!;
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rtId, SubnetId: subnetId }));
    privateRouteTableIds.push(rtId);
  }

  const vgw = await ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', TagSpecifications: tagSpec('vpn-gateway', 'vgw') }));
  const vpnGatewayId = vgw.VpnGateway!.VpnGatewayId!;
  await ec2.send(new AttachVpnGatewayCommand({ VpcId: vpcId, VpnGatewayId: vpnGatewayId }));

  const eipAllocationIds: string[] = [];
  const nlbAddresses: string[] = [];
  for (let i = 0; i < azs.length; i++) {
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagSpec('elastic-ip', `eip-${i}`) }));
    eipAllocationIds.push(eip.AllocationId!);
    nlbAddresses.push(eip.PublicIp!);
  }

  const autoScaling =
    clients.autoScaling ?? new AutoScalingClient({ region, endpoint: ec2.config.endpoint, credentials: ec2.config.credentials });
  const suffix = randomUUID().slice(0, 8);
  const launchTemplate = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${clusterId}-seed-${suffix}`,
      LaunchTemplateData: { ImageId: SEED_NODE_IMAGE_ID, InstanceType: 't3.small', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 20 } }] },
    }),
  );
  const seedNodeAutoScalingGroupName = `${clusterId}-seed-nodes-${suffix}`;
  await autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: seedNodeAutoScalingGroupName,
      MinSize: SEED_NODE_COUNT,
      MaxSize: SEED_NODE_COUNT,
      DesiredCapacity: SEED_NODE_COUNT,
      LaunchTemplate: { LaunchTemplateId: launchTemplate.LaunchTemplate!.LaunchTemplateId! },
      VPCZoneIdentifier: privateSubnetIds.join(','),
      Tags: [{ Key: CLUSTER_TAG_KEY, Value: clusterId, PropagateAtLaunch: true }],
    }),
  );

  const parameters: Record<ClusterParameterKey, string> = {
    nlbSecurityGroupId,
    eipAllocationIds: eipAllocationIds.join(','),
    nlbAddresses: nlbAddresses.join(','),
    publicSubnetIds: publicSubnetIds.join(','),
    privateSubnetIds: privateSubnetIds.join(','),
    publicNetworkAclId,
    privateNetworkAclId,
    privateRouteTableIds: privateRouteTableIds.join(','),
    vpnGatewayId,
    vpcId,
    seedNodeAutoScalingGroupName,
  };
  for (const [key, value] of Object.entries(parameters) as [ClusterParameterKey, string][]) {
    if (options.omitParameters?.includes(key)) continue;
    await ssm.send(new PutParameterCommand({ Name: clusterParameterName(clusterId, key), Value: value, Type: 'String', Overwrite: true }));
  }

  return {
    clusterId,
    region,
    vpcId,
    nlbSecurityGroupId,
    publicSubnetIds,
    privateSubnetIds,
    publicNetworkAclId,
    privateNetworkAclId,
    privateRouteTableIds,
    vpnGatewayId,
    eipAllocationIds,
    nlbAddresses,
    seedNodeAutoScalingGroupName,
    parameters,
  };
}

/** One cluster's weighted records in {@link buildDnsWorld}. */
export interface DnsWorldCluster {
  /** SetIdentifier of its records. */
  readonly id: string;
  readonly weight: number;
  /** IPv4 addresses of its A record. */
  readonly ipv4: readonly string[];
  /**
   * IPv6 addresses of its AAAA record.
   * @default - no AAAA record
   */
  readonly ipv6?: readonly string[];
  /**
   * Attach a (new) Route 53 health check to its records.
   * @default false
   */
  readonly withHealthCheck?: boolean;
}

/** Options of {@link buildDnsWorld}. */
export interface DnsWorldOptions {
  readonly clusters: readonly DnsWorldCluster[];
  /**
   * Zone name.
   * @default - a unique `seedshield-<random>.test`
   */
  readonly zoneName?: string;
  /**
   * Label of the seed record inside the zone.
   * @default 'seed'
   */
  readonly recordLabel?: string;
  /** @default 60 */
  readonly ttlSeconds?: number;
}

/** What {@link buildDnsWorld} created. */
export interface DnsWorld {
  readonly hostedZoneId: string;
  readonly zoneName: string;
  /** Fully qualified record name, no trailing dot. */
  readonly recordName: string;
  readonly ttlSeconds: number;
  /** Health check id per cluster id (only those created with one). */
  readonly healthCheckIds: Readonly<Record<string, string>>;
}

/** Creates a new hosted zone with the seed record's weighted A (and AAAA) records, SetIdentifier = cluster id. */
export async function buildDnsWorld(route53: Route53Client, options: DnsWorldOptions): Promise<DnsWorld> {
  const zoneName = options.zoneName ?? `seedshield-${randomUUID().slice(0, 8)}.test`;
  const recordName = `${options.recordLabel ?? 'seed'}.${zoneName}`;
  const ttlSeconds = options.ttlSeconds ?? 60;
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: zoneName, CallerReference: randomUUID() }));
  const hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');

  const healthCheckIds: Record<string, string> = {};
  const records: ResourceRecordSet[] = [];
  for (const c of options.clusters) {
    if (c.withHealthCheck) {
      const hc = await route53.send(
        new CreateHealthCheckCommand({
          CallerReference: randomUUID(),
          HealthCheckConfig: { Type: 'TCP', IPAddress: c.ipv4[0], Port: 9876, RequestInterval: 30, FailureThreshold: 3 },
        }),
      );
      healthCheckIds[c.id] = hc.HealthCheck!.Id!;
    }
    const common = {
      Name: recordName,
      SetIdentifier: c.id,
      Weight: c.weight,
      TTL: ttlSeconds,
      ...(healthCheckIds[c.id] ? { HealthCheckId: healthCheckIds[c.id] } : {}),
    };
    records.push({ ...common, Type: 'A', ResourceRecords: c.ipv4.map((Value) => ({ Value })) });
    if (c.ipv6?.length) records.push({ ...common, Type: 'AAAA', ResourceRecords: c.ipv6.map((Value) => ({ Value })) });
  }
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: { Changes: records.map((ResourceRecordSet) => ({ Action: 'CREATE', ResourceRecordSet })) },
    }),
  );
  return { hostedZoneId, zoneName, recordName, ttlSeconds, healthCheckIds };
}

/**
 * Creates the control plane's state table in moto with the key schema the control-plane stack gives it
 * (string `pk` and `sk`, on-demand), so every test, the drill and the bench exercise the same layout.
 */
export async function createStateTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
