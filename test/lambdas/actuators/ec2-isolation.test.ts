import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclAssociationCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { buildClusterWorld, type ClusterWorld } from '../../../drill/world';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { Ec2IsolationActuator, flattenIngress, toIpPermission } from '../../../lambdas/actuators/ec2-isolation';
import type { AwsClients } from '../../../lambdas/actuators/clients';
import { PartialCutError, ResourceDiscoveryError } from '../../../lambdas/errors';
import { FaultInjectingHandler, motoClients, REGION, SITE_CIDRS, topologyOf, uniqueId, type CannedResponse } from './helpers';

/** EC2's HTTP 400 answer when an ACL is full (not retryable). */
const EC2_ENTRY_LIMIT_EXCEEDED: CannedResponse = {
  statusCode: 400,
  headers: { 'content-type': 'text/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>NetworkAclEntryLimitExceeded</Code><Message>The maximum number of entries for this network ACL has been reached.</Message></Error></Errors><RequestID>req-3</RequestID></Response>',
};

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

  test('when the internet is cut, it adds the fixed layout both ways on both ACLs: VPC and site allows below the internet denies, SG untouched', async () => {
    // GIVEN
    const sgBefore = await ingressOf(ec2, world.nlbSecurityGroupId);
    const vpc = await ec2.send(new DescribeVpcsCommand({ VpcIds: [world.vpcId] }));
    const vpcV6 = vpc.Vpcs![0].Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock!;

    // WHEN
    const record = await actuator.cutInternet(world.clusterId);

    // THEN
    for (const aclId of [world.publicNetworkAclId, world.privateNetworkAclId]) {
      const entries = await entriesOf(ec2, aclId);
      for (const egress of [false, true]) {
        const ours = entries.filter((e) => e.egress === egress && e.ruleNumber! < 1000).sort((a, b) => a.ruleNumber! - b.ruleNumber!);
        expect(ours).toEqual([
          { ruleNumber: 100, egress, action: 'allow', cidr: vpc.Vpcs![0].CidrBlock },
          { ruleNumber: 101, egress, action: 'allow', cidr: vpcV6 },
          { ruleNumber: 300, egress, action: 'allow', cidr: '192.0.2.0/24' },
          { ruleNumber: 301, egress, action: 'allow', cidr: '198.51.100.0/24' },
          { ruleNumber: 302, egress, action: 'allow', cidr: '2001:db8:1::/48' },
          { ruleNumber: 900, egress, action: 'deny', cidr: '0.0.0.0/0' },
          { ruleNumber: 901, egress, action: 'deny', cidr: '::/0' },
        ]);
      }
    }
    expect(record.addedNaclEntries).toHaveLength(2 * 2 * 7);
    expect(record.addedNaclEntries).toContainEqual({ networkAclId: world.publicNetworkAclId, ruleNumber: 900, egress: false, ruleAction: 'deny', cidrBlock: '0.0.0.0/0' });
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual(sgBefore);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record); // JSON-safe for the state item
  });

  test('when the internet cut is re-run after a crash, it recognises its entries, adds none and returns the same record', async () => {
    // GIVEN: a first run made the entries, but its result was never persisted
    const first = await actuator.cutInternet(world.clusterId);
    const after = await entriesOf(ec2, world.privateNetworkAclId);

    // WHEN
    const second = await actuator.cutInternet(world.clusterId);

    // THEN
    expect(sortRules(second.addedNaclEntries ?? [])).toEqual(sortRules(first.addedNaclEntries ?? []));
    expect(await entriesOf(ec2, world.privateNetworkAclId)).toEqual(after);
  });

  test('when the internet cut is undone, it deletes exactly its entries and the ACLs are as before', async () => {
    // GIVEN
    const publicBefore = await entriesOf(ec2, world.publicNetworkAclId);
    const privateBefore = await entriesOf(ec2, world.privateNetworkAclId);
    const record = await actuator.cutInternet(world.clusterId);

    // WHEN
    const undone = await actuator.undoIsolation(world.clusterId, record);

    // THEN
    expect(undone.deletedNaclEntries).toHaveLength(28);
    expect(sortRules(await entriesOf(ec2, world.publicNetworkAclId))).toEqual(sortRules(publicBefore));
    expect(sortRules(await entriesOf(ec2, world.privateNetworkAclId))).toEqual(sortRules(privateBefore));
  });

  test('when someone else holds one of the reserved rule numbers, it refuses the cut and changes nothing', async () => {
    // GIVEN
    await ec2.send(
      new CreateNetworkAclEntryCommand({ NetworkAclId: world.privateNetworkAclId, RuleNumber: 900, Egress: false, Protocol: '6', RuleAction: 'allow', CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } }),
    );
    const publicBefore = await entriesOf(ec2, world.publicNetworkAclId);

    // WHEN
    const run = actuator.cutInternet(world.clusterId);

    // THEN
    await expect(run).rejects.toThrow(/refused, nothing changed: .*inbound rule 900 holds allow 0\.0\.0\.0\/0 \(protocol 6\)\. Fix: delete those entries/);
    expect(await entriesOf(ec2, world.publicNetworkAclId)).toEqual(publicBefore);
  });

  test('when AWS rejects one entry of the cut, it fails with what is in force, and the retry completes the cut', async () => {
    // GIVEN: the ingress deny of 0.0.0.0/0 on the private ACL is rejected once, for good (400)
    const faults = new FaultInjectingHandler(
      [EC2_ENTRY_LIMIT_EXCEEDED],
      (r) => typeof r.body === 'string' && r.body.includes('Action=CreateNetworkAclEntry') && r.body.includes(`NetworkAclId=${world.privateNetworkAclId}`) && r.body.includes('RuleNumber=900') && r.body.includes('Egress=false'),
    );
    const faulty = motoClients({ requestHandler: faults as never });
    const act = new Ec2IsolationActuator({
      ec2: (r) => faulty.ec2(r),
      discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
      topology: topologyOf([world]),
    });

    // WHEN
    const failed = await act.cutInternet(world.clusterId).catch((e: unknown) => e);

    // THEN the record of the failure is exactly what moto holds, and a retry adds the rest
    expect(failed).toBeInstanceOf(PartialCutError);
    const partial = (failed as PartialCutError).isolation as { addedNaclEntries: { networkAclId: string; ruleNumber: number; egress: boolean }[] };
    expect(partial.addedNaclEntries).toHaveLength(27);
    expect(partial.addedNaclEntries).not.toContainEqual(expect.objectContaining({ networkAclId: world.privateNetworkAclId, ruleNumber: 900, egress: false }));
    expect((await entriesOf(ec2, world.privateNetworkAclId)).some((e) => e.ruleNumber === 900 && !e.egress)).toBe(false);
    const retried = await act.cutInternet(world.clusterId);
    expect(retried.addedNaclEntries).toHaveLength(28);
    expect((await actuator.observe(world.clusterId)).internetCut).toBe(true);
  });

  test('when a deploy replaced an ACL after discovery read SSM, it fails once, re-reads what the stack publishes, and cuts the new ACL', async () => {
    // GIVEN: discovery has cached the ids; the stack then replaces the private ACL and publishes the new id
    await actuator.observe(world.clusterId);
    const replacement = await ec2.send(new CreateNetworkAclCommand({ VpcId: world.vpcId }));
    const newAclId = replacement.NetworkAcl!.NetworkAclId!;
    const assoc = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [world.privateNetworkAclId] }));
    for (const a of assoc.NetworkAcls![0].Associations ?? []) {
      await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: newAclId }));
    }
    await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: world.privateNetworkAclId }));
    await clients.ssm(REGION).send(new PutParameterCommand({ Name: `/seedshield/clusters/${world.clusterId}/private-network-acl-id`, Value: newAclId, Type: 'String', Overwrite: true }));

    // WHEN
    const first = await actuator.cutInternet(world.clusterId).catch((e: unknown) => e);
    const second = await actuator.cutInternet(world.clusterId);

    // THEN
    expect(first).toBeInstanceOf(ResourceDiscoveryError);
    expect((first as Error).message).toContain(`network ACL ${world.privateNetworkAclId} of ${world.clusterId} no longer exists`);
    expect(second.addedNaclEntries!.filter((e) => e.networkAclId === newAclId)).toHaveLength(14);
  });

  test('when a record of the earlier security-group cut is undone, it puts back exactly the revoked rules and removes the stash tags', async () => {
    // GIVEN: an isolation recorded before the ACL cut existed
    const before = await ingressOf(ec2, world.nlbSecurityGroupId);
    await ec2.send(new CreateTagsCommand({ Resources: [world.nlbSecurityGroupId], Tags: [{ Key: 'seedshield:revoked-ingress:0', Value: '{}' }] }));
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: world.nlbSecurityGroupId, IpPermissions: before.map(toIpPermission) }));

    // WHEN
    const undone = await actuator.undoIsolation(world.clusterId, { revokedIngress: before });

    // THEN
    expect(await ingressOf(ec2, world.nlbSecurityGroupId)).toEqual(before);
    expect(undone.reauthorizedIngress).toHaveLength(4);
    const sg = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [world.nlbSecurityGroupId] }));
    expect((sg.SecurityGroups?.[0]?.Tags ?? []).filter((t) => t.Key?.startsWith('seedshield:revoked-ingress:'))).toEqual([]);
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
        expect(denies.map((d) => d.ruleNumber).sort()).toEqual([200, 201, 202]);
        expect(entries).toContainEqual({ ruleNumber: 1000, egress, action: 'allow', cidr: '0.0.0.0/0' });
      }
    }
    expect(record.addedNaclEntries).toContainEqual({
      networkAclId: world.privateNetworkAclId,
      ruleNumber: 202,
      egress: true,
      ruleAction: 'deny',
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
    expect(open).toMatchObject({ internetCut: false, blockProducerPathCut: false });
    expect(open.missingDenyEntries).toHaveLength(12);
    expect(open.missingInternetEntries).toHaveLength(28);
    expect(cut).toMatchObject({ internetCut: true, blockProducerPathCut: true, missingDenyEntries: [], missingInternetEntries: [] });
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
