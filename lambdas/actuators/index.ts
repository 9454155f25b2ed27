/**
 * The actuators: carry out the effects the decision core planned, one AWS API area per file.
 *
 * Every effect is idempotent by design: re-running one after a crash leaves the same end state and returns
 * the same record (see the files for how: weights only change when different, deny entries are recognised,
 * cuts are stashed on the resources before they are made).
 */
import type { ClusterState, Effect, RuntimeTopology } from '../core/types';
import type { EffectResult } from '../engine';
import { ActuatorError } from '../errors';
import { AwsClients, containerAwsClients } from './clients';
import { ScalingSuspensionActuator } from './auto-scaling';
import { ClusterResourceDiscovery } from './discovery';
import { EvidenceSnapshotActuator } from './ebs-evidence';
import { Ec2IsolationActuator } from './ec2-isolation';
import { SnsNotifier, topicRegion } from './notify';
import { ReachabilityActuator } from './reachability';
import { Route53WeightActuator, type Route53WeightActuatorProps } from './route53';

export * from './auto-scaling';
export * from './clients';
export * from './discovery';
export * from './ebs-evidence';
export * from './ec2-isolation';
export * from './notify';
export * from './reachability';
export * from './route53';

/**
 * What carrying out one effect did: the engine's `EffectResult` (the contract it consumes), always with the
 * effect's type and a JSON-safe account of what was done, for the journal and logs.
 */
export interface ActuatorResult extends EffectResult {
  readonly type: Effect['type'];
  readonly details: Readonly<Record<string, unknown>>;
}

/** What an effect needs to know about the world. */
export interface ActuatorContext {
  readonly topology: RuntimeTopology;
  /** The state of the effect's cluster (UNDO_ISOLATION reads `isolation` from it). */
  readonly cluster?: ClusterState;
}

/** Props of {@link Actuators}. */
export interface ActuatorsProps {
  /**
   * SDK clients.
   * @default - the container's clients (see containerAwsClients)
   */
  readonly clients?: AwsClients;
  /**
   * SNS topic of on-call notifications.
   * @default - NOTIFY effects fail with an ActuatorError
   */
  readonly topicArn?: string;
  /** @deprecated Use `topicArn` instead. */
  readonly notifyTopicArn?: string;
  /**
   * Region of the topic (the home region).
   * @default - the region in `topicArn`
   */
  readonly homeRegion?: string;
  /**
   * Default topology, used when an execute call's context has none.
   * @default - the context's topology is required
   */
  readonly topology?: RuntimeTopology;
  /**
   * Clock for the timestamp in notifications.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Route 53 INSYNC wait (bounds of the SDK waiter).
   * @default - see Route53WeightActuatorProps
   */
  readonly route53?: Route53WeightActuatorProps;
  /**
   * Resource discovery (shared so its cache lives as long as the container).
   * @default - a new discovery over `clients`
   */
  readonly discovery?: ClusterResourceDiscovery;
}

/** Dispatches effects to the actuator of their AWS API area. */
export class Actuators {
  readonly #clients: AwsClients;
  readonly #discovery: ClusterResourceDiscovery;
  readonly #route53: Route53WeightActuator;
  readonly #notifyTopicArn?: string;
  readonly #homeRegion?: string;
  readonly #topology?: RuntimeTopology;
  readonly #now: () => number;

  constructor(props: ActuatorsProps = {}) {
    this.#clients = props.clients ?? containerAwsClients();
    this.#discovery = props.discovery ?? new ClusterResourceDiscovery((region) => this.#clients.ssm(region));
    this.#route53 = new Route53WeightActuator(this.#clients.route53(), props.route53);
    this.#notifyTopicArn = props.topicArn ?? props.notifyTopicArn;
    this.#homeRegion = props.homeRegion;
    this.#topology = props.topology;
    this.#now = props.now ?? Date.now;
  }

  /**
   * Carries out one effect.
   * @throws ActuatorError (AWS failures after retries), ResourceDiscoveryError, DnsSafetyError
   */
  async execute(effect: Effect, context: Partial<ActuatorContext> & Pick<ActuatorContext, 'topology'>): Promise<ActuatorResult> {
    const topology = context.topology ?? this.#topology;
    if (!topology) throw new ActuatorError(`effect ${effect.id} was executed without a topology`);
    const ctx: ActuatorContext = { ...context, topology };
    switch (effect.type) {
      case 'SET_DNS_WEIGHTS': {
        const r = await this.#route53.setWeights(effect.weights, ctx.topology, effect.id);
        return { effectId: effect.id, type: effect.type, details: { ...r } };
      }
      case 'CUT_INTERNET': {
        const isolation = await this.#ec2(ctx.topology).cutInternet(effect.clusterId, ctx.topology.siteCidrs);
        return { effectId: effect.id, type: effect.type, isolation, details: { naclEntries: isolation.addedNaclEntries?.length ?? 0 } };
      }
      case 'CUT_BP_PATH': {
        const isolation = await this.#ec2(ctx.topology).cutBlockProducerPath(effect.clusterId, ctx.topology.siteCidrs);
        return {
          effectId: effect.id,
          type: effect.type,
          isolation,
          details: { naclEntries: isolation.addedNaclEntries?.length ?? 0, disabledPropagation: isolation.disabledPropagation?.length ?? 0 },
        };
      }
      case 'UNDO_ISOLATION': {
        if (ctx.cluster && ctx.cluster.clusterId !== effect.clusterId) {
          throw new ActuatorError(`UNDO_ISOLATION of ${effect.clusterId} was given the state of ${ctx.cluster.clusterId}`);
        }
        const record = ctx.cluster?.isolation;
        if (!record) return { effectId: effect.id, type: effect.type, details: { nothingRecorded: true } };
        const undone = await this.#ec2(ctx.topology).undoIsolation(effect.clusterId, record);
        // Processes resume only once the cuts are gone: a node launched while still cut could not boot.
        const scaling = await this.#scaling(ctx.topology).resume(effect.clusterId, record.suspendedProcesses ?? []);
        return {
          effectId: effect.id,
          type: effect.type,
          details: { ...undone, resumedProcesses: scaling.resumed, missingAutoScalingGroups: scaling.missingGroups },
        };
      }
      case 'SUSPEND_SCALING': {
        const isolation = await this.#scaling(ctx.topology).suspend(effect.clusterId, effect.processes);
        const processes = isolation.suspendedProcesses?.map((p) => p.process) ?? [];
        return { effectId: effect.id, type: effect.type, isolation, details: { suspendedProcesses: processes } };
      }
      case 'PRESERVE_EVIDENCE': {
        const evidence = new EvidenceSnapshotActuator({
          ec2: (region) => this.#clients.ec2(region),
          autoScaling: (region) => this.#clients.autoScaling(region),
          discovery: this.#discovery,
          topology: ctx.topology,
          now: this.#now,
        });
        const r = await evidence.preserve(effect.clusterId, effect.findingId, effect.retainDays);
        return { effectId: effect.id, type: effect.type, details: { ...r, findingId: effect.findingId } };
      }
      case 'VERIFY_REACHABILITY': {
        const started = await this.#reachability(ctx.topology).start(effect);
        return { effectId: effect.id, type: effect.type, details: { ...started } };
      }
      case 'NOTIFY': {
        if (!this.#notifyTopicArn) throw new ActuatorError('NOTIFY needs a notification topic, and none is configured');
        const region = this.#homeRegion ?? topicRegion(this.#notifyTopicArn);
        const notifier = new SnsNotifier(this.#clients.sns(region), this.#notifyTopicArn);
        const r = await notifier.publish(effect, { at: new Date(this.#now()).toISOString() });
        return { effectId: effect.id, type: effect.type, details: { ...r } };
      }
      default: {
        const unknown: never = effect;
        throw new ActuatorError(`unknown effect type: ${(unknown as { type?: string }).type}`);
      }
    }
  }

  /** The EC2 actuator for `topology` (cheap: clients and discovery are shared). */
  /**
   * The weight Route 53 serves now for every cluster (the A record's; AAAA records follow it), for the
   * reconcile's divergence check.
   */
  async currentWeights(topology: RuntimeTopology): Promise<Record<string, number>> {
    const byRecord = await this.#route53.currentWeights(topology);
    const weights: Record<string, number> = {};
    for (const [key, weight] of Object.entries(byRecord)) {
      const [setIdentifier, type] = key.split('/');
      if (type === 'A' || weights[setIdentifier] === undefined) weights[setIdentifier] = weight;
    }
    return weights;
  }

  /** Whether an aws cluster's internet and BP path currently look cut (reconcile divergence check). */
  async observeIsolation(clusterId: string, topology: RuntimeTopology) {
    return this.#ec2(topology).observe(clusterId, topology.siteCidrs);
  }

  /** The Reachability Analyzer analyses of one check of an aws cluster (reconcile: is the isolation proven?). */
  async observeReachability(clusterId: string, checkId: string, since: number, topology: RuntimeTopology) {
    return this.#reachability(topology).observe(clusterId, checkId, since);
  }

  #reachability(topology: RuntimeTopology): ReachabilityActuator {
    return new ReachabilityActuator({ ec2: (region) => this.#clients.ec2(region), discovery: this.#discovery, topology });
  }

  #scaling(topology: RuntimeTopology): ScalingSuspensionActuator {
    return new ScalingSuspensionActuator({ autoScaling: (region) => this.#clients.autoScaling(region), discovery: this.#discovery, topology });
  }

  #ec2(topology: RuntimeTopology): Ec2IsolationActuator {
    return new Ec2IsolationActuator({ ec2: (region) => this.#clients.ec2(region), discovery: this.#discovery, topology });
  }
}
