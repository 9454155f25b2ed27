import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledgeControl, checkControls, ControlsReport } from '../../lib/control-tower';
import { KmsGrantsOnlyForAwsResources } from '../../lib/constructs/kms-grant-guard';
import { buildApp, exampleRaw } from '../support/example';

const REPO_ROOT = path.join(__dirname, '..', '..');

const ENV = { account: '111111111111', region: 'eu-north-1' };

/**
 * One cfn-guard run (it is the slow part) over two stacks that differ only in what the check must tell apart:
 * `Bare` has an unacknowledged queue without a dead-letter queue and a key without the grant statement;
 * `Fixed` has the same queue acknowledged and the same key with the statement.
 */
function runTwoStacks(): ControlsReport {
  return checkControls((app: App) => {
    const bare = new Stack(app, 'Bare', { env: ENV });
    new sqs.Queue(bare, 'Queue', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED });
    new kms.Key(bare, 'Key', { enableKeyRotation: true });

    const fixed = new Stack(app, 'Fixed', { env: ENV });
    const queue = new sqs.Queue(fixed, 'Queue', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED });
    acknowledgeControl(queue, 'sqs_dlq_check', 'test: this queue is a dead-letter queue itself');
    new kms.Key(fixed, 'Key', { enableKeyRotation: true });
    Aspects.of(fixed).add(new KmsGrantsOnlyForAwsResources(), { priority: AspectPriority.MUTATING });
  });
}

describe('AWS Control Tower controls (cfn-guard)', () => {
  let report: ControlsReport;
  beforeAll(() => {
    report = runTwoStacks();
  }, 240_000);

  test('when a resource breaks a rule and nobody acknowledged it, it is an unacknowledged finding naming the rule, the resource and the fix', () => {
    // GIVEN / WHEN: the Bare stack, checked
    const bare = report.unsuppressed.filter((f) => f.constructPath.startsWith('Bare/'));
    // THEN
    expect(report.pluginError).toBeUndefined();
    expect(report.rulesRun).toBeGreaterThan(200);
    expect(bare).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'sqs_dlq_check', constructPath: 'Bare/Queue/Resource', description: expect.stringContaining('[CT.SQS.PR.1]') }),
        expect.objectContaining({ rule: 'kms_create_grant_aws_service_check', constructPath: 'Bare/Key/Resource', fix: expect.stringContaining('kms:CreateGrant') }),
      ]),
    );
  });

  test('when the finding is acknowledged on the resource, it is suppressed with its reason and fails nothing', () => {
    // GIVEN / WHEN: the Fixed stack, checked
    const fixedUnsuppressed = report.unsuppressed.filter((f) => f.constructPath.startsWith('Fixed/'));
    // THEN
    expect(fixedUnsuppressed).toEqual([]);
    expect(report.suppressed).toEqual([
      expect.objectContaining({ rule: 'sqs_dlq_check', constructPath: 'Fixed/Queue/Resource', reason: 'test: this queue is a dead-letter queue itself' }),
    ]);
  });
});

describe('KmsGrantsOnlyForAwsResources', () => {
  test('when the app is built, every key policy denies CreateGrant unless an AWS service asks for its resource', () => {
    // GIVEN
    const { stacks } = buildApp();
    // WHEN
    const all = [...stacks.clusters, stacks.dns, stacks.controlPlane].map((s) => Template.fromStack(s));
    // THEN
    const keys = all.flatMap((t) => Object.values(t.findResources('AWS::KMS::Key')));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const key of keys) {
      expect(key.Properties.KeyPolicy.Statement).toEqual(
        expect.arrayContaining([
          {
            Sid: KmsGrantsOnlyForAwsResources.SID,
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          },
        ]),
      );
    }
  });
});

describe('npm run check:controls (scripts/check-controls.ts)', () => {
  const run = (args: string[]) =>
    spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(REPO_ROOT, 'scripts', 'check-controls.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

  test('when an argument is unknown, it exits 2 with the usage and checks nothing', () => {
    // GIVEN / WHEN
    const result = run(['--bogus']);
    // THEN
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("check:controls: unknown argument '--bogus'");
    expect(result.stderr).toContain('usage: npm run check:controls [-- -c CONFIG]');
  });

  test('when the config does not validate, it exits 2 naming the problem', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'controls-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ ...exampleRaw(), controlPlane: { ...exampleRaw().controlPlane, reservedConcurrency: 5 } }));
    // WHEN
    const result = run(['-c', file]);
    // THEN
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('controlPlane.reservedConcurrency: must be 1');
  });
});
