/**
 * Child processes and temp dirs of the benchmarks, with the clean-up the bench owes the shared machine:
 * every child has a timeout (its whole process group is killed when it runs over), and every temp dir made
 * here is removed by {@link cleanUp} (called on normal exit, on error and on SIGINT/SIGTERM).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { BenchError } from './errors';

/** Root of the repository (bench/..). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** What a finished child left. */
export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly wallMs: number;
  readonly timedOut: boolean;
}

/** Options of {@link runProcess}. */
export interface RunOptions {
  /** Kill the child's process group after this many ms. */
  readonly timeoutMs: number;
  /** @default - the bench's own environment */
  readonly env?: NodeJS.ProcessEnv;
  /** @default REPO_ROOT */
  readonly cwd?: string;
}

const running = new Set<number>();
const tempDirs = new Set<string>();
const hooks: (() => unknown)[] = [];

/** Registers `fn` to run in {@link cleanUp} (e.g. stopping moto). */
export function onCleanUp(fn: () => unknown): void {
  hooks.push(fn);
}

/** Keeps the last `max` characters: children can be chatty (cdk-nag), and only the tail is ever shown. */
function tail(text: string, max = 20_000): string {
  return text.length > max ? text.slice(-max) : text;
}

/** Runs `command args` in its own process group; resolves when it exits or is killed at the timeout. */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a timeout kills npm/npx/tsx AND the node they started, not just the wrapper.
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout = tail(stdout + d.toString())));
    child.stderr.on('data', (d: Buffer) => (stderr = tail(stderr + d.toString())));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(pid);
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - started, timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Throws with the tail of stderr unless the child exited 0 in time. */
export function assertOk(result: ProcessResult, what: string): void {
  if (result.timedOut) throw new BenchError(`${what} timed out after ${Math.round(result.wallMs)} ms`);
  if (result.code !== 0) throw new BenchError(`${what} exited ${result.code ?? result.signal}:\n${result.stderr.slice(-3000)}`);
}

/** A new temp dir, removed by {@link cleanUp}. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `seedshield-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** Removes one temp dir made by {@link makeTempDir} now (big synth outputs should not pile up). */
export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * Runs the registered hooks, kills every child still running (by its process group id) and removes every
 * temp dir. Idempotent. Hooks may return promises; their synchronous part (sending a signal) runs at once.
 */
export async function cleanUp(): Promise<void> {
  const pending = hooks.splice(0).map((fn) => {
    try {
      return Promise.resolve(fn()).catch(() => undefined);
    } catch {
      return undefined;
    }
  });
  for (const pid of running) killGroup(pid);
  running.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  await Promise.all(pending);
}
