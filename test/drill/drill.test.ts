/**
 * The drill through its API (not a subprocess): every built-in scenario passes against moto, and a wrong
 * expectation fails naming its step. The drill resets moto between scenarios, so it runs on its own server,
 * never on the one the other test files share.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { drillMain } from '../../drill/main';
import { startMoto, type MotoServer } from '../../drill/moto';
import { runDrill } from '../../drill/runner';
import { builtInScenarios, configClusterIds } from '../../drill/main';
import { parseScenario, ScenarioError } from '../../drill/scenario';
import { exampleConfig, EXAMPLE_CONFIG_PATH } from '../support/example';

const config = exampleConfig();
const ids = configClusterIds(config);

describe('the built-in drill', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
  });

  test('when every built-in scenario runs against moto, every expectation and invariant holds', async () => {
    // GIVEN
    const scenarios = builtInScenarios(ids);

    // WHEN
    const result = await runDrill({ config, scenarios, moto });

    // THEN
    expect(scenarios.map((s) => s.name)).toEqual([
      'ddos-isolate-and-restore',
      'duplicated-and-reordered-events',
      'every-cluster-attacked',
      'flapping-alarm',
      'guardduty-compromise',
      'crash-between-actions',
      'operator-pin-during-attack',
    ]);
    expect(result.scenarios.flatMap((s) => s.failures)).toEqual([]);
    expect(result.passed).toBe(true);
    // The crash scenario really crashed: the first attempt failed and the reconcile finished the job.
    const crash = result.scenarios.find((s) => s.name === 'crash-between-actions')!;
    expect(crash.steps[1].actions!.some((a) => a.type === 'CUT_BP_PATH' && !a.ok)).toBe(true);
    expect(crash.steps[4].decisions!.map((d) => d.outcome)).toEqual(['JOB_RETRIED', 'ISOLATION_COMPLETED']);
  }, 120_000);

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
      'steps[2].trigger.kind: must be one of ddos, unhealthy, surge, compromise, got: "flood"',
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
