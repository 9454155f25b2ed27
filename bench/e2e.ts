/**
 * The remediation engine end to end against moto: an alarm ALARM event in, the isolation recorded out, and
 * the restore that follows (OK event, reconciles through the quiet period and the ramp), with every AWS API
 * call counted per service and command.
 */
import { performance } from 'perf_hooks';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/core/protocols';
import { AwsClients } from '../lambdas/actuators/clients';
import { Route53WeightActuator } from '../lambdas/actuators/route53';
import type { EngineReport } from '../lambdas/engine';
import { wireControlPlane } from '../lambdas/wiring';
import { startMoto } from '../drill/moto';
import { alarmDelivery, type BenchClock, buildEngineWorld, type Call, CLUSTERS, CYCLE_SPACING_MS, describeRequest, HOME, problemsLogger, reconcileDelivery, restoreCluster, T0 } from './engine-world';
import { onCleanUp } from './process';
import { Miss, Row, Section, table } from './report';
import { formatMs, median, percentile } from './stats';

const CYCLES = 15;
/** The Route 53 actuator's default INSYNC polling: first sleep 1 s, doubling, capped at 10 s (route53.ts). */
const POLL_INITIAL_MS = 1_000;
const POLL_MAX_MS = 10_000;

/**
 * The SDK's HTTP handler with a tally: every request (retries included) is recorded by signing service and
 * command, read from the request itself (X-Amz-Target, the query Action, the RPC-v2 operation path, or the
 * Route 53 REST path).
 */
class CountingHandler {
  readonly #real = new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 });
  readonly calls: Call[] = [];
  readonly metadata = { handlerProtocol: 'http/1.1' };

  async handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }) {
    this.calls.push(describeRequest(request));
    return this.#real.handle(request, options);
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {
    this.#real.destroy();
  }
}

const key = (c: Call) => `${c.service} ${c.command}`;

function tally(calls: readonly Call[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of calls) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
  return m;
}

/** Real time the Route 53 actuator sleeps before `polls` GetChange polls of one change. */
function pollSleepMs(polls: number): number {
  let total = 0;
  for (let i = 0, d = POLL_INITIAL_MS; i < polls; i++, d = Math.min(d * 2, POLL_MAX_MS)) total += d;
  return total;
}

interface Delivery {
  readonly report: EngineReport;
  readonly wallMs: number;
  readonly calls: Call[];
}

/**
 * DNS change batches a delivery's decisions asked for, the most any one decision asked for, and the repairs
 * among them. Every weight change, a reconcile's repair included, is a SET_DNS_WEIGHTS effect in a decision's
 * plan (the core decides repairs, with ids `${event.id}:${i}` like any effect); a repair is a decision the core
 * headlines DNS_REPAIRED.
 */
function dnsDecisions(report: EngineReport): { decisions: number; maxPerDecision: number; repairs: number } {
  const perDecision = report.decisions.map((d) => d.plan.filter((e) => e.type === 'SET_DNS_WEIGHTS').length);
  const repairs = report.decisions.filter((d, i) => d.outcome === 'DNS_REPAIRED' && perDecision[i] > 0).length;
  return { decisions: perDecision.filter((n) => n > 0).length, maxPerDecision: Math.max(0, ...perDecision), repairs };
}

/** Runs the end-to-end benchmark and returns its report section. */
export async function benchEndToEnd(log: (msg: string) => void): Promise<Section> {
  const moto = await startMoto();
  onCleanUp(() => moto.stop());
  try {
    return await run(moto.endpoint, log);
  } finally {
    await moto.stop();
  }
}

async function run(endpoint: string, log: (msg: string) => void): Promise<Section> {
  const counter = new CountingHandler();
  const clients = new AwsClients({ endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, random: () => 0, requestHandler: counter as never });

  // The world: three cluster stacks' resources, the DNS stack's zone, the control plane's table and topic.
  const { topology, tableName, topicArn } = await buildEngineWorld(clients, 'e2e');
  const problems: string[] = [];
  const clock: BenchClock = { now: T0 };
  const { engine } = wireControlPlane({
    topology,
    tableName,
    topicArn,
    homeRegion: HOME,
    clients,
    logger: problemsLogger(problems),
    now: () => clock.now,
  });

  const deliver = async (raw: unknown): Promise<Delivery> => {
    const from = counter.calls.length;
    const t = performance.now();
    const report = await engine.handleDelivery(raw);
    const wallMs = performance.now() - t;
    return { report, wallMs, calls: counter.calls.slice(from) };
  };

  const isolations: Delivery[] = [];
  const restoreStarts: Delivery[] = [];
  const restores: Call[][] = [];
  const all: Delivery[] = [];
  const failures: string[] = [];
  for (let k = 0; k < CYCLES; k++) {
    const c = CLUSTERS[k % CLUSTERS.length];
    clock.now = T0 + k * CYCLE_SPACING_MS;
    const iso = await deliver(alarmDelivery(`bench-alarm-${k}`, c.id, c.region, 'ALARM', clock.now));
    all.push(iso);
    const outcomes = iso.report.decisions.map((d) => d.outcome);
    if (!outcomes.includes('ISOLATION_COMPLETED')) failures.push(`cycle ${k}: isolation of ${c.id} ended with ${outcomes.join(' -> ')} (${iso.report.reason})`);
    isolations.push(iso);

    // Restore: the alarm clears, the quiet period passes, then reconciles step through the ramp.
    const restore = await restoreCluster(deliver, c, String(k), clock, topology.policy);
    all.push(...restore.deliveries);
    if (restore.started) restoreStarts.push(restore.started);
    const restoreCalls = restore.deliveries.flatMap((d) => d.calls);
    if (!restore.completed) failures.push(`cycle ${k}: restore of ${c.id} did not complete`);
    restores.push(restoreCalls);
    log(`e2e cycle ${k + 1}/${CYCLES}: isolation ${formatMs(iso.wallMs)}, ${iso.calls.length} calls; restore ${restoreCalls.length} calls`);
  }

  // A weight changed behind the control plane's back (a hand edit in the console): the next reconcile must
  // set it back, in one change batch, as a decision of the core (DNS_REPAIRED).
  const edited = CLUSTERS[CLUSTERS.length - 1].id;
  await new Route53WeightActuator(clients.route53()).setWeights({ [edited]: 37 }, topology, 'bench hand edit');
  clock.now += CYCLE_SPACING_MS;
  const repair = await deliver(reconcileDelivery('bench-reconcile-after-hand-edit', clock.now));
  all.push(repair);
  const plantedRepairs = dnsDecisions(repair.report).repairs;
  if (plantedRepairs !== 1) failures.push(`a weight edited by hand (${edited} at 37) led to ${plantedRepairs} DNS repairs, not 1 (${repair.report.decisions.map((d) => d.outcome).join(' -> ')})`);

  // Route 53: one change batch per decision.
  let crrs = 0;
  let dnsDecisionCount = 0;
  let maxPlanned = 0;
  let repairs = 0;
  let mismatches = 0;
  for (const d of all) {
    const n = d.calls.filter((c) => c.service === 'route53' && c.command === 'ChangeResourceRecordSets').length;
    const dd = dnsDecisions(d.report);
    crrs += n;
    dnsDecisionCount += dd.decisions;
    maxPlanned = Math.max(maxPlanned, dd.maxPerDecision);
    repairs += dd.repairs;
    if (n !== dd.decisions) mismatches += 1;
  }

  const getChanges = all.reduce((n, d) => n + d.calls.filter((c) => c.command === 'GetChange').length, 0);
  const isoMs = isolations.map((d) => d.wallMs);
  const sleepOf = (d: Delivery) => pollSleepMs(d.calls.filter((c) => c.command === 'GetChange').length);
  const isoNoSleep = isolations.map((d) => d.wallMs - sleepOf(d));
  const restoreMs = restoreStarts.map((d) => d.wallMs);
  const isoCalls = isolations.map((d) => d.calls.length);
  const restoreCallCounts = restores.map((r) => r.length);
  const isolationTally = isolations.map((d) => tally(d.calls));
  const restoreTally = restores.map((r) => tally(r));
  const keys = [...new Set([...isolationTally, ...restoreTally].flatMap((m) => [...m.keys()]))].sort();
  const callTable = table(
    ['service', 'command', 'per isolation (median)', 'per isolation (first / later)', 'per restore (median)'],
    keys.map((k) => {
      const [service, command] = k.split(' ');
      const iso = isolationTally.map((m) => m.get(k) ?? 0);
      const res = restoreTally.map((m) => m.get(k) ?? 0);
      return [service, command, String(median(iso)), `${iso[0]} / ${median(iso.slice(1))}`, String(median(res))];
    }),
  );
  const crrsPerDecision = dnsDecisionCount === 0 ? Number.NaN : crrs / dnsDecisionCount;
  const oneBatch = maxPlanned <= 1 && mismatches === 0;
  const rows: Row[] = [
    { metric: `isolation latency p50 (ALARM event -> ISOLATION_COMPLETED in the report), ${CYCLES} cycles`, measured: formatMs(percentile(isoMs, 50)) },
    { metric: 'isolation latency p99', measured: formatMs(percentile(isoMs, 99)) },
    ...(getChanges > 0
      ? [{ metric: 'isolation latency p50 / p99 without the Route 53 INSYNC poll sleeps', measured: `${formatMs(percentile(isoNoSleep, 50))} / ${formatMs(percentile(isoNoSleep, 99))}` }]
      : []),
    { metric: 'restore start latency p50 / p99 (reconcile -> cuts undone, first ramp step set)', measured: restoreMs.length ? `${formatMs(percentile(restoreMs, 50))} / ${formatMs(percentile(restoreMs, 99))}` : 'n/a' },
    { metric: 'AWS API calls per isolation (median; first / later)', measured: `${median(isoCalls)} (${isoCalls[0]} / ${median(isoCalls.slice(1))})` },
    { metric: 'AWS API calls per restore, OK event to RESTORE_COMPLETED (median)', measured: String(median(restoreCallCounts)) },
    {
      metric: 'Route 53 ChangeResourceRecordSets per DNS-changing decision',
      measured: `${Number.isNaN(crrsPerDecision) ? 'n/a' : crrsPerDecision.toFixed(2)} (${crrs} change batches for ${dnsDecisionCount} decisions; at most ${maxPlanned} SET_DNS_WEIGHTS per plan; ${mismatches} deliveries where batches != decisions)`,
      target: '1 change batch per decision',
      met: oneBatch,
    },
    {
      metric: 'DNS repairs (decisions the core headlined DNS_REPAIRED, counted from the plans)',
      measured: `${repairs} in the run; ${plantedRepairs} for the weight edited by hand, with ${repair.calls.filter((c) => c.command === 'ChangeResourceRecordSets').length} change batch`,
      target: '1 for the hand edit, 0 elsewhere',
      met: plantedRepairs === 1 && repairs === 1,
    },
    { metric: 'cycles (and the hand-edit repair) that did not behave as expected', measured: String(failures.length), target: '0', met: failures.length === 0 },
  ];
  const misses: Miss[] = [];
  if (!oneBatch) {
    misses.push({
      what: `Route 53 change batches per decision ${crrsPerDecision.toFixed(2)}`,
      reason: `${mismatches} deliveries sent a different number of ChangeResourceRecordSets than their decisions planned (SDK retries count as calls), or a plan carried ${maxPlanned} SET_DNS_WEIGHTS effects.`,
      fix: 'merge every weight change of a decision into one SET_DNS_WEIGHTS effect (the core) and one change batch (the actuator).',
    });
  }
  if (failures.length > 0) {
    misses.push({ what: `${failures.length} of ${CYCLES} cycles (or the hand-edit repair) misbehaved`, reason: failures.slice(0, 3).join('; '), fix: 'see the engine log lines below and the drill.' });
  }
  const extra = [`AWS API calls by service and command (HTTP requests, SDK retries included):\n\n${callTable}`];
  if (problems.length > 0) extra.push(`Engine warnings/errors during the run (${problems.length}, first 5):\n\n${problems.slice(0, 5).map((p) => `- ${p}`).join('\n')}`);
  return {
    title: 'Remediation engine end to end (moto)',
    method: [
      `One moto server; a world of ${CLUSTERS.length} clusters (drill/world.ts: VPC, subnets, NACLs, NLB security group, route tables, VGW, EIPs, SSM parameters) in ${CLUSTERS.map((c) => c.region).join(', ')}, a hosted zone with their weighted records plus the physical cluster, the state table and the on-call topic. The engine is built by \`wireControlPlane\` (lambdas/wiring.ts) over \`AwsClients\` pointed at moto (test credentials, \`random: () => 0\`) and fed raw EventBridge deliveries through \`handleDelivery\` (what the Lambda handler calls, without its middy/Powertools wrapper).`,
      `${CYCLES} cycles, rotating over the clusters, on a simulated clock (3 h apart, so no cooldown or rate limit interferes): an alarm ALARM delivery, timed until \`handleDelivery\` returns with ISOLATION_COMPLETED (isolation job carried out and its result committed: state ISOLATED); then an OK delivery, a reconcile past the quiet period (restore starts: cuts undone, first ramp weight) and reconciles every ramp step until RESTORE_COMPLETED. After the cycles, one weight is changed in Route 53 behind the control plane's back (as a hand edit in the console would) and one more reconcile is delivered: the core must repair it (DNS_REPAIRED) in one change batch. Repairs are counted from the decisions' plans, like every weight change. Calls are counted on the SDK's HTTP handler shared by every client (DynamoDB included), so SDK retries count. ${getChanges === 0 ? 'moto answered every change INSYNC at once, so the Route 53 actuator never slept between GetChange polls: on AWS a change takes seconds to tens of seconds to reach INSYNC, which the isolation job waits for before it completes (its cuts do not wait: see Time to cut). The latency here is seedshield\'s own cost.' : `The Route 53 actuator sleeps ${POLL_INITIAL_MS / 1000} s of real time before its first GetChange poll (${getChanges} polls in the run): that sleep is inside the latency, and shown subtracted too.`}`,
    ],
    rows,
    extra,
    misses,
  };
}
