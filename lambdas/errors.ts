/**
 * The runtime error hierarchy of the control plane: one base class, one subclass per failure mode.
 *
 * Append-only: handlers, the journal and alarms match on `name`, so renaming or removing a class is a
 * migration. Always pass `{ cause }` when wrapping another error, so the original AWS error (code, request id)
 * survives into the logs.
 */

/** Options accepted by every seedshield error. */
export interface SeedshieldErrorOptions {
  /** The error this one wraps (an AWS SDK error, a parse error, ...). */
  readonly cause?: unknown;
}

/** Base class of every error seedshield throws at run time. */
export class SeedshieldError extends Error {
  constructor(message: string, options: SeedshieldErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * An AWS call made to carry out an effect failed after the SDK's own retries.
 *
 * Every effect is idempotent, so the job can safely be retried as a whole; `cause` holds the SDK error.
 */
export class ActuatorError extends SeedshieldError {}

/**
 * A resource id the control plane needs (published in SSM by a cluster stack) is missing or malformed.
 *
 * Not retryable: the cluster stack must be deployed (or redeployed) first.
 */
export class ResourceDiscoveryError extends SeedshieldError {}

/**
 * A conditional write lost a race (DynamoDB `ConditionalCheckFailed`): someone else changed the state since it
 * was read. Reload and decide again.
 */
export class StateConflictError extends SeedshieldError {}

/** An incoming event (EventBridge, CLI) does not have the expected shape. Not retryable. */
export class BadEventError extends SeedshieldError {}

/**
 * A Route 53 change batch would leave every weighted record of the name at weight 0. Route 53 then answers
 * with ALL records (isolated clusters included) with equal probability: the opposite of isolation. Refused
 * before any call is made.
 */
export class DnsSafetyError extends SeedshieldError {}

/** The event was already applied (EventBridge delivers at least once). Not an error for the caller: a no-op. */
export class DuplicateEventError extends SeedshieldError {}

/**
 * Some changes of a cut were made and some were rejected: the cut is NOT fully in force. `isolation` says what
 * is, so the engine records it (undo removes exactly it) and the job fails and is retried.
 */
export class PartialCutError extends ActuatorError {
  /** What is in force after this attempt (a part of an `IsolationRecord`). */
  readonly isolation: Readonly<Record<string, unknown>>;

  constructor(message: string, isolation: Readonly<Record<string, unknown>>, options: SeedshieldErrorOptions = {}) {
    super(message, options);
    this.isolation = isolation;
  }
}

/**
 * The runtime topology the control plane was given (SSM parameters under /seedshield/control-plane/topology)
 * is missing, not JSON, or breaks its schema. Raised at cold start, before any decision. Not retryable until
 * the control-plane stack is redeployed.
 */
export class InvalidTopologyError extends SeedshieldError {}

/**
 * The Lambda's environment lacks a variable the control-plane stack sets, or holds a malformed one. Raised at
 * cold start, before any decision; not retryable until the stack is redeployed.
 */
export class InvalidEnvironmentError extends SeedshieldError {}
