/**
 * Wiring of the remediation engine from its environment: the Lambda, the CLI and the drill build it here,
 * with the same store, actuators and alarm reader, so they differ only in where clients point and which
 * clock they read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuntimeTopology } from '../lib/config/topology';
import { Actuators } from './actuators';
import { AwsClients } from './actuators/clients';
import { DecisionLogger, RemediationEngine } from './engine';
import { BadEventError } from './errors';
import { CloudWatchAlarmReader } from './observers/cloudwatch-alarms';
import { DynamoDbStateStore } from './state/dynamodb-store';

/** What the engine needs from its surroundings. */
export interface EngineEnvironment {
  readonly topology: RuntimeTopology;
  readonly tableName: string;
  /** On-call topic; NOTIFY effects publish here. */
  readonly topicArn: string;
  /** Region of the table and the topic (the home region). */
  readonly homeRegion: string;
  readonly clients: AwsClients;
  readonly logger: DecisionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Builds a remediation engine over real SDK clients. */
export function createEngine(env: EngineEnvironment): RemediationEngine {
  const clients = env.clients;
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: env.homeRegion, ...clients.baseConfig() }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const actuators = new Actuators({ clients, topology: env.topology, topicArn: env.topicArn, homeRegion: env.homeRegion, now: env.now });
  return new RemediationEngine({
    topology: env.topology,
    store: new DynamoDbStateStore({ client: dynamo, tableName: env.tableName, now: env.now }),
    executor: actuators,
    observer: actuators,
    alarms: new CloudWatchAlarmReader((region) => clients.cloudWatch(region)),
    logger: env.logger,
    now: env.now,
  });
}

/** Reads the runtime topology the control-plane stack put in the environment. */
export function topologyFromEnvironment(env: NodeJS.ProcessEnv = process.env): RuntimeTopology {
  const raw = env.SEEDSHIELD_TOPOLOGY;
  if (!raw) throw new BadEventError('SEEDSHIELD_TOPOLOGY is not set: the control-plane stack sets it; redeploy Seedshield-ControlPlane');
  try {
    return JSON.parse(raw) as RuntimeTopology;
  } catch (err) {
    throw new BadEventError('SEEDSHIELD_TOPOLOGY is not valid JSON: redeploy Seedshield-ControlPlane', { cause: err });
  }
}

/** A required environment variable, or a clear error naming it. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new BadEventError(`environment variable ${name} is not set: the control-plane stack sets it; redeploy Seedshield-ControlPlane`);
  return value;
}
