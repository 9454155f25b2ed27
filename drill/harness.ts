/**
 * One scenario's harness: the real engine over SDK clients pointing at moto (every call through the fault
 * injector), a second, fault-free set of clients to read back what AWS really holds, the simulated clock, and
 * what the steps delivered so far. Expectations and invariants read the world through {@link readSnapshot}:
 * DNS weights from moto's Route 53 and cuts from moto's EC2, never the engine's own account of them.
 */
import type { SeedshieldConfig } from '../lib/config/schema';
import type { Actuators } from '../lambdas/actuators';
import { AwsClients } from '../lambdas/actuators/clients';
import type { WorldState } from '../lambdas/core/types';
import type { DecisionLogger, EngineReport, RemediationEngine } from '../lambdas/engine';
import type { DynamoDbStateStore } from '../lambdas/state/dynamodb-store';
import { wireControlPlane } from '../lambdas/wiring';
import type { AlarmRecord, Delivery, EventContext } from './events';
import { FaultInjectingHttpHandler } from './faults';
import type { ScenarioStep } from './scenario';
import { buildDrillWorld, type DrillWorld } from './setup';
import type { ClusterView } from './timeline';

/** State and DNS as read back after a step. */
export interface Snapshot {
  readonly state: WorldState;
  /** A-record weight per cluster as moto's Route 53 serves it. */
  readonly weights: Record<string, number>;
}

/** The last step that delivered something: its report and the snapshots around it. */
export interface LastAction {
  readonly step: ScenarioStep;
  readonly report?: EngineReport;
  readonly before: Snapshot;
  readonly after: Snapshot;
}

/** Everything one scenario run holds; expectations and invariants read it, the runner moves it on. */
export interface ScenarioRun extends EventContext {
  readonly engine: RemediationEngine;
  readonly faults: FaultInjectingHttpHandler;
  /** Reads AWS (moto) over clients without faults. */
  readonly observer: Actuators;
  /** Reads the state table over clients without faults. */
  readonly store: DynamoDbStateStore;
  readonly clusterIds: readonly string[];
  simNow: number;
  lastDelivery?: Delivery;
  lastAction?: LastAction;
  /**
   * Clusters an operator isolated with `--force`: the step that did it and how many counting clusters were in
   * DNS right after. While that isolation is in force the min-healthy invariant accepts that many and no fewer
   * (see drill/invariants.ts).
   */
  readonly forcedIsolations: Map<string, { readonly step: number; readonly inDns: number }>;
  /** Clusters whose isolation's DNS change (weight 0) is in, with the step that made it, until a restore starts. */
  readonly dnsOut: Map<string, number>;
  /** Warnings and errors the engine logged during the current step. */
  readonly logs: string[];
}

const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** Builds the config's deployment in the (empty) moto at `endpoint` and the engine and readers over it. */
export async function openScenarioRun(config: SeedshieldConfig, endpoint: string): Promise<ScenarioRun> {
  const world: DrillWorld = await buildDrillWorld(config, endpoint);
  const faults = new FaultInjectingHttpHandler();
  const clients = new AwsClients({ endpoint, credentials: MOTO_CREDENTIALS, random: () => 0, requestHandler: faults as never });
  const cleanClients = new AwsClients({ endpoint, credentials: MOTO_CREDENTIALS, random: () => 0 });
  // Whole minutes read better, and every timestamp moto wrote while building lies before the simulated start.
  const t0 = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
  const logs: string[] = [];
  const logger: DecisionLogger = {
    info: () => undefined,
    warn: (message, ...extra) => logs.push(`WARN ${message} ${compact(extra)}`),
    error: (message, ...extra) => logs.push(`ERROR ${message} ${compact(extra)}`),
  };
  const environment = { topology: world.topology, tableName: world.tableName, topicArn: world.topicArn, homeRegion: world.homeRegion, logger };
  // The engine acts through the fault injector; the drill reads back what AWS and the table hold without it.
  const acting = wireControlPlane({ ...environment, clients, now: () => run.simNow });
  const reading = wireControlPlane({ ...environment, clients: cleanClients });
  const run: ScenarioRun = {
    config,
    world,
    faults,
    engine: acting.engine,
    observer: reading.actuators,
    store: reading.store,
    clusterIds: world.topology.clusters.map((c) => c.id),
    t0,
    simNow: t0,
    alarmStates: new Map<string, AlarmRecord>(),
    deliveries: new Map(),
    forcedIsolations: new Map(),
    dnsOut: new Map(),
    logs,
  };
  return run;
}

/** Reads the state table and moto's Route 53 (side by side). */
export async function readSnapshot(run: ScenarioRun): Promise<Snapshot> {
  const [state, weights] = await Promise.all([run.store.load(run.clusterIds), run.observer.currentWeights(run.world.topology)]);
  return { state, weights };
}

/** Every cluster as the timeline shows it. */
export function clusterViews(run: ScenarioRun, s: Snapshot): Record<string, ClusterView> {
  const out: Record<string, ClusterView> = {};
  for (const id of run.clusterIds) {
    const c = s.state.clusters[id];
    out[id] = {
      status: c.status,
      servingPercent: c.servingPercent,
      ...(s.weights[id] !== undefined ? { weight: s.weights[id] } : {}),
      ...(c.pin ? { pin: c.pin } : {}),
      ...(c.job ? { job: describeJob(c.job) } : {}),
    };
  }
  return out;
}

/** `ISOLATE job`, `RESTORE job, attempt 2, failed: awaiting reconcile`. */
function describeJob(job: NonNullable<WorldState['clusters'][string]['job']>): string {
  const attempts = job.attempts ?? 1;
  return `${job.kind} job${attempts > 1 ? `, attempt ${attempts}` : ''}${job.lastError ? ', failed: awaiting reconcile' : ''}`;
}

function compact(extra: Record<string, unknown>[]): string {
  return extra.length === 0 ? '' : JSON.stringify(Object.assign({}, ...extra)).slice(0, 400);
}
