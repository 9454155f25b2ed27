/**
 * Scenario problems found while the file is parsed (exit 2, before moto starts): cross-references to the
 * configuration and the SDK, and the new step fields (`rejected`, `effect`/`noEffect`, `operator.for`,
 * INSUFFICIENT_DATA). Pure: no moto.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { drillMain } from '../../drill/main';
import { ScenarioError } from '../../drill/scenario';
import { FAULTABLE_APIS, parseScenarioFor } from '../../drill/scenario-checks';
import { configWith, exampleConfig, EXAMPLE_CONFIG_PATH } from '../support/example';

const config = exampleConfig();

/** The problems parseScenarioFor reports for `steps` (none: an empty list). */
function problemsOf(steps: unknown[], cfg = config): readonly string[] {
  try {
    parseScenarioFor({ name: 'checked', steps }, 'checked.json', cfg);
    return [];
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    return err.problems;
  }
}

describe('cross-references checked at parse time', () => {
  test.each([
    [
      'a trigger on the physical seed cluster (it has no alarms)',
      [{ at: '+0m', trigger: { cluster: 'gm-physical', kind: 'ddos', state: 'ALARM' } }],
      'steps[0].trigger.cluster: gm-physical is the physical seed cluster: it is only a DNS record here, with no alarms, GuardDuty findings or network to cut; trigger a cloud cluster (eu-north, eu-central, us-east), or deliver its record\'s change as an "event" step',
    ],
    [
      'a compromise on the physical seed cluster',
      [{ at: '+0m', trigger: { cluster: 'gm-physical', kind: 'compromise' } }],
      'steps[0].trigger.cluster: gm-physical is the physical seed cluster: it is only a DNS record here, with no alarms, GuardDuty findings or network to cut; trigger a cloud cluster (eu-north, eu-central, us-east), or deliver its record\'s change as an "event" step',
    ],
    [
      'a fault on an API that does not exist (a typo)',
      [{ at: '+0m', fault: { api: 'CreateNetworkAclEntryy' } }],
      'steps[0].fault.api: "CreateNetworkAclEntryy" is not an API of the clients the engine calls (EC2, Route 53, CloudWatch, DynamoDB, SSM, SNS, Auto Scaling); name it as the SDK spells it without "Command"; did you mean "CreateNetworkAclEntry"?',
    ],
    [
      'a fault on a Route 53 API the injector cannot recognise',
      [{ at: '+0m', fault: { api: 'ChangeResourceRecordSet' } }],
      'steps[0].fault.api: "ChangeResourceRecordSet" cannot be failed: of Route 53 the drill fails only ChangeResourceRecordSets, ListResourceRecordSets, GetChange; did you mean "ChangeResourceRecordSets"?',
    ],
    [
      'an outcome that does not exist',
      [{ at: '+0m', reconcile: true }, { at: '+0m', expect: { outcome: 'ISOLATION_REFUSE' } }],
      'steps[1].expect.outcome: "ISOLATION_REFUSE" is not a decision outcome (NO_CHANGE, DUPLICATE, STALE, ISOLATION_STARTED, ISOLATION_REFUSED, ISOLATION_COMPLETED, RESTORE_STARTED, RAMP_ADVANCED, RESTORE_COMPLETED, RAMP_ABORTED, JOB_FAILED, JOB_RETRIED, OPERATOR_APPLIED, OPERATOR_REFUSED, SIGNAL_RECORDED, DNS_REPAIRED, ISOLATION_DIVERGED, AUTOMATION_PAUSED, AUTOMATION_RESUMED, BP_PATH_CUT, PIN_EXPIRED, DATA_MISSING, REACHABILITY_VERIFIED, REACHABILITY_UNVERIFIED, REACHABILITY_UNKNOWN); did you mean "ISOLATION_REFUSED"?',
    ],
    [
      'a rejection code that does not exist',
      [{ at: '+0m', reconcile: true, rejected: 'IGNORED' }],
      'steps[0].rejected: "IGNORED" is not a rejection code of the engine (IGNORED_FINDING, MALFORMED, UNSUPPORTED_SOURCE, UNKNOWN_ALARM, UNKNOWN_CLUSTER, NOT_A_CLUSTER_RESOURCE, BAD_TIMESTAMP)',
    ],
    [
      'an isolation record expected of an external cluster',
      [{ at: '+0m', expect: { cluster: 'gm-physical', isolationRecorded: true } }],
      'steps[0].expect.isolationRecorded: gm-physical is the physical seed cluster: it is only a DNS record here, with no alarms, GuardDuty findings or network to cut, so its isolation records no cuts; check "state" and "weight" instead',
    ],
    [
      'a noEffect that can only hold (no cut ever happens on an external cluster)',
      [{ at: '+0m', reconcile: true }, { at: '+0m', expect: { noEffect: 'UNDO_ISOLATION', cluster: 'gm-physical' } }],
      'steps[1].expect.cluster: gm-physical is the physical seed cluster: it is only a DNS record here, with no alarms, GuardDuty findings or network to cut: a UNDO_ISOLATION on it never happens and the expectation always holds, so it proves nothing; expect SET_DNS_WEIGHTS or NOTIFY instead',
    ],
  ])('when a scenario has %s, parsing fails naming the step, the field and the fix', (_what, steps, message) => {
    expect(problemsOf(steps)).toEqual([message]);
  });

  test('when the configuration has no Shield Advanced, a ddos trigger is refused naming the config setting', () => {
    // GIVEN
    const noShield = configWith((raw) => {
      raw.protection.shieldAdvanced = false;
      raw.protection.isolateOnDdos = undefined;
    });

    // WHEN
    const problems = problemsOf([{ at: '+0m', trigger: { cluster: 'eu-north', kind: 'ddos', state: 'ALARM' } }], noShield);

    // THEN
    expect(problems).toEqual([
      'steps[0].trigger.kind: cluster eu-north has no ddos alarm in this configuration: DDoSDetected alarms exist only with protection.shieldAdvanced: true in the config; use another kind or a config that has it',
    ]);
  });

  test('when a file has problems of the format and of cross-references, every one is reported at once, in step order', () => {
    expect(
      problemsOf([
        { at: '+0m', trigger: { cluster: 'gm-physical', kind: 'unhealthy', state: 'ALARM' } },
        { at: '+1m', trigger: { cluster: 'eu-north', kind: 'ddos', state: 'MAYBE' } },
        { at: '+2m', fault: { api: 'NoSuchApi' } },
      ]).map((p) => p.split(':')[0]),
    ).toEqual(['steps[0].trigger.cluster', 'steps[1].trigger.state', 'steps[2].fault.api']);
  });

  test('the APIs a fault can name are the SDK operations of the engine\'s clients', () => {
    expect(FAULTABLE_APIS.get('CreateNetworkAclEntry')).toBe('EC2');
    expect(FAULTABLE_APIS.get('RevokeSecurityGroupIngress')).toBe('EC2');
    expect(FAULTABLE_APIS.get('ChangeResourceRecordSets')).toBe('Route 53');
    expect(FAULTABLE_APIS.get('Publish')).toBe('SNS');
    expect(FAULTABLE_APIS.get('TransactWriteItems')).toBe('DynamoDB');
    expect(FAULTABLE_APIS.get('DescribeAlarms')).toBe('CloudWatch');
    expect(FAULTABLE_APIS.has('CreateNetworkAclEntryCommand')).toBe(false);
  });

  test('when npm run drill gets a scenario naming an external cluster\'s alarm, it exits 2 with the file, step and field, before starting moto', async () => {
    // GIVEN
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-drill-')), 'external.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'external', steps: [{ at: '+0m', trigger: { cluster: 'gm-physical', kind: 'ddos', state: 'ALARM' } }] }));
    const err: string[] = [];

    // WHEN
    const code = await drillMain(['-c', EXAMPLE_CONFIG_PATH, '--scenario', file], { stdout: () => undefined, stderr: (t) => err.push(t) });

    // THEN
    expect(code).toBe(2);
    expect(err.join('\n')).toContain(`${file}: 1 problem in the scenario:\n  - steps[0].trigger.cluster: gm-physical is the physical seed cluster`);
  });
});

describe('the new step fields', () => {
  test.each([
    ['an effect type that does not exist', { noEffect: 'UNDO' }, 'steps[1].expect.noEffect: must be an effect type: SET_DNS_WEIGHTS, CUT_INTERNET, CUT_BP_PATH, UNDO_ISOLATION, NOTIFY, VERIFY_REACHABILITY, SUSPEND_SCALING, PRESERVE_EVIDENCE, got: "UNDO"'],
    ['a subject on an effect that has none', { effect: 'CUT_BP_PATH', subjectContains: 'x' }, 'steps[1].expect.subjectContains: only a NOTIFY has a subject and message; remove it or expect "NOTIFY"'],
    ['a weight without a cluster', { effect: 'SET_DNS_WEIGHTS', weight: 0 }, 'steps[1].expect.weight: only a SET_DNS_WEIGHTS expectation with a "cluster" checks a weight'],
    ['both effect and noEffect', { effect: 'NOTIFY', noEffect: 'NOTIFY' }, 'steps[1].expect: has "effect" and "noEffect"; an expectation checks one of them (use two steps)'],
  ])('when an effect expectation has %s, parsing fails naming the field', (_what, expectation, message) => {
    expect(problemsOf([{ at: '+0m', reconcile: true }, { at: '+0m', expect: expectation }])).toEqual([message]);
  });

  test.each([
    ['"rejected" on an expect step', [{ at: '+0m', expect: { noChange: true }, rejected: 'MALFORMED' }], 'steps[0].rejected: only a step that delivers something (trigger, event, reconcile, operator, duplicateLast, replay) can expect a rejection; remove "rejected"'],
    ['"for" on a command other than pin', [{ at: '+0m', operator: { command: 'isolate', cluster: 'eu-north', reason: 'x', for: '2h' } }], 'steps[0].operator.for: only the pin command takes "for" (how long the pin holds); remove it'],
    ['a pin duration that is not one', [{ at: '+0m', operator: { command: 'pin', cluster: 'eu-north', pin: 'in-service', reason: 'x', for: 'long' } }], 'steps[0].operator.for: must be a duration like "30m" or "4h", got: "long"'],
    ['a compromise in INSUFFICIENT_DATA', [{ at: '+0m', trigger: { cluster: 'eu-north', kind: 'compromise', state: 'INSUFFICIENT_DATA' } }], 'steps[0].trigger.state: a compromise (GuardDuty finding) is only "ALARM", got: "INSUFFICIENT_DATA"; only an operator restore clears it'],
  ])('when a step has %s, parsing fails naming the field', (_what, steps, message) => {
    expect(problemsOf(steps)).toEqual([message]);
  });

  test('when a scenario uses every new field correctly, it parses into the steps the runner plays', () => {
    // WHEN
    const scenario = parseScenarioFor(
      {
        name: 'fields',
        steps: [
          { at: '+0m', trigger: { cluster: 'eu-north', kind: 'unhealthy', state: 'INSUFFICIENT_DATA' } },
          { at: '+1m', operator: { command: 'pin', cluster: 'eu-north', pin: 'in-service', reason: 'x', for: '1h30m' } },
          { at: '+1m', expect: { effect: 'NOTIFY', cluster: 'eu-north', severity: 'INFO', subjectContains: 'OPERATOR_APPLIED', first: true } },
          { at: '+2m', event: { id: 'e', source: 'aws.ec2', 'detail-type': 'x', detail: {} }, rejected: 'UNSUPPORTED_SOURCE' },
          { at: '+2m', expect: { noEffect: 'UNDO_ISOLATION', cluster: 'eu-north' } },
          { at: '+2m', expect: { cluster: 'eu-north', state: 'BP_PATH_CUT' } },
        ],
      },
      'fields.json',
      config,
    );

    // THEN
    expect(scenario.steps).toMatchObject([
      { kind: 'trigger', trigger: { cluster: 'eu-north', kind: 'unhealthy', state: 'INSUFFICIENT_DATA' } },
      { kind: 'operator', operator: { command: 'pin', pin: 'in-service', for: 90 * 60_000 } },
      { kind: 'expect', expect: { type: 'effect', effect: 'NOTIFY', cluster: 'eu-north', severity: 'INFO', subjectContains: 'OPERATOR_APPLIED', first: true } },
      { kind: 'event', rejected: 'UNSUPPORTED_SOURCE' },
      { kind: 'expect', expect: { type: 'noEffect', effect: 'UNDO_ISOLATION', cluster: 'eu-north' } },
      { kind: 'expect', expect: { type: 'cluster', state: 'BP_PATH_CUT' } },
    ]);
  });
});
