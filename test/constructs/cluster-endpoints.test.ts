/**
 * The cluster's interface VPC endpoints: what keeps operator sessions, session logs and the node agent's
 * metrics inside the VPC while an isolation denies the internet on the cluster's network ACLs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { stackNames } from '../../lib/config/naming';
import { CLUSTER_ENDPOINT_SERVICES, ClusterEndpoints } from '../../lib/constructs/cluster-endpoints';
import { ClusterStack } from '../../lib/stacks/cluster-stack';
import { INTERFACE_ENDPOINT_AZS, INTERFACE_ENDPOINT_SERVICES } from '../../drill/reachability/snapshot';
import { exampleConfig } from '../support/example';

const CDK_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
const config = exampleConfig();
/** eu-north: 3 AZs, 10.x VPC CIDR from the example. */
const cluster = config.clusters[0];
const template = Template.fromStack(
  new ClusterStack(new App({ context: CDK_CONTEXT }), stackNames.cluster(cluster.id), {
    env: { account: cluster.account, region: cluster.region },
    config,
    cluster,
  }),
);

/** A bare VPC with `azs` private subnets. */
function bareVpc(azs: number): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(new App(), 'Bare', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.9.0.0/16'),
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'].slice(0, azs),
    natGateways: 1,
  });
  return { stack, vpc };
}

describe('ClusterEndpoints in the cluster stack', () => {
  test('when synthesized, it creates one interface endpoint with private DNS for each of ssm, ssmmessages, ec2messages, logs, monitoring and kms', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => r.Properties);
    // THEN
    expect(endpoints).toHaveLength(6);
    expect(endpoints.map((e) => e.ServiceName).sort()).toEqual(
      ['ec2messages', 'kms', 'logs', 'monitoring', 'ssm', 'ssmmessages'].map((s) => `com.amazonaws.${cluster.region}.${s}`),
    );
    for (const e of endpoints) {
      expect(e).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true, VpcId: { Ref: expect.stringMatching(/^SeedClusterVpc/) } });
    }
  });

  test('when synthesized on a 3-AZ cluster, each endpoint has one interface in each of the first 2 private subnets', () => {
    // GIVEN / WHEN: eu-north spans 3 AZs
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => r.Properties);
    // THEN: 2 AZs keep the endpoints up through one AZ outage; the third AZ reaches them across zones
    for (const e of endpoints) {
      expect(e.SubnetIds).toEqual([1, 2].map((i) => ({ Ref: expect.stringMatching(new RegExp(`^SeedClusterVpcPrivateSubnet${i}Subnet`)) })));
    }
  });

  test('when synthesized, the endpoints\' security group admits HTTPS from the VPC CIDR only, and nothing goes out of it', () => {
    // GIVEN / WHEN: the example eu-north cluster
    // THEN
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^seedshield VPC endpoints'),
      SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: cluster.vpcCidr, Description: Match.anyValue() }],
      // CDK's stand-in for "no egress" when allowAllOutbound is false
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    const endpointSgIds = new Set(
      Object.values(template.findResources('AWS::EC2::VPCEndpoint')).flatMap((r) => r.Properties.SecurityGroupIds.map((g: any) => g['Fn::GetAtt'][0])),
    );
    expect([...endpointSgIds]).toEqual([expect.stringMatching(/^SeedClusterEndpointsSecurityGroup/)]);
  });
});

describe('ClusterEndpoints and the drill', () => {
  test('when the drill builds its moto cluster, it gives it the endpoints the stack creates, in as many subnets', () => {
    // GIVEN / WHEN: the drill's flow fixtures (drill/reachability/snapshot.ts) and the stack's endpoints
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => r.Properties);
    // THEN: the reachability invariant judges the cluster that is deployed
    expect([...INTERFACE_ENDPOINT_SERVICES].sort()).toEqual([...CLUSTER_ENDPOINT_SERVICES].sort());
    expect(endpoints.every((e) => e.SubnetIds.length === INTERFACE_ENDPOINT_AZS)).toBe(true);
  });
});

describe('ClusterEndpoints props', () => {
  test('when availabilityZoneCount is 3, each endpoint sits in all three private subnets', () => {
    // GIVEN
    const { stack, vpc } = bareVpc(3);
    // WHEN
    new ClusterEndpoints(stack, 'Endpoints', { vpc, availabilityZoneCount: 3, services: ['ssm'] });
    // THEN
    const endpoints = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0].Properties.SubnetIds).toEqual([1, 2, 3].map((i) => ({ Ref: expect.stringMatching(new RegExp(`^VpcPrivateSubnet${i}Subnet`)) })));
  });

  test('when no CIDR is given, the security group admits the VPC\'s own CidrBlock attribute', () => {
    // GIVEN
    const { stack, vpc } = bareVpc(2);
    // WHEN
    new ClusterEndpoints(stack, 'Endpoints', { vpc });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ FromPort: 443, CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] } })],
    });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', CLUSTER_ENDPOINT_SERVICES.length);
  });

  test('when availabilityZoneCount exceeds the private subnets, it fails naming the prop and the value', () => {
    // GIVEN
    const { stack, vpc } = bareVpc(2);
    // WHEN / THEN
    expect(() => new ClusterEndpoints(stack, 'Endpoints', { vpc, availabilityZoneCount: 3 })).toThrow(
      "availabilityZoneCount must be an integer from 1 to the VPC's 2 private subnets, got: 3",
    );
  });

  test('when a service is listed twice, it fails naming services', () => {
    // GIVEN
    const { stack, vpc } = bareVpc(2);
    // WHEN / THEN
    expect(() => new ClusterEndpoints(stack, 'Endpoints', { vpc, services: ['ssm', 'logs', 'ssm'] })).toThrow('services must name each service once, got: ["ssm","logs","ssm"]');
  });
});
