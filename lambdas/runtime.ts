/**
 * Wiring of the remediation engine from its environment: the Lambda, the CLI and the drill build it here,
 * with the same store, actuators and alarm reader, so they differ only in where clients point and which
 * clock they read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuntimeTopology } from '../lib/config/topology';
import { Actuators } from './actuators';
import { AwsClients, containerAwsClients } from './actuators/clients';
import { DecisionLogger, RemediationEngine } from './engine';
import { BadEventError } from './errors';
import { CloudWatchAlarmReader } from './observers/cloudwatch-alarms';
import type { WorldState } from './core/types';
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

/** The state store on the control plane's table, over the given clients (one document client per call). */
export function createStateStore(env: Pick<EngineEnvironment, 'tableName' | 'homeRegion' | 'clients' | 'now'>): DynamoDbStateStore {
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: env.homeRegion, ...env.clients.baseConfig() }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return new DynamoDbStateStore({ client: dynamo, tableName: env.tableName, now: env.now });
}

/** Builds a remediation engine over real SDK clients. */
export function createEngine(env: EngineEnvironment): RemediationEngine {
  const clients = env.clients;
  const actuators = new Actuators({ clients, topology: env.topology, topicArn: env.topicArn, homeRegion: env.homeRegion, now: env.now });
  return new RemediationEngine({
    topology: env.topology,
    store: createStateStore(env),
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

/** Reads the recorded state of the topology's clusters (after a delivery, for the operations metrics). */
export interface WorldLoader {
  readonly topology: RuntimeTopology;
  load(clusterIds: readonly string[]): Promise<WorldState>;
}

/** What one Lambda container builds once and reuses: the engine and a reader of the same table. */
export interface ContainerRuntime {
  readonly engine: RemediationEngine;
  readonly world: WorldLoader;
}

let container: Promise<ContainerRuntime> | undefined;

/**
 * The container's engine and state reader, built at the first invocation and reused: SDK clients and their
 * connections live as long as the container. A failed build (a missing or invalid environment) is not
 * cached, so the next invocation reports the same named error instead of a stale rejection.
 */
export function containerRuntime(logger: DecisionLogger, env: NodeJS.ProcessEnv = process.env): Promise<ContainerRuntime> {
  container ??= buildContainerRuntime(logger, env).catch((err: unknown) => {
    container = undefined;
    throw err;
  });
  return container;
}

async function buildContainerRuntime(logger: DecisionLogger, env: NodeJS.ProcessEnv): Promise<ContainerRuntime> {
  const topology = topologyFromEnvironment(env);
  const wiring = {
    topology,
    tableName: requiredEnv('STATE_TABLE_NAME', env),
    topicArn: requiredEnv('NOTIFY_TOPIC_ARN', env),
    homeRegion: requiredEnv('AWS_REGION', env),
    clients: containerAwsClients(),
    logger,
  };
  const store = createStateStore(wiring);
  return { engine: createEngine(wiring), world: { topology, load: (ids) => store.load(ids) } };
}
