/**
 * What moto lacks, covered with aws-sdk-client-mock: GetChange PENDING -> INSYNC (moto is INSYNC at once),
 * VGW route propagation (not implemented in moto), InvalidPermission.Duplicate races, SNS message contents.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  CreateNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DisableVgwRoutePropagationCommand,
  EC2Client,
  EC2ServiceException,
  EnableVgwRoutePropagationCommand,
} from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { Ec2IsolationActuator, PROPAGATION_DISABLED_TAG } from '../../../lambdas/actuators/ec2-isolation';
import { redactAddresses, SnsNotifier, snsSubject } from '../../../lambdas/actuators/notify';
import { ChangeNotInSyncError, Route53WeightActuator } from '../../../lambdas/actuators/route53';
import { ActuatorError, PartialCutError } from '../../../lambdas/errors';
import { fakePublishedIds, publishedParametersOutput, topologyOf } from './helpers';

const CLUSTER = 'mock-cluster';
const REGION = 'eu-west-1';
const VGW = 'vgw-0123';
const PARAMS = fakePublishedIds(CLUSTER, { privateRouteTableIds: 'rtb-1,rtb-2,rtb-3', vpnGatewayId: VGW });
const topology = topologyOf([
  {
    clusterId: CLUSTER,
    region: REGION,
  } as never,
]);

function mockSsm() {
  const ssm = mockClient(SSMClient);
  ssm.on(GetParametersCommand).resolves(publishedParametersOutput(CLUSTER, PARAMS));
  return ssm;
}

function ec2Actuator() {
  return new Ec2IsolationActuator({
    ec2: (region) => new EC2Client({ region }),
    discovery: new ClusterResourceDiscovery((region) => new SSMClient({ region })),
    topology,
  });
}

describe('VGW route propagation (not implemented by moto)', () => {
  const ec2 = mockClient(EC2Client);
  let ssm: ReturnType<typeof mockSsm>;

  beforeEach(() => {
    ec2.reset();
    ssm = mockSsm();
    ec2.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [
        { NetworkAclId: 'acl-pub', VpcId: 'vpc-0123', Entries: [] },
        { NetworkAclId: 'acl-priv', VpcId: 'vpc-0123', Entries: [] },
      ],
    });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0123', CidrBlock: '10.9.0.0/16' }] });
  });
  afterEach(() => ssm.restore());
  afterAll(() => ec2.restore());

  test('when the BP path is cut, it tags then disables propagation only on tables that had it', async () => {
    // GIVEN: rtb-1 propagates the VGW, rtb-2 does not (operator turned it off), rtb-3 propagates another VGW
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        { RouteTableId: 'rtb-1', PropagatingVgws: [{ GatewayId: VGW }] },
        { RouteTableId: 'rtb-2', PropagatingVgws: [] },
        { RouteTableId: 'rtb-3', PropagatingVgws: [{ GatewayId: 'vgw-other' }] },
      ],
    });

    // WHEN
    const record = await ec2Actuator().cutBlockProducerPath(CLUSTER, { ipv4: [], ipv6: [] });

    // THEN
    expect(record.disabledPropagation).toEqual([{ routeTableId: 'rtb-1', gatewayId: VGW }]);
    expect(ec2).toReceiveCommandTimes(DisableVgwRoutePropagationCommand, 1);
    expect(ec2).toReceiveCommandWith(DisableVgwRoutePropagationCommand, { RouteTableId: 'rtb-1', GatewayId: VGW });
    expect(ec2).toReceiveCommandWith(CreateTagsCommand, { Resources: ['rtb-1'], Tags: [{ Key: PROPAGATION_DISABLED_TAG, Value: VGW }] });
    const calls = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(calls.indexOf('CreateTagsCommand')).toBeLessThan(calls.indexOf('DisableVgwRoutePropagationCommand'));
  });

  test('when the cut is re-run after a crash, it records the table it tagged even though propagation is already off', async () => {
    // GIVEN
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        { RouteTableId: 'rtb-1', PropagatingVgws: [], Tags: [{ Key: PROPAGATION_DISABLED_TAG, Value: VGW }] },
        { RouteTableId: 'rtb-2', PropagatingVgws: [] },
      ],
    });

    // WHEN
    const record = await ec2Actuator().cutBlockProducerPath(CLUSTER, { ipv4: [], ipv6: [] });

    // THEN
    expect(record.disabledPropagation).toEqual([{ routeTableId: 'rtb-1', gatewayId: VGW }]);
    expect(ec2).not.toReceiveCommand(DisableVgwRoutePropagationCommand);
  });

  test('when disabling propagation fails but the deny entries are made, it fails with a PartialCutError recording the entries and no table', async () => {
    // GIVEN
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ RouteTableId: 'rtb-1', PropagatingVgws: [{ GatewayId: VGW }] }] });
    ec2.on(DisableVgwRoutePropagationCommand).rejects(
      new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'denied' }),
    );

    // WHEN
    const failed = await ec2Actuator().cutBlockProducerPath(CLUSTER, { ipv4: ['192.0.2.0/24'], ipv6: [] }).catch((e: unknown) => e);

    // THEN
    expect(failed).toBeInstanceOf(PartialCutError);
    const isolation = (failed as PartialCutError).isolation as { addedNaclEntries: unknown[]; disabledPropagation: unknown[] };
    expect(isolation.addedNaclEntries).toHaveLength(4);
    expect(isolation.disabledPropagation).toEqual([]);
    expect(ec2).toReceiveCommandTimes(CreateNetworkAclEntryCommand, 4);
  });

  test('when the isolation is undone, it re-enables propagation on exactly the recorded tables and removes the tag', async () => {
    // WHEN
    const undone = await ec2Actuator().undoIsolation(CLUSTER, { disabledPropagation: [{ routeTableId: 'rtb-1', gatewayId: VGW }] });

    // THEN
    expect(undone.enabledPropagation).toEqual([{ routeTableId: 'rtb-1', gatewayId: VGW }]);
    expect(ec2).toReceiveCommandTimes(EnableVgwRoutePropagationCommand, 1);
    expect(ec2).toReceiveCommandWith(EnableVgwRoutePropagationCommand, { RouteTableId: 'rtb-1', GatewayId: VGW });
    expect(ec2).toReceiveCommandWith(DeleteTagsCommand, { Resources: ['rtb-1'], Tags: [{ Key: PROPAGATION_DISABLED_TAG }] });
  });

  test('when a rule comes back between describe and authorize (InvalidPermission.Duplicate), it counts it as present', async () => {
    // GIVEN
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0123', IpPermissions: [], Tags: [] }] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(
      new EC2ServiceException({ name: 'InvalidPermission.Duplicate', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'already exists' }),
    );
    const rule = { groupId: 'sg-0123', ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' };

    // WHEN
    const undone = await ec2Actuator().undoIsolation(CLUSTER, { revokedIngress: [rule] });

    // THEN
    expect(undone.alreadyPresentIngress).toEqual([rule]);
    expect(ec2).toReceiveCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-0123',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 9876, ToPort: 9876, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
  });

  test('when authorizing fails for another reason, it throws an ActuatorError with the SDK error as cause', async () => {
    // GIVEN
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0123', IpPermissions: [] }] });
    const denied = new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: {}, message: 'no' });
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(denied);

    // WHEN
    const error = await ec2Actuator()
      .undoIsolation(CLUSTER, { revokedIngress: [{ groupId: 'sg-0123', ipProtocol: '-1', cidrIpv4: '10.0.0.0/8' }] })
      .catch((e: unknown) => e);

    // THEN
    expect(error).toBeInstanceOf(ActuatorError);
    expect((error as Error).cause).toBe(denied);
  });
});

describe('Route 53 change propagation (moto is INSYNC at once)', () => {
  const route53 = mockClient(Route53Client);
  beforeEach(() => {
    route53.reset();
    route53.on(ListResourceRecordSetsCommand).resolves({
      IsTruncated: false,
      ResourceRecordSets: [
        { Name: 'seed.example.test.', Type: 'A', SetIdentifier: 'fra', Weight: 100, TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] },
        { Name: 'seed.example.test.', Type: 'A', SetIdentifier: 'sin', Weight: 100, TTL: 60, ResourceRecords: [{ Value: '203.0.113.2' }] },
      ],
    });
    route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
  });
  afterAll(() => route53.restore());

  test('when the change is PENDING, it polls GetChange through the SDK waiter until INSYNC', async () => {
    // GIVEN
    route53
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    const actuator = new Route53WeightActuator(new Route53Client({}), { pollInitialDelayMs: 10, pollMaxDelayMs: 20 });

    // WHEN
    const result = await actuator.setWeights({ fra: 0 }, topologyOf([], { hostedZoneId: 'Z1', recordName: 'seed.example.test', zoneName: 'example.test', ttlSeconds: 60, healthCheckIds: {} }), 'evt-9:0');

    // THEN
    expect(result).toMatchObject({ status: 'INSYNC', changeId: '/change/C1', polls: 3 });
    expect(route53).toReceiveCommandTimes(GetChangeCommand, 3);
    expect(route53).toReceiveCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(route53).toReceiveCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Comment: 'seedshield evt-9:0',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: { Name: 'seed.example.test.', Type: 'A', SetIdentifier: 'fra', Weight: 0, TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] },
          },
        ],
      },
    });
  });

  test('when INSYNC does not come within maxWaitMs, it throws an ActuatorError naming the change', async () => {
    // GIVEN
    route53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    const actuator = new Route53WeightActuator(new Route53Client({}), { pollInitialDelayMs: 10, pollMaxDelayMs: 20, maxWaitMs: 100 });

    // WHEN
    const run = actuator.setWeights({ fra: 0 }, topologyOf([], { hostedZoneId: 'Z1', recordName: 'seed.example.test', zoneName: 'example.test', ttlSeconds: 60, healthCheckIds: {} }));

    // THEN
    await expect(run).rejects.toThrow(ChangeNotInSyncError);
    await expect(run).rejects.toThrow('change /change/C1 was not INSYNC after 100 ms; it was submitted and will still propagate');
    expect(route53.commandCalls(GetChangeCommand).length).toBeGreaterThan(1);
  });
});

describe('SNS notifications', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  afterAll(() => sns.restore());

  test('when a decision is published, it sends a subject of at most 100 characters and JSON followed by the sentence', async () => {
    // GIVEN
    const notifier = new SnsNotifier(new SNSClient({ region: REGION }), 'arn:aws:sns:eu-west-1:123456789012:oncall');
    const effect = {
      id: 'evt-3:2',
      type: 'NOTIFY' as const,
      severity: 'CRITICAL' as const,
      subject: `Isolated cluster fra after DDoS detection ${'x'.repeat(120)}`,
      message: 'Cluster fra was isolated: DDoSDetected alarm; site 192.0.2.0/24 denied.',
    };

    // WHEN
    const result = await notifier.publish(effect);

    // THEN
    expect(result.subject.length).toBeLessThanOrEqual(100);
    expect(result.subject.startsWith('[seedshield CRITICAL] Isolated cluster fra')).toBe(true);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:oncall');
    const [json, sentence] = (input.Message as string).split('\n\n');
    expect(JSON.parse(json)).toMatchObject({ source: 'seedshield', effectId: 'evt-3:2', severity: 'CRITICAL' });
    expect(sentence).toBe(effect.message);
    expect(input.MessageAttributes?.effectId).toEqual({ DataType: 'String', StringValue: 'evt-3:2' });
  });

  test('when text carries a bare IP address, it is redacted and CIDRs stay readable', () => {
    // GIVEN
    const text = 'cgw 198.51.100.7 failed; site 192.0.2.0/24 ok; v1.2.3';

    // WHEN
    const out = redactAddresses(text);

    // THEN
    expect(out).toBe('cgw [redacted] failed; site 192.0.2.0/24 ok; v1.2.3');
  });

  test('when a subject has line breaks or non-ASCII characters, they are made SNS-safe', () => {
    // GIVEN
    const subject = 'Restored\nfra — done';

    // WHEN
    const out = snsSubject('INFO', subject);

    // THEN
    expect(out).toBe('[seedshield INFO] Restored fra ? done');
  });
});
