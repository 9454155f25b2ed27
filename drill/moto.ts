/**
 * Starts and stops a local `moto_server` (Python moto 5.x) on a free loopback port. Used by the tests, the
 * drill and the benchmarks: nothing in seedshield ever talks to real AWS outside a real deployment.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import { SeedshieldError } from '../lambdas/errors';
import { DrillError } from './errors';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Wipes every resource (moto's reset API), so one server can serve many independent scenarios. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The one command that installs moto_server (and cfn-lint), pinned. */
export const MOTO_INSTALL_HINT = 'python3 -m pip install -r requirements-dev.txt   (or into a project-local .venv: bash scripts/dev-tools.sh --setup)';

/** Exit status of a command that cannot run because moto_server is not installed (distinct from 1 and 2). */
export const EXIT_MOTO_MISSING = 3;

/** moto_server is not installed (or not runnable): nothing to wait for. */
export class MotoUnavailableError extends SeedshieldError {
  readonly code: string = 'MOTO_UNAVAILABLE';
  constructor(detail: string) {
    super(`moto_server is not available (${detail}). Install it: ${MOTO_INSTALL_HINT}`);
  }
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number, spawnError: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    // A missing executable fails the spawn at once (ENOENT): say so now rather than after the timeout.
    const failed = spawnError();
    if (failed) throw new MotoUnavailableError(failed.message);
    if (exited) throw new DrillError('moto_server exited during start-up; is Python moto 5.x installed (see requirements-dev.txt)?');
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new DrillError(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(options: { timeoutMs?: number } = {}): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(process.env.MOTO_SERVER_BIN ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  try {
    await waitUntilUp(endpoint, child, options.timeoutMs ?? 30000, () => spawnError);
  } catch (err) {
    child.kill('SIGKILL');
    if (err instanceof MotoUnavailableError) throw err;
    throw new DrillError(`${(err as Error).message}\n${stderr}`, { cause: err });
  }
  return {
    endpoint,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Credentials and endpoint settings that point an SDK v3 client at moto. */
export function motoClientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}
