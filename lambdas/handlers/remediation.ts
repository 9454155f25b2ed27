/**
 * The remediation Lambda: alarm state changes and GuardDuty findings (from the control bus) and the
 * reconcile schedule. Thin by design: parse, load, decide, commit, actuate all happen in the engine.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { RuntimeTopology } from '../../lib/config/topology';
import { containerAwsClients } from '../actuators/clients';
import type { WorldState } from '../core/types';
import type { EngineReport, RemediationEngine } from '../engine';
import { CLUSTER_ID_DIMENSION, CLUSTER_METRIC_NAMES, clusterMetricValues } from '../metrics';
import { createEngine, requiredEnv, topologyFromEnvironment } from '../runtime';
import { DynamoDbStateStore } from '../state/dynamodb-store';

const logger = new Logger();
const metrics = new Metrics();

let engine: RemediationEngine | undefined;
let worldLoader: WorldLoader | undefined;

/** Reads the recorded state of the topology's clusters (after a delivery, for the operations metrics). */
export interface WorldLoader {
  readonly topology: RuntimeTopology;
  load(clusterIds: readonly string[]): Promise<WorldState>;
}

/** Built on the first invocation and reused: SDK clients and their connections live as long as the container. */
function containerEngine(): RemediationEngine {
  engine ??= createEngine({
    topology: topologyFromEnvironment(),
    tableName: requiredEnv('STATE_TABLE_NAME'),
    topicArn: requiredEnv('NOTIFY_TOPIC_ARN'),
    homeRegion: requiredEnv('AWS_REGION'),
    clients: containerAwsClients(),
    logger,
  });
  return engine;
}

/** The container's state reader: the same table the engine writes, read after the engine is done. */
function containerWorldLoader(): WorldLoader {
  if (!worldLoader) {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: requiredEnv('AWS_REGION'), ...containerAwsClients().baseConfig() }));
    const store = new DynamoDbStateStore({ client, tableName: requiredEnv('STATE_TABLE_NAME') });
    worldLoader = { topology: topologyFromEnvironment(), load: (ids) => store.load(ids) };
  }
  return worldLoader;
}

/**
 * Handles one delivery and returns the report (visible in test invocations and the drill).
 * @param world - where the per-cluster metrics read the state from; defaults to the container's table only
 *   when the container's engine is used too, so a test engine never causes a real DynamoDB read
 */
export async function handleRemediation(
  event: unknown,
  target: RemediationEngine = containerEngine(),
  world: WorldLoader | undefined = target === engine ? containerWorldLoader() : undefined,
): Promise<EngineReport> {
  const report = await target.handleDelivery(event);
  metrics.addMetric(`Decision_${report.outcome}`, MetricUnit.Count, 1);
  const failed = report.executed.filter((e) => !e.ok).length;
  if (failed > 0) metrics.addMetric('EffectsFailed', MetricUnit.Count, failed);
  if (report.decisions.some((d) => d.eventId.startsWith('reconcile:'))) metrics.addMetric('ReconcileCompleted', MetricUnit.Count, 1);
  if (world) await publishClusterMetrics(world);
  return report;
}

/**
 * Publishes `ServingPercent`, `DnsWeight` and `Isolated` per cluster (dimension `ClusterId`), one EMF record
 * per value. Best effort: the delivery already succeeded, and a failed read must not make EventBridge retry it.
 */
async function publishClusterMetrics(world: WorldLoader): Promise<void> {
  let values;
  try {
    values = clusterMetricValues(world.topology, await world.load(world.topology.clusters.map((c) => c.id)));
  } catch (err) {
    logger.warn('could not read the state for the per-cluster metrics', { error: err instanceof Error ? err.message : String(err) });
    return;
  }
  for (const v of values) {
    const put = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number) => {
      const single = metrics.singleMetric();
      single.addDimension(CLUSTER_ID_DIMENSION, v.clusterId);
      single.addMetric(name, unit, value);
    };
    put(CLUSTER_METRIC_NAMES.servingPercent, MetricUnit.Percent, v.servingPercent);
    put(CLUSTER_METRIC_NAMES.isolated, MetricUnit.Count, v.isolated);
    if (v.dnsWeight !== undefined) put(CLUSTER_METRIC_NAMES.dnsWeight, MetricUnit.Count, v.dnsWeight);
  }
}

export const handler = middy((event: unknown) => handleRemediation(event))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics));
