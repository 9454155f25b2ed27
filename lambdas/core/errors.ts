/**
 * Errors the pure decision core throws: a branch of the one hierarchy (lambdas/errors.ts), so handlers and logs
 * tell them apart by `name` and `code` without parsing messages (powertools style).
 */
import { SeedshieldError } from '../errors';

/** Base class of every error `decide` throws. */
export abstract class DecisionError extends SeedshieldError {}

/**
 * An event names a cluster the runtime topology does not know.
 *
 * Not retryable: the same event will name the same cluster again. Usually the event came from a stack that was
 * deployed with a different config than the control plane's.
 */
export class UnknownClusterError extends DecisionError {
  readonly code: string = 'UNKNOWN_CLUSTER';
  public readonly clusterId: string;
  constructor(clusterId: string, known: readonly string[]) {
    super(`unknown cluster "${clusterId}"; the topology has: ${known.join(', ')}`);
    this.clusterId = clusterId;
  }
}

/** An event is malformed (e.g. an operator command without the cluster it needs). Not retryable. */
export class InvalidEventError extends DecisionError {
  readonly code: string = 'INVALID_EVENT';
}

/**
 * The state read violates an invariant the core relies on (e.g. ISOLATING without a job, a topology cluster
 * with no state item). Indicates a bug or a hand-edited table: the core refuses to guess.
 */
export class DecisionInvariantError extends DecisionError {
  readonly code: string = 'DECISION_INVARIANT';
}
