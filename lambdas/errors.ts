/**
 * The error hierarchy of seedshield: ONE root, {@link SeedshieldError}, and one subclass per failure mode, at
 * run time (the control plane, the custom resource), at synth time (config, construct props) and in the tools
 * (CLI, drill, bench). The decision core's errors (lambdas/core/errors.ts) and every other named error extend
 * it, so `err instanceof SeedshieldError` tells ours from the SDK's and the runtime's.
 *
 * Each class has a stable `code` (SCREAMING_CASE) for logs, metrics and the journal, and a `name` equal to the
 * class name. Append-only: handlers, the journal and alarms match on `name` and `code`, so renaming or removing
 * a class or a code is a migration. Always pass `{ cause }` when wrapping another error (ES2022 error cause), so
 * the original error (an AWS SDK error with its code and request id, a zod error with every issue) survives
 * into the logs.
 */

/** Options accepted by every seedshield error. */
export interface SeedshieldErrorOptions {
  /** The error this one wraps (an AWS SDK error, a parse error, ...). */
  readonly cause?: unknown;
}

/**
 * Base class of every error seedshield throws. Never thrown itself: throw the subclass of the failure mode.
 *
 * `name` is the class name (the bundles are built with esbuild's `keepNames`, so it survives minification).
 */
export abstract class SeedshieldError extends Error {
  /** Stable, machine-readable identifier of the failure mode (e.g. `STATE_CONFLICT`); never reworded. */
  abstract readonly code: string;

  constructor(message: string, options: SeedshieldErrorOptions = {}) {
    // `cause` only when given: an explicit `cause: undefined` would show up as an own property in the logs.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * An AWS call made to carry out an effect failed after the SDK's own retries.
 *
 * Every effect is idempotent, so the job can safely be retried as a whole; `cause` holds the SDK error.
 */
export class ActuatorError extends SeedshieldError {
  readonly code: string = 'ACTUATOR_FAILED';
}

/**
 * A resource id the control plane needs (published in SSM by a cluster stack) is missing or malformed.
 *
 * Not retryable: the cluster stack must be deployed (or redeployed) first.
 */
export class ResourceDiscoveryError extends SeedshieldError {
  readonly code: string = 'RESOURCE_NOT_DISCOVERED';
}

/**
 * A conditional write lost a race (DynamoDB `ConditionalCheckFailed`): someone else changed the state since it
 * was read. Reload and decide again.
 */
export class StateConflictError extends SeedshieldError {
  readonly code: string = 'STATE_CONFLICT';
}

/** An incoming event (EventBridge, CLI) does not have the expected shape. Not retryable. */
export class BadEventError extends SeedshieldError {
  readonly code: string = 'BAD_EVENT';
}

/**
 * A Route 53 change batch would leave every weighted record of the name at weight 0. Route 53 then answers
 * with ALL records (isolated clusters included) with equal probability: the opposite of isolation. Refused
 * before any call is made.
 */
export class DnsSafetyError extends SeedshieldError {
  readonly code: string = 'DNS_SAFETY';
}

/** The event was already applied (EventBridge delivers at least once). Not an error for the caller: a no-op. */
export class DuplicateEventError extends SeedshieldError {
  readonly code: string = 'DUPLICATE_EVENT';
}

/**
 * Some changes of a cut were made and some were rejected: the cut is NOT fully in force. `isolation` says what
 * is, so the engine records it (undo removes exactly it) and the job fails and is retried.
 */
export class PartialCutError extends ActuatorError {
  override readonly code: string = 'PARTIAL_CUT';
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
export class InvalidTopologyError extends SeedshieldError {
  readonly code: string = 'INVALID_TOPOLOGY';
}

/**
 * The Lambda's environment lacks a variable the control-plane stack sets, or holds a malformed one. Raised at
 * cold start, before any decision; not retryable until the stack is redeployed.
 */
export class InvalidEnvironmentError extends SeedshieldError {
  readonly code: string = 'INVALID_ENVIRONMENT';
}
