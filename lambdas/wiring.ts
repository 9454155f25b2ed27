/**
 * The one wiring of the control plane: the state store, the actuators, the alarm reader and the remediation
 * engine over one set of SDK clients. The Lambda, the CLI, the drill and the bench all build it here, so they
 * differ only in where the clients point and which clock they read. The DNS custom resource is wired here too
 * ({@link wireDnsRecords}), from the same clients and the same classes: the Route 53 actuator (one change batch,
 * the SDK's INSYNC waiter) and the DynamoDB state store.
 */
import type { RuntimeTopology } from '../lib/config/topology';
import { Actuators } from './actuators';
import { AwsClients } from './actuators/clients';
import { Route53WeightActuator } from './actuators/route53';
import type { DnsRecordDeps } from './dns/weighted-record';
import { type DecisionLogger, RemediationEngine } from './engine';
import { CloudWatchAlarmReader } from './observers/cloudwatch-alarms';
import { DynamoDbStateStore } from './state/dynamodb-store';

/** What the control plane needs from its surroundings. */
export interface ControlPlaneEnvironment {
  readonly topology: RuntimeTopology;
  readonly tableName: string;
  /**
   * On-call topic; NOTIFY effects publish here.
   * @default - none: NOTIFY effects fail (read-only uses such as `seedshield status` need no topic)
   */
  readonly topicArn?: string;
  /** Region of the table and the topic (the home region). */
  readonly homeRegion: string;
  /**
   * SDK clients.
   * @default - new clients with the SDK's default resolution (endpoint from `AWS_ENDPOINT_URL`, role credentials)
   */
  readonly clients?: AwsClients;
  readonly logger: DecisionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The control plane's parts, built over one set of clients. */
export interface ControlPlane {
  readonly clients: AwsClients;
  /** The state table. */
  readonly store: DynamoDbStateStore;
  /** Carries out effects and observes AWS (Route 53 weights, cuts in force). */
  readonly actuators: Actuators;
  readonly alarms: CloudWatchAlarmReader;
  /** Load, decide, commit, actuate: the only path that changes anything. */
  readonly engine: RemediationEngine;
}

/** Builds the control plane over `env.clients`. Creates no connection until a part is used. */
export function wireControlPlane(env: ControlPlaneEnvironment): ControlPlane {
  const clients = env.clients ?? new AwsClients();
  const store = stateStore(clients, env.homeRegion, env.tableName, env.now);
  const actuators = new Actuators({ clients, topology: env.topology, topicArn: env.topicArn, homeRegion: env.homeRegion, now: env.now });
  const alarms = new CloudWatchAlarmReader((region) => clients.cloudWatch(region));
  const engine = new RemediationEngine({
    topology: env.topology,
    store,
    executor: actuators,
    observer: actuators,
    alarms,
    logger: env.logger,
    now: env.now,
  });
  return { clients, store, actuators, alarms, engine };
}

/** The state store on `tableName` in `homeRegion`: the one construction the engine and the custom resource share. */
function stateStore(clients: AwsClients, homeRegion: string, tableName: string, now?: () => number): DynamoDbStateStore {
  return new DynamoDbStateStore({ client: clients.dynamoDb(homeRegion), tableName, now });
}

/** What the DNS custom resource needs from its surroundings. */
export interface DnsRecordsEnvironment {
  /** Region of the state table (the home region: the custom resource's function runs there). */
  readonly homeRegion: string;
  /**
   * SDK clients.
   * @default - new clients with the SDK's default resolution (endpoint from `AWS_ENDPOINT_URL`, role credentials)
   */
  readonly clients?: AwsClients;
}

/**
 * Builds the DNS custom resource's dependencies over `env.clients`: the control plane's Route 53 actuator and
 * its state store (one per table the properties name, kept for the container's life), and SSM per region for
 * the clusters' published NLB addresses. Creates no connection until a part is used.
 */
export function wireDnsRecords(env: DnsRecordsEnvironment): DnsRecordDeps {
  const clients = env.clients ?? new AwsClients();
  const route53 = new Route53WeightActuator(clients.route53());
  const stores = new Map<string, DynamoDbStateStore>();
  return {
    route53,
    store: (tableName) => {
      let store = stores.get(tableName);
      if (!store) stores.set(tableName, (store = stateStore(clients, env.homeRegion, tableName)));
      return store;
    },
    ssm: (region) => clients.ssm(region),
  };
}
