/**
 * `seedshield review` end to end, offline: a throwaway git repository holding this checkout's files, a base
 * commit, then a working-tree change; both revisions really synthesize (the CDK CLI, as `npm run synth`), with
 * every AWS credential variable removed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reviewMain } from '../../cli/review';
import type { ReviewReport } from '../../cli/review-diff';

const REPO_ROOT = path.resolve(__dirname, '../..');

/** Copies the checkout's files (tracked and new, not ignored) into a fresh repository with one commit. */
function throwawayRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-review-test-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(REPO_ROOT, f);
    if (!fs.existsSync(from) || fs.lstatSync(from).isSymbolicLink() || !fs.statSync(from).isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=review-test', '-c', 'user.email=review-test@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  git('checkout', '-q', '-b', 'change');
  return dir;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

/** The environment of a reviewer without an AWS account: credentials that would fail if anything used them. */
const NO_ACCOUNT_ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDNOTREAL', AWS_SECRET_ACCESS_KEY: 'not-real', AWS_PROFILE: 'no-such-profile' };

describe('seedshield review', () => {
  let repo: string;
  beforeAll(() => {
    repo = throwawayRepo();
  });
  afterAll(() => {
    fs.rmSync(repo, { recursive: true, force: true });
  });

  test('when one cluster weight changes, it names that cluster with old and new weight, nothing else, and --fail exits 1', async () => {
    // GIVEN: the working tree lowers eu-north's weight from 100 to 60 (default base: merge base with main)
    const file = path.join(repo, 'seedshield.config.json');
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(raw.clusters[0]).toMatchObject({ id: 'eu-north', weight: 100 });
    raw.clusters[0].weight = 60;
    fs.writeFileSync(file, JSON.stringify(raw, null, 2));
    const { io, out, err } = capture();
    // WHEN
    const code = await reviewMain(['--format', 'json', '--fail'], io, { cwd: repo, env: NO_ACCOUNT_ENV });
    // THEN
    expect({ code, err }).toEqual({ code: 1, err: [] });
    const report = JSON.parse(out.join('\n')) as ReviewReport;
    expect(report.base.ref).toBe('merge-base(HEAD, main)');
    expect(report.config).toEqual({ clusters: [{ id: 'eu-north', change: 'changed', fields: [{ path: 'weight', old: 100, new: 60 }] }], policy: [], other: [] });
    expect(report.replacements).toEqual([]);
    expect(report.stacks.flatMap((s) => s.security)).toEqual([]);
    // Only the inputs that carry the number move: the cluster stacks do not change at all.
    expect(report.stacks.filter((s) => s.change !== 'unchanged').map((s) => s.stack).sort()).toEqual(['Seedshield-ControlPlane', 'Seedshield-Dns']);
    // The runtime topology is one SSM parameter per cluster: the change sits in eu-north's, as its baseWeight.
    expect(report.embeddedJson.length).toBeGreaterThan(0);
    for (const e of report.embeddedJson) {
      expect(e).toMatchObject({ path: 'baseWeight', old: 100, new: 60, logicalId: expect.stringMatching(/clusterseunorth/i) });
    }
    // The full diff is there too, per stack, and never the whole topology as one replaced line only.
    expect(report.stacks.find((s) => s.stack === 'Seedshield-Dns')!.diffText).toMatch(/\[-\]\s+"BaseWeight": 100[\s\S]*\[\+\]\s+"BaseWeight": 60/);
  }, 900_000);

  test('when the base does not synthesize, it exits 2 and says it is the base, with the synth error', async () => {
    // GIVEN: a branch whose configuration has a syntax error
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, stdio: 'pipe' });
    git('stash', '-q', '--include-untracked');
    git('checkout', '-q', '-b', 'broken', 'main');
    fs.writeFileSync(path.join(repo, 'seedshield.config.json'), '{\n  "sites": [,]\n}\n');
    git('commit', '-q', '-am', 'broken config');
    git('checkout', '-q', 'change');
    git('stash', 'pop', '-q');
    const { io, err } = capture();
    // WHEN
    const code = await reviewMain(['--base', 'broken'], io, { cwd: repo });
    // THEN
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/the base \(broken, [0-9a-f]{12}\) does not synthesize \(cdk synth exit 1\):[\s\S]*is not valid JSON at line 2, column 13/);
  }, 900_000);

  test('when the base is not a commit, it exits 2 and says which argument is wrong', async () => {
    // GIVEN
    const { io, err } = capture();
    // WHEN
    const code = await reviewMain(['--base', 'no-such-branch'], io, { cwd: repo });
    // THEN
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--base "no-such-branch" is not a commit in this repository');
  });

  test('when the format is unknown, it exits 2 with the usage before doing anything', async () => {
    // GIVEN
    const { io, err } = capture();
    // WHEN
    const code = await reviewMain(['--format', 'html'], io, { cwd: repo });
    // THEN
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--format must be text, markdown or json, got: "html"');
  });
});
