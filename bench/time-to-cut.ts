/**
 * Time to cut: from the alarm event reaching the control plane to (a) the cut in force (the last deny entry
 * created) and (b) the Route 53 change submitted, against moto with a fixed latency added to every AWS call
 * and a Route 53 change that stays PENDING for 30 s of real time, as on AWS.
 *
 * Both are injected below the SDK, in the HTTP handler every client shares, so the real engine, actuators,
 * retries and Route 53 waiter run unchanged: the latency is slept before each request goes to moto, and
 * Route 53's answers are rewritten to PENDING (ChangeResourceRecordSets, then GetChange until 30 s after the
 * submission). The wait is real time, not simulated, so a cut that waited for INSYNC would show it in full.
 *
 * The critical path is rebuilt from the call log (bench/critical-path.ts): every call is tagged with the effect
 * that made it (AsyncLocalStorage around the actuators and the journal writes), so the cut path is never
 * charged for the DNS path's calls and vice versa.
 */
import { AsyncLocalStorage } from 'async_hooks';
import * as os from 'os';
import { Readable } from 'stream';
import { performance } from 'perf_hooks';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AwsClients } from '../lambdas/actuators/clients';
import type { Effect } from '../lambdas/core/types';
import type { EngineReport } from '../lambdas/engine';
import { wireControlPlane } from '../lambdas/wiring';
import { startMoto } from '../drill/moto';
import { criticalPath, type CriticalPath, describePath, lastToEnd, type TracedCall } from './critical-path';
import { alarmDelivery, type BenchClock, buildEngineWorld, CLUSTERS, CYCLE_SPACING_MS, describeRequest, HOME, problemsLogger, requestBodyText, restoreCluster, T0 } from './engine-world';
import { onCleanUp } from './process';
import type { Miss, Row, Section } from './report';
import { table } from './report';
import { formatMs, median } from './stats';

/** Latency added to every AWS call (issue #13's setting). */
export const CALL_LATENCY_MS = 100;
/** How long a Route 53 change stays PENDING after its submission (issue #13's setting). */
export const INSYNC_AFTER_MS = 30_000;
/** Measured isolations. Each costs the real 30 s INSYNC wait (the job completes only then), so keep it small. */
const SAMPLES = 5;
/** Targets (issue #13). */
export const CUT_TARGET_MS = 1_500;
export const DNS_TARGET_MS = 2_000;
/** The code before the cuts ran in parallel, with 100 ms per call, as issue #13 measured it. */
const BEFORE = { p50Ms: 3_500, serialCalls: 30 };

/** One traced HTTP request. */
export interface TimedCall extends TracedCall {
  readonly service: string;
  readonly command: string;
  /** `allow` or `deny` for CreateNetworkAclEntry. */
  readonly ruleAction?: string;
}

/** The effect (lane) a call is made for; engine calls have none. */
const lanes = new AsyncLocalStorage<string>();

/**
 * The SDK's HTTP handler with added latency, Route 53 changes that stay PENDING, and a trace of every request
 * (SDK retries included).
 */
class TracingHandler {
  readonly #real = new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 });
  readonly #submittedAt = new Map<string, number>();
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly calls: TimedCall[] = [];
  /** Slept before each request. */
  latencyMs = 0;
  /** 0: moto's answers as they are (INSYNC at once). */
  insyncAfterMs = 0;

  async handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }) {
    const start = performance.now();
    const lane = lanes.getStore();
    const { service, command } = describeRequest(request);
    const ruleAction = command === 'CreateNetworkAclEntry' ? (new URLSearchParams(requestBodyText(request)).get('RuleAction') ?? undefined) : undefined;
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const out = await this.#real.handle(request, options);
    let response = out.response;
    if (service === 'route53' && (command === 'ChangeResourceRecordSets' || command === 'GetChange') && response.statusCode === 200) {
      response = await this.#route53Status(command, request, response);
    }
    const label = ruleAction ? `${command} (${ruleAction})` : command;
    this.calls.push({ label, service, command, start, end: performance.now(), ...(lane ? { lane } : {}), ...(ruleAction ? { ruleAction } : {}) });
    return { response };
  }

  /** Rewrites moto's INSYNC to PENDING until `insyncAfterMs` after the change's submission. */
  async #route53Status(command: string, request: HttpRequest, response: HttpResponse): Promise<HttpResponse> {
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    let xml = Buffer.concat(chunks).toString('utf8');
    const id = (command === 'GetChange' ? request.path : /<Id>([^<]+)<\/Id>/.exec(xml)?.[1] ?? '').split('/').pop() ?? '';
    if (command === 'ChangeResourceRecordSets') this.#submittedAt.set(id, performance.now());
    const submitted = this.#submittedAt.get(id);
    if (this.insyncAfterMs > 0 && submitted !== undefined && performance.now() - submitted < this.insyncAfterMs) {
      xml = xml.replace('<Status>INSYNC</Status>', '<Status>PENDING</Status>');
    }
    const body = Buffer.from(xml, 'utf8');
    const headers = Object.fromEntries(Object.entries(response.headers).filter(([k]) => k.toLowerCase() !== 'content-length'));
    return new HttpResponse({ statusCode: response.statusCode, reason: response.reason, headers: { ...headers, 'content-length': String(body.length) }, body: Readable.from([body]) });
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {
    this.#real.destroy();
  }
}

/** One measured isolation. */
interface Sample {
  readonly clusterId: string;
  readonly report: EngineReport;
  readonly calls: readonly TimedCall[];
  /** handleDelivery called. */
  readonly origin: number;
  readonly deliveryMs: number;
  readonly cut?: CriticalPath<TimedCall>;
  /** Every change of the cuts made (entries of both cuts, propagation), not only the denies. */
  readonly cutsDoneMs?: number;
  readonly dns?: CriticalPath<TimedCall>;
  /** The GetChange that saw INSYNC, from the origin. */
  readonly insyncSeenMs?: number;
  readonly callsBeforeCut: number;
}

/** What the budget section needs from this one. */
export interface TimeToCutFigures {
  readonly cutP50Ms: number;
  readonly dnsP50Ms: number;
  /** The same at exactly the injected latency per call (moto's service time taken out). */
  readonly cutModelP50Ms: number;
  readonly dnsModelP50Ms: number;
  readonly samples: number;
}

/** Runs the benchmark; `figures` is set when it measured something. */
export async function benchTimeToCut(log: (msg: string) => void): Promise<{ section: Section; figures?: TimeToCutFigures }> {
  const moto = await startMoto();
  onCleanUp(() => moto.stop());
  try {
    return await run(moto.endpoint, log);
  } finally {
    await moto.stop();
  }
}

/**
 * The lane of an effect's calls. Both cuts of a cluster share one: they share its resource discovery (one
 * SSM read, made by whichever cut asks first, awaited by the other), so each may wait for the other's call.
 */
function laneOf(effect: Effect): string {
  if (effect.type === 'CUT_INTERNET' || effect.type === 'CUT_BP_PATH') return `CUTS ${effect.clusterId}`;
  return `${effect.type} ${effect.id}`;
}
const isCutLane = (lane?: string) => lane?.startsWith('CUTS ') === true;
const isCutChange = (c: TimedCall) => isCutLane(c.lane) && /^(Create|Delete|Disable|Enable)/.test(c.command);

async function run(endpoint: string, log: (msg: string) => void): Promise<{ section: Section; figures?: TimeToCutFigures }> {
  const handler = new TracingHandler();
  const clients = new AwsClients({ endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, random: () => 0, requestHandler: handler as never });
  const { topology, tableName, topicArn } = await buildEngineWorld(clients, 'cut');
  const problems: string[] = [];
  const clock: BenchClock = { now: T0 };
  // One wiring per isolation, as a Lambda container that meets this cluster for the first time: its resource
  // discovery (SSM) is cold, as it is for most isolations (they are rare; containers are recycled).
  const wire = () => {
    const plane = wireControlPlane({
      topology,
      tableName,
      topicArn,
      homeRegion: HOME,
      clients,
      logger: problemsLogger(problems),
      now: () => clock.now,
    });
    // Tag every call with the effect it is made for (the journal write after an effect included).
    const execute = plane.actuators.execute.bind(plane.actuators);
    plane.actuators.execute = (effect, ctx) => lanes.run(laneOf(effect), () => execute(effect, ctx));
    const recordOutcome = plane.store.recordOutcome.bind(plane.store);
    plane.store.recordOutcome = (entry) => lanes.run(laneOf(entry.effect), () => recordOutcome(entry));
    return plane.engine;
  };
  const deliverWith = (engine: ReturnType<typeof wire>) => async (raw: unknown) => ({ report: await engine.handleDelivery(raw) });

  const samples: Sample[] = [];
  const failures: string[] = [];
  // Sample -1 warms the process up (module loading, JIT, keep-alive connections) and is not reported.
  for (let k = -1; k < SAMPLES; k++) {
    const c = CLUSTERS[(k + CLUSTERS.length) % CLUSTERS.length];
    clock.now = T0 + (k + 1) * CYCLE_SPACING_MS;
    const engine = wire();
    const measured = k >= 0;
    handler.latencyMs = measured ? CALL_LATENCY_MS : 0;
    handler.insyncAfterMs = measured ? INSYNC_AFTER_MS : 0;
    const from = handler.calls.length;
    const origin = performance.now();
    const report = await engine.handleDelivery(alarmDelivery(`bench-cut-${k + 1}`, c.id, c.region, 'ALARM', clock.now));
    const deliveryMs = performance.now() - origin;
    const calls = handler.calls.slice(from);
    const outcomes = report.decisions.map((d) => d.outcome);
    if (measured) {
      if (!outcomes.includes('ISOLATION_COMPLETED')) failures.push(`isolation of ${c.id} ended with ${outcomes.join(' -> ')} (${report.reason})`);
      const lastDeny = lastToEnd(calls, (x) => x.ruleAction === 'deny');
      const lastCutChange = lastToEnd(calls, isCutChange);
      const submit = lastToEnd(calls, (x) => x.command === 'ChangeResourceRecordSets');
      const insync = lastToEnd(calls, (x) => x.command === 'GetChange');
      const sample: Sample = {
        clusterId: c.id,
        report,
        calls,
        origin,
        deliveryMs,
        ...(lastDeny
          ? { cut: criticalPath(calls, lastDeny, origin), callsBeforeCut: calls.filter((x) => x.end <= lastDeny.end).length }
          : { callsBeforeCut: Number.NaN }),
        ...(lastCutChange ? { cutsDoneMs: lastCutChange.end - origin } : {}),
        ...(submit ? { dns: criticalPath(calls, submit, origin) } : {}),
        ...(insync ? { insyncSeenMs: insync.end - origin } : {}),
      };
      if (!sample.cut) failures.push(`isolation of ${c.id} created no deny entry`);
      if (!sample.dns) failures.push(`isolation of ${c.id} submitted no Route 53 change`);
      samples.push(sample);
      log(`time to cut ${k + 1}/${SAMPLES} (${c.id}): cut in force ${formatMs(sample.cut?.totalMs ?? Number.NaN)} (${sample.cut?.calls.length ?? '?'} serial calls), DNS submitted ${formatMs(sample.dns?.totalMs ?? Number.NaN)}, job complete ${formatMs(deliveryMs)}`);
    }
    // Restore (not measured): no added latency, INSYNC at once.
    handler.latencyMs = 0;
    handler.insyncAfterMs = 0;
    const restore = await restoreCluster(deliverWith(engine), c, `cut-${k + 1}`, clock, topology.policy);
    if (!restore.completed) failures.push(`restore of ${c.id} after sample ${k + 1} did not complete`);
  }
  return render(samples, failures, problems);
}

function render(samples: readonly Sample[], failures: readonly string[], problems: readonly string[]): { section: Section; figures?: TimeToCutFigures } {
  const cutMs = samples.flatMap((s) => (s.cut ? [s.cut.totalMs] : []));
  const dnsMs = samples.flatMap((s) => (s.dns ? [s.dns.totalMs] : []));
  const p50 = (xs: readonly number[]) => (xs.length > 0 ? median(xs) : Number.NaN);
  const range = (xs: readonly number[]) => (xs.length > 0 ? `${formatMs(Math.min(...xs))}–${formatMs(Math.max(...xs))}` : 'n/a');
  const cutP50 = p50(cutMs);
  const dnsP50 = p50(dnsMs);
  // What the paths would take if every call took exactly the injected latency: moto's own service time
  // (a single Python process, slowed by whatever else the machine runs) taken out, the engine's kept.
  const model = (p: CriticalPath<TimedCall>) => p.calls.length * CALL_LATENCY_MS + p.betweenCallsMs;
  const cutModel = p50(samples.flatMap((s) => (s.cut ? [model(s.cut)] : [])));
  const dnsModel = p50(samples.flatMap((s) => (s.dns ? [model(s.dns)] : [])));
  const cutSerial = samples.flatMap((s) => (s.cut ? [s.cut.calls.length] : []));
  const dnsSerial = samples.flatMap((s) => (s.dns ? [s.dns.calls.length] : []));
  const cutBeforeInsync = samples.filter((s) => s.cut && s.insyncSeenMs !== undefined && s.cut.totalMs < s.insyncSeenMs).length;
  // The sample whose cut time is the median (the lower middle one for an even count) shows its path.
  const byCut = [...samples].filter((s) => s.cut).sort((a, b) => a.cut!.totalMs - b.cut!.totalMs);
  const typical = byCut[Math.floor((byCut.length - 1) / 2)];

  const rows: Row[] = [
    {
      metric: `alarm event → cut in force (last deny entry created), p50 of ${cutMs.length}`,
      measured: `${formatMs(cutP50)} (${range(cutMs)})`,
      target: `≤ ${formatMs(CUT_TARGET_MS)}`,
      met: cutP50 <= CUT_TARGET_MS,
    },
    {
      metric: `alarm event → Route 53 change submitted, p50 of ${dnsMs.length}`,
      measured: `${formatMs(dnsP50)} (${range(dnsMs)})`,
      target: `≤ ${formatMs(DNS_TARGET_MS)}`,
      met: dnsP50 <= DNS_TARGET_MS,
    },
    {
      metric: `the cut path at exactly ${CALL_LATENCY_MS} ms per call (its serial calls × ${CALL_LATENCY_MS} ms + the measured time between them), p50`,
      measured: formatMs(cutModel),
      target: `≤ ${formatMs(CUT_TARGET_MS)}`,
      met: cutModel <= CUT_TARGET_MS,
    },
    {
      metric: `the DNS path at exactly ${CALL_LATENCY_MS} ms per call, p50`,
      measured: formatMs(dnsModel),
      target: `≤ ${formatMs(DNS_TARGET_MS)}`,
      met: dnsModel <= DNS_TARGET_MS,
    },
    {
      metric: `moto's own service time on the cut path (time in calls beyond the ${CALL_LATENCY_MS} ms each), p50`,
      measured: formatMs(p50(samples.flatMap((s) => (s.cut ? [s.cut.inCallsMs - s.cut.calls.length * CALL_LATENCY_MS] : [])))),
    },
    { metric: 'serial AWS calls on the cut path (median)', measured: cutSerial.length ? `${median(cutSerial)} of ${median(samples.map((s) => s.callsBeforeCut).filter(Number.isFinite))} calls made by then` : 'n/a' },
    { metric: 'serial AWS calls on the DNS path (median)', measured: dnsSerial.length ? String(median(dnsSerial)) : 'n/a' },
    {
      metric: 'cut path: time in calls / between calls (median sample)',
      measured: typical?.cut ? `${formatMs(typical.cut.inCallsMs)} / ${formatMs(typical.cut.betweenCallsMs)}` : 'n/a',
    },
    { metric: 'alarm event → every change of both cuts made (propagation included), p50', measured: formatMs(p50(samples.flatMap((s) => (s.cutsDoneMs !== undefined ? [s.cutsDoneMs] : [])))) },
    {
      metric: `alarm event → isolation job complete (waits for INSYNC, ${INSYNC_AFTER_MS / 1000} s after the submission), p50`,
      measured: formatMs(p50(samples.map((s) => s.deliveryMs))),
    },
    { metric: 'isolations whose cut was in force before Route 53 reported INSYNC', measured: `${cutBeforeInsync} of ${samples.length}`, target: 'all', met: samples.length > 0 && cutBeforeInsync === samples.length },
    {
      metric: `before (issue #13, ${CALL_LATENCY_MS} ms per call): isolation ${formatMs(BEFORE.p50Ms)} p50, all ${BEFORE.serialCalls} calls serial`,
      measured: `now ${cutSerial.length ? median(cutSerial) : '?'} serial calls to the cut; at ${CALL_LATENCY_MS} ms per call ${(BEFORE.p50Ms / cutModel).toFixed(1)}× faster to the cut`,
    },
    { metric: 'measured isolations that misbehaved', measured: String(failures.length), target: '0', met: failures.length === 0 },
  ];

  const pathTable = (path: CriticalPath<TimedCall>, origin: number) =>
    table(
      ['#', 'call', 'made for', 'starts at', 'takes'],
      path.calls.map((c, i) => [String(i + 1), `${c.service} ${c.label}`, c.lane === undefined ? 'engine' : isCutLane(c.lane) ? 'the cuts' : c.lane.split(' ')[0], formatMs(c.start - origin), formatMs(c.end - c.start)]),
    );
  const extra: string[] = [];
  if (typical?.cut) {
    extra.push(`The cut path of the median isolation (${typical.clusterId}), ${typical.cut.calls.length} serial calls: ${describePath(typical.cut.calls)}\n\n${pathTable(typical.cut, typical.origin)}`);
  }
  if (typical?.dns) {
    extra.push(`The DNS path of the same isolation, ${typical.dns.calls.length} serial calls: ${describePath(typical.dns.calls)}\n\n${pathTable(typical.dns, typical.origin)}`);
  }
  extra.push(
    `Per isolation:\n\n${table(
      ['#', 'cluster', 'cut in force', 'serial calls', 'DNS submitted', 'serial calls', 'INSYNC seen', 'job complete', 'calls in the delivery'],
      samples.map((s, i) => [
        String(i + 1),
        s.clusterId,
        formatMs(s.cut?.totalMs ?? Number.NaN),
        String(s.cut?.calls.length ?? '-'),
        formatMs(s.dns?.totalMs ?? Number.NaN),
        String(s.dns?.calls.length ?? '-'),
        formatMs(s.insyncSeenMs ?? Number.NaN),
        formatMs(s.deliveryMs),
        String(s.calls.length),
      ]),
    )}`,
  );
  extra.push(shorterPath(typical));
  if (problems.length > 0) extra.push(`Engine warnings/errors during the run (${problems.length}, first 5):\n\n${problems.slice(0, 5).map((p) => `- ${p}`).join('\n')}`);

  const misses: Miss[] = [];
  const loadNote = os.loadavg()[0].toFixed(1);
  const engineCalls = typical?.cut?.calls.filter((c) => c.lane === undefined).length ?? 0;
  if (!(cutP50 <= CUT_TARGET_MS)) {
    misses.push({
      what: `cut in force ${formatMs(cutP50)} p50 measured (target ≤ ${formatMs(CUT_TARGET_MS)})`,
      reason:
        `${median(cutSerial)} calls are serial on the cut path, ${engineCalls} of them the engine's before any cut starts (see the path table)` +
        (cutModel <= CUT_TARGET_MS
          ? `; at exactly ${CALL_LATENCY_MS} ms per call the path takes ${formatMs(cutModel)}, within the target: the rest is moto's own service time on this machine (load ${loadNote}).`
          : '.'),
      fix: 'take the calls listed under "What would shorten the paths" off the path; re-run on an idle machine to tell moto\'s service time from the path.',
    });
  }
  if (!(dnsP50 <= DNS_TARGET_MS)) {
    misses.push({
      what: `Route 53 change submitted ${formatMs(dnsP50)} p50 measured (target ≤ ${formatMs(DNS_TARGET_MS)})`,
      reason:
        `${median(dnsSerial)} calls are serial on the DNS path` +
        (dnsModel <= DNS_TARGET_MS ? `; at exactly ${CALL_LATENCY_MS} ms per call it takes ${formatMs(dnsModel)}: the rest is moto's service time (load ${loadNote}).` : '.'),
      fix: 'take the calls listed under "What would shorten the paths" off the path.',
    });
  }
  if (failures.length > 0) misses.push({ what: `${failures.length} measured isolations misbehaved`, reason: failures.slice(0, 3).join('; '), fix: 'see the engine log lines and the drill.' });

  const section: Section = {
    title: 'Time to cut',
    method: [
      `The engine end-to-end world (3 clusters in moto, the weighted record set, the state table, the topic), with ${CALL_LATENCY_MS} ms slept before every AWS request (DynamoDB, EC2, SSM, Route 53, SNS; in the HTTP handler all SDK clients share, so the real engine, actuators, SDK retries and Route 53 waiter run) and every Route 53 change PENDING until ${INSYNC_AFTER_MS / 1000} s of real time after its submission (moto's INSYNC rewritten in ChangeResourceRecordSets and GetChange answers). The wait is real: had a cut waited for the change, its time here would include the ${INSYNC_AFTER_MS / 1000} s.`,
      `${SAMPLES} isolations (after one unmeasured warm-up), rotating over the clusters, each a ddos ALARM delivery through \`handleDelivery\` into an engine wired afresh by \`wireControlPlane\`, so the cluster's resource discovery (SSM) is cold as in a container meeting the cluster for the first time; each is restored afterwards without added latency. Times run from the \`handleDelivery\` call (the alarm event reaching the control plane's code: EventBridge delivery and Lambda start-up are not included, see Time to mitigation) to the end of (a) the last CreateNetworkAclEntry with RuleAction deny and (b) the ChangeResourceRecordSets call.`,
      'Serial calls: the chain of calls each of which the next one waited for, rebuilt from the call log (bench/critical-path.ts): a call\'s predecessor is the call that ended last before it started, among the calls of the same effect (both cuts of a cluster count as one: they share its discovery read) and the engine\'s own calls (load, commit, journal), which every effect waits for. "Between calls" is the rest: the engine\'s and the SDK\'s CPU time (parse, decide, sign, serialize) and event-loop scheduling, which a loaded machine stretches.',
      `Two verdicts per target. The measured one is wall-clock time against moto, and includes moto's own service time: one Python process answers every call, so the ~30 parallel CreateNetworkAclEntry calls queue behind each other, and a loaded machine slows it further (AWS serves parallel calls in parallel). The other takes the path's serial calls at exactly ${CALL_LATENCY_MS} ms each (the issue's model of AWS) plus the measured time between them: the control plane's own cost, independent of moto.`,
    ],
    rows,
    extra,
    misses,
  };
  const figures: TimeToCutFigures = { cutP50Ms: cutP50, dnsP50Ms: dnsP50, cutModelP50Ms: cutModel, dnsModelP50Ms: dnsModel, samples: samples.length };
  return { section, ...(cutMs.length > 0 && dnsMs.length > 0 ? { figures } : {}) };
}

/**
 * What would take calls off the paths, read from the path itself: each entry names a call on it, why it is
 * there and what would move it off, with the time it is worth at the injected latency.
 */
function shorterPath(sample: Sample | undefined): string {
  if (!sample?.cut || !sample.dns) return 'What would shorten the paths: n/a (no complete sample).';
  const onCut = (cmd: string) => sample.cut!.calls.some((c) => c.command === cmd);
  const onBoth = (cmd: string) => onCut(cmd) && sample.dns!.calls.some((c) => c.command === cmd);
  const items: string[] = [];
  if (onBoth('GetItem') && onBoth('BatchGetItem')) {
    items.push(`\`store.wasApplied\` (GetItem) and \`store.load\` (BatchGetItem) run one after the other before \`decide\` (lambdas/engine.ts, #decideAndCommit). They are independent reads: in parallel they save one call on both paths (−${CALL_LATENCY_MS} ms).`);
  }
  if (onBoth('Query')) {
    items.push(`\`#recoveredIsolation\` reads the cluster's journal (Query) before any effect starts (lambdas/engine.ts, #carryOut). For a job this decision just created (attempt 1, job id = event id) there is nothing to recover: skipping the read there, or running it beside the effects, saves one call on both paths (−${CALL_LATENCY_MS} ms).`);
  }
  if (onCut('GetParametersByPath')) {
    items.push(`Resource discovery reads the cluster's SSM parameters (GetParametersByPath) after the commit, on a cold container. The alarm names the cluster, so the read can start when the event is parsed, beside the state load (or be warmed at container start for every cluster): −${CALL_LATENCY_MS} ms on the cut path of a cold container.`);
  }
  const pages = sample.cut.calls.filter((c) => c.command === 'GetParametersByPath').length;
  if (pages > 1) {
    items.push(`Discovery pages through GetParametersByPath (at most 10 parameters a page) one page after the other: ${pages} serial calls here (lambdas/actuators/discovery.ts, #load). The names are known (CLUSTER_PARAMETERS): GetParameters on them, 10 names a call, all calls at once, is one round trip whatever the count (−${(pages - 1) * CALL_LATENCY_MS} ms on a cold container).`);
  }
  const describes = sample.cut.calls.filter((c) => c.command.startsWith('Describe'));
  if (describes.length > 1) {
    items.push(`${describes.map((c) => c.command).join(' then ')} run one after the other on the cut path (lambdas/actuators/ec2-isolation.ts, #view): they can run at once.`);
  }
  if (items.length === 0) return 'What would shorten the paths: nothing left that is not an AWS round trip the cut needs.';
  return `What would shorten the paths (read from the paths above; each is a change to code outside bench/):\n\n${items.map((i) => `- ${i}`).join('\n')}`;
}
