/**
 * Shared helpers of the actuators: wrapping SDK errors, reading their codes, sleeping.
 * @internal
 */
import { ActuatorError, SeedshieldError } from '../errors';

/** Sleeps `ms` milliseconds. Injected so tests never wait. */
export type Sleep = (ms: number) => Promise<void>;

/** The real sleep. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The AWS error code of an SDK error (`name`, or `Code` for older shapes), or undefined. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return undefined;
}

/**
 * Runs one AWS call; an SDK error (after the SDK's own retries) becomes an {@link ActuatorError} naming the
 * operation, with the SDK error as `cause`. Seedshield errors pass through unchanged.
 */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof SeedshieldError) throw cause;
    const code = awsErrorCode(cause) ?? 'UnknownError';
    const message = cause instanceof Error ? cause.message : String(cause);
    const attempts = (cause as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
    throw new ActuatorError(`${what} failed: ${code}: ${message}${attempts ? ` (after ${attempts} attempt${attempts === 1 ? '' : 's'})` : ''}`, { cause });
  }
}
