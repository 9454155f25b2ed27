/**
 * Pure statistics helpers of the benchmarks (unit-tested in test/bench/stats.test.ts).
 */
import { BenchError } from './errors';

/** The median of `values` (mean of the two middle values for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * The `p`-th percentile of `values` by linear interpolation between closest ranks (the method of numpy's
 * default and of most load-test tools), so p50 of an even-sized list is the mean of the two middle values.
 * Throws on an empty list or a `p` outside 0..100.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new BenchError('percentile of an empty list');
  if (!(p >= 0 && p <= 100)) throw new BenchError(`percentile must be between 0 and 100, got: ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** `a / b`, or NaN when `b` is 0. */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}

/** Formats milliseconds for a table: `0.042 ms`, `12.3 ms`, `6.41 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** Formats a byte count: `812 B`, `107.3 KB`, `1.52 MB` (1 KB = 1024 B, as esbuild and Lambda count). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}
