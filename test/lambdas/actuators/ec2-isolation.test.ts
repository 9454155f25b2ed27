import {
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { buildClusterWorld, type ClusterWorld } from '../../../drill/world';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { Ec2IsolationActuator, flattenIngress } from '../../../lambdas/actuators/ec2-isolation';
import type { AwsClients } from '../../../lambdas/actuators/clients';
import { ResourceDiscoveryError } from '../../../lambdas/errors';
import { motoClients, REGION, SITE_CIDRS, topologyOf, uniqueId } from './helpers';

/** The SG's ingress rules, flattened and sorted, descriptions included. */
async function ingressOf(ec2: EC2Client, groupId: string) {
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  return sortRules(flattenIngress(groupId, out.SecurityGroups?.[0]?.IpPermissions ?? []));
}

function sortRules<T extends object>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function entriesOf(ec2: EC2Client, aclId: string) {
  const out = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }));
  return (out.NetworkAcls?.[0]?.Entries ?? []).map((e) => ({
    ruleNumber: e.RuleNumber,
    egress: e.Egress,
    action: e.RuleAction,
    cidr: e.CidrBlock ?? e.Ipv6CidrBlock,
  }));
}

describe('Ec2IsolationActuator against moto', () => {
  let clients: AwsClients;
  let world: ClusterWorld;
  let actuator: Ec2IsolationActuator;
  let ec2: EC2Client;

  beforeEach(async () => {
    clients = motoClients();
    ec2 = clients.ec2(REGION);
    world = await buildClusterWorld({ ec2, ssm: clients.ssm(REGION) }, uniqueId('iso'));
    actuator = new Ec2IsolationActuator({
      ec2: (r) => clients.ec2(r),
      discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
      topology: topologyOf([world]),
    });
  });

  test('when the internet is cut, it revokes every NLB ingress rule and records each one exactly', async () => {
    // GIVEN
    const before = await ingressOf(ec2, world.nlbSecurityGroupId);
    expect(before).toHaveLength(4);

    // WHEN
    const record = await actuator.cutInternet(world.clusterId);

    // THEN
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual([]);
    expect(sortRules(record.revokedIngress ?? [])).toEqual(before);
    expect(record.revokedIngress).toContainEqual({
      groupId: world.nlbSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: 9876,
      toPort: 9876,
      cidrIpv6: '::/0',
      description: 'seed 9876 IPv6',
    });
    expect(JSON.parse(JSON.stringify(record))).toEqual(record); // JSON-safe for the state item
  });

  test('when the internet cut is re-run after a crash, it returns the same record from the stash tags', async () => {
    // GIVEN: a first run revoked the rules, but its result was never persisted
    const first = await actuator.cutInternet(world.clusterId);

    // WHEN
    const second = await actuator.cutInternet(world.clusterId);

    // THEN
    expect(sortRules(second.revokedIngress ?? [])).toEqual(sortRules(first.revokedIngress ?? []));
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual([]);
  });

  test('when the isolation is undone, it puts back exactly the revoked rules and removes the stash tags', async () => {
    // GIVEN
    const before = await ingressOf(ec2, world.nlbSecurityGroupId);
    const record = await actuator.cutInternet(world.clusterId);

    // WHEN
    const undone = await actuator.undoIsolation(world.clusterId, record);

    // THEN
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual(before);
    expect(undone.reauthorizedIngress).toHaveLength(4);
    const sg = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [world.nlbSecurityGroupId] }));
    expect((sg.SecurityGroups?.[0]?.Tags ?? []).filter((t) => t.Key?.startsWith('seedshield:revoked-ingress:'))).toEqual([]);
  });

  test('when an operator removed a rule by hand before the attack, it does not come back on restore', async () => {
    // GIVEN
    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: world.nlbSecurityGroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8888, ToPort: 8888, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const before = await ingressOf(ec2, world.nlbSecurityGroupId);
    const record = await actuator.cutInternet(world.clusterId);

    // WHEN
    await actuator.undoIsolation(world.clusterId, record);

    // THEN
    expect(before).toHaveLength(3);
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual(before);
  });

  test('when the undo is re-run, it finds the rules already back and changes nothing', async () => {
    // GIVEN
    const before = await ingressOf(ec2, world.nlbSecurityGroupId);
    const record = await actuator.cutInternet(world.clusterId);
    await actuator.undoIsolation(world.clusterId, record);

    // WHEN
    const again = await actuator.undoIsolation(world.clusterId, record);

    // THEN
    expect(again.reauthorizedIngress).toEqual([]);
    expect(again.alreadyPresentIngress).toHaveLength(4);
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual(before);
  });

  test('when the BP path is cut, it denies every site CIDR both ways on both ACLs, below the allow entries', async () => {
    // WHEN
    const record = await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS);

    // THEN
    const cidrs = [...SITE_CIDRS.ipv4, ...SITE_CIDRS.ipv6];
    expect(record.addedNaclEntries).toHaveLength(2 * 2 * cidrs.length);
    for (const aclId of [world.publicNetworkAclId, world.privateNetworkAclId]) {
      const entries = await entriesOf(ec2, aclId);
      for (const egress of [false, true]) {
        const denies = entries.filter((e) => e.egress === egress && e.action === 'deny' && e.ruleNumber! < 1000);
        expect(denies.map((d) => d.cidr).sort()).toEqual([...cidrs].sort());
        expect(denies.every((d) => d.ruleNumber! >= 100 && d.ruleNumber! <= 999)).toBe(true);
        expect(entries).toContainEqual({ ruleNumber: 1000, egress, action: 'allow', cidr: '0.0.0.0/0' });
      }
    }
    expect(record.addedNaclEntries).toContainEqual({
      networkAclId: world.privateNetworkAclId,
      ruleNumber: 102,
      egress: true,
      ipv6CidrBlock: '2001:db8:1::/48',
    });
    // moto implements no VGW route propagation, so nothing propagates and nothing is disabled.
    expect(record.disabledPropagation).toEqual([]);
  });

  test('when the BP path cut is re-run, it adds no duplicate entries and returns the same record', async () => {
    // GIVEN
    const first = await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS);
    const entriesAfterFirst = await entriesOf(ec2, world.privateNetworkAclId);

    // WHEN
    const second = await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS);

    // THEN
    expect(second).toEqual(first);
    expect(await entriesOf(ec2, world.privateNetworkAclId)).toEqual(entriesAfterFirst);
  });

  test('when the BP path cut is undone, it deletes exactly the added entries and keeps the allows', async () => {
    // GIVEN
    const publicBefore = await entriesOf(ec2, world.publicNetworkAclId);
    const privateBefore = await entriesOf(ec2, world.privateNetworkAclId);
    const record = await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS);

    // WHEN
    const undone = await actuator.undoIsolation(world.clusterId, record);

    // THEN
    expect(undone.deletedNaclEntries).toHaveLength(record.addedNaclEntries!.length);
    expect(sortRules(await entriesOf(ec2, world.publicNetworkAclId))).toEqual(sortRules(publicBefore));
    expect(sortRules(await entriesOf(ec2, world.privateNetworkAclId))).toEqual(sortRules(privateBefore));
  });

  test('when a recorded deny entry was already deleted by hand, it skips it instead of failing (moto would answer 500)', async () => {
    // GIVEN
    const record = await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS);
    const gone = record.addedNaclEntries![0];
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: gone.networkAclId, RuleNumber: gone.ruleNumber, Egress: gone.egress }));

    // WHEN
    const undone = await actuator.undoIsolation(world.clusterId, record);

    // THEN
    expect(undone.missingNaclEntries).toEqual([gone]);
    expect(undone.deletedNaclEntries).toHaveLength(record.addedNaclEntries!.length - 1);
    const denies = (await entriesOf(ec2, gone.networkAclId)).filter((e) => e.action === 'deny' && e.ruleNumber! < 1000);
    expect(denies).toEqual([]);
  });

  test('when the cluster is observed, it reports open before the cuts and cut after them', async () => {
    // GIVEN
    const open = await actuator.observe(world.clusterId);

    // WHEN
    await actuator.cutInternet(world.clusterId);
    await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS);
    const cut = await actuator.observe(world.clusterId);

    // THEN
    expect(open).toMatchObject({ internetCut: false, blockProducerPathCut: false, ingressRuleCount: 4 });
    expect(open.missingDenyEntries).toHaveLength(12);
    expect(cut).toMatchObject({ internetCut: true, blockProducerPathCut: true, ingressRuleCount: 0, missingDenyEntries: [] });
  });

  test('when the cluster stack never published its ids, it fails with a ResourceDiscoveryError naming the parameter', async () => {
    // GIVEN
    const bare = await buildClusterWorld({ ec2, ssm: clients.ssm(REGION) }, uniqueId('bare'), { omitParameters: ['nlbSecurityGroupId'] });
    const act = new Ec2IsolationActuator({
      ec2: (r) => clients.ec2(r),
      discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
      topology: topologyOf([bare]),
    });

    // WHEN
    const run = act.cutInternet(bare.clusterId);

    // THEN
    await expect(run).rejects.toBeInstanceOf(ResourceDiscoveryError);
    await expect(act.cutInternet(bare.clusterId)).rejects.toThrow(
      `SSM parameter /seedshield/clusters/${bare.clusterId}/nlb-security-group-id (nlbSecurityGroupId) is missing or empty in ${REGION}; deploy the cluster stack of ${bare.clusterId} first`,
    );
  });
});
