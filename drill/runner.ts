/**
 * The drill runner: plays scenarios through the REAL remediation path (createEngine over SDK clients pointing
 * at moto, raw EventBridge events into `handleDelivery`, operator commands into `apply`) on a simulated
 * clock, and checks the scenario's expectations and the global invariants after every step, reading DNS
 * weights from moto's Route 53 and cuts from moto's EC2, never from the engine's own account of them.
 */
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'crypto';
import { CLUSTER_TAG_KEY, type AlarmTriggerKind } from '../lib/config/naming';
import type { SeedshieldConfig } from '../lib/config/schema';
import { operatorEvent } from '../cli/operator';
import { Actuators } from '../lambdas/actuators';
import { AwsClients } from '../lambdas/actuators/clients';
import type { ClusterState, CoreEvent, Effect, WorldState } from '../lambdas/core/types';
import { OperatorPin } from '../lambdas/core/types';
import type { DecisionLogger, EngineReport, RemediationEngine } from '../lambdas/engine';
import { RECONCILE_DETAIL_TYPE, RECONCILE_SOURCE } from '../lambdas/events/parse';
import { createEngine } from '../lambdas/runtime';
import { DynamoDbStateStore } from '../lambdas/state/dynamodb-store';
import { FaultInjectingHttpHandler } from './faults';
import { startMoto, type MotoServer } from './moto';
import { formatOffset, parseOffset, type Expectation, type Scenario, type ScenarioStep } from './scenario';
import { buildDrillWorld, type DrillWorld } from './setup';

/** One carried-out effect, as the timeline shows it. */
export interface ActionRecord {
  readonly id: string;
  readonly type: Effect['type'];
  readonly cluster?: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly error?: string;
}

/** What one cluster looks like after a step: state from the table, weight from moto's Route 53. */
export interface ClusterView {
  readonly status: string;
  readonly servingPercent: number;
  /** A-record weight in Route 53; undefined when the record is missing. */
  readonly weight?: number;
  readonly pin?: string;
  readonly job?: string;
}

/** One line of the timeline. */
export interface StepRecord {
  readonly index: number;
  /** The step's offset as written. */
  readonly at: string;
  /** Simulated wall time of the step. */
  readonly simTime: string;
  readonly kind: ScenarioStep['kind'];
  /** What the step did, in words. */
  readonly summary: string;
  readonly eventId?: string;
  readonly outcome?: string;
  readonly reason?: string;
  readonly decisions?: readonly { eventId: string; outcome: string; reason: string }[];
  readonly actions?: readonly ActionRecord[];
  readonly clusters: Readonly<Record<string, ClusterView>>;
  readonly automationPaused: boolean;
  /** Warnings and errors the engine logged during the step. */
  readonly logs: readonly string[];
  /** What an `expect` step checked, when it held. */
  readonly checked?: string;
  /** Failed expectations and invariants, each naming the step. Empty when the step passed. */
  readonly failures: readonly string[];
}

/** The result of one scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly passed: boolean;
  readonly steps: readonly StepRecord[];
  readonly failures: readonly string[];
  /** Real milliseconds the scenario took (world building included). */
  readonly wallMs: number;
}

/** The result of a drill run. */
export interface DrillResult {
  readonly passed: boolean;
  readonly scenarios: readonly ScenarioResult[];
  readonly wallMs: number;
}

/** Options of {@link runDrill}. */
export interface DrillOptions {
  readonly config: SeedshieldConfig;
  readonly scenarios: readonly Scenario[];
  /**
   * A moto server the drill may reset between scenarios.
   * @default - the drill starts its own moto_server and stops it afterwards
   */
  readonly moto?: MotoServer;
  /** Called after each step (live output). @default - nothing */
  readonly onStep?: (scenario: Scenario, step: StepRecord) => void;
  /** Called before each scenario. @default - nothing */
  readonly onScenario?: (scenario: Scenario, index: number) => void;
}

const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/**
 * Runs every scenario, each on a freshly built world (moto is reset in between), and reports.
 * Starts and stops moto_server itself unless one is given; stops it also when a scenario throws.
 */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const moto = options.moto ?? (await startMoto());
  const results: ScenarioResult[] = [];
  try {
    for (const [i, scenario] of options.scenarios.entries()) {
      options.onScenario?.(scenario, i);
      await moto.reset();
      results.push(await runScenario(options.config, moto.endpoint, scenario, options.onStep));
    }
  } finally {
    if (!options.moto) await moto.stop();
  }
  return { passed: results.every((r) => r.passed), scenarios: results, wallMs: Date.now() - started };
}

/** What the runner remembers of a delivery so it can deliver it again. */
type Delivery = { readonly raw: unknown } | { readonly core: CoreEvent };

/** Everything one scenario run holds. @internal */
interface Run {
  readonly world: DrillWorld;
  readonly engine: RemediationEngine;
  readonly faults: FaultInjectingHttpHandler;
  readonly observer: Actuators;
  readonly store: DynamoDbStateStore;
  readonly clusterIds: string[];
  readonly t0: number;
  simNow: number;
  readonly alarmStates: Map<string, { value: string; timestamp: number }>;
  readonly deliveries: Map<number, Delivery>;
  lastDelivery?: Delivery;
  /** The last step that delivered something: its report and the snapshot before it. */
  lastAction?: { step: ScenarioStep; report?: EngineReport; before: Snapshot; after: Snapshot };
  /** Index of the step whose forced operator command waived the min-healthy invariant. */
  forcedAt?: number;
}

/** State and DNS as read back after a step. @internal */
interface Snapshot {
  readonly state: WorldState;
  readonly weights: Record<string, number>;
}

/** Runs one scenario against a fresh world in the (empty) moto at `endpoint`. */
export async function runScenario(
  config: SeedshieldConfig,
  endpoint: string,
  scenario: Scenario,
  onStep?: (scenario: Scenario, step: StepRecord) => void,
): Promise<ScenarioResult> {
  const started = Date.now();
  const world = await buildDrillWorld(config, endpoint);
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
  const run: Run = {
    world,
    faults,
    engine: undefined as never,
    observer: new Actuators({ clients: cleanClients, topology: world.topology, topicArn: world.topicArn, homeRegion: world.homeRegion }),
    store: new DynamoDbStateStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: world.homeRegion, ...cleanClients.baseConfig() }), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: world.tableName,
    }),
    clusterIds: world.topology.clusters.map((c) => c.id),
    t0,
    simNow: t0,
    alarmStates: new Map(),
    deliveries: new Map(),
  };
  (run as { engine: RemediationEngine }).engine = createEngine({
    topology: world.topology,
    tableName: world.tableName,
    topicArn: world.topicArn,
    homeRegion: world.homeRegion,
    clients,
    logger,
    now: () => run.simNow,
  });

  const steps: StepRecord[] = [];
  const failures: string[] = [];
  let snapshot = await readSnapshot(run);
  failures.push(...(await checkInvariants(run, snapshot)).map((p) => `scenario start (the world as built): invariant violated: ${p}`));
  for (const step of scenario.steps) {
    run.simNow = t0 + step.at;
    logs.length = 0;
    const where = `step ${step.index} (${step.atText})`;
    let record: Omit<StepRecord, 'clusters' | 'automationPaused' | 'logs' | 'failures'>;
    const stepFailures: string[] = [];
    try {
      if (step.kind === 'expect') {
        const problems = await checkExpectation(run, step.expect, snapshot);
        stepFailures.push(...problems.map((p) => `${where}: ${p}`));
        record = base(run, step, describeExpectation(step.expect));
        if (problems.length === 0) record = { ...record, checked: describeExpectation(step.expect) };
      } else if (step.kind === 'fault') {
        faults.arm(step.fault.api, step.fault.times, step.fault.after);
        record = base(run, step, `arm fault: the next ${step.fault.times} ${step.fault.api} call${step.fault.times === 1 ? '' : 's'}${step.fault.after ? ` after ${step.fault.after}` : ''} fail${step.fault.times === 1 ? 's' : ''}`);
      } else {
        const before = snapshot;
        const { delivery, summary } = await prepareDelivery(run, step, config);
        const firedBefore = faults.fired.length;
        const report = await deliver(run, delivery);
        run.deliveries.set(step.index, delivery);
        run.lastDelivery = delivery;
        snapshot = await readSnapshot(run);
        run.lastAction = { step, report, before, after: snapshot };
        const fired = faults.fired.slice(firedBefore);
        if (step.kind === 'operator' && step.operator.force && report.decisions.some((d) => d.outcome === 'OPERATOR_APPLIED')) run.forcedAt ??= step.index;
        record = {
          ...base(run, step, fired.length > 0 ? `${summary} [injected fault: ${fired.join(', ')}]` : summary),
          eventId: report.eventId,
          outcome: report.outcome,
          reason: report.reason,
          decisions: report.decisions.map((d) => ({ eventId: d.eventId, outcome: d.outcome, reason: d.reason })),
          actions: report.executed.map(actionRecord),
        };
      }
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      stepFailures.push(`${where}: the step threw ${message}`);
      record = base(run, step, `(threw) ${message}`);
    }
    // Expect and fault steps change nothing in AWS or the state: the snapshot read (and the invariants checked)
    // after the last delivery still hold for them, so a violation is reported once, at the step that caused it.
    if (step.kind !== 'expect' && step.kind !== 'fault') {
      if (run.lastAction?.step !== step) snapshot = await readSnapshot(run);
      stepFailures.push(...(await checkInvariants(run, snapshot)).map((p) => `${where}: invariant violated: ${p}`));
    }
    const full: StepRecord = { ...record, clusters: views(run, snapshot), automationPaused: snapshot.state.global.automationPaused, logs: [...logs], failures: stepFailures };
    steps.push(full);
    failures.push(...stepFailures);
    onStep?.(scenario, full);
    if (stepFailures.some((f) => f.includes(': the step threw '))) break;
  }
  const pending = faults.pending();
  if (pending.length > 0) failures.push(`scenario end: armed fault(s) never fired: ${pending.map((p) => `${p.api} x${p.remaining}`).join(', ')}`);
  faults.destroy();
  return { name: scenario.name, description: scenario.description, source: scenario.source, passed: failures.length === 0, steps, failures, wallMs: Date.now() - started };
}

function base(run: Run, step: ScenarioStep, summary: string) {
  return { index: step.index, at: step.atText, simTime: new Date(run.simNow).toISOString(), kind: step.kind, summary };
}

function compact(extra: Record<string, unknown>[]): string {
  return extra.length === 0 ? '' : JSON.stringify(Object.assign({}, ...extra)).slice(0, 400);
}

/** CloudWatch's timestamp format: `2026-11-24T03:00:00.000+0000`. */
function cloudWatchTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

// ---------------------------------------------------------------- deliveries

async function prepareDelivery(run: Run, step: ScenarioStep, config: SeedshieldConfig): Promise<{ delivery: Delivery; summary: string }> {
  switch (step.kind) {
    case 'trigger':
      return triggerDelivery(run, step, config);
    case 'event': {
      const raw = substituteTimes(step.event, run);
      const r = raw as { id?: unknown; source?: unknown; 'detail-type'?: unknown };
      return { delivery: { raw }, summary: `event ${String(r.source)} "${String(r['detail-type'])}" id ${String(r.id)}` };
    }
    case 'reconcile':
      return {
        delivery: { raw: { id: `reconcile:drill-${step.index}`, source: RECONCILE_SOURCE, 'detail-type': RECONCILE_DETAIL_TYPE, time: new Date(run.simNow).toISOString() } },
        summary: 'reconcile (scheduler)',
      };
    case 'operator': {
      const o = step.operator;
      const event = operatorEvent({ ...o, operator: 'drill-operator', id: `operator:drill-${step.index}` });
      return {
        delivery: { core: event },
        summary: `operator ${o.command}${o.cluster ? ` ${o.cluster}` : ''}${o.pin ? ` ${o.pin}` : ''}${o.force ? ' --force' : ''} --reason "${o.reason}"`,
      };
    }
    case 'duplicateLast':
      return { delivery: run.lastDelivery!, summary: `deliver the last event again (${deliveryId(run.lastDelivery!)})` };
    case 'replay': {
      const delivery = run.deliveries.get(step.replay);
      if (!delivery) throw new Error(`step ${step.replay} delivered nothing to replay`);
      return { delivery, summary: `replay step ${step.replay} (${deliveryId(delivery)})` };
    }
    default:
      throw new Error(`step kind ${step.kind} delivers nothing`);
  }
}

function deliveryId(d: Delivery): string {
  return 'core' in d ? d.core.id : String((d.raw as { id?: unknown }).id);
}

async function deliver(run: Run, delivery: Delivery): Promise<EngineReport> {
  return 'core' in delivery ? run.engine.apply(delivery.core) : run.engine.handleDelivery(delivery.raw);
}

/**
 * Builds the AWS-shaped event of a trigger; for alarms also sets the alarm in moto, so the reconcile's
 * DescribeAlarms agrees with what was delivered.
 */
async function triggerDelivery(run: Run, step: Extract<ScenarioStep, { kind: 'trigger' }>, config: SeedshieldConfig) {
  const t = step.trigger;
  const cluster = config.clusters.find((c) => c.id === t.cluster);
  if (!cluster) throw new Error(`trigger.cluster ${t.cluster} is not a cloud cluster; only cloud clusters have alarms and GuardDuty findings`);
  const stateAt = run.t0 + (t.stateAt ?? step.at);
  const id = `drill-${step.index}-${randomUUID()}`;
  if (t.kind === 'compromise') {
    const findingId = `drill-finding-${t.cluster}-${step.index}`;
    const raw = {
      version: '0',
      id,
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      account: cluster.account,
      time: new Date(stateAt).toISOString(),
      region: cluster.region,
      resources: [],
      detail: {
        schemaVersion: '2.0',
        accountId: cluster.account,
        region: cluster.region,
        partition: 'aws',
        id: findingId,
        arn: `arn:aws:guardduty:${cluster.region}:${cluster.account}:detector/drill/finding/${findingId}`,
        type: 'Backdoor:EC2/C&CActivity.B!DNS',
        severity: 8,
        createdAt: new Date(stateAt).toISOString(),
        updatedAt: new Date(stateAt).toISOString(),
        title: `EC2 instance of ${t.cluster} is querying a domain name associated with a known command and control server.`,
        description: 'drill',
        resource: {
          resourceType: 'Instance',
          instanceDetails: {
            instanceId: 'i-0drill0000000000',
            tags: [
              { key: CLUSTER_TAG_KEY, value: t.cluster },
              { key: 'Name', value: `${t.cluster}-seed` },
            ],
          },
        },
      },
    };
    return { delivery: { raw }, summary: `trigger compromise on ${t.cluster} (GuardDuty finding ${findingId})` };
  }
  const names = run.world.alarms[t.cluster]?.[t.kind as AlarmTriggerKind] ?? [];
  if (names.length === 0) {
    throw new Error(`cluster ${t.cluster} has no ${t.kind} alarm${t.kind === 'ddos' ? ' (ddos alarms exist only with protection.shieldAdvanced)' : ''}`);
  }
  const name = names[0];
  const previous = run.alarmStates.get(name) ?? { value: 'OK', timestamp: run.t0 - 60_000 };
  // moto holds the alarm's newest state: a late (older) event is delivered but does not rewind the alarm.
  if (stateAt >= previous.timestamp) {
    const cw = new CloudWatchClient({ region: cluster.region, endpoint: run.world.endpoint, credentials: MOTO_CREDENTIALS });
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: t.state, StateReason: `drill step ${step.index}` }));
    cw.destroy();
    run.alarmStates.set(name, { value: t.state, timestamp: stateAt });
  }
  const raw = {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: cluster.account,
    time: new Date(run.simNow).toISOString(),
    region: cluster.region,
    resources: [`arn:aws:cloudwatch:${cluster.region}:${cluster.account}:alarm:${name}`],
    detail: {
      alarmName: name,
      state: { value: t.state, reason: `drill step ${step.index}`, timestamp: cloudWatchTime(stateAt) },
      previousState: { value: previous.value, reason: 'drill', timestamp: cloudWatchTime(previous.timestamp) },
      configuration: { metrics: [], description: `seedshield drill alarm of ${t.cluster}` },
    },
  };
  const when = t.stateAt !== undefined && t.stateAt !== step.at ? ` (state timestamp ${formatOffset(t.stateAt)})` : '';
  return { delivery: { raw }, summary: `trigger ${t.kind} ${t.state} on ${t.cluster} (alarm ${name})${when}` };
}

/** In raw `event` steps, `"{{+5m}}"` becomes the ISO time of that sim offset and `"{{now}}"` the step's time. */
function substituteTimes(value: unknown, run: Run): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(now|\+?[0-9hms]+)\}\}/g, (_, what: string) => {
      const ms = what === 'now' ? run.simNow : run.t0 + (parseOffset(what) ?? 0);
      return new Date(ms).toISOString();
    });
  }
  if (Array.isArray(value)) return value.map((v) => substituteTimes(v, run));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteTimes(v, run)]));
  }
  return value;
}

function actionRecord(e: EngineReport['executed'][number]): ActionRecord {
  const effect = e.effect;
  const cluster = 'clusterId' in effect ? effect.clusterId : undefined;
  let summary: string;
  switch (effect.type) {
    case 'SET_DNS_WEIGHTS':
      summary = `SET_DNS_WEIGHTS ${Object.entries(effect.weights).map(([k, v]) => `${k}=${v}`).join(' ')}`;
      break;
    case 'NOTIFY':
      summary = `NOTIFY ${effect.severity} "${effect.subject}"`;
      break;
    default: {
      // Counts, not the records themselves: the timeline stays one line per action.
      const details = e.result?.details
        ? ` (${Object.entries(e.result.details)
            .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.length : JSON.stringify(v)}`)
            .join(', ')})`
        : '';
      summary = `${effect.type} ${cluster}${details}`;
    }
  }
  return { id: effect.id, type: effect.type, ...(cluster ? { cluster } : {}), ok: e.ok, summary, ...(e.error ? { error: e.error } : {}) };
}

// ---------------------------------------------------------------- reading back and checking

async function readSnapshot(run: Run): Promise<Snapshot> {
  const [state, weights] = await Promise.all([run.store.load(run.clusterIds), run.observer.currentWeights(run.world.topology)]);
  return { state, weights };
}

function views(run: Run, s: Snapshot): Record<string, ClusterView> {
  const out: Record<string, ClusterView> = {};
  for (const id of run.clusterIds) {
    const c = s.state.clusters[id];
    out[id] = {
      status: c.status,
      servingPercent: c.servingPercent,
      ...(s.weights[id] !== undefined ? { weight: s.weights[id] } : {}),
      ...(c.pin ? { pin: c.pin } : {}),
      ...(c.job ? { job: `${c.job.kind}${c.job.lastError ? ' (failed, awaiting reconcile)' : ''}` } : {}),
    };
  }
  return out;
}

const PIN_NAMES: Record<string, string> = { [OperatorPin.FORCED_IN_SERVICE]: 'in-service', [OperatorPin.FORCED_ISOLATED]: 'isolated' };

function describeExpectation(e: Expectation): string {
  switch (e.type) {
    case 'noChange':
      return 'expect the previous step changed nothing';
    case 'outcome':
      return `expect outcome ${e.outcome}${e.reasonContains ? ` with reason containing "${e.reasonContains}"` : ''}`;
    case 'cluster': {
      const parts = [
        e.state && `state ${e.state}`,
        e.weight !== undefined && `weight ${e.weight}`,
        e.servingPercent !== undefined && `serving ${e.servingPercent} %`,
        e.pin && `pin ${e.pin}`,
        e.isolationRecorded && 'isolation record complete',
      ].filter(Boolean);
      return `expect ${e.cluster}: ${parts.join(', ')}`;
    }
  }
}

/** Problems with an expectation (empty when it holds). */
async function checkExpectation(run: Run, e: Expectation, s: Snapshot): Promise<string[]> {
  const problems: string[] = [];
  const last = run.lastAction;
  switch (e.type) {
    case 'noChange': {
      if (!last) return ['expected no change, but no earlier step delivered anything'];
      const label = `step ${last.step.index} (${last.step.atText})`;
      const executed = last.report?.executed ?? [];
      if (executed.length > 0) problems.push(`expected ${label} to change nothing, but it carried out ${executed.map((x) => x.effect.type).join(', ')} (outcome ${last.report?.outcome})`);
      for (const id of run.clusterIds) {
        const a = last.before.state.clusters[id];
        const b = last.after.state.clusters[id];
        if (a.status !== b.status || a.servingPercent !== b.servingPercent) {
          problems.push(`expected ${label} to change nothing, but ${id} went from ${a.status} ${a.servingPercent} % to ${b.status} ${b.servingPercent} %`);
        }
        if (last.before.weights[id] !== last.after.weights[id]) {
          problems.push(`expected ${label} to change nothing, but the Route 53 weight of ${id} went from ${last.before.weights[id]} to ${last.after.weights[id]}`);
        }
      }
      return problems;
    }
    case 'outcome': {
      if (!last?.report) return [`expected outcome ${e.outcome}, but no earlier step delivered anything`];
      const label = `step ${last.step.index} (${last.step.atText})`;
      const matching = last.report.decisions.filter((d) => d.outcome === e.outcome);
      if (matching.length === 0) {
        return [`expected outcome ${e.outcome} from ${label}, got ${last.report.decisions.map((d) => d.outcome).join(', ') || last.report.outcome}: ${last.report.reason}`];
      }
      if (e.reasonContains && !matching.some((d) => d.reason.includes(e.reasonContains!))) {
        return [`expected the ${e.outcome} reason of ${label} to contain "${e.reasonContains}", got: ${matching[0].reason}`];
      }
      return [];
    }
    case 'cluster': {
      const c = s.state.clusters[e.cluster];
      const weight = s.weights[e.cluster];
      if (e.state !== undefined && c.status !== e.state) problems.push(`expected ${e.cluster} state ${e.state}, got ${c.status}`);
      if (e.weight !== undefined && weight !== e.weight) problems.push(`expected ${e.cluster} Route 53 weight ${e.weight}, got ${weight ?? 'no record'}`);
      if (e.servingPercent !== undefined && c.servingPercent !== e.servingPercent) problems.push(`expected ${e.cluster} servingPercent ${e.servingPercent}, got ${c.servingPercent}`);
      if (e.pin !== undefined) {
        const pin = c.pin ? PIN_NAMES[c.pin] : 'none';
        if (pin !== e.pin) problems.push(`expected ${e.cluster} pin ${e.pin}, got ${pin}`);
      }
      if (e.isolationRecorded) problems.push(...(await isolationCompleteness(run, c)));
      return problems;
    }
  }
}

/** Whether the isolation record lists every cut the policy asks for, and moto shows those cuts. */
async function isolationCompleteness(run: Run, c: ClusterState): Promise<string[]> {
  const problems: string[] = [];
  const tc = run.world.topology.clusters.find((t) => t.id === c.clusterId)!;
  const policy = run.world.topology.policy;
  if (tc.kind !== 'aws') return problems;
  if (!c.isolation) return [`expected ${c.clusterId} to have an isolation record, it has none (status ${c.status})`];
  if (policy.cutInternet && (c.isolation.revokedIngress?.length ?? 0) === 0) problems.push(`the isolation record of ${c.clusterId} lists no revoked SG ingress`);
  if (policy.cutBlockProducerPath) {
    // One deny per site CIDR, per direction, per network ACL (public and private).
    const w = run.world.clusters[c.clusterId];
    const acls = new Set([w.publicNetworkAclId, w.privateNetworkAclId]).size;
    const expected = acls * 2 * (run.world.topology.siteCidrs.ipv4.length + run.world.topology.siteCidrs.ipv6.length);
    const recorded = c.isolation.addedNaclEntries?.length ?? 0;
    if (recorded !== expected) problems.push(`the isolation record of ${c.clusterId} lists ${recorded} NACL deny entries, expected ${expected}`);
  }
  const seen = await run.observer.observeIsolation(c.clusterId, run.world.topology);
  if (policy.cutInternet && !seen.internetCut) problems.push(`moto shows ${seen.ingressRuleCount} ingress rules left on the NLB security group of ${c.clusterId}`);
  if (policy.cutBlockProducerPath && seen.missingDenyEntries.length > 0) problems.push(`moto lacks ${seen.missingDenyEntries.length} NACL deny entries of ${c.clusterId}`);
  return problems;
}

/**
 * The global invariants, whatever the scenario says: enough clusters in DNS (unless an operator forced
 * otherwise), never every weight 0, and no isolation lost (read from moto, not from the state).
 */
async function checkInvariants(run: Run, s: Snapshot): Promise<string[]> {
  const problems: string[] = [];
  const { topology } = run.world;
  const inDns = topology.clusters.filter((c) => c.countsTowardsMinimum && (s.weights[c.id] ?? 0) > 0);
  const min = topology.policy.minHealthyClusters;
  if (inDns.length < min && run.forcedAt === undefined) {
    problems.push(`only ${inDns.length} cluster(s) counting towards the minimum have weight > 0 in Route 53 (${inDns.map((c) => c.id).join(', ') || 'none'}), below minHealthyClusters ${min}, and no operator forced it`);
  }
  const weights = Object.values(s.weights);
  if (weights.length > 0 && weights.every((w) => w === 0)) problems.push('every weighted record in Route 53 has weight 0');
  for (const id of run.clusterIds) {
    const c = s.state.clusters[id];
    if (c.isolation && !['ISOLATED', 'ISOLATING', 'RESTORING'].includes(c.status)) {
      problems.push(`${id} has an isolation record but is ${c.status}: what was cut is no longer tracked`);
    }
    if (c.status !== 'ISOLATED') continue;
    if ((s.weights[id] ?? 0) !== 0) problems.push(`${id} is recorded ISOLATED but Route 53 serves it at weight ${s.weights[id]}`);
    if (topology.clusters.find((t) => t.id === id)?.kind === 'aws') problems.push(...(await isolationCompleteness(run, c)).map((p) => `${id} is ISOLATED but ${p}`));
  }
  return problems;
}
