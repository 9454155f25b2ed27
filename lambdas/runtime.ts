/**
 * The Lambda's runtime: what the control-plane stack puts in the environment, read with named errors, and
 * the container's control plane built from it once (the parts are wired in lambdas/wiring.ts, as the CLI,
 * the drill and the bench wire them).
 */
import { paginateGetParametersByPath, SSMClient } from '@aws-sdk/client-ssm';
import { topologyDigest } from '../lib/config/topology';
import { containerAwsClients } from './actuators/clients';
import { describeIssues, type RuntimeTopology, topologyFromParameters } from './core/topology-schema';
import type { DecisionLogger, RemediationEngine } from './engine';
import { InvalidEnvironmentError, InvalidTopologyError } from './errors';
import type { WorldState } from './core/types';
import { wireControlPlane } from './wiring';
import * as z from './zod';

/**
 * The remediation Lambda's environment, as the control-plane stack sets it (AWS_REGION comes from Lambda).
 * Validated once at cold start: a missing or malformed variable is an InvalidEnvironmentError naming it.
 */
export const RemediationEnvironmentSchema = z.object({
  /** SSM path of the runtime topology (lambdas/core/topology-schema.ts, TOPOLOGY_PARAMETER_PATH). */
  SEEDSHIELD_TOPOLOGY_PATH: z.string().check(z.regex(/^\/[A-Za-z0-9_.\-/]+[^/]$/, 'an SSM parameter path such as /seedshield/control-plane/topology')),
  /** sha256 of the topology the function was deployed with (lib/config/topology.ts, topologyDigest). */
  SEEDSHIELD_TOPOLOGY_DIGEST: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest')),
  STATE_TABLE_NAME: z.string().check(z.minLength(1)),
  NOTIFY_TOPIC_ARN: z.string().check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN')),
  AWS_REGION: z.string().check(z.minLength(1)),
});
export type RemediationEnvironment = z.infer<typeof RemediationEnvironmentSchema>;

/**
 * Parses the Lambda environment.
 * @throws InvalidEnvironmentError naming every variable that is missing or malformed
 */
export function parseRemediationEnvironment(env: NodeJS.ProcessEnv = process.env): RemediationEnvironment {
  const result = RemediationEnvironmentSchema.safeParse(env);
  if (!result.success) {
    throw new InvalidEnvironmentError(
      `the remediation function's environment is invalid (${describeIssues(result.error)}): the control-plane stack sets it; redeploy Seedshield-ControlPlane`,
      { cause: result.error },
    );
  }
  return result.data;
}

/**
 * Reads the runtime topology from its SSM parameters (GetParametersByPath, recursive, every page) and
 * validates it against the core's schema and, when given, the digest the function was deployed with.
 * @throws InvalidTopologyError when it is incomplete, malformed, or not the deployed one
 */
export async function loadTopology(ssm: SSMClient, path: string, digest?: string): Promise<RuntimeTopology> {
  const parameters: { name: string; value: string }[] = [];
  for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: path, Recursive: true })) {
    for (const p of page.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) parameters.push({ name: p.Name, value: p.Value });
  }
  const topology = topologyFromParameters(parameters, path);
  if (digest !== undefined && topologyDigest(topology) !== digest) {
    // A deploy that has written some parameters but not yet updated the function, or a hand edit: acting on a
    // mix of two topologies is never safe. Not cached, so the next invocation reads again.
    throw new InvalidTopologyError(
      `the topology under ${path} (sha256 ${topologyDigest(topology)}) is not the one this function was deployed with (${digest}): a deploy of Seedshield-ControlPlane is in progress, did not finish, or a parameter was edited by hand; redeploy`,
    );
  }
  return topology;
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
  const vars = parseRemediationEnvironment(env);
  const clients = containerAwsClients();
  const topology = await loadTopology(clients.ssm(vars.AWS_REGION), vars.SEEDSHIELD_TOPOLOGY_PATH, vars.SEEDSHIELD_TOPOLOGY_DIGEST);
  const { engine, store } = wireControlPlane({
    topology,
    tableName: vars.STATE_TABLE_NAME,
    topicArn: vars.NOTIFY_TOPIC_ARN,
    homeRegion: vars.AWS_REGION,
    clients,
    logger,
  });
  return { engine, world: { topology, load: (ids) => store.load(ids) } };
}
