/**
 * The drill's own failure: the world could not be set up, a step cannot be carried out (it names a cluster
 * or an alarm that does not exist, a replay of nothing), or moto stopped answering. A branch of the one
 * hierarchy (lambdas/errors.ts); a bad scenario FILE is a ScenarioError, caught before anything runs.
 */
import { SeedshieldError } from '../lambdas/errors';

/** The drill could not set up or carry out a step; the message names the step or the setting and the fix. */
export class DrillError extends SeedshieldError {
  readonly code: string = 'DRILL_FAILED';
}
