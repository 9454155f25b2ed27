/**
 * The critical path of a traced delivery: which AWS calls, one after the other, a given call had to wait for.
 *
 * Pure (unit-tested in test/bench/critical-path.test.ts). The trace holds every HTTP request the SDK sent,
 * with its start and end on one clock and, where known, the lane it ran in (the effect that made it). Nothing
 * says which call a call waited for, so the path is rebuilt the way trace viewers do it: a call's predecessor
 * is the call that ended last before it started, among the calls of its own lane and the calls of no lane
 * (the engine's own: load, commit, journal). Calls of another lane never gate it: the cuts and the DNS change
 * run side by side, and one must not be charged for the other.
 */

/** One traced call. Times in ms on one clock. */
export interface TracedCall {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  /**
   * What made the call (an effect id), or none for the engine's own calls, which every lane may wait for.
   * @default - no lane
   */
  readonly lane?: string;
}

/** The calls `target` waited for, in order, and where the time between `origin` and its end went. */
export interface CriticalPath<T extends TracedCall = TracedCall> {
  /** The serial calls, first to last; `target` is the last. */
  readonly calls: readonly T[];
  /** `target.end - origin`. */
  readonly totalMs: number;
  /** Time inside the calls of the path (request sent to response read). */
  readonly inCallsMs: number;
  /** The rest: the engine's and the SDK's own work between calls (parsing, deciding, signing, scheduling). */
  readonly betweenCallsMs: number;
}

/**
 * The serial chain of calls that ends with `target`, starting no earlier than `origin`.
 * @throws RangeError when `target` is not in `calls` or ends before `origin`
 */
export function criticalPath<T extends TracedCall>(calls: readonly T[], target: T, origin: number): CriticalPath<T> {
  if (!calls.includes(target)) throw new RangeError(`the target call ${target.label} is not in the trace`);
  if (target.end < origin) throw new RangeError(`the target call ${target.label} ended before the origin`);
  const chain: T[] = [target];
  let current = target;
  for (;;) {
    let predecessor: T | undefined;
    for (const c of calls) {
      if (c === current || c.start < origin || c.end > current.start) continue;
      if (c.lane !== undefined && c.lane !== current.lane) continue;
      if (predecessor === undefined || c.end > predecessor.end) predecessor = c;
    }
    if (predecessor === undefined) break;
    chain.push(predecessor);
    current = predecessor;
  }
  chain.reverse();
  const totalMs = target.end - origin;
  const inCallsMs = chain.reduce((sum, c) => sum + (c.end - c.start), 0);
  return { calls: chain, totalMs, inCallsMs, betweenCallsMs: totalMs - inCallsMs };
}

/** The call that ended last among `calls` matching `pick`, or undefined. */
export function lastToEnd<T extends TracedCall>(calls: readonly T[], pick: (c: T) => boolean): T | undefined {
  let last: T | undefined;
  for (const c of calls) if (pick(c) && (last === undefined || c.end > last.end)) last = c;
  return last;
}

/** A path as `A → B → C` (every call on it is serial: a call listed twice ran twice, one after the other). */
export function describePath(path: readonly TracedCall[]): string {
  return path.map((c) => c.label).join(' → ');
}
