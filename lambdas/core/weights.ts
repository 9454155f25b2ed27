/**
 * Route 53 weights from cluster serving levels: the one function that turns "how much of its normal traffic
 * should each cluster get" into record weights. Used by the decision core, the remediation actuators and the
 * DNS custom resource, so a `cdk deploy` writes exactly the weights the control plane would.
 *
 * This is a pure function: no I/O, no clock.
 */
import { DecisionError } from './errors';

/** One weighted record set and how much of its normal share it should serve now. */
export interface WeightInput {
  readonly id: string;
  /** Configured weight when fully in service (0-255). */
  readonly baseWeight: number;
  /** 0 = isolated (out of DNS), 100 = fully in service, in between = restore ramp stage. */
  readonly servingPercent: number;
}

/** Thrown when the inputs would produce a forbidden DNS state. */
export class WeightInvariantError extends DecisionError {
  readonly code: string = 'WEIGHT_INVARIANT';
}

const MAX_WEIGHT = 255;

/**
 * Computes every record's weight.
 *
 * Why the fully serving clusters are scaled: the total weight stays what the config gives, so a cluster
 * ramping at p% gets p% of its normal share of traffic, and an isolated cluster's share moves to the healthy
 * clusters in proportion to their configured weights (their ratios never change). Weights cap at 255; a
 * cluster with a non-zero base weight that serves at all never rounds down to 0 (0 means "out of DNS").
 *
 * @throws WeightInvariantError when every weight would be 0: Route 53 then answers with ALL records
 *   (including the isolated ones) with equal probability, the opposite of isolation.
 */
export function effectiveWeights(inputs: readonly WeightInput[]): Record<string, number> {
  const weights: Record<string, number> = {};
  const configuredTotal = inputs.reduce((sum, i) => sum + i.baseWeight, 0);
  const full = inputs.filter((i) => i.servingPercent >= 100 && i.baseWeight > 0);
  let partialTotal = 0;
  for (const i of inputs) {
    if (i.servingPercent < 0 || i.servingPercent > 100 || !Number.isFinite(i.servingPercent)) {
      throw new WeightInvariantError(`servingPercent of ${i.id} must be between 0 and 100, got: ${i.servingPercent}`);
    }
    if (i.servingPercent >= 100 && i.baseWeight > 0) continue;
    const w = i.servingPercent <= 0 || i.baseWeight === 0 ? 0 : Math.max(1, Math.round((i.baseWeight * i.servingPercent) / 100));
    weights[i.id] = w;
    partialTotal += w;
  }
  const fullBase = full.reduce((sum, i) => sum + i.baseWeight, 0);
  const remaining = Math.max(configuredTotal - partialTotal, fullBase);
  for (const i of full) {
    weights[i.id] = Math.min(MAX_WEIGHT, Math.max(1, Math.round((i.baseWeight * remaining) / fullBase)));
  }
  if (inputs.length > 0 && Object.values(weights).every((w) => w === 0)) {
    throw new WeightInvariantError(
      'every record would have weight 0; Route 53 would then answer with all of them, isolated clusters included',
    );
  }
  return weights;
}
