/**
 * The analysis of `seedshield review` on hand-made templates: which changes it calls out, and how loudly.
 * (test/review/review.test.ts runs the whole command on two real synths.)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffJson, readAssembly, renderReview, reviewAssemblies, summarizeConfig, type AssemblyStack } from '../../cli/review-diff';
import { reviewExitCode } from '../../cli/review';
import { exampleRaw } from '../support/example';

const REF = { ref: 'main', commit: '0123456789abcdef0123456789abcdef01234567' };
const NO_CONFIG = { clusters: [], policy: [], other: [] };

function stack(name: string, resources: Record<string, unknown>): AssemblyStack {
  return { name, template: { Resources: resources }, paths: {} };
}

const table = (name: string) => ({ Type: 'AWS::DynamoDB::Table', Properties: { TableName: name, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } });

describe('summarizeConfig', () => {
  test('when one cluster weight changes, it names that cluster with the old and new weight and nothing else', () => {
    // GIVEN
    const before = exampleRaw();
    const after = exampleRaw();
    after.clusters[0].weight = 60;
    // WHEN
    const summary = summarizeConfig(before, after);
    // THEN
    expect(summary).toEqual({ clusters: [{ id: 'eu-north', change: 'changed', fields: [{ path: 'weight', old: 100, new: 60 }] }], policy: [], other: [] });
  });

  test('when thresholds, policy and a cluster list change, it reports each field by cluster id, not by position', () => {
    // GIVEN: a threshold, a policy field, a new external cluster inserted first, and the physical cluster's port
    const before = exampleRaw();
    const after = exampleRaw();
    after.clusters[1].alarms = { ...after.clusters[1].alarms, minHealthyHosts: 2 };
    after.controlPlane.cooldownMinutes = 20;
    after.physicalSeedCluster.p2pPort = 9877;
    after.dns.ttlSeconds = 30;
    // WHEN
    const summary = summarizeConfig(before, after);
    // THEN
    expect(summary.clusters).toEqual([
      { id: 'eu-central', change: 'changed', fields: [{ path: 'alarms.minHealthyHosts', old: before.clusters[1].alarms?.minHealthyHosts, new: 2 }] },
      { id: 'gm-physical', change: 'changed', fields: [{ path: 'p2pPort', old: before.physicalSeedCluster.p2pPort, new: 9877 }] },
    ]);
    expect(summary.policy).toEqual([{ path: 'cooldownMinutes', old: before.controlPlane.cooldownMinutes, new: 20 }]);
    expect(summary.other).toEqual([{ path: 'dns.ttlSeconds', old: before.dns.ttlSeconds, new: 30 }]);
  });

  test('when a cluster is added or removed, it says so by id', () => {
    // GIVEN
    const before = exampleRaw();
    const after = exampleRaw();
    const removed = after.clusters.splice(2, 1)[0];
    after.clusters.push({ ...removed, id: 'ap-south' });
    // WHEN
    const summary = summarizeConfig(before, after);
    // THEN
    expect(summary.clusters.map((c) => [c.id, c.change])).toEqual([
      ['us-east', 'removed'],
      ['ap-south', 'added'],
    ]);
  });
});

describe('diffJson', () => {
  test('when arrays hold objects with ids, it keys them by id; other arrays are compared whole', () => {
    // GIVEN / WHEN
    const changes = diffJson({ clusters: [{ id: 'a', w: 1 }, { id: 'b', w: 2 }], ramp: [10, 50, 100] }, { clusters: [{ id: 'b', w: 3 }, { id: 'a', w: 1 }], ramp: [25, 100] });
    // THEN
    expect(changes).toEqual([
      { path: 'clusters[b].w', old: 2, new: 3 },
      { path: 'ramp', old: [10, 50, 100], new: [25, 100] },
    ]);
  });
});

describe('reviewAssemblies', () => {
  test('when the state table would be replaced, it is listed as critical and the Markdown leads with a caution', () => {
    // GIVEN: a changed TableName (a replacement in CloudFormation)
    const base = [stack('Seedshield-ControlPlane', { StateTable: table('seedshield-state') })];
    const head = [stack('Seedshield-ControlPlane', { StateTable: table('seedshield-state-v2') })];
    // WHEN
    const report = reviewAssemblies(base, head, NO_CONFIG, REF);
    const md = renderReview(report, 'markdown');
    // THEN
    expect(report.replacements).toEqual([
      expect.objectContaining({ stack: 'Seedshield-ControlPlane', logicalId: 'StateTable', type: 'AWS::DynamoDB::Table', impact: 'WILL_REPLACE', causes: ['TableName'], critical: expect.stringContaining('state table') }),
    ]);
    expect(md.indexOf('> [!CAUTION]')).toBeGreaterThan(-1);
    expect(md.indexOf('> [!CAUTION]')).toBeLessThan(md.indexOf('### Clusters'));
    expect(md).toContain('```diff');
  });

  test("when the NLB's security group is replaced, it is critical; another group's replacement is listed quietly", () => {
    // GIVEN: two groups whose description changes (a replacement); only one is on the load balancer
    const sg = (d: string) => ({ Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: d, VpcId: 'vpc-1' } });
    const nlb = { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'network', SecurityGroups: [{ 'Fn::GetAtt': ['NlbSg', 'GroupId'] }] } };
    const base = [stack('Seedshield-Cluster-a', { NlbSg: sg('nlb'), OtherSg: sg('other'), Nlb: nlb })];
    const head = [stack('Seedshield-Cluster-a', { NlbSg: sg('nlb v2'), OtherSg: sg('other v2'), Nlb: nlb })];
    // WHEN
    const report = reviewAssemblies(base, head, NO_CONFIG, REF);
    // THEN
    const byId = Object.fromEntries(report.replacements.map((r) => [r.logicalId, r]));
    expect(byId.NlbSg.critical).toContain("NLB's security group");
    expect(byId.OtherSg).toBeDefined();
    expect(byId.OtherSg.critical).toBeUndefined();
  });

  test('when a whole cluster stack disappears, its Elastic IPs and ACLs are listed as removed and critical', () => {
    // GIVEN
    const base = [stack('Seedshield-Cluster-a', { Eip: { Type: 'AWS::EC2::EIP', Properties: {} }, Acl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: 'v' } } })];
    // WHEN
    const report = reviewAssemblies(base, [], NO_CONFIG, REF);
    // THEN
    expect(report.stacks).toEqual([expect.objectContaining({ stack: 'Seedshield-Cluster-a', change: 'removed' })]);
    expect(report.replacements.map((r) => [r.logicalId, r.impact, !!r.critical])).toEqual([
      ['Eip', 'WILL_DESTROY', true],
      ['Acl', 'WILL_DESTROY', true],
    ]);
    expect(renderReview(report, 'text')).toContain('!!! Seedshield-Cluster-a Eip (AWS::EC2::EIP) is removed');
  });

  test('when an IAM statement and an ingress rule are added, the security section shows both as cdk diff does', () => {
    // GIVEN
    const role = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } };
    const policy = (actions: string[]) => ({ Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Version: '2012-10-17', Statement: actions.map((a) => ({ Effect: 'Allow', Action: a, Resource: '*' })) } } });
    const sg = (ingress: unknown[]) => ({ Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'g', VpcId: 'v', SecurityGroupIngress: ingress } });
    const base = [stack('S', { Role: role, Policy: policy(['sqs:SendMessage']), Sg: sg([]) })];
    const head = [stack('S', { Role: role, Policy: policy(['sqs:SendMessage', 'ec2:DeleteNetworkAclEntry']), Sg: sg([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }]) })];
    // WHEN
    const report = reviewAssemblies(base, head, NO_CONFIG, REF);
    // THEN
    const security = report.stacks[0].security;
    expect(security.map((t) => t.title)).toEqual(['IAM statements', 'Security group rules']);
    expect(security[0].rows.slice(1)).toEqual([expect.arrayContaining(['+', 'Allow', 'ec2:DeleteNetworkAclEntry'])]);
    expect(security[1].rows.slice(1)).toEqual([['+', '${Sg.GroupId}', 'In', 'TCP 22', 'Everyone (IPv4)']]);
    expect(report.stacks[0].permissionsBroadened).toBe(true);
    expect(renderReview(report, 'markdown')).toContain('**S: IAM statements (permissions broadened)**');
  });

  test('when a JSON document inside a property changes, it reports the fields that moved, not the blob', () => {
    // GIVEN: a Lambda whose environment carries a JSON topology
    const fn = (weight: number) => ({ Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { TOPOLOGY: JSON.stringify({ clusters: [{ id: 'a', baseWeight: weight }, { id: 'b', baseWeight: 5 }] }) } } } });
    // WHEN
    const report = reviewAssemblies([stack('S', { Fn: fn(10) })], [stack('S', { Fn: fn(20) })], NO_CONFIG, REF);
    // THEN
    expect(report.embeddedJson).toEqual([{ stack: 'S', logicalId: 'Fn', property: 'Environment.Variables.TOPOLOGY', path: 'clusters[a].baseWeight', old: 10, new: 20 }]);
    expect(report.replacements).toEqual([]);
    expect(reviewExitCode(report, true)).toBe(1);
    expect(reviewExitCode(report, false)).toBe(0);
  });

  test('when nothing differs, it says so in one line and --fail exits 0', () => {
    // GIVEN / WHEN
    const s = [stack('S', { T: table('x') })];
    const report = reviewAssemblies(s, s, NO_CONFIG, REF);
    // THEN
    expect(report.hasChanges).toBe(false);
    expect(renderReview(report, 'text')).toContain('No change: every stack synthesizes to the same template.');
    expect(reviewExitCode(report, true)).toBe(0);
  });
});

describe('readAssembly', () => {
  test('when reading a cloud assembly, it takes every stack with its template and logical-id paths', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-asm-'));
    fs.writeFileSync(path.join(dir, 'S.template.json'), JSON.stringify({ Resources: { T: table('x') } }));
    fs.writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json', stackName: 'Seedshield-S' }, metadata: { '/S/Table/Resource': [{ type: 'aws:cdk:logicalId', data: 'T' }] } },
          Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
        },
      }),
    );
    // WHEN
    const stacks = readAssembly(dir);
    // THEN
    expect(stacks).toEqual([{ name: 'Seedshield-S', template: { Resources: { T: table('x') } }, paths: { T: '/S/Table/Resource' } }]);
  });
});
