/**
 * One remediation delivery: hand it to the engine, then publish what happened as metrics. Kept apart from
 * the Lambda entry point (lambdas/handlers/remediation.ts) so tests, the drill and the benchmarks run the
 * exact same path without the Lambda runtime wrapper.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EngineReport, RemediationEngine } from './engine';

/** Handles one delivery with `engine` and records outcome metrics on `metrics` (published by the caller). */
export async function handleRemediation(event: unknown, engine: RemediationEngine, metrics?: Metrics): Promise<EngineReport> {
  const report = await engine.handleDelivery(event);
  if (metrics) {
    metrics.addMetric(`Decision_${report.outcome}`, MetricUnit.Count, 1);
    const failed = report.executed.filter((e) => !e.ok).length;
    if (failed > 0) metrics.addMetric('EffectsFailed', MetricUnit.Count, failed);
    if (report.eventId.startsWith('reconcile:')) metrics.addMetric('ReconcileCompleted', MetricUnit.Count, 1);
  }
  return report;
}
