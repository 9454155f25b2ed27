/**
 * The one function that combines parts of an isolation record: what separate cut effects, retries of a job
 * and failed attempts recorded. The core uses it on job results, the engine when it recovers an interrupted
 * job from the journal, so both read a record the same way.
 *
 * This is a pure function: no I/O, no clock.
 */
import type { IsolationRecord } from './types';

/**
 * The union of two isolation records (each list deduplicated by value, first occurrence kept).
 *
 * Undefined lists stay absent (DynamoDB-friendly); the result is a new object, never one of the inputs.
 * @returns undefined only when both inputs are undefined
 */
export function mergeIsolation(a: Partial<IsolationRecord> | undefined, b: Partial<IsolationRecord> | undefined): IsolationRecord | undefined {
  if (a === undefined && b === undefined) return undefined;
  const out: { -readonly [K in keyof IsolationRecord]: IsolationRecord[K] } = {};
  const revokedIngress = union(a?.revokedIngress, b?.revokedIngress);
  const addedNaclEntries = union(a?.addedNaclEntries, b?.addedNaclEntries);
  const disabledPropagation = union(a?.disabledPropagation, b?.disabledPropagation);
  const suspendedProcesses = union(a?.suspendedProcesses, b?.suspendedProcesses);
  if (revokedIngress) out.revokedIngress = revokedIngress;
  if (addedNaclEntries) out.addedNaclEntries = addedNaclEntries;
  if (disabledPropagation) out.disabledPropagation = disabledPropagation;
  if (suspendedProcesses) out.suspendedProcesses = suspendedProcesses;
  return out;
}

/** Concatenation without duplicates; two items are the same when their JSON is (records are JSON data). */
function union<T>(x: readonly T[] | undefined, y: readonly T[] | undefined): T[] | undefined {
  if (x === undefined && y === undefined) return undefined;
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of [...(x ?? []), ...(y ?? [])]) {
    const key = JSON.stringify(stripUndefined(item));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(stripUndefined(item));
  }
  return out;
}

/** Drops undefined-valued keys of a plain record (an actuator may return `fromPort: undefined`). */
function stripUndefined<T>(item: T): T {
  if (typeof item !== 'object' || item === null) return item;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (v !== undefined) out[k] = v;
  return out as T;
}
