/**
 * The remediation Lambda: alarm state changes and GuardDuty findings (from the control bus) and the
 * reconcile schedule. Thin by design: parse, load, decide, commit, actuate all happen in the engine.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { containerAwsClients } from '../actuators/clients';
import type { EngineReport, RemediationEngine } from '../engine';
import { createEngine, requiredEnv, topologyFromEnvironment } from '../runtime';

const logger = new Logger();
const metrics = new Metrics();

let engine: RemediationEngine | undefined;

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

/** Handles one delivery and returns the report (visible in test invocations and the drill). */
export async function handleRemediation(event: unknown, target: RemediationEngine = containerEngine()): Promise<EngineReport> {
  const report = await target.handleDelivery(event);
  metrics.addMetric(`Decision_${report.outcome}`, MetricUnit.Count, 1);
  const failed = report.executed.filter((e) => !e.ok).length;
  if (failed > 0) metrics.addMetric('EffectsFailed', MetricUnit.Count, failed);
  if (report.decisions.some((d) => d.eventId.startsWith('reconcile:'))) metrics.addMetric('ReconcileCompleted', MetricUnit.Count, 1);
  return report;
}

export const handler = middy((event: unknown) => handleRemediation(event))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics));
