import { mergeIsolation } from '../../../lambdas/core/isolation-record';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { buildClusterWorld, buildDnsWorld } from '../../../drill/world';
import { Actuators } from '../../../lambdas/actuators';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { Ec2IsolationActuator } from '../../../lambdas/actuators/ec2-isolation';
import { ClusterStatus, type ClusterState, type Effect, type IsolationRecord } from '../../../lambdas/core/types';
import { ActuatorError, ResourceDiscoveryError } from '../../../lambdas/errors';
import { FaultInjectingHandler, motoClients, REGION, topologyOf, uniqueId } from './helpers';

function stateOf(clusterId: string, isolation?: IsolationRecord): ClusterState {
  return { clusterId, version: 3, status: ClusterStatus.ISOLATED, servingPercent: 0, signals: {}, isolation };
}

describe('Actuators.execute against moto', () => {
  test('when an isolation job then its undo are executed, DNS, SG and NACLs end where they started (weights aside)', async () => {
    // GIVEN
    const clients = motoClients();
    const world = await buildClusterWorld({ ec2: clients.ec2(REGION), ssm: clients.ssm(REGION) }, uniqueId('job'));
    const dns = await buildDnsWorld(clients.route53(), {
      clusters: [
        { id: world.clusterId, weight: 100, ipv4: ['203.0.113.1'] },
        { id: 'bare-metal', weight: 50, ipv4: ['203.0.113.2'] },
      ],
    });
    const topology = topologyOf([world], dns, [{ id: 'bare-metal', kind: 'external', baseWeight: 50, countsTowardsMinimum: true }]);
    const topic = await clients.sns(REGION).send(new CreateTopicCommand({ Name: uniqueId('oncall') }));
    const actuators = new Actuators({ clients, topicArn: topic.TopicArn, });
    const sgBefore = await clients.ec2(REGION).send(new DescribeSecurityGroupsCommand({ GroupIds: [world.nlbSecurityGroupId] }));
    const isolate: Effect[] = [
      { id: 'e1:0', type: 'SET_DNS_WEIGHTS', weights: { [world.clusterId]: 0, 'bare-metal': 150 } },
      { id: 'e1:1', type: 'CUT_INTERNET', clusterId: world.clusterId },
      { id: 'e1:2', type: 'CUT_BP_PATH', clusterId: world.clusterId },
      { id: 'e1:3', type: 'NOTIFY', severity: 'CRITICAL', subject: `Isolated ${world.clusterId}`, message: 'DDoS detected.' },
    ];

    // WHEN
    const results = [];
    for (const effect of isolate) results.push(await actuators.execute(effect, { topology }));
    const isolation: IsolationRecord = results.reduce<IsolationRecord>((acc, r) => mergeIsolation(acc, r.isolation ?? {}) ?? {}, {});
    const undo = await actuators.execute({ id: 'e2:0', type: 'UNDO_ISOLATION', clusterId: world.clusterId }, { topology, cluster: stateOf(world.clusterId, isolation) });

    // THEN
    expect(results.map((r) => r.effectId)).toEqual(['e1:0', 'e1:1', 'e1:2', 'e1:3']);
    expect(results[0].details).toMatchObject({ status: 'INSYNC', changes: expect.arrayContaining([{ setIdentifier: world.clusterId, type: 'A', oldWeight: 100, newWeight: 0 }]) });
    expect(isolation.revokedIngress).toBeUndefined();
    expect(isolation.addedNaclEntries).toHaveLength(28 + 12);
    expect(results[3].details).toMatchObject({ messageId: expect.any(String) });
    expect(undo.details).toMatchObject({ deletedNaclEntries: expect.any(Array) });
    const observed = await new Ec2IsolationActuator({
      ec2: (r) => clients.ec2(r),
      discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
      topology,
    }).observe(world.clusterId);
    expect(observed).toMatchObject({ internetCut: false, blockProducerPathCut: false });
    expect(observed.missingInternetEntries).toHaveLength(28);
    expect(observed.missingDenyEntries).toHaveLength(12);
    const sgAfter = await clients.ec2(REGION).send(new DescribeSecurityGroupsCommand({ GroupIds: [world.nlbSecurityGroupId] }));
    expect(sgAfter.SecurityGroups?.[0]?.IpPermissions).toEqual(sgBefore.SecurityGroups?.[0]?.IpPermissions);
  });

  test('when UNDO_ISOLATION finds nothing recorded, it does nothing', async () => {
    // GIVEN
    const actuators = new Actuators({ clients: motoClients() });

    // WHEN
    const result = await actuators.execute({ id: 'e:0', type: 'UNDO_ISOLATION', clusterId: 'x' }, { topology: topologyOf([]), cluster: stateOf('x') });

    // THEN
    expect(result).toEqual({ effectId: 'e:0', type: 'UNDO_ISOLATION', details: { nothingRecorded: true } });
  });

  test('when a cut targets an external cluster, it fails with ResourceDiscoveryError', async () => {
    // GIVEN
    const actuators = new Actuators({ clients: motoClients() });
    const topology = topologyOf([], undefined, [{ id: 'bare-metal', kind: 'external', baseWeight: 50, countsTowardsMinimum: true }]);

    // WHEN
    const run = actuators.execute({ id: 'e:1', type: 'CUT_INTERNET', clusterId: 'bare-metal' }, { topology });

    // THEN
    await expect(run).rejects.toBeInstanceOf(ResourceDiscoveryError);
  });

  test('when NOTIFY runs without a topic, it fails with ActuatorError', async () => {
    // GIVEN
    const actuators = new Actuators({ clients: motoClients() });

    // WHEN
    const run = actuators.execute({ id: 'e:2', type: 'NOTIFY', severity: 'INFO', subject: 's', message: 'm' }, { topology: topologyOf([]) });

    // THEN
    await expect(run).rejects.toThrow(new ActuatorError('NOTIFY needs a notification topic, and none is configured'));
  });
});

describe('ClusterResourceDiscovery against moto', () => {
  test('when a cluster is discovered twice, it reads SSM once and parses lists', async () => {
    // GIVEN
    const setup = motoClients();
    const world = await buildClusterWorld({ ec2: setup.ec2(REGION), ssm: setup.ssm(REGION) }, uniqueId('disc'));
    const handler = new FaultInjectingHandler([]);
    const clients = motoClients({ requestHandler: handler as never });
    const discovery = new ClusterResourceDiscovery((r) => clients.ssm(r));
    const cluster = { id: world.clusterId, kind: 'aws' as const, region: REGION };

    // WHEN
    const first = await discovery.resources(cluster);
    const readsAfterFirst = handler.seen.length;
    const second = await discovery.resources(cluster);

    // THEN
    expect(second).toBe(first);
    expect(first).toMatchObject({
      clusterId: world.clusterId,
      region: REGION,
      nlbSecurityGroupId: world.nlbSecurityGroupId,
      privateRouteTableIds: world.privateRouteTableIds,
      eipAllocationIds: world.eipAllocationIds,
      vpnGatewayId: world.vpnGatewayId,
    });
    expect(readsAfterFirst).toBeGreaterThanOrEqual(1);
    expect(handler.seen.length).toBe(readsAfterFirst);
    discovery.invalidate(world.clusterId);
    await discovery.resources(cluster);
    expect(handler.seen.length).toBeGreaterThan(readsAfterFirst);
  });
});
