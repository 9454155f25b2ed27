/**
 * The operator CLI as a process (`node cli/bin.js ...`) against a world built in the shared moto
 * (MOTO_ENDPOINT from the jest global setup). Cluster ids, table and topic are unique to this file so it
 * never touches what other test files build in the same moto.
 */
import { buildCliWorld, type CliWorld, type ClusterName } from './helpers';

describe('seedshield CLI against moto', () => {
  let w: CliWorld;
  const id = (name: ClusterName) => w.id(name);
  const cli = (...args: string[]) => w.cli(...args);
  const weights = () => w.weights();

  beforeAll(async () => {
    w = await buildCliWorld(process.env.MOTO_ENDPOINT!, 'cli');
  }, 60_000);

  test('when status runs, it prints every cluster with its state and its weight as Route 53 serves it', async () => {
    // WHEN
    const table = await cli('status');
    const json = await cli('status', '--json');

    // THEN
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id('north')}\\s+aws\\s+eu-north-1\\s+IN_SERVICE\\s+100%\\s+100/100\\s+-\\s+-`));
    expect(table.stdout).toMatch(new RegExp(`${id('phys')}\\s+external\\s+-\\s+IN_SERVICE`));
    expect(table.stdout).toContain('automation: running');
    const status = JSON.parse(json.stdout);
    expect(status.automationPaused).toBe(false);
    expect(status.clusters.map((c: { id: string; weight: number }) => [c.id, c.weight])).toEqual([
      [id('north'), 100],
      [id('central'), 100],
      [id('east'), 50],
      [id('phys'), 50],
    ]);
  }, 30_000);

  test('when a command has bad arguments, it exits 2 with the usage and changes nothing', async () => {
    // GIVEN
    const before = await weights();

    // WHEN
    const [noReason, unknownCluster, badPin, unknownCommand] = await Promise.all([
      cli('isolate', id('north')),
      cli('isolate', 'atlantis', '--reason', 'drill'),
      cli('pin', id('north'), 'sideways', '--reason', 'drill'),
      cli('obliterate', id('north'), '--reason', 'drill'),
    ]);

    // THEN
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('isolate needs --reason TEXT');
    expect(noReason.stderr).toContain('usage: seedshield <command>');
    expect(unknownCluster.code).toBe(2);
    expect(unknownCluster.stderr).toContain(`unknown cluster "atlantis"; the configuration has: ${id('north')}, ${id('central')}, ${id('east')}, ${id('phys')}`);
    expect(badPin.code).toBe(2);
    expect(badPin.stderr).toContain('pin value must be "in-service" or "isolated", got: "sideways"');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "obliterate"');
    expect(await weights()).toEqual(before);
    const status = JSON.parse((await cli('status', '--json')).stdout);
    expect(status.clusters.every((c: { status: string }) => c.status === 'IN_SERVICE')).toBe(true);
  }, 60_000);

  test('when --dry-run is given, it prints the plan and reason and writes nothing', async () => {
    // GIVEN
    const before = await weights();

    // WHEN
    const out = await cli('isolate', id('north'), '--reason', 'rehearsal', '--dry-run');

    // THEN
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`DRY RUN (nothing written): isolate ${id('north')} by test-operator (reason: rehearsal)`);
    expect(out.stdout).toContain('outcome: OPERATOR_APPLIED');
    expect(out.stdout).toContain(`SET_DNS_WEIGHTS ${id('north')}=0 ${id('central')}=150 ${id('east')}=75 ${id('phys')}=75`);
    expect(out.stdout).toContain(`CUT_INTERNET ${id('north')}`);
    expect(await weights()).toEqual(before);
    const status = JSON.parse((await cli('status', '--json')).stdout);
    expect(status.clusters[0].status).toBe('IN_SERVICE');
  }, 30_000);

  test('when isolate runs with a reason, moto serves the cluster at weight 0 and status shows it isolated', async () => {
    // WHEN
    const out = await cli('isolate', id('north'), '--reason', 'kernel patching');

    // THEN
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('outcome: OPERATOR_APPLIED');
    // DNS, both cuts, the scaling suspension and two notices; the Reachability Analyzer check cannot start on moto
    // (no such API there) and is reported as a warning, not a failure.
    expect(out.stdout).toContain('carried out: 6 done, 0 failed');
    expect(await weights()).toEqual({ [id('north')]: 0, [id('central')]: 150, [id('east')]: 75, [id('phys')]: 75 });
    const status = JSON.parse((await cli('status', '--json')).stdout);
    expect(status.clusters[0]).toMatchObject({ id: id('north'), status: 'ISOLATED', weight: 0, servingPercent: 0 });
  }, 30_000);

  test('when an isolation would break the minimum, it is refused (exit 1) unless forced', async () => {
    // WHEN
    const refused = await cli('isolate', id('central'), '--reason', 'kernel patching');

    // THEN
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('outcome: OPERATOR_REFUSED');
    expect(refused.stdout).toContain('below minHealthyClusters 2 [MIN_HEALTHY]');
    expect((await weights())[id('central')]).toBe(150);

    // WHEN
    const forced = await cli('isolate', id('central'), '--force', '--reason', 'maintenance window, east and the physical site carry the load');

    // THEN
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`isolated cluster ${id('central')} (forced)`);
    expect(await weights()).toEqual({ [id('north')]: 0, [id('central')]: 0, [id('east')]: 150, [id('phys')]: 150 });
  }, 30_000);
});
