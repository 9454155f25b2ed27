/**
 * `seedshield sandbox`: a newcomer's moto world. The test starts it, reads the environment it prints, and
 * runs the CLI as a process with exactly that environment, as the printed instructions say.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { sandboxMain, type SandboxInfo } from '../../cli/sandbox';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

async function cli(info: SandboxInfo, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only the printed variables: no credentials or endpoint from the test's own environment.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SEEDSHIELD_OPERATOR: 'newcomer', ...info.env };
  try {
    const out = await run('node', [path.join(ROOT, 'cli', 'bin.js'), ...args, '--hosted-zone-id', info.hostedZoneId], { cwd: ROOT, env });
    return { code: 0, ...out };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('seedshield sandbox', () => {
  test('when started, it prints an environment with which status, isolate --dry-run, isolate and restore work without AWS', async () => {
    // GIVEN: the sandbox of the example config, kept open until the checks are done
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const results: Record<string, { code: number; stdout: string; stderr: string }> = {};
    let info: SandboxInfo | undefined;
    // WHEN
    const code = await sandboxMain([], io, {
      until,
      onReady: async (i) => {
        info = i;
        try {
          results.status = await cli(i, 'status', '--json');
          results.dryRun = await cli(i, 'isolate', 'eu-north', '--reason', 'trying the sandbox', '--dry-run');
          results.isolate = await cli(i, 'isolate', 'eu-north', '--reason', 'trying the sandbox');
          results.after = await cli(i, 'status', '--json');
          results.restore = await cli(i, 'restore', 'eu-north', '--reason', 'done trying');
        } finally {
          release();
        }
      },
    });
    // THEN: the printed instructions carry the endpoint and the commands
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(`export AWS_ENDPOINT_URL=${info!.endpoint}`);
    expect(text).toContain(`node cli/bin.js isolate eu-north --reason "trying the sandbox" --dry-run --hosted-zone-id ${info!.hostedZoneId}`);
    // ...and they work: every cluster at its configured weight, then eu-north taken out and brought back
    expect(results.status.code).toBe(0);
    const before = JSON.parse(results.status.stdout);
    expect(before.clusters.map((c: { id: string; weight: number }) => [c.id, c.weight])).toEqual([
      ['eu-north', 100],
      ['eu-central', 100],
      ['us-east', 50],
      ['gm-physical', 50],
    ]);
    expect(results.dryRun).toMatchObject({ code: 0 });
    expect(results.dryRun.stdout).toContain('DRY RUN (nothing written)');
    expect(results.isolate).toMatchObject({ code: 0 });
    const after = JSON.parse(results.after.stdout);
    expect(after.clusters.find((c: { id: string }) => c.id === 'eu-north')).toMatchObject({ status: 'ISOLATED', weight: 0 });
    expect(results.restore).toMatchObject({ code: 0 });
  }, 300_000);

  test('when the config cannot be read, it exits 2 before starting anything', async () => {
    // GIVEN
    const out: string[] = [];
    // WHEN
    const code = await sandboxMain(['-c', path.join(ROOT, 'package-lock.json.missing')], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
    // THEN
    expect(code).toBe(2);
    expect(out.join('\n')).toContain('cannot be read');
  });
});
