/**
 * Synth-time error for invalid construct props: names the prop, states the rule, shows the bad value, and
 * points at the construct path so the user finds it in a large app.
 */
import { IConstruct } from 'constructs';
import { SeedshieldError, type SeedshieldErrorOptions } from '../lambdas/errors';

/** A construct was given props it cannot build. Thrown at synth time, before anything is written. */
export class ValidationError extends SeedshieldError {
  readonly code: string = 'INVALID_PROPS';
  constructor(message: string, scope?: IConstruct, options?: SeedshieldErrorOptions) {
    super(scope ? `${message} (at ${scope.node.path})` : message, options);
  }
}
