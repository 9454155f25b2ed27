/**
 * The drill's timeline: what each step did and what the world looked like after it, as `--json` prints it
 * and drill/report.ts renders it. Plain data, so a run can be compared, stored or rendered elsewhere.
 */
import type { Effect } from '../lambdas/core/types';
import type { EngineReport } from '../lambdas/engine';
import type { ScenarioStep } from './scenario';

/** One carried-out effect, as the timeline shows it. */
export interface ActionRecord {
  readonly id: string;
  readonly type: Effect['type'];
  readonly cluster?: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly error?: string;
}

/** What one cluster looks like after a step: state from the table, weight from moto's Route 53. */
export interface ClusterView {
  readonly status: string;
  readonly servingPercent: number;
  /** A-record weight in Route 53; undefined when the record is missing. */
  readonly weight?: number;
  readonly pin?: string;
  readonly job?: string;
}

/** One line of the timeline. */
export interface StepRecord {
  readonly index: number;
  /** The step's offset as written. */
  readonly at: string;
  /** Simulated wall time of the step. */
  readonly simTime: string;
  readonly kind: ScenarioStep['kind'];
  /** What the step did, in words. */
  readonly summary: string;
  readonly eventId?: string;
  readonly outcome?: string;
  readonly reason?: string;
  readonly decisions?: readonly { eventId: string; outcome: string; reason: string }[];
  readonly actions?: readonly ActionRecord[];
  readonly clusters: Readonly<Record<string, ClusterView>>;
  readonly automationPaused: boolean;
  /** Warnings and errors the engine logged during the step. */
  readonly logs: readonly string[];
  /** What an `expect` step checked, when it held. */
  readonly checked?: string;
  /** Failed expectations and invariants, each naming the step. Empty when the step passed. */
  readonly failures: readonly string[];
}

/** The result of one scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly passed: boolean;
  readonly steps: readonly StepRecord[];
  readonly failures: readonly string[];
  /** Real milliseconds the scenario took (world building included). */
  readonly wallMs: number;
}

/** The result of a drill run. */
export interface DrillResult {
  readonly passed: boolean;
  readonly scenarios: readonly ScenarioResult[];
  readonly wallMs: number;
}

/** One effect the engine carried out, as a timeline line. */
export function actionRecord(e: EngineReport['executed'][number]): ActionRecord {
  const effect = e.effect;
  const cluster = 'clusterId' in effect ? effect.clusterId : undefined;
  let summary: string;
  switch (effect.type) {
    case 'SET_DNS_WEIGHTS':
      summary = `SET_DNS_WEIGHTS ${Object.entries(effect.weights).map(([k, v]) => `${k}=${v}`).join(' ')}`;
      break;
    case 'NOTIFY':
      summary = `NOTIFY ${effect.severity} "${effect.subject}"`;
      break;
    default: {
      // Counts, not the records themselves: the timeline stays one line per action.
      const details = e.result?.details
        ? ` (${Object.entries(e.result.details)
            .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.length : JSON.stringify(v)}`)
            .join(', ')})`
        : '';
      summary = `${effect.type} ${cluster}${details}`;
    }
  }
  return { id: effect.id, type: effect.type, ...(cluster ? { cluster } : {}), ok: e.ok, summary, ...(e.error ? { error: e.error } : {}) };
}
