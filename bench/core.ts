/**
 * Decision-core benchmark: `decide` over a realistic mixed event stream for 20 clusters (alarm ALARM/OK,
 * reconcile ticks that re-read every alarm, job results fed back after every plan, as the engine does).
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { parseConfig } from '../lib/config/load';
import { alarmName } from '../lib/config/naming';
import { RuntimeTopology, toRuntimeTopology } from '../lib/config/topology';
import { decide } from '../lambdas/core/decide';
import { initialWorldState } from '../lambdas/core/initial-state';
import type { AlarmEvent, CoreEvent, JobResultEvent, WorldState } from '../lambdas/core/types';
import { generateConfig } from './config-gen';
import { REPO_ROOT } from './process';
import { Section, table } from './report';
import { formatMs, median, percentile } from './stats';

const CLUSTERS = 20;
const WARMUP = 2_000;
const MEASURED = 20_000;
const P50_TARGET_MS = 1;
const KINDS = ['ddos', 'unhealthy', 'surge'] as const;

/** A small seeded PRNG (mulberry32): the same stream on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The 20-cluster topology of the generated config (the same one the synth benchmark deploys). */
function benchTopology(): RuntimeTopology {
  const example = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'seedshield.config.json'), 'utf8')) as unknown;
  return toRuntimeTopology(parseConfig(generateConfig(example, CLUSTERS), 'bench-20.json'));
}

/**
 * Drives `decide` with a mixed stream and yields every (state, event, now) it decides on. Job results come
 * right after the plan that started the job (as the engine feeds them back); otherwise 55 % alarm changes
 * (an alarm in ALARM mostly goes back to OK), 45 % reconcile ticks; the clock advances one minute per event.
 */
class EventStream {
  readonly #random = mulberry32(9);
  readonly #alarms = new Map<string, Omit<AlarmEvent, 'type' | 'id'>>();
  readonly #aws: string[];
  #seq = 0;
  now = Date.UTC(2026, 0, 1);
  pending: JobResultEvent[] = [];

  constructor(topology: RuntimeTopology) {
    this.#aws = topology.clusters.filter((c) => c.kind === 'aws').map((c) => c.id);
    for (const id of this.#aws) {
      for (const kind of KINDS) {
        const name = alarmName(id, kind, 'nlb');
        this.#alarms.set(name, { clusterId: id, alarmName: name, kind, state: 'OK', stateTimestamp: this.now });
      }
    }
  }

  next(): CoreEvent {
    this.#seq += 1;
    const job = this.pending.shift();
    if (job) return job;
    this.now += 60_000;
    if (this.#random() < 0.55) {
      const names = [...this.#alarms.keys()];
      const prev = this.#alarms.get(names[Math.floor(this.#random() * names.length)])!;
      // Mostly DDoS alarms; an ALARM goes back to OK far more often than an OK alarm fires.
      const state = prev.state === 'ALARM' ? (this.#random() < 0.8 ? 'OK' : 'ALARM') : this.#random() < 0.05 ? 'ALARM' : 'OK';
      const updated = { ...prev, state, stateTimestamp: this.now } as const;
      this.#alarms.set(prev.alarmName, updated);
      return { type: 'ALARM_STATE', id: `alarm-${this.#seq}`, ...updated };
    }
    return { type: 'RECONCILE', id: `reconcile-${this.#seq}`, observedAlarms: [...this.#alarms.values()] };
  }

  /** Queues the job results of the jobs `plan`-carrying decisions started, all succeeding. */
  feedBack(before: WorldState, after: WorldState, eventId: string): void {
    for (const c of Object.values(after.clusters)) {
      if (!c.job || before.clusters[c.clusterId]?.job?.id === c.job.id) continue;
      this.pending.push({
        type: 'JOB_RESULT',
        id: `${eventId}:result:${c.clusterId}`,
        clusterId: c.clusterId,
        jobId: c.job.id,
        outcome: 'SUCCEEDED',
        ...(c.job.kind === 'ISOLATE'
          ? { isolation: { revokedIngress: [{ groupId: `sg-${c.clusterId}`, ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' }] } }
          : {}),
      });
    }
  }
}

/** Runs the decision-core benchmark and returns its report section. */
export function benchCore(log: (msg: string) => void): Section {
  const topology = benchTopology();
  const stream = new EventStream(topology);
  let state = initialWorldState(topology);
  const times: number[] = [];
  const outcomes = new Map<string, number>();
  const byType = new Map<string, number[]>();
  let totalMs = 0;
  for (let i = 0; i < WARMUP + MEASURED; i++) {
    const event = stream.next();
    const t = performance.now();
    const decision = decide(state, event, topology, stream.now);
    const ms = performance.now() - t;
    stream.feedBack(state, decision.next, event.id);
    state = decision.next;
    if (i < WARMUP) continue;
    totalMs += ms;
    times.push(ms);
    outcomes.set(decision.outcome, (outcomes.get(decision.outcome) ?? 0) + 1);
    const list = byType.get(event.type) ?? [];
    list.push(ms);
    byType.set(event.type, list);
  }
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  const perSecond = MEASURED / (totalMs / 1000);
  log(`core: ${Math.round(perSecond)} decisions/s, p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`);
  const typeTable = table(
    ['event type', 'decisions', 'p50', 'p99'],
    [...byType.entries()].map(([type, list]) => [type, String(list.length), formatMs(median(list)), formatMs(percentile(list, 99))]),
  );
  const outcomeTable = table(['outcome', 'decisions'], [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([o, n]) => [o, String(n)]));
  return {
    title: 'Decision core',
    method: [
      `\`decide(state, event, topology, now)\` in this process, ${MEASURED} decisions timed one by one with \`performance.now()\` after ${WARMUP} warm-up decisions, over the ${CLUSTERS}-cluster topology of the generated config (plus the physical cluster). The stream is seeded (bench/core.ts): alarm state changes (ALARM/OK over ${KINDS.length} alarms per cluster), reconcile ticks carrying all ${CLUSTERS * KINDS.length} observed alarms, and a JOB_RESULT for every job a decision starts, as the engine feeds them back; the clock advances one minute per event, so quiet periods, cooldowns, rate limits and restore ramps all come into play.`,
    ],
    rows: [
      { metric: 'decisions per second (sum of decide() time only)', measured: Math.round(perSecond).toLocaleString('en-US') },
      { metric: 'latency p50', measured: formatMs(p50), target: `< ${P50_TARGET_MS} ms`, met: p50 < P50_TARGET_MS },
      { metric: 'latency p99', measured: formatMs(p99) },
      { metric: 'latency max', measured: formatMs(Math.max(...times)) },
    ],
    extra: [`By event type:\n\n${typeTable}`, `Outcomes of the measured decisions:\n\n${outcomeTable}`],
    misses:
      p50 < P50_TARGET_MS
        ? []
        : [{ what: `decision p50 ${formatMs(p50)} (target < 1 ms)`, reason: 'decide() copies or scans more state per event than the event touches.', fix: 'profile decide() on the RECONCILE events (the widest) and keep untouched cluster states by reference.' }],
  };
}
