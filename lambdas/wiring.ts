/**
 * The one wiring of the control plane: the state store, the actuators, the alarm reader and the remediation
 * engine over one set of SDK clients. The Lambda, the CLI, the drill and the bench all build it here, so they
 * differ only in where the clients point and which clock they read; the DNS custom resource shares the same
 * clients (`AwsClients`) and store.
 */
import type { RuntimeTopology } from '../lib/config/topology';
import { Actuators } from './actuators';
import { AwsClients } from './actuators/clients';
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
  const store = new DynamoDbStateStore({ client: clients.dynamoDb(env.homeRegion), tableName: env.tableName, now: env.now });
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
