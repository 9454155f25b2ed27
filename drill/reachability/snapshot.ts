/**
 * The moto side of the reachability model: what a cluster stack deploys besides the ids the control plane
 * reads (internet gateway, NAT gateway, routes, the seed-node, jumpbox and endpoint security groups and
 * network interfaces), and a reader that turns the VPC as EC2 describes it into a {@link NetworkSnapshot}.
 *
 * moto implements no VGW route propagation: the private route tables get static routes to the site CIDRs
 * through the VGW instead, which is what propagation would put there (VPC User Guide, "Route propagation").
 * Network interfaces carry a `seedshield:eni-role` tag (and `seedshield:service` for endpoints) so the reader
 * knows what each one stands for.
 */
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  DescribeVpnGatewaysCommand,
  type EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { randomUUID } from 'crypto';
import type { ClusterWorld } from '../world';
import { SESSION_MANAGER_SERVICES, type AclEntry, type EniRole, type EniView, type NetworkSnapshot, type RouteView, type SecurityGroupView, type SgRule } from './model';

/** Tag naming what a network interface stands for. */
export const ENI_ROLE_TAG = 'seedshield:eni-role';
/** Tag naming the AWS service of an interface endpoint's network interface. */
export const ENI_SERVICE_TAG = 'seedshield:service';
/**
 * The interface endpoints the cluster stack creates (operator access during an isolation, metrics): the same
 * list as `CLUSTER_ENDPOINT_SERVICES` in lib/constructs/cluster-endpoints.ts (a test holds them equal; the
 * drill does not load aws-cdk-lib).
 */
export const INTERFACE_ENDPOINT_SERVICES = [...SESSION_MANAGER_SERVICES, 'logs', 'kms', 'monitoring'] as const;
/** In how many private subnets (the first ones) the stack places each endpoint's interfaces. */
export const INTERFACE_ENDPOINT_AZS = 2;

/**
 * Adds to a built cluster world what carries its flows: an internet gateway and public route table, one NAT
 * gateway, default routes of the private tables through it, static site routes through the VGW, and the
 * network interfaces of the NLB (one per public subnet), the seed nodes (one per private subnet), the jumpbox
 * and the interface endpoints (one per service in each of the first two private subnets), with the security
 * groups the stack gives them.
 */
export async function addFlowFixtures(ec2: EC2Client, world: ClusterWorld, siteCidrs: readonly string[]): Promise<void> {
  const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [world.vpcId] }))).Vpcs![0];
  const vpcCidr = vpc.CidrBlock!;
  const igw = await ec2.send(new CreateInternetGatewayCommand({}));
  const igwId = igw.InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: world.vpcId }));
  const pub = await ec2.send(new CreateRouteTableCommand({ VpcId: world.vpcId }));
  const pubRt = pub.RouteTable!.RouteTableId!;
  await ec2.send(new CreateRouteCommand({ RouteTableId: pubRt, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId }));
  for (const subnetId of world.publicSubnetIds) await ec2.send(new AssociateRouteTableCommand({ RouteTableId: pubRt, SubnetId: subnetId }));

  const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  const nat = await ec2.send(new CreateNatGatewayCommand({ SubnetId: world.publicSubnetIds[0], AllocationId: eip.AllocationId! }));
  const natId = nat.NatGateway!.NatGatewayId!;
  for (const rt of world.privateRouteTableIds) {
    await ec2.send(new CreateRouteCommand({ RouteTableId: rt, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId }));
    for (const site of siteCidrs) {
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: rt, ...(site.includes(':') ? { DestinationIpv6CidrBlock: site } : { DestinationCidrBlock: site }), GatewayId: world.vpnGatewayId }),
      );
    }
  }

  const group = async (name: string, ingress: IpPermission[]): Promise<string> => {
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${world.clusterId}-${name}-${randomUUID().slice(0, 8)}`, Description: name, VpcId: world.vpcId }));
    if (ingress.length > 0) await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId!, IpPermissions: ingress }));
    return sg.GroupId!;
  };
  // As the stack: the jumpbox has no ingress; the nodes admit the NLB on nodeos's ports and nothing else
  // (operators reach them through Session Manager, which opens no port).
  const jumpboxSg = await group('jumpbox', []);
  const nodeSg = await group('nodes', [
    { IpProtocol: 'tcp', FromPort: 9876, ToPort: 9876, UserIdGroupPairs: [{ GroupId: world.nlbSecurityGroupId }] },
    { IpProtocol: 'tcp', FromPort: 8888, ToPort: 8888, UserIdGroupPairs: [{ GroupId: world.nlbSecurityGroupId }] },
  ]);
  const endpointSg = await group('endpoints', [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: vpcCidr }] }]);

  const eni = async (subnetId: string, role: EniRole, groups: string[], service?: string) =>
    ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        Groups: groups,
        TagSpecifications: [
          { ResourceType: 'network-interface', Tags: [{ Key: ENI_ROLE_TAG, Value: role }, ...(service ? [{ Key: ENI_SERVICE_TAG, Value: service }] : [])] },
        ],
      }),
    );
  for (const subnetId of world.publicSubnetIds) await eni(subnetId, 'nlb', [world.nlbSecurityGroupId]);
  for (const subnetId of world.privateSubnetIds) await eni(subnetId, 'seed-node', [nodeSg]);
  await eni(world.privateSubnetIds[0], 'jumpbox', [jumpboxSg]);
  for (const service of INTERFACE_ENDPOINT_SERVICES) {
    for (const subnetId of world.privateSubnetIds.slice(0, INTERFACE_ENDPOINT_AZS)) await eni(subnetId, 'endpoint', [endpointSg], service);
  }
}

/** Reads one cluster VPC from EC2 into the model's snapshot (read-only). */
export async function readNetworkSnapshot(ec2: EC2Client, world: ClusterWorld, siteCidrs: readonly string[]): Promise<NetworkSnapshot> {
  const byVpc = [{ Name: 'vpc-id', Values: [world.vpcId] }];
  const [vpcs, acls, tables, groups, enis, nats, vgws] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ VpcIds: [world.vpcId] })),
    ec2.send(new DescribeNetworkAclsCommand({ Filters: byVpc })),
    ec2.send(new DescribeRouteTablesCommand({ Filters: byVpc })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: byVpc })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: byVpc })),
    ec2.send(new DescribeNatGatewaysCommand({ Filter: byVpc })),
    ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: [world.vpnGatewayId] })),
  ]);
  const vpc = vpcs.Vpcs![0];
  const vpcCidrs = [vpc.CidrBlock!, ...(vpc.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock!).filter(Boolean)];

  const networkAcls: Record<string, AclEntry[]> = {};
  const aclOfSubnet = new Map<string, string>();
  for (const acl of acls.NetworkAcls ?? []) {
    networkAcls[acl.NetworkAclId!] = (acl.Entries ?? []).map((e) => ({
      ruleNumber: e.RuleNumber!,
      egress: e.Egress!,
      action: e.RuleAction as 'allow' | 'deny',
      protocol: e.Protocol === 'all' ? '-1' : e.Protocol!,
      cidr: (e.CidrBlock ?? e.Ipv6CidrBlock)!,
      ...(e.PortRange ? { portFrom: e.PortRange.From, portTo: e.PortRange.To } : {}),
    }));
    for (const a of acl.Associations ?? []) if (a.SubnetId) aclOfSubnet.set(a.SubnetId, acl.NetworkAclId!);
  }
  const rtOfSubnet = new Map<string, string>();
  const mainRt = (tables.RouteTables ?? []).find((t) => (t.Associations ?? []).some((a) => a.Main))?.RouteTableId;
  const routeTables = (tables.RouteTables ?? []).map((t) => {
    for (const a of t.Associations ?? []) if (a.SubnetId) rtOfSubnet.set(a.SubnetId, t.RouteTableId!);
    const routes: RouteView[] = (t.Routes ?? []).flatMap((r): RouteView[] => {
      const destination = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
      if (!destination || r.GatewayId === 'local') return [];
      if (r.State === 'blackhole') return [{ destination, target: 'blackhole' }];
      if (r.NatGatewayId) return [{ destination, target: 'nat', targetId: r.NatGatewayId }];
      if (r.GatewayId?.startsWith('igw-')) return [{ destination, target: 'igw', targetId: r.GatewayId }];
      if (r.GatewayId?.startsWith('vgw-')) return [{ destination, target: 'vgw', targetId: r.GatewayId }];
      return [];
    });
    return { id: t.RouteTableId!, routes, propagatingVgwIds: (t.PropagatingVgws ?? []).map((p) => p.GatewayId!) };
  });
  const subnetIds = [...world.publicSubnetIds, ...world.privateSubnetIds];
  const subnets = subnetIds.map((id) => ({ id, networkAclId: aclOfSubnet.get(id) ?? 'none', routeTableId: rtOfSubnet.get(id) ?? mainRt ?? 'none' }));

  const flatten = (perms: readonly IpPermission[] | undefined): SgRule[] =>
    (perms ?? []).flatMap((p) => {
      const base = { protocol: p.IpProtocol ?? '-1', ...(p.FromPort !== undefined ? { fromPort: p.FromPort, toPort: p.ToPort } : {}) };
      return [
        ...(p.IpRanges ?? []).map((r) => ({ ...base, cidr: r.CidrIp })),
        ...(p.Ipv6Ranges ?? []).map((r) => ({ ...base, cidr: r.CidrIpv6 })),
        ...(p.UserIdGroupPairs ?? []).map((g) => ({ ...base, groupId: g.GroupId })),
      ];
    });
  const securityGroups: SecurityGroupView[] = (groups.SecurityGroups ?? []).map((g) => ({
    id: g.GroupId!,
    ingress: flatten(g.IpPermissions),
    egress: flatten(g.IpPermissionsEgress),
  }));

  const eniViews: EniView[] = [];
  for (const e of enis.NetworkInterfaces ?? []) {
    const role = e.TagSet?.find((t) => t.Key === ENI_ROLE_TAG)?.Value as EniRole | undefined;
    if (!role) continue;
    const service = e.TagSet?.find((t) => t.Key === ENI_SERVICE_TAG)?.Value;
    eniViews.push({
      id: e.NetworkInterfaceId!,
      role,
      subnetId: e.SubnetId!,
      ip: e.PrivateIpAddress!,
      securityGroupIds: (e.Groups ?? []).map((g) => g.GroupId!),
      ...(service ? { service } : {}),
    });
  }
  for (const n of nats.NatGateways ?? []) {
    const address = n.NatGatewayAddresses?.[0];
    if (n.State === 'deleted' || !address?.PrivateIp) continue;
    eniViews.push({ id: n.NatGatewayId!, role: 'nat', subnetId: n.SubnetId!, ip: address.PrivateIp, securityGroupIds: [], service: n.NatGatewayId });
  }
  const vgw = vgws.VpnGateways?.[0];
  return {
    vpcCidrs,
    subnets,
    networkAcls,
    routeTables,
    securityGroups,
    enis: eniViews,
    siteCidrs: [...siteCidrs],
    ...(vgw
      ? { vpnGateway: { id: vgw.VpnGatewayId!, attached: (vgw.VpcAttachments ?? []).some((a) => a.VpcId === world.vpcId && a.State === 'attached'), advertisedCidrs: [...siteCidrs] } }
      : {}),
  };
}

/**
 * The snapshot of each cluster world as built (everything open): established flows are the ones opened in it,
 * so an isolation is judged on whether it drops them (tracked SG connections survive a rule change).
 */
export const OPEN_WORLD_SNAPSHOTS = new WeakMap<ClusterWorld, NetworkSnapshot>();
