/**
 * The moto world the engine benchmarks run in (end to end, time to cut): three clusters' resources, the DNS
 * stack's zone, the control plane's table and topic, the topology the control plane reads, and the raw
 * EventBridge deliveries the engine is fed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import type { HttpRequest } from '@smithy/core/protocols';
import { alarmName } from '../lib/config/naming';
import type { RuntimeTopology } from '../lib/config/topology';
import type { AwsClients } from '../lambdas/actuators/clients';
import type { DecisionLogger, EngineReport } from '../lambdas/engine';
import { RECONCILE_DETAIL_TYPE, RECONCILE_SOURCE } from '../lambdas/events/parse';
import { buildClusterWorld, buildDnsWorld, type ClusterWorld, createStateTable } from '../drill/world';

export const HOME = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const CLUSTERS = [
  { id: 'eu-west', region: 'eu-west-1' },
  { id: 'eu-central', region: 'eu-central-1' },
  { id: 'us-east', region: 'us-east-1' },
] as const;
export type BenchCluster = (typeof CLUSTERS)[number];
/** Start of the simulated clock. */
export const T0 = Date.UTC(2026, 0, 5);
export const MIN = 60_000;
/** Cycles this far apart in simulated time: past every cooldown and the isolation rate-limit window. */
export const CYCLE_SPACING_MS = 3 * 60 * MIN;
const MAX_RECONCILES_PER_RESTORE = 10;

/** What {@link buildEngineWorld} made. */
export interface EngineWorld {
  readonly topology: RuntimeTopology;
  readonly tableName: string;
  readonly topicArn: string;
  readonly clusters: readonly ClusterWorld[];
}

/** Builds the world in moto through `clients` (tag: distinguishes the table and topic of two sections). */
export async function buildEngineWorld(clients: AwsClients, tag: string): Promise<EngineWorld> {
  const worlds: ClusterWorld[] = [];
  for (const [i, c] of CLUSTERS.entries()) {
    worlds.push(await buildClusterWorld({ ec2: clients.ec2(c.region), ssm: clients.ssm(c.region) }, c.id, { vpcOctet: 10 + i }));
  }
  const dns = await buildDnsWorld(clients.route53(), {
    clusters: [
      ...worlds.map((w) => ({ id: w.clusterId, weight: 100, ipv4: [...w.nlbAddresses] })),
      { id: 'gm-physical', weight: 50, ipv4: ['203.0.113.10'] },
    ],
  });
  const tableName = `seedshield-bench-${tag}-${process.pid}`;
  await createStateTable(new DynamoDBClient({ region: HOME, ...clients.baseConfig() }), tableName);
  const topic = await clients.sns(HOME).send(new CreateTopicCommand({ Name: `seedshield-bench-${tag}-${process.pid}` }));
  const topology: RuntimeTopology = {
    clusters: [
      ...CLUSTERS.map((c) => ({ id: c.id, kind: 'aws' as const, region: c.region, account: ACCOUNT, baseWeight: 100, countsTowardsMinimum: true })),
      { id: 'gm-physical', kind: 'external' as const, baseWeight: 50, countsTowardsMinimum: false },
    ],
    dns: { hostedZoneId: dns.hostedZoneId, recordName: dns.recordName, ttlSeconds: dns.ttlSeconds },
    siteCidrs: { ipv4: ['10.200.0.0/16', '10.210.0.0/16'], ipv6: [] },
    policy: {
      minHealthyClusters: 2,
      cooldownMinutes: 10,
      quietPeriodMinutes: 30,
      maxIsolationsPerWindow: 2,
      isolationWindowMinutes: 60,
      restoreRampPercent: [10, 50, 100],
      restoreRampStepMinutes: 5,
      cutInternet: true,
      cutBlockProducerPath: true,
    },
  };
  return { topology, tableName, topicArn: topic.TopicArn!, clusters: worlds };
}

/** The EventBridge delivery of a `ddos` alarm's state change, as CloudWatch sends it. */
export function alarmDelivery(id: string, clusterId: string, region: string, state: 'ALARM' | 'OK', at: number) {
  const name = alarmName(clusterId, 'ddos', 'nlb');
  const ts = new Date(at).toISOString().replace('Z', '+0000');
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: new Date(at).toISOString(),
    region,
    resources: [`arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`],
    detail: {
      alarmName: name,
      state: { value: state, reason: 'seedshield bench', timestamp: ts },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM', reason: 'seedshield bench', timestamp: ts },
      configuration: { metrics: [] },
    },
  };
}

/** The scheduled reconcile's delivery. */
export function reconcileDelivery(id: string, at: number) {
  return { version: '0', id, 'detail-type': RECONCILE_DETAIL_TYPE, source: RECONCILE_SOURCE, account: ACCOUNT, time: new Date(at).toISOString(), region: HOME, resources: [], detail: {} };
}

/** The simulated clock the engine reads (`now: () => clock.now`) and the bench advances. */
export interface BenchClock {
  now: number;
}

/** What {@link restoreCluster} went through. */
export interface RestoreRun<D> {
  readonly deliveries: readonly D[];
  /** The delivery whose decisions started the restore (cuts undone, first ramp step). */
  readonly started?: D;
  readonly completed: boolean;
}

/**
 * Brings an isolated cluster back the way production does: its alarm clears (OK delivery), the quiet period
 * passes, then reconciles step through the ramp until RESTORE_COMPLETED. Advances `clock` (the engine's).
 */
export async function restoreCluster<D extends { readonly report: EngineReport }>(
  deliver: (raw: unknown) => Promise<D>,
  cluster: BenchCluster,
  key: string,
  clock: BenchClock,
  policy: RuntimeTopology['policy'],
): Promise<RestoreRun<D>> {
  clock.now += 2 * MIN;
  const deliveries: D[] = [await deliver(alarmDelivery(`bench-ok-${key}`, cluster.id, cluster.region, 'OK', clock.now))];
  clock.now += (policy.quietPeriodMinutes + 1) * MIN;
  let started: D | undefined;
  let completed = false;
  for (let j = 0; j < MAX_RECONCILES_PER_RESTORE && !completed; j++) {
    const rec = await deliver(reconcileDelivery(`bench-reconcile-${key}-${j}`, clock.now));
    deliveries.push(rec);
    const outcomes = rec.report.decisions.map((d) => d.outcome);
    if (outcomes.includes('RESTORE_STARTED')) started = rec;
    completed = outcomes.includes('RESTORE_COMPLETED');
    clock.now += policy.restoreRampStepMinutes * MIN;
  }
  return { deliveries, ...(started ? { started } : {}), completed };
}

/** One AWS API call as seen on the wire. */
export interface Call {
  readonly service: string;
  readonly command: string;
}

/** Service and command of a signed SDK request. @internal */
export function describeRequest(request: Pick<HttpRequest, 'method' | 'path' | 'headers' | 'body'>): Call {
  const header = (name: string) => Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(header('authorization') ?? '')?.[1] ?? 'unknown';
  const target = header('x-amz-target');
  if (target) return { service, command: target.split('.').pop()! };
  const rpc = /\/operation\/([A-Za-z0-9]+)$/.exec(request.path);
  if (rpc) return { service, command: rpc[1] };
  const body = requestBodyText(request);
  const action = body.includes('Action=') ? new URLSearchParams(body).get('Action') : null;
  if (action) return { service, command: action };
  if (service === 'route53') {
    const p = request.path.replace(/\/$/, '');
    if (/\/hostedzone\/[^/]+\/rrset$/.test(p)) return { service, command: request.method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets' };
    if (/\/change\/[^/]+$/.test(p)) return { service, command: 'GetChange' };
  }
  return { service, command: `${request.method} ${request.path}` };
}

/** The body of a request as text (query-protocol bodies are strings or bytes; streams read as empty). @internal */
export function requestBodyText(request: Pick<HttpRequest, 'body'>): string {
  if (typeof request.body === 'string') return request.body;
  if (request.body instanceof Uint8Array) return Buffer.from(request.body).toString();
  return '';
}

/** A logger for a benched engine: decisions are not logged; warnings and errors land in `problems` for the report. */
export function problemsLogger(problems: string[]): DecisionLogger {
  return {
    info: () => undefined,
    warn: (m) => problems.push(`warn: ${m}`),
    error: (m, ...x) => problems.push(`error: ${m} ${JSON.stringify(x).slice(0, 300)}`),
  };
}
