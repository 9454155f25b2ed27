/**
 * The drill through its API (not a subprocess): every built-in scenario passes against moto, and a wrong
 * expectation fails naming its step; `--json` prints the timeline as JSON. The drill resets moto between
 * scenarios, so it runs on its own server, never on the one the other test files share.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { configClusterIds, drillMain } from '../../drill/main';
import { startMoto, type MotoServer } from '../../drill/moto';
import { runDrill, type DrillResult } from '../../drill/runner';
import { parseScenario, ScenarioError } from '../../drill/scenario';
import { parseScenarioFor } from '../../drill/scenario-checks';
import { exampleConfig, EXAMPLE_CONFIG_PATH } from '../support/example';

const config = exampleConfig();
const ids = configClusterIds(config);

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto.stop();
});

describe('the built-in drill', () => {
  // This is `npm run drill` (its entry, drillMain, with the default: every built-in scenario), on the moto this
  // file started. CI does not run the drill a second time as a step of its own: the nineteen scenarios are
  // about five minutes of a 2-core budget.
  test('when npm run drill runs every built-in scenario against moto, every expectation and invariant holds and it exits 0', async () => {
    // GIVEN
    const stdout: string[] = [];
    const stderr: string[] = [];

    // WHEN
    const code = await drillMain(['-c', EXAMPLE_CONFIG_PATH, '--json'], { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) }, { moto });

    // THEN
    const result = JSON.parse(stdout.join('')) as DrillResult;
    expect(result.scenarios.map((s) => s.name)).toEqual([
      'ddos-isolate-and-restore',
      'duplicated-and-reordered-events',
      'every-cluster-attacked',
      'flapping-alarm',
      'guardduty-compromise',
      'crash-between-actions',
      'operator-pin-during-attack',
      'routine-guardduty-findings',
      'compromise-among-port-probes',
      'restored-compromise-holds',
      'lagging-cluster-drained',
      'chain-wide-lag',
      'compromise-never-rate-limited',
      'compromise-cuts-bp-path-first',
      'held-back-rechecked-most-severe-first',
      'insufficient-data-holds-and-pages',
      'no-undo-under-fire',
      'pins-expire-never-hide-compromise',
      'notifications-say-what-happened',
    ]);
    expect(result.scenarios.flatMap((s) => s.failures)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(code).toBe(0);
    expect(stderr.join('\n')).toMatch(/verdict: PASS: 19\/19 scenarios passed, \d+ steps, /);
    // The crash scenario really crashed: the first attempt failed and the reconcile finished the job.
    const crash = result.scenarios.find((s) => s.name === 'crash-between-actions')!;
    // Both cuts write network ACL entries, in parallel: the injected CreateNetworkAclEntry fault can land in either.
    expect(crash.steps[1].actions!.some((a) => (a.type === 'CUT_BP_PATH' || a.type === 'CUT_INTERNET') && !a.ok)).toBe(true);
    expect(crash.steps[4].decisions!.map((d) => d.outcome)).toEqual(['JOB_RETRIED', 'ISOLATION_COMPLETED']);
    // Nineteen scenarios take four to five minutes on two cores; a loaded machine needs more.
  }, 1_800_000);

  test('when a scenario expects a wrong weight, it fails and names the step and what differed', async () => {
    // GIVEN
    const scenario = parseScenario(
      {
        name: 'wrong-expectation',
        steps: [
          { at: '+1m', trigger: { cluster: 'eu-north', kind: 'ddos', state: 'ALARM' } },
          { at: '+90s', expect: { cluster: 'eu-north', state: 'ISOLATED', weight: 42 } },
        ],
      },
      'test',
      ids,
    );

    // WHEN
    const result = await runDrill({ config, scenarios: [scenario], moto });

    // THEN
    expect(result.passed).toBe(false);
    expect(result.scenarios[0].failures).toEqual(['step 1 (+90s): expected eu-north Route 53 weight 42, got 0']);
  }, 60_000);
});

describe('what fails a step', () => {
  test('when an effect expected not to happen happens, and a raw event is rejected without the step saying so, both steps fail naming what happened', async () => {
    // GIVEN
    const scenario = parseScenarioFor(
      {
        name: 'failing-steps',
        steps: [
          { at: '+0m', trigger: { cluster: 'eu-north', kind: 'ddos', state: 'ALARM' } },
          { at: '+0m', expect: { noEffect: 'CUT_INTERNET', cluster: 'eu-north' } },
          { at: '+0m', expect: { effect: 'CUT_BP_PATH', cluster: 'eu-north' } },
          {
            at: '+1m',
            event: {
              id: 'not-ours',
              source: 'aws.cloudwatch',
              'detail-type': 'CloudWatch Alarm State Change',
              time: '{{now}}',
              resources: ['arn:aws:cloudwatch:eu-north-1:111111111111:alarm:somebody-elses-alarm'],
              detail: { alarmName: 'somebody-elses-alarm', state: { value: 'ALARM', timestamp: '{{+0m}}' }, previousState: { value: 'OK', timestamp: '{{+0m}}' } },
            },
          },
        ],
      },
      'test',
      config,
    );

    // WHEN
    const result = await runDrill({ config, scenarios: [scenario], moto });

    // THEN
    const failures = result.scenarios[0].failures;
    expect(failures[0]).toBe('step 1 (+0m): expected step 0 (+0m) to carry out no CUT_INTERNET on eu-north, but it carried out CUT_INTERNET eu-north');
    expect(failures[1]).toMatch(/^step 3 \(\+1m\): the engine rejected the event \((UNKNOWN_ALARM|UNKNOWN_CLUSTER): .*\); fix the event, or add "rejected": "(UNKNOWN_ALARM|UNKNOWN_CLUSTER)" to the step if the rejection is what the scenario tests$/);
    expect(failures).toHaveLength(2);
    // The timeline shows the raw alarm's state and how old it was when delivered.
    expect(result.scenarios[0].steps[3].summary).toContain('alarm somebody-elses-alarm ALARM (state 1m old, was OK)');
  }, 120_000);
});

describe('the drill timeline as JSON (npm run drill -- --json)', () => {
  /** A DDoS alarm isolates eu-north; `centralWeight` is what the last step expects eu-central to weigh after. */
  function writeScenario(name: string, centralWeight: number): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-drill-')), `${name}.json`);
    const scenario = {
      name,
      description: 'a DDoS alarm isolates eu-north and its share moves to the others',
      steps: [
        { at: '+0m', trigger: { cluster: 'eu-north', kind: 'ddos', state: 'ALARM' } },
        { at: '+30s', expect: { outcome: 'ISOLATION_COMPLETED' } },
        { at: '+90s', expect: { cluster: 'eu-north', state: 'ISOLATED', weight: 0, isolationRecorded: true } },
        { at: '+2m', expect: { cluster: 'eu-central', state: 'IN_SERVICE', weight: centralWeight } },
      ],
    };
    fs.writeFileSync(file, JSON.stringify(scenario));
    return file;
  }

  /** Runs the drill command with `--json` (to stdout) on the shared moto and captures what it prints. */
  async function drillJson(file: string): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await drillMain(['-c', EXAMPLE_CONFIG_PATH, '--scenario', file, '--json'], { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) }, { moto });
    return { code, stdout, stderr };
  }

  test('when a scenario runs with --json, it prints only the JSON timeline: each step with sim time, event, outcome and weights, and passed=true', async () => {
    // GIVEN
    const file = writeScenario('json-timeline', 150);

    // WHEN
    const out = await drillJson(file);

    // THEN
    expect(out.code).toBe(0);
    expect(out.stdout).toHaveLength(1);
    expect(out.stderr.join('\n')).toMatch(/^verdict: PASS: 1\/1 scenarios passed, 4 steps, /);
    const result = JSON.parse(out.stdout[0]);
    expect(result).toMatchObject({ passed: true, wallMs: expect.any(Number) });
    expect(result.scenarios).toHaveLength(1);
    const scenario = result.scenarios[0];
    expect(scenario).toMatchObject({ name: 'json-timeline', source: file, passed: true, failures: [] });
    expect(scenario.steps.map((s: { index: number; at: string; kind: string }) => [s.index, s.at, s.kind])).toEqual([
      [0, '+0m', 'trigger'],
      [1, '+30s', 'expect'],
      [2, '+90s', 'expect'],
      [3, '+2m', 'expect'],
    ]);
    // Sim time: the clock starts on a whole minute and each step sits at its offset from it.
    const t0 = Date.parse(scenario.steps[0].simTime);
    expect(t0 % 60_000).toBe(0);
    expect(scenario.steps.map((s: { simTime: string }) => Date.parse(s.simTime) - t0)).toEqual([0, 30_000, 90_000, 120_000]);
    // The event step: what was delivered, the decisions and their outcome, the actions and the weights after.
    const trigger = scenario.steps[0];
    expect(trigger.summary).toContain('trigger ddos ALARM on eu-north');
    expect(trigger.eventId).toEqual(expect.any(String));
    expect(trigger.outcome).toBe('ISOLATION_STARTED');
    expect(trigger.reason).toContain('Isolating cluster eu-north because alarm');
    expect(trigger.decisions.map((d: { outcome: string }) => d.outcome)).toEqual(['ISOLATION_STARTED', 'ISOLATION_COMPLETED']);
    expect(trigger.actions.every((a: { ok: boolean }) => a.ok)).toBe(true);
    expect(trigger.actions.map((a: { type: string }) => a.type)).toEqual(expect.arrayContaining(['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH']));
    for (const step of scenario.steps) {
      expect(step.clusters).toEqual({
        'eu-north': { status: 'ISOLATED', servingPercent: 0, weight: 0 },
        'eu-central': { status: 'IN_SERVICE', servingPercent: 100, weight: 150 },
        'us-east': { status: 'IN_SERVICE', servingPercent: 100, weight: 75 },
        'gm-physical': { status: 'IN_SERVICE', servingPercent: 100, weight: 75 },
      });
      expect(step.automationPaused).toBe(false);
      expect(step.failures).toEqual([]);
    }
    expect(scenario.steps.slice(1).map((s: { checked?: string }) => s.checked)).toEqual([
      'expect outcome ISOLATION_COMPLETED',
      'expect eu-north: state ISOLATED, weight 0, isolation record complete',
      'expect eu-central: state IN_SERVICE, weight 150',
    ]);
  }, 30_000);

  test('when npm run drill runs as its own process with a passing scenario, it starts its own moto, prints the verdict and exits 0', async () => {
    // GIVEN (CI has no drill step of its own, so the npm script's entry is run here)
    const file = writeScenario('npm-script', 150);

    // WHEN
    const run = await promisify(execFile)('npm', ['run', '--silent', 'drill', '--', '-c', EXAMPLE_CONFIG_PATH, '--scenario', file], {
      cwd: path.join(__dirname, '..', '..'),
      timeout: 120_000,
    }).then(
      (out) => ({ code: 0, ...out }),
      (err: { code?: unknown; stdout?: string; stderr?: string }) => ({ code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );

    // THEN
    expect(run.stderr + run.stdout).toMatch(/verdict: PASS: 1\/1 scenarios passed, 4 steps, /);
    expect(run.code).toBe(0);
  }, 150_000);

  test('when a scenario with a wrong expectation runs with --json, it exits 1 and the JSON says passed=false naming the failing step', async () => {
    // GIVEN
    const file = writeScenario('json-wrong-expectation', 100);

    // WHEN
    const out = await drillJson(file);

    // THEN
    expect(out.code).toBe(1);
    expect(out.stdout).toHaveLength(1);
    const result = JSON.parse(out.stdout[0]);
    expect(result.passed).toBe(false);
    const scenario = result.scenarios[0];
    expect(scenario.passed).toBe(false);
    expect(scenario.failures).toEqual(['step 3 (+2m): expected eu-central Route 53 weight 100, got 150']);
    expect(scenario.steps.map((s: { failures: string[] }) => s.failures.length)).toEqual([0, 0, 0, 1]);
    expect(scenario.steps[3].checked).toBeUndefined();
    expect(out.stderr.join('\n')).toContain('step 3 (+2m): expected eu-central Route 53 weight 100, got 150');
  }, 30_000);
});

describe('scenario files', () => {
  test('when a step is malformed, the error names the step index and the field', () => {
    // GIVEN
    const raw = {
      name: 'bad',
      steps: [
        { at: '+0m', trigger: { cluster: 'eu-north', kind: 'ddos', state: 'ALARM' } },
        { at: 'soon', reconcile: true },
        { at: '+1m', trigger: { cluster: 'mars', kind: 'flood', state: 'ALARM' } },
        { at: '+2m', operator: { command: 'isolate', cluster: 'eu-north' } },
        { at: '+3m', reconcile: true, duplicateLast: true },
      ],
    };

    // WHEN
    let error: ScenarioError | undefined;
    try {
      parseScenario(raw, 'bad.json', ids);
    } catch (err) {
      error = err as ScenarioError;
    }

    // THEN
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error!.problems).toEqual([
      'steps[1].at: must be a sim-time offset like "+0m", "+90s" or "+1h30m", got: "soon"',
      'steps[2].trigger.cluster: must be a cluster id of the configuration (eu-north, eu-central, us-east, gm-physical), got: "mars"',
      'steps[2].trigger.kind: must be one of ddos, unhealthy, surge, lagging, compromise, got: "flood"',
      'steps[3].operator.reason: is required: every operator command is recorded and notified with its reason',
      'steps[4]: has reconcile and duplicateLast; a step takes exactly one action',
    ]);
  });

  test('when npm run drill is given a bad scenario file, it exits 2 naming the step and field, without starting moto', async () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-drill-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'bad', steps: [{ at: '+0m', expect: { cluster: 'eu-north', weight: 300 } }] }));
    const err: string[] = [];

    // WHEN
    const code = await drillMain(['-c', EXAMPLE_CONFIG_PATH, '--scenario', file], { stdout: () => undefined, stderr: (t) => err.push(t) });

    // THEN
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('steps[0].expect.weight: must be a whole number from 0 to 255, got: 300');
  });
});
