import { gunzipSync } from 'zlib';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { alarmName, CLUSTER_PARAMETERS, CLUSTER_TAG_KEY, ClusterParameterKey, clusterParameterName, stackNames } from '../../lib/config/naming';
import { SeedshieldConfig } from '../../lib/config/schema';
import { SeedCluster } from '../../lib/constructs/seed-cluster';
import { ClusterStack } from '../../lib/stacks/cluster-stack';
import { configWith, exampleConfig } from '../support/example';
import { seedClusterProps } from '../support/seed-cluster-props';

const CDK_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

/**
 * Only the cluster stacks, built exactly as the app builds them: these tests do not depend on the DNS and
 * control-plane stacks (or their Lambda bundles).
 */
function clusterStacks(config: SeedshieldConfig = exampleConfig(), nag = false): { app: App; stacks: ClusterStack[] } {
  // The feature flags of cdk.json, as `cdk synth` sees them: they change ARNs (partition literals) and so the
  // ids of cdk-nag findings.
  const app = new App({ context: CDK_CONTEXT });
  const stacks = config.clusters.map(
    (cluster) => new ClusterStack(app, stackNames.cluster(cluster.id), { env: { account: cluster.account, region: cluster.region }, config, cluster }),
  );
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}

const example = clusterStacks();
/** eu-north: 3 AZs. */
const north = example.stacks[0];
const northTemplate = Template.fromStack(north);
const northId = 'eu-north';

/** Props for a SeedCluster built directly in a bare stack (validation tests). */

describe('SeedCluster network', () => {
  test('when a cluster spans N availability zones, it has one NAT gateway per AZ, in the configured CIDR', () => {
    // GIVEN
    const [, central] = example.stacks;
    // WHEN
    const centralTemplate = Template.fromStack(central);
    // THEN
    northTemplate.resourceCountIs('AWS::EC2::NatGateway', 3);
    centralTemplate.resourceCountIs('AWS::EC2::NatGateway', 2);
    northTemplate.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.10.0.0/16' });
    expect(north.seedCluster.vpc.availabilityZones).toEqual(['eu-north-1a', 'eu-north-1b', 'eu-north-1c']);
  });

  test('when every cluster stack is synthesized without credentials, it needs no context lookup', () => {
    // GIVEN
    const { app } = clusterStacks();
    // WHEN
    const assembly = app.synth();
    // THEN
    expect(assembly.manifest.missing).toBeUndefined();
  });

  test('when synthesized, it logs every VPC flow and strips the default security group', () => {
    // GIVEN / WHEN: the example eu-north cluster
    // THEN
    northTemplate.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    northTemplate.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('when synthesized, it gives public and private subnets their own NACL whose allow entries all sit at rule 1000 or above', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const entries = northTemplate.findResources('AWS::EC2::NetworkAclEntry');
    // THEN: rules 1-999 stay free for the control plane's deny entries
    northTemplate.resourceCountIs('AWS::EC2::NetworkAcl', 2);
    northTemplate.resourceCountIs('AWS::EC2::SubnetNetworkAclAssociation', 6);
    expect(Object.keys(entries)).toHaveLength(4);
    for (const entry of Object.values(entries)) {
      expect(entry.Properties).toMatchObject({ RuleAction: 'allow', CidrBlock: '0.0.0.0/0', Protocol: -1 });
      expect(entry.Properties.RuleNumber).toBeGreaterThanOrEqual(1000);
    }
    const egress = Object.values(entries).map((e) => Boolean(e.Properties.Egress)).sort();
    expect(egress).toEqual([false, false, true, true]);
  });
});

describe('SeedCluster load balancer', () => {
  test('when synthesized, the NLB is internet-facing, cross-zone, with its security group and one Elastic IP per AZ', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const eips = Object.keys(northTemplate.findResources('AWS::EC2::EIP', { Properties: { Domain: 'vpc' } }));
    // THEN
    northTemplate.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    northTemplate.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterNlbSecurityGroup'), 'GroupId'] }],
      SubnetMappings: [0, 1, 2].map((i) =>
        Match.objectLike({
          AllocationId: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^SeedClusterNlbEip${i + 1}`), 'AllocationId'] },
          SubnetId: { Ref: Match.stringLikeRegexp(`^SeedClusterVpcPublicSubnet${i + 1}`) },
        }),
      ),
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]),
    });
    expect(eips.filter((id) => id.startsWith('SeedClusterNlbEip'))).toHaveLength(3);
    expect(north.seedCluster.eips).toHaveLength(3);
  });

  test('when no certificate is configured, it listens on 9876 and 8888 over TCP, and its security group opens only those ports', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const nlbSg = northTemplate.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^seedshield NLB') } });
    // THEN
    northTemplate.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    northTemplate.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9876, Protocol: 'TCP' });
    northTemplate.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8888, Protocol: 'TCP' });
    const ingress = Object.values(nlbSg)[0].Properties.SecurityGroupIngress;
    expect(ingress.map((r: any) => [r.CidrIp, r.IpProtocol, r.FromPort, r.ToPort])).toEqual([
      ['0.0.0.0/0', 'tcp', 9876, 9876],
      ['0.0.0.0/0', 'tcp', 8888, 8888],
    ]);
  });

  test('when httpsCertificateArn is configured, the HTTP API listener is TLS 443 with that certificate, forwarding to 8888', () => {
    // GIVEN
    const arn = 'arn:aws:acm:eu-north-1:111111111111:certificate/0b0b0b0b-1111-2222-3333-444444444444';
    const config = configWith((raw) => {
      raw.clusters[0].httpsCertificateArn = arn;
    });
    // WHEN
    const template = Template.fromStack(clusterStacks(config).stacks[0]);
    // THEN
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'TLS', Certificates: [{ CertificateArn: arn }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8888, Protocol: 'TCP', HealthCheckPath: '/v1/chain/get_info' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^seedshield NLB'),
      SecurityGroupIngress: [Match.objectLike({ FromPort: 9876 }), Match.objectLike({ FromPort: 443, ToPort: 443 })],
    });
  });

  test('when synthesized, both target groups preserve client IPs and health-check the seed nodes', () => {
    // GIVEN / WHEN: the example eu-north cluster
    // THEN
    for (const port of [9876, 8888]) {
      northTemplate.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: port,
        Protocol: 'TCP',
        HealthCheckEnabled: Match.absent(),
        HealthCheckPort: String(port),
        TargetGroupAttributes: Match.arrayWith([{ Key: 'preserve_client_ip.enabled', Value: 'true' }]),
      });
    }
    northTemplate.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      TargetGroupARNs: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^SeedClusterNlbP2pTargetGroup') }]),
      HealthCheckType: 'ELB',
    });
  });
});

describe('SeedCluster Shield Advanced', () => {
  test('when shieldAdvanced is true, it protects each Elastic IP, groups them per cluster, and leaves the health check unassociated on a first deploy', () => {
    // GIVEN / WHEN: the example (shieldAdvanced: true, shieldHealthBasedDetection defaults to false), eu-north with 3 AZs
    // THEN
    northTemplate.resourceCountIs('AWS::Shield::Protection', 3);
    northTemplate.resourceCountIs('AWS::Shield::ProtectionGroup', 1);
    northTemplate.hasResourceProperties('AWS::Shield::Protection', {
      Name: 'seedshield-eu-north-eip-1',
      ResourceArn: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':ec2:eu-north-1:111111111111:eip-allocation/$'), { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterNlbEip1'), 'AllocationId'] }])],
      },
      // Shield wants the health check healthy when associated: none of the seed nodes is, before the first deploy.
      HealthCheckArns: Match.absent(),
    });
    northTemplate.hasResourceProperties('AWS::Shield::ProtectionGroup', {
      ProtectionGroupId: 'seedshield-eu-north',
      Pattern: 'ARBITRARY',
      Aggregation: 'SUM',
      Members: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]),
    });
    northTemplate.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: { Ref: Match.stringLikeRegexp('^SeedClusterAlarmsUnhealthyHealthyHosts') }, Region: 'eu-north-1' } },
    });
    const group = Object.values(northTemplate.findResources('AWS::Shield::ProtectionGroup'))[0];
    expect(group.Properties.Members).toHaveLength(3);
  });

  test('when shieldHealthBasedDetection is true (the health check reported healthy), each protection gets the health check', () => {
    // GIVEN
    const config = configWith((raw) => {
      raw.protection.shieldHealthBasedDetection = true;
    });
    // WHEN
    const template = Template.fromStack(clusterStacks(config).stacks[0]);
    // THEN
    const protections = Object.values(template.findResources('AWS::Shield::Protection'));
    expect(protections).toHaveLength(3);
    for (const p of protections) {
      expect(p.Properties.HealthCheckArns).toEqual([
        { 'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:route53:::healthcheck\/$/), { 'Fn::GetAtt': [expect.stringMatching(/^SeedClusterShieldHealthCheck/), 'HealthCheckId'] }])] },
      ]);
    }
  });

  test('when shieldAdvanced is false, it creates no Shield resources and no ddos alarms, and warns that the edge has Shield Standard only', () => {
    // GIVEN
    const config = configWith((raw) => {
      raw.protection.shieldAdvanced = false;
    });
    // WHEN
    const stack = clusterStacks(config).stacks[0];
    const template = Template.fromStack(stack);
    // THEN
    template.resourceCountIs('AWS::Shield::Protection', 0);
    template.resourceCountIs('AWS::Shield::ProtectionGroup', 0);
    template.resourceCountIs('AWS::Route53::HealthCheck', 0);
    expect(stack.seedCluster.alarms.filter((a) => a.kind === 'ddos')).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/Seedshield-Cluster-eu-north/SeedCluster', Match.stringLikeRegexp('only have Shield Standard'));
  });
});

describe('SeedCluster access', () => {
  test('when any cluster stack is synthesized, no security group allows 0.0.0.0/0 or ::/0 on port 22', () => {
    // GIVEN / WHEN: every cluster of the example
    const covers22 = (r: any) => String(r.IpProtocol) === '-1' || (r.FromPort <= 22 && r.ToPort >= 22);
    const open = (r: any) => r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0';
    // THEN
    for (const stack of example.stacks) {
      const template = Template.fromStack(stack);
      const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((sg) => sg.Properties.SecurityGroupIngress ?? []);
      const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
      expect(inline.length + standalone.length).toBeGreaterThan(0);
      expect([...inline, ...standalone].filter((r) => covers22(r) && open(r))).toEqual([]);
    }
  });

  test('when synthesized, seed nodes accept nodeos ports from the NLB and nothing else: no ssh, not even from the jumpbox', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const ingress = Object.values(northTemplate.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    const source = (r: any) => r.SourceSecurityGroupId['Fn::GetAtt'][0] as string;
    // THEN
    expect(ingress.filter((r) => r.FromPort === 22 || r.IpProtocol === '-1')).toEqual([]);
    for (const port of [9876, 8888]) {
      const rules = ingress.filter((r) => r.FromPort === port);
      expect(rules.map(source)).toEqual([expect.stringMatching(/^SeedClusterNlbSecurityGroup/)]);
    }
    const toNodes = ingress.filter((r) => /^SeedClusterSeedNodesSecurityGroup/.test(r.GroupId['Fn::GetAtt'][0]));
    expect(toNodes.map(source).every((id) => /^SeedClusterNlbSecurityGroup/.test(id))).toBe(true);
    northTemplate.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^seedshield jumpbox'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test("when synthesized, the jumpbox may open Session Manager sessions only to this cluster's instances, only with the logged document", () => {
    // GIVEN / WHEN: the example eu-north cluster
    const statements = Object.values(northTemplate.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('SeedClusterJumpboxRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const start = statements.filter((st: any) => [st.Action].flat().includes('ssm:StartSession'));
    // THEN: instances by the cluster tag, the session document by name, the document check on both
    expect(start).toHaveLength(2);
    const resource = (st: any) => JSON.stringify(st.Resource);
    const onInstances = start.find((st: any) => resource(st).includes(':instance/*'));
    const onDocument = start.find((st: any) => resource(st).includes(':document/'));
    expect(onInstances.Condition).toEqual({
      StringEquals: { [`ssm:resourceTag/${CLUSTER_TAG_KEY}`]: northId },
      BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' },
    });
    expect(resource(onDocument)).toContain(':document/seedshield-eu-north-session"');
    expect(onDocument.Condition).toEqual({ BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } });
    const own = statements.find((st: any) => [st.Action].flat().includes('ssm:TerminateSession'));
    expect(own.Condition).toEqual({ StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}*' } });
    northTemplate.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: CLUSTER_TAG_KEY, Value: northId, PropagateAtLaunch: true }]),
    });
  });

  test('when any cluster stack is synthesized, no policy grants EC2 Instance Connect (its public endpoint is unreachable while cut)', () => {
    // GIVEN / WHEN: every cluster of the example
    // THEN
    for (const stack of example.stacks) {
      const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
      expect(policies).not.toContain('ec2-instance-connect');
    }
  });

  test('when synthesized, seed nodes are Session Manager managed instances that may log sessions to the jumpbox\'s encrypted log group', () => {
    // GIVEN / WHEN: the example eu-north cluster
    // THEN: the SSM Agent's permissions, and the session log writes with the encryption check
    northTemplate.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('^seedshield seed node'),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
    northTemplate.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^SeedClusterSeedNodesRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterJumpboxSessionLogs'), 'Arn'] } }),
          Match.objectLike({ Action: 'logs:DescribeLogGroups', Resource: '*' }),
        ]),
      },
    });
  });

  test('when synthesized, the jumpbox installs the Session Manager plugin at first boot and is replaced when that script changes', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const instance = Object.values(northTemplate.findResources('AWS::EC2::Instance'))[0];
    const script = JSON.stringify(instance.Properties.UserData);
    // THEN
    expect(script).toContain('session-manager-downloads/plugin/latest/linux_<arch>/session-manager-plugin.rpm');
    expect(script).toContain('dnf install -y');
    expect(Object.keys(northTemplate.findResources('AWS::EC2::Instance'))[0]).toMatch(/^SeedClusterJumpbox[0-9A-F]{8}[0-9a-f]{16}$/);
  });

  test('when synthesized, seed nodes launch with IMDSv2 only, no public IP and an encrypted gp3 volume of the configured size', () => {
    // GIVEN / WHEN: the example eu-north cluster (volumeSizeGiB 500)
    // THEN
    northTemplate.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 'm7i.2xlarge',
        MetadataOptions: Match.objectLike({ HttpTokens: 'required' }),
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false })],
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 500, DeleteOnTermination: true } }],
        ImageId: { Ref: Match.stringLikeRegexp('canonicalubuntuserver2204') },
      }),
    });
    northTemplate.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '3',
      MaxSize: '3',
      VPCZoneIdentifier: [1, 2, 3].map((i) => ({ Ref: Match.stringLikeRegexp(`^SeedClusterVpcPrivateSubnet${i}`) })),
    });
  });

  test('when synthesized, the jumpbox sits in a private subnet with no public IP, IMDSv2 only, and logs sessions to an encrypted log group', () => {
    // GIVEN / WHEN: the example eu-north cluster
    // THEN
    northTemplate.hasResourceProperties('AWS::EC2::Instance', {
      NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false, SubnetId: { Ref: Match.stringLikeRegexp('^SeedClusterVpcPrivateSubnet') } })],
      LaunchTemplate: Match.objectLike({ LaunchTemplateName: Match.anyValue() }),
    });
    northTemplate.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
    northTemplate.hasResourceProperties('AWS::SSM::Document', {
      Name: 'seedshield-eu-north-session',
      DocumentType: 'Session',
      Content: Match.objectLike({
        inputs: Match.objectLike({ cloudWatchLogGroupName: { Ref: Match.stringLikeRegexp('^SeedClusterJumpboxSessionLogs') }, cloudWatchEncryptionEnabled: true }),
      }),
    });
    northTemplate.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterJumpboxSessionLogKey'), 'Arn'] } });
  });

  test('when synthesized, the seed-node role reads exactly the block-producer peer parameters, the peer-key secret and the snapshot object, and writes session logs', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const policies = northTemplate.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SeedClusterSeedNodesRole') }] } });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    // PutMetricData has no resource type: its scope is the namespace condition, checked in node-agent.test.ts;
    // DescribeLogGroups has none either (the SSM Agent's check of the session log group's encryption).
    const unscoped = ['cloudwatch:PutMetricData', 'logs:DescribeLogGroups'];
    const resources = JSON.stringify(statements.filter((s: any) => !unscoped.includes(s.Action)).map((s: any) => s.Resource));
    // THEN
    expect(statements.map((s: any) => s.Action).flat().sort()).toEqual([
      'cloudwatch:PutMetricData', // the node agent, under its namespace condition (test/constructs/node-agent.test.ts)
      'logs:CreateLogStream', // session logs: the jumpbox's session log group only
      'logs:DescribeLogGroups',
      'logs:PutLogEvents',
      's3:GetObject',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'ssm:DescribeParameters',
      'ssm:GetParameter',
      'ssm:GetParameterHistory',
      'ssm:GetParameters',
    ]);
    expect(resources).toContain(':parameter/seedshield/sites/green-mountain/block-producer-peers');
    expect(resources).toContain(':parameter/seedshield/sites/standby-bp/block-producer-peers');
    expect(resources).toContain(':secret:seedshield/block-producer-peer-key-??????');
    expect(resources).toContain(':s3:::seedshield-snapshots-111111111111/eos-mainnet/snapshot-2026-11-30.bin.zst"');
    expect(resources).toContain('SeedClusterJumpboxSessionLogs');
    expect(resources).not.toContain('*');
    northTemplate.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
      Description: Match.stringLikeRegexp('^seedshield seed node'),
    });
  });
});

describe('SeedCluster alarms', () => {
  test('when Shield is on, it raises ddos per EIP, unhealthy on healthy hosts and surge on flows and bytes, named for the control plane', () => {
    // GIVEN / WHEN: the example eu-north cluster
    const names = north.seedCluster.alarms.map((a) => a.alarmName);
    // THEN
    expect(names).toEqual([
      alarmName(northId, 'ddos', 'eip-1'),
      alarmName(northId, 'ddos', 'eip-2'),
      alarmName(northId, 'ddos', 'eip-3'),
      alarmName(northId, 'unhealthy', 'healthy-hosts'),
      alarmName(northId, 'surge', 'new-flows'),
      alarmName(northId, 'surge', 'processed-bytes'),
      alarmName(northId, 'lagging', 'head-block'),
      alarmName(northId, 'lagging', 'head-block-sustained'),
      alarmName(northId, 'lagging', 'peers'),
    ]);
    // Detection alarms (seedshield.<cluster>.*) are exactly these; the stack's other alarms are the site VPN's
    // operations alarms (seedshield-ops.<cluster>.*, two per connection), which the control plane never reads.
    const detection = northTemplate.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: Match.stringLikeRegexp('^seedshield\\.') } });
    expect(Object.keys(detection)).toHaveLength(9);
    // 9 detection alarms, 2 per VPN connection (2 sites x 2 lines), 1 on the forwarding dead-letter queue
    northTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 9 + 2 * 4 + 1);
    for (const name of names) {
      northTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name, Tags: Match.arrayWith([{ Key: CLUSTER_TAG_KEY, Value: northId }]) });
    }
  });

  test('when synthesized, the lagging alarms judge the median node on the agent\'s 10-second metrics and leave missing data missing', () => {
    // GIVEN / WHEN: the example eu-north cluster (default thresholds)
    // THEN the median (p50 over the cluster-dimension metric every node publishes to) over 10 s periods
    northTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName(northId, 'lagging', 'head-block'),
      Namespace: 'Seedshield/Chain',
      MetricName: 'HeadBlockLagSeconds',
      Dimensions: [{ Name: 'ClusterId', Value: northId }],
      ExtendedStatistic: 'p50',
      Period: 10,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 30,
      // no data is unknown (INSUFFICIENT_DATA), which holds the cluster: never "healthy"
      TreatMissingData: 'missing',
    });
    // the sustained one fires 60 s (six periods) later: the event at which a settling lag is re-judged
    northTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName(northId, 'lagging', 'head-block-sustained'),
      MetricName: 'HeadBlockLagSeconds',
      EvaluationPeriods: 9,
      TreatMissingData: 'missing',
    });
    northTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName(northId, 'lagging', 'peers'),
      MetricName: 'PeerCount',
      ExtendedStatistic: 'p50',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 3,
      TreatMissingData: 'missing',
    });
  });

  test('when synthesized, the ddos alarm watches DDoSDetected on the EIP allocation ARN and treats missing data as not breaching', () => {
    // GIVEN / WHEN: the example eu-north cluster
    // THEN
    northTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'seedshield.eu-north.ddos.eip-2',
      Namespace: 'AWS/DDoSProtection',
      MetricName: 'DDoSDetected',
      Dimensions: [{ Name: 'ResourceArn', Value: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterNlbEip2'), 'AllocationId'] }])] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('when minHealthyHosts and evaluationPeriods are configured, the healthy-hosts alarm fires below that count on the p2p target group', () => {
    // GIVEN
    const config = configWith((raw) => {
      raw.clusters[0].alarms = { minHealthyHosts: 2, evaluationPeriods: 3, surgeNewFlowsPerMinute: 1234 };
    });
    // WHEN
    const template = Template.fromStack(clusterStacks(config).stacks[0]);
    // THEN: HealthyHostCount < 2, i.e. the alarm fires with 1 or 0 healthy nodes
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'seedshield.eu-north.unhealthy.healthy-hosts',
      Namespace: 'AWS/NetworkELB',
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 2,
      EvaluationPeriods: 3,
      Dimensions: Match.arrayWith([Match.objectLike({ Name: 'TargetGroup', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterNlbP2pTargetGroup'), 'TargetGroupFullName'] } })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'seedshield.eu-north.surge.new-flows',
      MetricName: 'NewFlowCount',
      Statistic: 'Sum',
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1234,
      EvaluationPeriods: 3,
    });
  });

  test('when minHealthyHosts exceeds the seed node count, it fails with the prop, the rule and the value', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Direct', { env: { account: '111111111111', region: 'eu-west-1' } });
    // WHEN
    const build = () => new SeedCluster(stack, 'Cluster', seedClusterProps(stack, { alarmMinHealthyHosts: 3 }));
    // THEN
    expect(build).toThrow('alarmMinHealthyHosts must be at most seedNodeCount (2), got: 3');
  });

  test('when minHealthyHosts is 0, it fails: an alarm on "fewer than 0 healthy hosts" could never fire', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Direct', { env: { account: '111111111111', region: 'eu-west-1' } });
    // WHEN
    const build = () => new SeedCluster(stack, 'Cluster', seedClusterProps(stack, { alarmMinHealthyHosts: 0 }));
    // THEN
    expect(build).toThrow('minHealthyHosts must be a whole number of at least 1, got: 0');
  });

  test('when the VPC CIDR is too small for the subnets, it fails naming vpcCidr', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Direct', { env: { account: '111111111111', region: 'eu-west-1' } });
    // WHEN
    const build = () => new SeedCluster(stack, 'Cluster', seedClusterProps(stack, { vpcCidr: '10.50.0.0/20' }));
    // THEN
    expect(build).toThrow('vpcCidr must hold 2 public /24 and 2 private /20 subnets (8704 addresses), got: 10.50.0.0/20');
  });
});

describe('SeedCluster published ids', () => {
  test('when synthesized, it publishes every cluster parameter except the VPN gateway id, in the cluster region', () => {
    // GIVEN
    const keys = (Object.keys(CLUSTER_PARAMETERS) as ClusterParameterKey[]).filter((k) => k !== 'vpnGatewayId');
    // WHEN: the example eu-north cluster
    // THEN
    for (const key of keys) {
      northTemplate.hasResourceProperties('AWS::SSM::Parameter', { Name: clusterParameterName(northId, key), Type: 'String' });
    }
    northTemplate.hasResourceProperties('AWS::SSM::Parameter', {
      Name: clusterParameterName(northId, 'nlbAddresses'),
      Value: { 'Fn::Join': [',', [1, 2, 3].map((i) => ({ Ref: Match.stringLikeRegexp(`^SeedClusterNlbEip${i}`) }))] },
    });
    northTemplate.hasResourceProperties('AWS::SSM::Parameter', {
      Name: clusterParameterName(northId, 'nlbSecurityGroupId'),
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedClusterNlbSecurityGroup'), 'GroupId'] },
    });
    expect(JSON.stringify(northTemplate.toJSON())).not.toContain('Fn::ImportValue');
    // The VPN gateway id is the SiteVpn construct's to publish.
    const ours = Object.entries(northTemplate.findResources('AWS::SSM::Parameter')).filter(([logicalId]) => logicalId.startsWith('SeedCluster'));
    expect(ours.map(([, r]) => r.Properties.Name).sort()).toEqual(keys.map((k) => clusterParameterName(northId, k)).sort());
  });
});

describe('SeedCluster nodeos package', () => {
  test('when nodeos.packageSha256 is unset, it warns that the package is installed unverified', () => {
    // GIVEN / WHEN: the example (no packageSha256)
    // THEN
    Annotations.fromStack(north).hasWarning('/Seedshield-Cluster-eu-north/SeedCluster', Match.stringLikeRegexp('seedshield:nodeosUnverified'));
  });

  test('when nodeos.packageSha256 is set, it does not warn and the user data checks the checksum', () => {
    // GIVEN
    const sha = 'ab'.repeat(32);
    const config = configWith((raw) => {
      raw.nodeos.packageSha256 = sha;
    });
    // WHEN
    const stack = clusterStacks(config).stacks[0];
    // THEN
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('seedshield:nodeosUnverified'));
    const packed = Object.values(Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate'))
      .map((lt: any) => lt.Properties.LaunchTemplateData.UserData)
      .find((u) => typeof u === 'string') as string;
    expect(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')).toContain(`SEEDSHIELD_NODEOS_DEB_SHA256='${sha}'`);
  });
});

describe('SeedCluster cdk-nag', () => {
  test('when every cluster stack is synthesized with AwsSolutions checks, there is no unacknowledged error', () => {
    // GIVEN
    const { app } = clusterStacks(exampleConfig(), true);
    // WHEN
    const synth = () => app.synth();
    // THEN
    expect(synth).not.toThrow();
  });
});

describe('SeedCluster default security group handler logs', () => {
  test('when the VPC restricts its default security group, CDK\'s handler logs to a KMS-encrypted log group with retention', () => {
    // GIVEN / WHEN: the example's eu-north cluster
    const fns = northTemplate.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('default security group') } });
    // THEN
    expect(Object.keys(fns)).toHaveLength(1);
    const handler = Object.values(fns)[0];
    const logGroupId: string = handler.Properties.LoggingConfig.LogGroup.Ref;
    expect(handler.DependsOn).toContain(logGroupId);
    const logGroup = northTemplate.toJSON().Resources[logGroupId];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^SeedClusterLogsKey/), 'Arn'] } });
  });
});
