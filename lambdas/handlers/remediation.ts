/**
 * The remediation Lambda: alarm state changes and GuardDuty findings (from the control bus) and the
 * reconcile schedule. Thin by design: parse, load, decide, commit, actuate all happen in the engine; this
 * file adds what only a Lambda has (Powertools logger context, the metrics of each delivery).
 *
 * It is the ONE remediation entry point: the Lambda ships `handler`, and the tests call
 * `handleRemediation` with their own engine and metrics sink, so the code they run is the code deployed
 * (only the middy wrapper around it differs).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EngineReport, RemediationEngine } from '../engine';
import { CLUSTER_ID_DIMENSION, CLUSTER_METRIC_NAMES, clusterMetricValues } from '../metrics';
import { containerRuntime, type WorldLoader } from '../runtime';

export type { WorldLoader };

const logger = new Logger();
const metrics = new Metrics();

/** Where one delivery's metrics go. */
export interface RemediationSinks {
  /**
   * Receives the per-delivery metrics (`Decision_<outcome>`, `EffectsFailed`, `ReconcileCompleted`).
   * @default - the module's Powertools Metrics, flushed by the `logMetrics` middleware
   */
  readonly metrics?: Metrics;
  /**
   * Where the per-cluster metrics read the state from.
   * @default - none: no per-cluster metrics (the Lambda passes its own table)
   */
  readonly world?: WorldLoader;
}

/**
 * Handles one delivery with `engine` and records its metrics.
 *
 * Returns the engine's report (visible in test invocations and the drill).
 */
export async function handleRemediation(event: unknown, engine: RemediationEngine, sinks: RemediationSinks = {}): Promise<EngineReport> {
  const sink = sinks.metrics ?? metrics;
  const report = await engine.handleDelivery(event);
  sink.addMetric(`Decision_${report.outcome}`, MetricUnit.Count, 1);
  const failed = report.executed.filter((e) => !e.ok).length;
  if (failed > 0) sink.addMetric('EffectsFailed', MetricUnit.Count, failed);
  if (report.decisions.some((d) => d.eventId.startsWith('reconcile:'))) sink.addMetric('ReconcileCompleted', MetricUnit.Count, 1);
  if (sinks.world) await publishClusterMetrics(sinks.world, sink);
  return report;
}

/**
 * Publishes `ServingPercent`, `DnsWeight` and `Isolated` per cluster (dimension `ClusterId`), one EMF record
 * per value. Best effort: the delivery already succeeded, and a failed read must not make EventBridge retry it.
 */
async function publishClusterMetrics(world: WorldLoader, sink: Metrics): Promise<void> {
  let values;
  try {
    values = clusterMetricValues(world.topology, await world.load(world.topology.clusters.map((c) => c.id)));
  } catch (err) {
    logger.warn('could not read the state for the per-cluster metrics', { error: err instanceof Error ? err.message : String(err) });
    return;
  }
  for (const v of values) {
    const put = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number) => {
      const single = sink.singleMetric();
      single.addDimension(CLUSTER_ID_DIMENSION, v.clusterId);
      single.addMetric(name, unit, value);
    };
    put(CLUSTER_METRIC_NAMES.servingPercent, MetricUnit.Percent, v.servingPercent);
    put(CLUSTER_METRIC_NAMES.isolated, MetricUnit.Count, v.isolated);
    if (v.dnsWeight !== undefined) put(CLUSTER_METRIC_NAMES.dnsWeight, MetricUnit.Count, v.dnsWeight);
  }
}

/** The Lambda entry point: the container's engine (built at the first invocation), its table for the per-cluster metrics. */
export const handler = middy(async (event: unknown) => {
  const runtime = await containerRuntime(logger);
  return handleRemediation(event, runtime.engine, { world: runtime.world });
})
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics));
