/**
 * The Lambda's runtime: what the control-plane stack puts in the environment, read with named errors, and
 * the container's control plane built from it once (the parts are wired in lambdas/wiring.ts, as the CLI,
 * the drill and the bench wire them).
 */
import type { RuntimeTopology } from '../lib/config/topology';
import { containerAwsClients } from './actuators/clients';
import type { DecisionLogger, RemediationEngine } from './engine';
import { BadEventError } from './errors';
import type { WorldState } from './core/types';
import { wireControlPlane } from './wiring';

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
  const { engine, store } = wireControlPlane({
    topology,
    tableName: requiredEnv('STATE_TABLE_NAME', env),
    topicArn: requiredEnv('NOTIFY_TOPIC_ARN', env),
    homeRegion: requiredEnv('AWS_REGION', env),
    clients: containerAwsClients(),
    logger,
  });
  return { engine, world: { topology, load: (ids) => store.load(ids) } };
}
