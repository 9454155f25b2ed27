/**
 * Least privilege, checked on the synthesized app: no IAM policy statement anywhere grants a MUTATING action
 * on every resource ("*", or an ARN whose resource part is only "*") without a Condition narrowing it.
 * Mutating here means the levers an attacker (or a bug) would pull to undo an isolation, redirect peers or
 * rewrite the record of what happened: security group rules, network ACLs, VGW route propagation, the tags
 * the actuators record cuts in, Route 53 changes, writes to the state table, on-call notifications.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../support/example';
import { CLUSTER_TAG_KEY } from '../../lib/config/naming';
import { PROPAGATION_DISABLED_TAG, REVOKED_INGRESS_TAG_PREFIX } from '../../lambdas/actuators/ec2-isolation';
import { SUSPENDED_PROCESSES_TAG } from '../../lambdas/actuators/auto-scaling';

/** Action patterns that change something the control plane relies on. Case-insensitive, like IAM. */
const MUTATING_ACTIONS: readonly RegExp[] = [
  /^ec2:.*Revoke.*$/i,
  /^ec2:.*Authorize.*$/i,
  /^ec2:.*NetworkAcl.*$/i,
  /^ec2:.*VgwRoutePropagation$/i,
  /^ec2:(Create|Delete)Tags$/i,
  /^ec2:(Create|Delete|Replace)Route$/i,
  /^ec2:.*VpnConnectionRoute$/i,
  /^route53:Change.*$/i,
  /^dynamodb:(Put|Update|Delete|BatchWrite).*$/i,
  /^sns:Publish$/i,
  /^ssm:(Put|Delete)Parameters?$/i,
  /^events:PutEvents$/i,
];

/** Concrete mutating actions a wildcard action (`ec2:*`, `*`, `route53:Change*`) is checked against. */
const MUTATING_SAMPLES: readonly string[] = [
  'ec2:RevokeSecurityGroupIngress',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateNetworkAclEntry',
  'ec2:ReplaceNetworkAclEntry',
  'ec2:DeleteNetworkAclEntry',
  'ec2:ReplaceNetworkAclAssociation',
  'ec2:DisableVgwRoutePropagation',
  'ec2:EnableVgwRoutePropagation',
  'ec2:CreateTags',
  'ec2:DeleteVpnConnectionRoute',
  'route53:ChangeResourceRecordSets',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'sns:Publish',
  'ssm:PutParameter',
  'events:PutEvents',
];

/** One policy statement found in a template, with where it came from. */
interface FoundStatement {
  readonly where: string;
  readonly statement: Record<string, any>;
}

/** A finding: a mutating action on every resource, unconditioned. */
interface Finding {
  readonly where: string;
  readonly action: string;
  readonly resource: string;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
}

/** Reads never mutate, whatever their name contains (`ec2:DescribeNetworkAcls`). */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|Search)[A-Za-z0-9]*$/i;

function isMutating(action: string): boolean {
  if (READ_ONLY.test(action)) return false;
  if (MUTATING_ACTIONS.some((re) => re.test(action))) return true;
  const glob = globToRegExp(action.replace('?', '*'));
  return MUTATING_SAMPLES.some((sample) => glob.test(sample));
}

/**
 * A template value as text: literals kept, `Ref AWS::Partition` as "aws", other references as `<ref>` (a
 * specific resource, never a wildcard).
 */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (typeof v.Ref === 'string' && v.Ref.startsWith('AWS::')) return `<${v.Ref}>`;
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]);
    if (v['Fn::Sub']) return String(asArray(v['Fn::Sub'])[0]);
  }
  return '<ref>';
}

/** "*", or an ARN whose resource part is nothing but "*" (`arn:aws:ec2:eu-north-1:111111111111:*`). */
function isEveryResource(resource: string): boolean {
  return resource === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(resource);
}

/** Every statement of every identity policy in a template: AWS::IAM::Policy, ManagedPolicy, Role inline policies. */
function statementsOf(stackName: string, template: Record<string, any>): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    const docs: { name: string; doc: any }[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      docs.push({ name: '', doc: resource.Properties?.PolicyDocument });
    }
    if (resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::IAM::User' || resource.Type === 'AWS::IAM::Group') {
      for (const p of asArray<any>(resource.Properties?.Policies)) docs.push({ name: `/${p.PolicyName}`, doc: p.PolicyDocument });
    }
    for (const { name, doc } of docs) {
      for (const statement of asArray<any>(doc?.Statement)) found.push({ where: `${stackName}/${logicalId}${name}`, statement });
    }
  }
  return found;
}

/** The findings in a set of statements. */
function scan(statements: readonly FoundStatement[]): Finding[] {
  const findings: Finding[] = [];
  for (const { where, statement } of statements) {
    if (statement.Effect !== 'Allow' || statement.Condition) continue;
    // NotAction grants everything else; NotResource every other resource: both count as wildcards.
    const actions = statement.NotAction ? ['*'] : asArray<string>(statement.Action);
    const resources = statement.NotResource ? ['*'] : asArray<unknown>(statement.Resource).map(render);
    for (const action of actions.filter(isMutating)) {
      for (const resource of resources.filter(isEveryResource)) findings.push({ where, action, resource });
    }
  }
  return findings;
}

function scanStacks(stacks: readonly Stack[]): { statements: number; findings: Finding[] } {
  const all = stacks.flatMap((s) => statementsOf(s.stackName, Template.fromStack(s).toJSON()));
  return { statements: all.length, findings: scan(all) };
}

describe('IAM policies of the whole app', () => {
  test('when every stack is synthesized, no statement grants a mutating action on every resource without a condition', () => {
    // GIVEN
    const { stacks } = buildApp();
    // WHEN
    const { statements, findings } = scanStacks([...stacks.clusters, stacks.dns, stacks.controlPlane]);
    // THEN: the scan saw the app's policies (not an empty set) and found nothing
    expect(statements).toBeGreaterThan(20);
    expect(findings).toEqual([]);
  });

  test('when a stack grants mutating actions on "*" or a resource-less ARN, the scanner names each one', () => {
    // GIVEN: a deliberately bad stack next to one acceptable grant of each kind
    const app = new App();
    const bad = new Stack(app, 'Bad', { env: { account: '111111111111', region: 'eu-north-1' } });
    const role = new iam.Role(bad, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        inline: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['route53:ChangeResourceRecordSets'], resources: [`arn:${bad.partition}:route53:::*`] })],
        }),
      },
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:DescribeSecurityGroups'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:*'], resources: [`arn:${bad.partition}:ec2:eu-north-1:111111111111:*`] }));
    // acceptable: conditioned, or scoped to a resource type, or read-only
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['ec2:CreateNetworkAclEntry'], resources: ['*'], conditions: { StringEquals: { 'aws:ResourceTag/seedshield:cluster': 'eu-north' } } }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [`arn:${bad.partition}:dynamodb:eu-north-1:111111111111:table/seedshield-state`] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }));
    new iam.ManagedPolicy(bad, 'Managed', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['SNS:Publish', '*'], resources: ['*'] })] });
    // WHEN
    const { findings } = scanStacks([bad]);
    // THEN
    expect(findings.map((f) => `${f.action} on ${f.resource}`).sort()).toEqual([
      '* on *',
      'SNS:Publish on *',
      'ec2:* on arn:aws:ec2:eu-north-1:111111111111:*',
      'ec2:RevokeSecurityGroupIngress on *',
      'route53:ChangeResourceRecordSets on arn:aws:route53:::*',
    ]);
    expect(findings.find((f) => f.action.startsWith('route53'))!.where).toMatch(/^Bad\/Role[0-9A-F]{8}\/inline$/);
  });
});

describe('the remediation role\'s tag permissions', () => {
  test('when the control plane tags what it cut, it may write only its record tags, never the seedshield:cluster tag', () => {
    // GIVEN
    const { stacks } = buildApp();
    const template = Template.fromStack(stacks.controlPlane).toJSON();
    // WHEN
    const tagging = Object.values(template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement as any[])
      .filter((st) => asArray(st.Action).some((a: string) => /^ec2:(Create|Delete)Tags$/.test(a)));
    // THEN: on existing resources, one statement (tagging inside a create call is checked below); evidence
    // snapshots are tagged only as they are created (they cannot be retagged afterwards)
    const onCreate = (st: any) => st.Condition?.StringEquals?.['ec2:CreateAction'] !== undefined;
    const snapshotTagging = tagging.filter((st) => onCreate(st) && st.Condition.StringEquals['ec2:CreateAction'] === 'CreateSnapshot');
    expect(snapshotTagging).toEqual([expect.objectContaining({ Action: 'ec2:CreateTags' })]);
    for (const r of asArray(snapshotTagging[0].Resource)) expect(r).toMatch(/^arn:aws:ec2:[a-z0-9-]+::snapshot\/\*$/);
    tagging.splice(0, tagging.length, ...tagging.filter((st) => !onCreate(st)));
    expect(tagging).toHaveLength(1);
    const keys: string[] = tagging[0].Condition['ForAllValues:StringLike']['aws:TagKeys'];
    const allowed = (key: string) => keys.some((glob) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key));
    expect(tagging[0].Condition.Null).toEqual({ 'aws:TagKeys': 'false' });
    expect(allowed(CLUSTER_TAG_KEY)).toBe(false);
    expect(allowed('Name')).toBe(false);
    // The keys the actuators really write (kept in step with the policy).
    expect(allowed(`${REVOKED_INGRESS_TAG_PREFIX}0`)).toBe(true);
    expect(allowed(PROPAGATION_DISABLED_TAG)).toBe(true);
  });

  test('when the control plane claims the processes it suspended, it may write only the claim tag on the seed-node group', () => {
    // GIVEN
    const { stacks } = buildApp();
    const template = Template.fromStack(stacks.controlPlane).toJSON();
    // WHEN
    const tagging = Object.values(template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement as any[])
      .filter((st) => asArray(st.Action).some((a: string) => /^autoscaling:(CreateOrUpdateTags|DeleteTags)$/.test(a)));
    // THEN
    expect(tagging).toHaveLength(1);
    expect(tagging[0].Condition).toEqual({
      'StringEquals': { [`aws:ResourceTag/${CLUSTER_TAG_KEY}`]: expect.any(Array) },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [SUSPENDED_PROCESSES_TAG] },
      'Null': { 'aws:TagKeys': 'false' },
    });
  });
});

describe('the remediation role\'s Reachability Analyzer permissions', () => {
  test('when the example turns the proof on, paths and analyses are created and tagged only with a managed cluster\'s tag, and tags are written only inside those creations', () => {
    // GIVEN
    const { stacks } = buildApp();
    const template = Template.fromStack(stacks.controlPlane).toJSON();
    const statements = Object.values(template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement as any[]);
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);

    // WHEN
    const create = bySid('CreateReachabilityPaths');
    const startOnPath = bySid('StartReachabilityAnalysesOnClusterPaths');
    const startTagged = bySid('StartTaggedReachabilityAnalyses');
    const tagOnCreate = bySid('TagReachabilityPathsAndAnalysesOnCreate');

    // THEN
    expect(create.Condition.StringEquals[`aws:RequestTag/${CLUSTER_TAG_KEY}`]).toEqual(expect.arrayContaining(['eu-north']));
    expect(asArray(create.Resource).every((r: string) => /:network-insights-path\/\*$/.test(r))).toBe(true);
    expect(startOnPath.Condition.StringEquals[`aws:ResourceTag/${CLUSTER_TAG_KEY}`]).toEqual(expect.arrayContaining(['eu-north']));
    expect(startTagged.Condition.StringEquals[`aws:RequestTag/${CLUSTER_TAG_KEY}`]).toEqual(expect.arrayContaining(['eu-north']));
    expect(tagOnCreate.Condition.StringEquals['ec2:CreateAction']).toEqual(['CreateNetworkInsightsPath', 'StartNetworkInsightsAnalysis']);
    expect(asArray(tagOnCreate.Resource).every((r: string) => /:network-insights-(path|analysis)\/\*$/.test(r))).toBe(true);
  });
});
