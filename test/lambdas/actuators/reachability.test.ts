/**
 * The Reachability Analyzer actuator against an in-memory stand-in of the EC2 API built on aws-sdk-client-mock
 * (moto has no Reachability Analyzer). The stand-in keeps paths and analyses, honours client tokens and the
 * `source`/`destination` filters of DescribeNetworkInsightsPaths, the way the EC2 API reference describes them.
 */
import {
  CreateNetworkInsightsPathCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkInsightsAnalysesCommand,
  DescribeNetworkInsightsPathsCommand,
  EC2Client,
  type EC2ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  StartNetworkInsightsAnalysisCommand,
  type NetworkInsightsAnalysis,
  type NetworkInsightsPath,
} from '@aws-sdk/client-ec2';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { Actuators } from '../../../lambdas/actuators';
import { AwsClients } from '../../../lambdas/actuators/clients';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { firstHost, ReachabilityActuator, REACHABILITY_CHECK_TAG_KEY } from '../../../lambdas/actuators/reachability';
import { REACHABILITY_P2P_PORT } from '../../../lambdas/core/policy';
import type { VerifyReachabilityEffect } from '../../../lambdas/core/types';
import { ResourceDiscoveryError } from '../../../lambdas/errors';
import { P2P_PORT } from '../../../lib/constructs/seed-node-user-data';
import { fakePublishedIds, publishedParametersOutput, topologyOf } from './helpers';

const CLUSTER = 'ra-cluster';
const REGION = 'eu-west-1';
const PARAMS = fakePublishedIds(CLUSTER);
const topology = { ...topologyOf([{ clusterId: CLUSTER, region: REGION } as never]), policy: { ...topologyOf([]).policy, verifyReachability: true } };
const effect: VerifyReachabilityEffect = { type: 'VERIFY_REACHABILITY', id: 'evt-1:3', clusterId: CLUSTER, expect: 'BLOCKED', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'] };

/** An in-memory Reachability Analyzer over a mocked EC2 client. */
function fakeAnalyzer(ec2: AwsStub<ServiceInputTypes, ServiceOutputTypes, EC2ClientResolvedConfig>) {
  const paths: NetworkInsightsPath[] = [];
  const analyses: NetworkInsightsAnalysis[] = [];
  const tokens = new Map<string, string>();
  let n = 0;
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [{ VpcId: 'vpc-0123', State: 'attached' }] }] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0bbb' }, { InstanceId: 'i-0aaa' }] }] });
  ec2.on(CreateNetworkInsightsPathCommand).callsFake((input) => {
    const known = tokens.get(input.ClientToken);
    if (known) return { NetworkInsightsPath: paths.find((p) => p.NetworkInsightsPathId === known) };
    const path: NetworkInsightsPath = {
      NetworkInsightsPathId: `nip-${++n}`,
      Source: input.Source,
      Destination: input.Destination,
      DestinationIp: input.DestinationIp,
      DestinationPort: input.DestinationPort,
      Protocol: input.Protocol,
      Tags: input.TagSpecifications?.[0]?.Tags,
    };
    paths.push(path);
    tokens.set(input.ClientToken, path.NetworkInsightsPathId!);
    return { NetworkInsightsPath: path };
  });
  ec2.on(DescribeNetworkInsightsPathsCommand).callsFake((input) => {
    const want = (name: string) => input.Filters?.find((f: { Name: string }) => f.Name === name)?.Values?.[0];
    return { NetworkInsightsPaths: paths.filter((p) => (!want('source') || p.Source === want('source')) && (!want('destination') || p.Destination === want('destination'))) };
  });
  ec2.on(StartNetworkInsightsAnalysisCommand).callsFake((input) => {
    const known = tokens.get(input.ClientToken);
    if (known) return { NetworkInsightsAnalysis: analyses.find((a) => a.NetworkInsightsAnalysisId === known) };
    const analysis: NetworkInsightsAnalysis = {
      NetworkInsightsAnalysisId: `nia-${++n}`,
      NetworkInsightsPathId: input.NetworkInsightsPathId,
      Status: 'running',
      StartDate: new Date(),
      Tags: input.TagSpecifications?.[0]?.Tags,
    };
    analyses.push(analysis);
    tokens.set(input.ClientToken, analysis.NetworkInsightsAnalysisId!);
    return { NetworkInsightsAnalysis: analysis };
  });
  ec2.on(DescribeNetworkInsightsAnalysesCommand).callsFake((input) => ({
    NetworkInsightsAnalyses: analyses.filter(
      (a) => a.NetworkInsightsPathId === input.NetworkInsightsPathId && (!input.AnalysisStartTime || a.StartDate! >= input.AnalysisStartTime),
    ),
  }));
  return { paths, analyses };
}

describe('Reachability Analyzer actuator (aws-sdk-client-mock: moto lacks the API)', () => {
  const ec2 = mockClient(EC2Client);
  const ssm = mockClient(SSMClient);
  let fake: ReturnType<typeof fakeAnalyzer>;
  const discovery = () => new ClusterResourceDiscovery((region) => new SSMClient({ region }));
  const actuator = () => new ReachabilityActuator({ ec2: (region) => new EC2Client({ region }), discovery: discovery(), topology });

  beforeEach(() => {
    ec2.reset();
    ssm.reset();
    ssm.on(GetParametersCommand).resolves(publishedParametersOutput(CLUSTER, PARAMS));
    fake = fakeAnalyzer(ec2);
  });
  afterAll(() => {
    ec2.restore();
    ssm.restore();
  });

  test('when a check starts, it creates tagged paths (internet gateway to a seed node, the node to each IPv4 site CIDR via the VPN gateway) and one tagged analysis each', async () => {
    // GIVEN / WHEN
    const started = await actuator().start(effect);

    // THEN
    expect(started.analyses.map((a) => [a.path, a.pathCreated])).toEqual([
      ['internet-to-node', true],
      ['node-to-site:192.0.2.0/24', true],
      ['node-to-site:198.51.100.0/24', true],
    ]);
    expect(ec2).toReceiveCommandWith(CreateNetworkInsightsPathCommand, {
      Source: 'igw-1',
      Destination: 'i-0aaa',
      Protocol: 'tcp',
      DestinationPort: 9876,
      TagSpecifications: [{ ResourceType: 'network-insights-path', Tags: [{ Key: 'seedshield:cluster', Value: CLUSTER }, { Key: 'seedshield:reachability-path', Value: 'internet-to-node' }] }],
    });
    expect(ec2).toReceiveCommandWith(CreateNetworkInsightsPathCommand, { Source: 'i-0aaa', Destination: 'vgw-0123', DestinationIp: '192.0.2.1', DestinationPort: 9876 });
    expect(ec2).toReceiveCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'subnet-id', Values: ['subnet-q1', 'subnet-q2'] },
        { Name: 'tag:seedshield:cluster', Values: [CLUSTER] },
        { Name: 'tag-key', Values: ['aws:autoscaling:groupName'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    });
    expect(fake.analyses.every((a) => a.Tags?.some((t) => t.Key === REACHABILITY_CHECK_TAG_KEY && t.Value === effect.id))).toBe(true);
  });

  test('when a later check runs, it reuses the paths instead of creating new ones', async () => {
    // GIVEN
    await actuator().start(effect);

    // WHEN
    const again = await actuator().start({ ...effect, id: 'evt-2:0', expect: 'OPEN' });

    // THEN
    expect(again.analyses.every((a) => !a.pathCreated)).toBe(true);
    expect(fake.paths).toHaveLength(3);
    expect(fake.analyses).toHaveLength(6);
  });

  test('when the same effect runs twice (a crash, a restart), it starts no second analysis', async () => {
    // GIVEN
    await actuator().start(effect);

    // WHEN
    await actuator().start(effect);

    // THEN
    expect(fake.analyses).toHaveLength(3);
  });

  test('when the analyses are read, it returns those of the check with their status and NetworkPathFound', async () => {
    // GIVEN: the check's analyses finished, and an analysis of another check exists
    const since = Date.now();
    await actuator().start(effect);
    await actuator().start({ ...effect, id: 'other:0' });
    fake.analyses[0].Status = 'succeeded';
    fake.analyses[0].NetworkPathFound = true;
    fake.analyses[1].Status = 'failed';
    fake.analyses[1].StatusMessage = 'InternalError';

    // WHEN
    const seen = await actuator().observe(CLUSTER, effect.id, since);

    // THEN
    expect(seen).toEqual([
      { path: 'internet-to-node', status: 'succeeded', pathFound: true },
      { path: 'node-to-site:192.0.2.0/24', status: 'failed', message: 'InternalError' },
      { path: 'node-to-site:198.51.100.0/24', status: 'running' },
    ]);
  });

  test('when the cluster has no running seed node, it fails with a discovery error naming the cluster', async () => {
    // GIVEN
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

    // WHEN / THEN
    await expect(actuator().start(effect)).rejects.toThrow(new ResourceDiscoveryError(`cluster ${CLUSTER} has no running seed node in its private subnets, so its paths cannot be analysed`));
    expect(ec2).not.toReceiveCommand(StartNetworkInsightsAnalysisCommand);
  });

  test('when the effect is dispatched through Actuators, it reports the analyses in its details', async () => {
    // GIVEN
    const actuators = new Actuators({ clients: new AwsClients(), topology });

    // WHEN
    const result = await actuators.execute(effect, { topology });

    // THEN
    expect(result.type).toBe('VERIFY_REACHABILITY');
    expect((result.details.analyses as unknown[]).length).toBe(3);
  });
});

describe('Reachability Analyzer path details', () => {
  test.each([
    ['10.1.0.0/16', '10.1.0.1'],
    ['192.0.2.0/24', '192.0.2.1'],
    ['198.51.100.7/32', '198.51.100.7'],
  ])('when the site CIDR is %s, it analyses the path to %s', (cidr, ip) => {
    // GIVEN / WHEN / THEN
    expect(firstHost(cidr)).toBe(ip);
  });

  test('when the p2p port of the analysis is compared with the seed nodes\', it is the same port', () => {
    // GIVEN / WHEN / THEN
    expect(REACHABILITY_P2P_PORT).toBe(P2P_PORT);
  });
});
