/**
 * The bench's own failure: a measured child timed out, exited non-zero or printed nothing to measure. A branch
 * of the one hierarchy (lambdas/errors.ts). Deliberately free of imports beyond it: bench/synth-child.ts
 * measures its own start-up, imports included.
 */
import { SeedshieldError } from '../lambdas/errors';

/** A bench step failed; the message names the step and carries the tail of its output. */
export class BenchError extends SeedshieldError {
  readonly code: string = 'BENCH_FAILED';
}
