/**
 * `seedshield review [--base REF] [--format text|markdown|json] [--fail] [-c CONFIG]`: what a change does to
 * the deployment, offline, with no AWS account.
 *
 * It synthesizes the base revision (a temporary `git worktree` of REF, with its own dependencies: the working
 * tree's `node_modules` when the two lockfiles are identical, else `npm ci` there) and the working tree (as it
 * is on disk, uncommitted edits included), both with the CDK CLI exactly as `npm run synth` does, then
 * compares every stack with CDK's own diff engine (`review-diff.ts`). AWS credentials are removed from the
 * synth processes' environment: if a synth needed an account, it would fail here rather than quietly look
 * one up.
 *
 * Default base: the merge base of HEAD with `origin/main` (else `main`), so a branch is compared with the
 * point it left main, not with whatever main became since.
 *
 * Exit status: 0 no change, or changes without --fail; 1 changes with --fail; 2 bad arguments, or a revision
 * that does not synthesize (the message says which).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { PROCESS_IO, type CommandIo } from '../lib/command-io';
import { SeedshieldError } from '../lambdas/errors';
import { parseJsonText } from '../lib/config/load';
import type { CliCommand } from './command';
import { readAssembly, renderReview, reviewAssemblies, summarizeConfig, type ConfigSummary, type ReviewFormat, type ReviewReport } from './review-diff';

export const REVIEW_USAGE = `usage: seedshield review [--base REF] [--format text|markdown|json] [--fail] [-c CONFIG]

Synthesizes the base revision and the working tree offline (no AWS credentials) and compares every stack:
a per-cluster summary of the configuration, replaced resources (loudly when they hold state or an isolation
depends on them), IAM and security-group changes, then the full diff of each stack.

options:
  --base REF          git revision to compare with (default: merge base of HEAD and origin/main, else main)
  --format FORMAT     text (default), markdown (for a pull request comment) or json
  --fail              exit 1 when anything changes (for CI gates)
  -c, --config PATH   configuration file, same path in both revisions (default: seedshield.config.json)
  -h, --help          show this help

exit status: 0 no change (or changes without --fail); 1 changes with --fail; 2 bad arguments, or a revision
that does not synthesize`;

/** Where output goes (tests capture it). */
type ReviewIo = CommandIo;

/** A problem that ends the review with exit status 2: bad arguments, an unknown revision, a failed synth. */
export class ReviewError extends SeedshieldError {
  readonly code: string = 'REVIEW_FAILED';
}

interface ReviewArgs {
  base?: string;
  format: ReviewFormat;
  fail: boolean;
  config: string;
  help: boolean;
}

function parseReviewArgs(argv: readonly string[]): ReviewArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        base: { type: 'string' },
        format: { type: 'string' },
        fail: { type: 'boolean' },
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ReviewError((err as Error).message, { cause: err });
  }
  const v = parsed.values;
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'markdown' && format !== 'json') {
    throw new ReviewError(`--format must be text, markdown or json, got: ${JSON.stringify(format)}`);
  }
  if (v.base !== undefined && (v.base.trim() === '' || v.base.startsWith('-'))) {
    throw new ReviewError(`--base needs a git revision, got: ${JSON.stringify(v.base)}`);
  }
  return { base: v.base, format, fail: v.fail ?? false, config: v.config ?? 'seedshield.config.json', help: v.help ?? false };
}

// ---------------------------------------------------------------- processes

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve) => {
    // Its own process group, so that an abort stops the whole tree (cdk -> npx -> tsx -> the app), not only
    // the CDK CLI.
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: signal !== undefined });
    const killTree = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    if (signal) {
      if (signal.aborted) killTree();
      signal.addEventListener('abort', killTree, { once: true });
      child.on('close', () => signal.removeEventListener('abort', killTree));
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function git(repo: string, ...args: string[]): Promise<string> {
  const r = await run('git', args, repo);
  if (r.code !== 0) throw new ReviewError(`git ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.trim();
}

/** The last lines of a failed command's output: enough to see the error, not the whole log. */
function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The environment the synths run in: no credentials, no telemetry, no metadata-service probes. */
function offlineEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) {
    delete out[k];
  }
  // A profile file would still be found through the default chain: point it nowhere.
  out.AWS_CONFIG_FILE = os.devNull;
  out.AWS_SHARED_CREDENTIALS_FILE = os.devNull;
  out.AWS_EC2_METADATA_DISABLED = 'true';
  out.CDK_DISABLE_CLI_TELEMETRY = 'true';
  out.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  out.FORCE_COLOR = '0';
  return out;
}

/** `cdk synth` of the app in `dir` into `outDir`; throws a ReviewError naming `what` when it fails. */
async function synth(dir: string, outDir: string, config: string, what: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  const cdk = path.join(dir, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  if (!fs.existsSync(cdk)) throw new ReviewError(`${what}: no CDK CLI at ${cdk} (are its dependencies installed?)`);
  const r = await run(process.execPath, [cdk, 'synth', '-q', '--no-notices', '-o', outDir, '-c', `config=${config}`], dir, offlineEnv(env), signal);
  if (signal.aborted) return;
  if (r.code !== 0 || !fs.existsSync(path.join(outDir, 'manifest.json'))) {
    throw new ReviewError(`${what} does not synthesize (cdk synth exit ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  }
}

/** Resolves the base revision: the given REF, else the merge base with origin/main or main. */
async function resolveBase(repo: string, ref: string | undefined): Promise<{ ref: string; commit: string }> {
  if (ref !== undefined) {
    const r = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], repo);
    if (r.code !== 0) throw new ReviewError(`--base ${JSON.stringify(ref)} is not a commit in this repository (fetch it first, e.g. git fetch origin main)`);
    return { ref, commit: r.stdout.trim() };
  }
  for (const candidate of ['origin/main', 'main']) {
    const exists = await run('git', ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], repo);
    if (exists.code !== 0) continue;
    const mb = await run('git', ['merge-base', 'HEAD', candidate], repo);
    if (mb.code === 0) return { ref: `merge-base(HEAD, ${candidate})`, commit: mb.stdout.trim() };
  }
  throw new ReviewError('no default base: neither origin/main nor main shares history with HEAD. Pass --base REF');
}

/**
 * Makes the base worktree's dependencies: a link to the working tree's node_modules when the lockfiles are
 * byte-identical (same resolved packages), else its own `npm ci` (its lockfile, its versions).
 */
async function installBaseDependencies(repoRoot: string, baseDir: string, io: ReviewIo): Promise<'shared' | 'installed'> {
  const lock = (dir: string) => (fs.existsSync(path.join(dir, 'package-lock.json')) ? fs.readFileSync(path.join(dir, 'package-lock.json')) : undefined);
  const mine = lock(repoRoot);
  const theirs = lock(baseDir);
  if (mine && theirs && mine.equals(theirs) && fs.existsSync(path.join(repoRoot, 'node_modules'))) {
    // A throwaway worktree: whatever the revision has at node_modules (a committed symlink) gives way.
    fs.rmSync(path.join(baseDir, 'node_modules'), { recursive: true, force: true });
    fs.symlinkSync(fs.realpathSync(path.join(repoRoot, 'node_modules')), path.join(baseDir, 'node_modules'), 'dir');
    return 'shared';
  }
  io.stderr('review: the base has another package-lock.json: installing its dependencies (npm ci) ...');
  const r = await run('npm', ['ci', '--no-audit', '--no-fund'], baseDir);
  if (r.code !== 0) throw new ReviewError(`the base's dependencies do not install (npm ci exit ${r.code}):\n${tail(r.stderr || r.stdout)}`);
  return 'installed';
}

function readRawConfig(file: string): unknown {
  return parseJsonText(fs.readFileSync(file, 'utf8'));
}

/** Compares the two configuration files; a side that cannot be read becomes a note, not a failure. */
function configSummary(baseFile: string, headFile: string): ConfigSummary {
  let base: unknown;
  let head: unknown;
  try {
    base = readRawConfig(baseFile);
  } catch (err) {
    return { clusters: [], policy: [], other: [], note: `(the base's configuration could not be read: ${(err as Error).message}; see the template diff)` };
  }
  try {
    head = readRawConfig(headFile);
  } catch (err) {
    return { clusters: [], policy: [], other: [], note: `(the working tree's configuration could not be read: ${(err as Error).message})` };
  }
  return summarizeConfig(base, head);
}

/**
 * Builds the review of the working tree in `cwd` against `base` (see the module doc). The temporary
 * worktree and synth outputs are removed whatever happens.
 * @throws ReviewError for anything that should end in exit status 2
 */
export async function buildReview(
  cwd: string,
  args: { base?: string; config: string },
  io: ReviewIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReviewReport> {
  const top = await run('git', ['rev-parse', '--show-toplevel'], cwd);
  if (top.code !== 0) throw new ReviewError(`${cwd} is not inside a git repository: review compares two git revisions`);
  const repoRoot = top.stdout.trim();
  const base = await resolveBase(repoRoot, args.base);
  const configRel = path.isAbsolute(args.config) ? path.relative(repoRoot, args.config) : path.relative(repoRoot, path.resolve(cwd, args.config));
  if (!fs.existsSync(path.join(repoRoot, configRel))) throw new ReviewError(`configuration ${configRel} not found in the working tree`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-review-'));
  const baseDir = path.join(scratch, 'base');
  let worktreeAdded = false;
  try {
    await git(repoRoot, 'worktree', 'add', '--detach', '--quiet', baseDir, base.commit);
    worktreeAdded = true;
    if (!fs.existsSync(path.join(baseDir, configRel))) {
      throw new ReviewError(`the base (${base.ref}, ${base.commit.slice(0, 12)}) has no ${configRel}: nothing to synthesize`);
    }
    await installBaseDependencies(repoRoot, baseDir, io);
    const baseOut = path.join(scratch, 'base.out');
    const headOut = path.join(scratch, 'head.out');
    // Both synths at once (each is mostly single-threaded start-up: tsx, esbuild bundles); the first failure
    // stops the other, so a broken base is reported in the time of its own synth.
    const abort = new AbortController();
    const stopOthers = (err: unknown) => {
      abort.abort();
      throw err;
    };
    const results = await Promise.allSettled([
      synth(baseDir, baseOut, configRel, `the base (${base.ref}, ${base.commit.slice(0, 12)})`, env, abort.signal).catch(stopOthers),
      synth(repoRoot, headOut, configRel, 'the working tree', env, abort.signal).catch(stopOthers),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return reviewAssemblies(readAssembly(baseOut), readAssembly(headOut), configSummary(path.join(baseDir, configRel), path.join(repoRoot, configRel)), base);
  } finally {
    if (worktreeAdded) await run('git', ['worktree', 'remove', '--force', baseDir], repoRoot);
    fs.rmSync(scratch, { recursive: true, force: true });
    if (worktreeAdded) await run('git', ['worktree', 'prune'], repoRoot);
  }
}

/** `seedshield review`: returns the exit status (never calls process.exit). */
export async function reviewMain(argv: readonly string[], io: ReviewIo = PROCESS_IO, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  let args: ReviewArgs;
  try {
    args = parseReviewArgs(argv);
  } catch (err) {
    io.stderr(`seedshield review: ${(err as Error).message}\n\n${REVIEW_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(REVIEW_USAGE);
    return 0;
  }
  let report: ReviewReport;
  try {
    report = await buildReview(options.cwd ?? process.cwd(), args, io, options.env ?? process.env);
  } catch (err) {
    if (err instanceof ReviewError) {
      io.stderr(`seedshield review: ${err.message}`);
      return 2;
    }
    throw err;
  }
  io.stdout(renderReview(report, args.format));
  return reviewExitCode(report, args.fail);
}

/** 1 only when asked to fail on changes and something changed; else 0. */
export function reviewExitCode(report: Pick<ReviewReport, 'hasChanges'>, failOnChanges: boolean): number {
  return failOnChanges && report.hasChanges ? 1 : 0;
}

/** `seedshield review`, as the CLI lists it (cli/main.ts). */
export const REVIEW_COMMAND: CliCommand = {
  name: 'review',
  synopsis: 'review [review options]',
  summary: 'what a change does to every stack, offline, no AWS account (see: seedshield review --help)',
  run: (args, { io, env }) => reviewMain(args, io, { env }),
};
