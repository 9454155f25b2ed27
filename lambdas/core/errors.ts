/**
 * Errors the pure decision core throws. Each failure mode has its own subclass with `name` set, so handlers
 * and logs can tell them apart without parsing messages (powertools style).
 */

/** Base class of every error `decide` throws. */
export class DecisionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecisionError';
  }
}

/**
 * An event names a cluster the runtime topology does not know.
 *
 * Not retryable: the same event will name the same cluster again. Usually the event came from a stack that was
 * deployed with a different config than the control plane's.
 */
export class UnknownClusterError extends DecisionError {
  public readonly clusterId: string;
  constructor(clusterId: string, known: readonly string[]) {
    super(`unknown cluster "${clusterId}"; the topology has: ${known.join(', ')}`);
    this.name = 'UnknownClusterError';
    this.clusterId = clusterId;
  }
}

/** An event is malformed (e.g. an operator command without the cluster it needs). Not retryable. */
export class InvalidEventError extends DecisionError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * The state read violates an invariant the core relies on (e.g. ISOLATING without a job, a topology cluster
 * with no state item). Indicates a bug or a hand-edited table: the core refuses to guess.
 */
export class DecisionInvariantError extends DecisionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecisionInvariantError';
  }
}
