import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exampleRaw } from '../support/example';

const ROOT = path.join(__dirname, '..', '..');

/** Runs the real app entry the way the CDK CLI does (config via context, output dir via env). */
function runAppEntry(configFile: string) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-out-'));
  const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/seedshield.ts'], {
    cwd: ROOT,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ config: configFile }) },
    encoding: 'utf8',
  });
  return { ...result, written: fs.readdirSync(outdir) };
}

describe('bin/seedshield.ts', () => {
  test('when the config is bad, it exits non-zero, prints one line per problem and writes nothing', () => {
    // GIVEN
    const raw = exampleRaw();
    raw.clusters[0].weight = 300;
    raw.clusters[1].availabilityZones = ['eu-central-1a'];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-cfg-')), 'bad.json');
    fs.writeFileSync(file, JSON.stringify(raw));
    // WHEN
    const run = runAppEntry(file);
    // THEN
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}: 2 problems in the seedshield configuration:`);
    expect(run.stderr).toContain('  - clusters[0].weight: must be between 0 and 255 inclusive (Route 53 weight), got: 300');
    expect(run.stderr).toContain('  - clusters[1].availabilityZones: needs at least two availability zones');
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(run.written).toEqual([]);
  });

  test('when the config is the example, it writes one template per stack', () => {
    const run = runAppEntry(path.join(ROOT, 'seedshield.config.json'));
    expect(run.status).toBe(0);
    expect(run.written.filter((f) => f.endsWith('.template.json')).sort()).toEqual([
      'Seedshield-Cluster-eu-central.template.json',
      'Seedshield-Cluster-eu-north.template.json',
      'Seedshield-Cluster-us-east.template.json',
      'Seedshield-ControlPlane.template.json',
      'Seedshield-Dns.template.json',
    ]);
  });
});
