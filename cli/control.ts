/**
 * The control commands: `status` and the mutating operator commands (isolate, restore, pin, unpin, pause,
 * resume). They share one set of options (the usage's "options").
 *
 * Mutating commands build an OPERATOR core event and go through the same engine (`RemediationEngine.apply`)
 * and therefore the same safety rules as the Lambda; nothing here decides anything. Every argument is checked
 * before the first AWS call, so a bad command line changes nothing.
 */
import { parseArgs } from 'util';
import type { CommandIo } from '../lib/command-io';
import { ConfigError, loadConfig } from '../lib/config/load';
import { STATE_TABLE_NAME } from '../lib/config/naming';
import type { SeedshieldConfig } from '../lib/config/schema';
import { toRuntimeTopology, type RuntimeTopology } from '../lib/config/topology';
import { AwsClients } from '../lambdas/actuators/clients';
import { decide } from '../lambdas/core/decide';
import { isSignalActive, pinHoldsTriggersBack, pinLimits } from '../lambdas/core/policy';
import { type ClusterState, ClusterStatus, type Effect, type OperatorEvent, type WorldState } from '../lambdas/core/types';
import type { Actuators } from '../lambdas/actuators';
import type { DecisionLogger, EngineReport } from '../lambdas/engine';
import { operatorEvent, PIN_VALUES, pinName, type OperatorCommand } from '../lambdas/events/operator';
import { wireControlPlane } from '../lambdas/wiring';
import { CliUsageError, type CliCommand, type CliContext } from './command';
import { currentOperator, PinExpiryError, pinExpiry } from './operator';
import { onCallTopicArnFromStack, StackOutputError } from './stack-outputs';

/** The options every control command takes, as the usage lists them. */
export const CONTROL_OPTIONS_USAGE = `options:
  -c, --config PATH        seedshield configuration (default: seedshield.config.json)
  --reason TEXT            why; required by every mutating command, recorded and notified
  --for DURATION           pin only: how long the pin holds, e.g. 90m, 4h, 2d (max controlPlane.pins.maxHours)
  --until TIME             pin only: when the pin expires, ISO 8601 with a zone, e.g. 2026-12-02T08:00Z
  --force                  override the safety rules (minimum healthy clusters, rate limit); needs --reason
  --dry-run                load the state, decide and print the plan and reason; write nothing
  --json                   machine-readable output
  --table NAME             state table (default: ${STATE_TABLE_NAME})
  --topic-arn ARN          on-call topic (default: $SEEDSHIELD_TOPIC_ARN, then controlPlane.notifications.topicArn,
                           then the Seedshield-ControlPlane stack's OnCallTopicArn output)
  --hosted-zone-id ID      act on this hosted zone instead of dns.hostedZoneId (e.g. against moto)
  -h, --help               show this help`;

type ControlCommand = 'status' | OperatorCommand;

/** The options of the control commands, for `util.parseArgs`. */
export const CONTROL_PARSE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  reason: { type: 'string' },
  for: { type: 'string' },
  until: { type: 'string' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  table: { type: 'string' },
  'topic-arn': { type: 'string' },
  'hosted-zone-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Options {
  config: string;
  reason?: string;
  for?: string;
  until?: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  table: string;
  topicArn?: string;
  hostedZoneId?: string;
  help: boolean;
}

function parse(args: readonly string[]): { positionals: string[]; options: Options } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: CONTROL_PARSE_OPTIONS });
  } catch (err) {
    throw new CliUsageError((err as Error).message, { cause: err });
  }
  const v = parsed.values;
  return {
    positionals: parsed.positionals,
    options: {
      config: v.config ?? 'seedshield.config.json',
      reason: v.reason,
      for: v.for,
      until: v.until,
      force: v.force ?? false,
      dryRun: v['dry-run'] ?? false,
      json: v.json ?? false,
      table: v.table ?? STATE_TABLE_NAME,
      topicArn: v['topic-arn'],
      hostedZoneId: v['hosted-zone-id'],
      help: v.help ?? false,
    },
  };
}

/**
 * Runs one control command with its arguments (everything but the command's name).
 * @throws CliUsageError on a bad command line, before anything is read or written
 */
async function runControl(command: ControlCommand, args: readonly string[], { env, io, usage }: CliContext): Promise<number> {
  const { positionals, options } = parse(args);
  if (options.help) {
    io.stdout(usage);
    return 0;
  }
  let config: SeedshieldConfig;
  try {
    config = loadConfig(options.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`seedshield: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const base = toRuntimeTopology(config);
  const topology: RuntimeTopology = options.hostedZoneId ? { ...base, dns: { ...base.dns, hostedZoneId: options.hostedZoneId } } : base;

  let event: OperatorEvent | undefined;
  let topicArn: string | undefined;
  if (command === 'status') {
    expectArgs(command, positionals, 0);
  } else {
    event = buildEvent(command, positionals, options, topology, env);
    topicArn = options.topicArn ?? env.SEEDSHIELD_TOPIC_ARN ?? config.controlPlane.notifications.topicArn;
  }

  const logger: DecisionLogger = {
    info: () => undefined,
    warn: (message, ...extra) => io.stderr(`warning: ${message} ${JSON.stringify(Object.assign({}, ...extra))}`),
    error: (message, ...extra) => io.stderr(`error: ${message} ${JSON.stringify(Object.assign({}, ...extra))}`),
  };
  const homeRegion = config.controlPlane.homeRegion;
  const clients = new AwsClients(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {});
  if (event && !options.dryRun && !topicArn) {
    // The config gives only an e-mail: the control-plane stack created the topic and publishes its ARN.
    // Every operator command is notified, so without a topic nothing is done (exit 2, nothing changed).
    try {
      topicArn = await onCallTopicArnFromStack(clients, homeRegion);
    } catch (err) {
      if (!(err instanceof StackOutputError)) throw err;
      io.stderr(`seedshield: no on-call topic: ${err.message}`);
      return 2;
    }
  }
  const { store, actuators, engine } = wireControlPlane({
    topology,
    tableName: options.table,
    topicArn,
    homeRegion,
    clients,
    logger,
  });
  const ids = topology.clusters.map((c) => c.id);

  try {
    if (command === 'status') return status(io, options, topology, await store.load(ids), await readWeights(actuators, topology, io));
    if (options.dryRun) return dryRun(io, options, topology, event!, await store.load(ids));
    const report = await engine.apply(event!);
    const weights = await readWeights(actuators, topology, io);
    return printReport(io, options, event!, report, weights);
  } catch (err) {
    io.stderr(`seedshield ${command}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return 1;
  }
}

function controlCommand(name: ControlCommand, synopsis: string, summary: string): CliCommand {
  return { name, synopsis, summary, run: (args, context) => runControl(name, args, context) };
}

/** status and the mutating operator commands, in the order the usage lists them. */
export const CONTROL_COMMANDS: readonly CliCommand[] = [
  controlCommand('status', 'status', "every cluster's state, Route 53 weight, active triggers, pin; the paused flag"),
  controlCommand('isolate', 'isolate CLUSTER', 'take a cluster out of DNS and cut it (stays out until restored)'),
  controlCommand('restore', 'restore CLUSTER', "undo a cluster's isolation and ramp it back in (acknowledges its triggers)"),
  controlCommand('pin', 'pin CLUSTER in-service|isolated', 'until the pin expires (--for/--until, default from the config), automation does not isolate (in-service, short of a compromise) / restore (isolated) it'),
  controlCommand('unpin', 'unpin CLUSTER', 'hand the cluster back to automation'),
  controlCommand('pause', 'pause', 'stop automatic isolations and restores (operator commands still work)'),
  controlCommand('resume', 'resume', 'let automation act again'),
];

function expectArgs(command: string, positionals: readonly string[], n: number, shape = ''): void {
  if (positionals.length !== n) {
    const got = positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ');
    throw new CliUsageError(`${command} takes ${n === 0 ? 'no arguments' : shape}, got: ${got}`);
  }
}

function buildEvent(
  command: OperatorCommand,
  positionals: readonly string[],
  options: Options,
  topology: RuntimeTopology,
  env: NodeJS.ProcessEnv,
): OperatorEvent {
  let cluster: string | undefined;
  let pin: string | undefined;
  if (command === 'pause' || command === 'resume') {
    expectArgs(command, positionals, 0);
  } else {
    expectArgs(command, positionals, command === 'pin' ? 2 : 1, command === 'pin' ? 'CLUSTER in-service|isolated' : 'CLUSTER');
    cluster = positionals[0];
    if (!topology.clusters.some((c) => c.id === cluster)) {
      throw new CliUsageError(`unknown cluster ${JSON.stringify(cluster)}; the configuration has: ${topology.clusters.map((c) => c.id).join(', ')}`);
    }
    if (command === 'pin') {
      pin = positionals[1];
      if (PIN_VALUES[pin] === undefined) throw new CliUsageError(`pin value must be "in-service" or "isolated", got: ${JSON.stringify(pin)}`);
    }
  }
  const reason = options.reason?.trim();
  if (!reason) {
    const forced = options.force ? ' (and --force always needs one)' : '';
    throw new CliUsageError(`${command} needs --reason TEXT: every operator command is recorded and notified with its reason${forced}`);
  }
  if (command !== 'pin' && (options.for !== undefined || options.until !== undefined)) {
    throw new CliUsageError(`--for and --until apply to pin only, not to ${command}`);
  }
  let pinUntil: number | undefined;
  try {
    pinUntil = command === 'pin' ? pinExpiry(options, pinLimits(topology).maxMinutes, Date.now()) : undefined;
  } catch (err) {
    if (err instanceof PinExpiryError) throw new CliUsageError(err.message, { cause: err });
    throw err;
  }
  return operatorEvent({ command, cluster, pin, reason, force: options.force, pinUntil, operator: currentOperator(env) });
}

async function readWeights(observer: Actuators, topology: RuntimeTopology, io: CommandIo): Promise<Record<string, number> | undefined> {
  try {
    return await observer.currentWeights(topology);
  } catch (err) {
    io.stderr(`warning: cannot read the weights from Route 53 zone ${topology.dns.hostedZoneId}: ${(err as Error).message}`);
    return undefined;
  }
}

// ---------------------------------------------------------------- output

function table(rows: readonly string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

function status(io: CommandIo, options: Options, topology: RuntimeTopology, world: WorldState, weights: Record<string, number> | undefined): number {
  const clusters = topology.clusters.map((tc) => {
    const c = world.clusters[tc.id];
    const triggers = Object.entries(c.signals)
      .filter(([, s]) => isSignalActive(s))
      .map(([name, s]) => ({ name, kind: s.kind, since: new Date(s.timestamp).toISOString() }));
    const job = c.job && {
      kind: c.job.kind,
      id: c.job.id,
      startedAt: new Date(c.job.startedAt).toISOString(),
      ...(c.job.lastError ? { lastError: c.job.lastError } : {}),
    };
    return {
      id: tc.id,
      kind: tc.kind,
      ...(tc.region ? { region: tc.region } : {}),
      status: c.status,
      servingPercent: c.servingPercent,
      weight: weights?.[tc.id] ?? null,
      baseWeight: tc.baseWeight,
      pin: c.pin ? pinName(c.pin) : null,
      ...(c.pinUntil !== undefined ? { pinUntil: new Date(c.pinUntil).toISOString() } : {}),
      // An in-service pin holding an active trigger back: the cluster serves although a trigger says otherwise.
      ...(pinHoldsTriggersBack(c, Date.now()) ? { pinHoldsBackTriggers: true } : {}),
      activeTriggers: triggers,
      ...(job ? { job } : {}),
      proof: proofOf(c),
    };
  });
  const paused = world.global.automationPaused;
  if (options.json) {
    io.stdout(JSON.stringify({ automationPaused: paused, hostedZoneId: topology.dns.hostedZoneId, recordName: topology.dns.recordName, clusters }, null, 2));
    return 0;
  }
  io.stdout(`automation: ${paused ? 'PAUSED (only operator commands act)' : 'running'}    record: ${topology.dns.recordName} (zone ${topology.dns.hostedZoneId})\n`);
  const rows = [['CLUSTER', 'KIND', 'REGION', 'STATUS', 'SERVING', 'WEIGHT', 'PIN', 'ACTIVE TRIGGERS', 'PROOF']];
  for (const c of clusters) {
    rows.push([
      c.id,
      c.kind,
      c.region ?? '-',
      c.status,
      `${c.servingPercent}%`,
      c.weight === null ? '?' : `${c.weight}/${c.baseWeight}`,
      c.pin === null ? '-' : `${c.pin}${c.pinUntil ? ` until ${c.pinUntil}` : ''}${c.pinHoldsBackTriggers ? ' (holds back the triggers)' : ''}`,
      c.activeTriggers.length === 0 ? '-' : c.activeTriggers.map((t) => `${t.kind} (${t.name})`).join(', '),
      // Last, so the columns before it keep their place for anyone reading the table by position.
      c.proof === null ? '-' : `${c.proof.of} ${c.proof.verdict}`,
    ]);
  }
  io.stdout(table(rows));
  for (const c of clusters) {
    if (c.status === ClusterStatus.BP_PATH_CUT) io.stdout(`\n${c.id}: BP path cut, still serving peers: compromised; its DNS weight and internet cut wait for the floor (or resume)`);
    if (c.job) io.stdout(`\n${c.id}: ${c.job.kind} job ${c.job.id} since ${c.job.startedAt}${c.job.lastError ? `, last attempt failed: ${c.job.lastError}` : ''}`);
    if (c.proof && c.proof.verdict !== 'verified' && c.proof.verdict !== 'pending') io.stdout(`\n${c.id}: ${c.proof.of} ${c.proof.verdict} by Reachability Analyzer: ${c.proof.detail}`);
  }
  return 0;
}

/**
 * What Reachability Analyzer last proved about a cluster's cuts, in operator words: the isolation (or the
 * restore) is "pending" while analyses run, "verified" when they matched, "unverified" when a path was found
 * while cut (or none after a restore), "unknown" when an analysis failed. Null when never checked.
 */
function proofOf(c: ClusterState): { of: 'isolation' | 'restore'; verdict: 'pending' | 'verified' | 'unverified' | 'unknown'; checkId: string; detail?: string } | null {
  const r = c.reachability;
  if (r === undefined) return null;
  return { of: r.expect === 'BLOCKED' ? 'isolation' : 'restore', verdict: r.status.toLowerCase() as 'pending', checkId: r.id, ...(r.detail ? { detail: r.detail } : {}) };
}

function describeEffect(e: Effect): string {
  switch (e.type) {
    case 'SET_DNS_WEIGHTS':
      return `SET_DNS_WEIGHTS ${Object.entries(e.weights).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'NOTIFY':
      return `NOTIFY ${e.severity} "${e.subject}"`;
    case 'VERIFY_REACHABILITY':
      return `VERIFY_REACHABILITY ${e.clusterId} expect ${e.expect.toLowerCase()}: ${e.paths.join(', ')}`;
    default:
      return `${e.type} ${e.clusterId}`;
  }
}

function commandLine(event: OperatorEvent): string {
  const pin = event.pin ? ` ${pinName(event.pin)}` : '';
  return `${event.command}${event.clusterId ? ` ${event.clusterId}` : ''}${pin}${event.force ? ' --force' : ''} by ${event.operator} (reason: ${event.reason})`;
}

const REFUSED = new Set(['OPERATOR_REFUSED', 'DUPLICATE', 'REJECTED']);

function dryRun(io: CommandIo, options: Options, topology: RuntimeTopology, event: OperatorEvent, world: WorldState): number {
  const decision = decide(world, event, topology, Date.now());
  if (options.json) {
    io.stdout(JSON.stringify({ dryRun: true, event, outcome: decision.outcome, reason: decision.reason, plan: decision.plan }, null, 2));
  } else {
    io.stdout(`DRY RUN (nothing written): ${commandLine(event)}`);
    io.stdout(`  outcome: ${decision.outcome}\n  reason:  ${decision.reason}`);
    io.stdout(decision.plan.length === 0 ? '  plan:    nothing to do' : `  plan:\n${decision.plan.map((e, i) => `    ${i + 1}. ${describeEffect(e)}`).join('\n')}`);
  }
  return REFUSED.has(decision.outcome) ? 1 : 0;
}

/**
 * Effects whose failure does not fail the operator's command: a Reachability Analyzer check that could not
 * start leaves the isolation (or restore) done as asked, stays PENDING, is started again by the reconcile and
 * pages if it never starts. It is printed as a warning. (moto, behind `seedshield sandbox`, has no Reachability
 * Analyzer: there every check fails to start.)
 */
const ADVISORY_EFFECTS: ReadonlySet<Effect['type']> = new Set(['VERIFY_REACHABILITY']);

function printReport(io: CommandIo, options: Options, event: OperatorEvent, report: EngineReport, weights: Record<string, number> | undefined): number {
  const failed = report.executed.filter((x) => !x.ok && !ADVISORY_EFFECTS.has(x.effect.type));
  const advisories = report.executed.filter((x) => !x.ok && ADVISORY_EFFECTS.has(x.effect.type));
  if (options.json) {
    io.stdout(JSON.stringify({ event, ...report, weights: weights ?? null }, null, 2));
  } else {
    io.stdout(`${commandLine(event)}`);
    io.stdout(`  outcome: ${report.outcome}\n  reason:  ${report.reason}`);
    for (const d of report.decisions.slice(1)) io.stdout(`  then ${d.outcome}: ${d.reason}`);
    const plan = report.decisions.flatMap((d) => d.plan);
    io.stdout(plan.length === 0 ? '  plan:    nothing to do' : `  plan:\n${plan.map((e, i) => `    ${i + 1}. ${describeEffect(e)}`).join('\n')}`);
    if (report.executed.length > 0) {
      io.stdout(`  carried out: ${report.executed.filter((x) => x.ok).length} done, ${failed.length} failed`);
      for (const f of failed) io.stdout(`    FAILED ${describeEffect(f.effect)}: ${f.error}`);
      for (const f of advisories) io.stdout(`    WARNING ${describeEffect(f.effect)} did not start (the reconcile starts it again, and pages if it never does): ${f.error}`);
    }
    if (weights) io.stdout(`  Route 53 weights now: ${Object.entries(weights).map(([k, v]) => `${k}=${v}`).join('  ')}`);
  }
  return REFUSED.has(report.outcome) || failed.length > 0 ? 1 : 0;
}
