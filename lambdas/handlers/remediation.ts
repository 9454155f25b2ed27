/**
 * The remediation Lambda: alarm state changes and GuardDuty findings (from the control bus) and the
 * reconcile schedule. Thin by design: parse, load, decide, commit and actuate all happen in the engine; this
 * file only wires the container (clients, engine) and the Powertools middleware.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { containerAwsClients } from '../actuators/clients';
import type { RemediationEngine } from '../engine';
import { handleRemediation } from '../remediation';
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

export const handler = middy((event: unknown) => handleRemediation(event, containerEngine(), metrics))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics));
