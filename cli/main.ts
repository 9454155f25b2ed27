/**
 * The operator CLI: `npx seedshield <command>`.
 *
 * Mutating commands build an OPERATOR core event and go through the same engine (`RemediationEngine.apply`)
 * and therefore the same safety rules as the Lambda; nothing here decides anything. Every argument is checked
 * before the first AWS call, so a bad command line changes nothing.
 *
 * Exit status: 0 done (or, with --dry-run, would be done); 1 refused by a safety rule, or an effect failed;
 * 2 bad arguments or configuration.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseArgs } from 'util';
import { ConfigError, loadConfig } from '../lib/config/load';
import { STATE_TABLE_NAME } from '../lib/config/naming';
import type { SeedshieldConfig } from '../lib/config/schema';
import { toRuntimeTopology, type RuntimeTopology } from '../lib/config/topology';
import { Actuators } from '../lambdas/actuators';
import { AwsClients } from '../lambdas/actuators/clients';
import { decide } from '../lambdas/core/decide';
import { isSignalActive } from '../lambdas/core/policy';
import { OperatorPin, type Effect, type OperatorEvent, type WorldState } from '../lambdas/core/types';
import type { DecisionLogger, EngineReport } from '../lambdas/engine';
import { createEngine } from '../lambdas/runtime';
import { DynamoDbStateStore } from '../lambdas/state/dynamodb-store';
import { drillMain } from '../drill/main';
import { currentOperator, operatorEvent, PIN_VALUES } from './operator';

export const USAGE = `usage: seedshield <command> [arguments] [options]

commands:
  status                          every cluster's state, Route 53 weight, active triggers, pin; the paused flag
  isolate CLUSTER                 take a cluster out of DNS and cut it (stays out until restored)
  restore CLUSTER                 undo a cluster's isolation and ramp it back in (acknowledges its triggers)
  pin CLUSTER in-service|isolated automation never isolates (in-service) / never restores (isolated) it
  unpin CLUSTER                   hand the cluster back to automation
  pause                           stop automatic isolations and restores (operator commands still work)
  resume                          let automation act again
  drill [drill options]           run the local drill against moto (see: seedshield drill --help)

options:
  -c, --config PATH        seedshield configuration (default: seedshield.config.json)
  --reason TEXT            why; required by every mutating command, recorded and notified
  --force                  override the safety rules (minimum healthy clusters, rate limit); needs --reason
  --dry-run                load the state, decide and print the plan and reason; write nothing
  --json                   machine-readable output
  --table NAME             state table (default: ${STATE_TABLE_NAME})
  --topic-arn ARN          on-call topic (default: $SEEDSHIELD_TOPIC_ARN, then controlPlane.notifications.topicArn)
  --hosted-zone-id ID      act on this hosted zone instead of dns.hostedZoneId (e.g. against moto)
  -h, --help               show this help

environment: AWS credentials and region come from the standard chain; AWS_ENDPOINT_URL points every client
elsewhere (moto); SEEDSHIELD_OPERATOR names the operator (default: the OS user).`;

/** Where output goes (tests of the module capture it). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  stdout: (t) => process.stdout.write(`${t}\n`),
  stderr: (t) => process.stderr.write(`${t}\n`),
};

const MUTATING = ['isolate', 'restore', 'pin', 'unpin', 'pause', 'resume'] as const;
type MutatingCommand = (typeof MUTATING)[number];
const COMMANDS = ['status', ...MUTATING, 'drill'] as const;

/** A bad command line: printed with the usage, exit 2, nothing changed. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Options {
  config: string;
  reason?: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  table: string;
  topicArn?: string;
  hostedZoneId?: string;
  help: boolean;
}

function parse(argv: readonly string[]): { command?: string; positionals: string[]; options: Options } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        reason: { type: 'string' },
        force: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        table: { type: 'string' },
        'topic-arn': { type: 'string' },
        'hosted-zone-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const [command, ...positionals] = parsed.positionals;
  return {
    command,
    positionals,
    options: {
      config: v.config ?? 'seedshield.config.json',
      reason: v.reason,
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

/** Runs one CLI invocation and returns its exit status (never calls process.exit). */
export async function cliMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = PROCESS_IO): Promise<number> {
  // The drill has its own options; hand it the rest of the command line untouched.
  if (argv[0] === 'drill') return drillMain(argv.slice(1), io);
  let cmd: { command?: string; positionals: string[]; options: Options };
  let config: SeedshieldConfig;
  let topology: RuntimeTopology;
  try {
    cmd = parse(argv);
    if (cmd.options.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (cmd.command === undefined) throw new UsageError('no command given');
    if (!(COMMANDS as readonly string[]).includes(cmd.command)) throw new UsageError(`unknown command ${JSON.stringify(cmd.command)}`);
    config = loadConfig(cmd.options.config);
    const base = toRuntimeTopology(config);
    topology = cmd.options.hostedZoneId ? { ...base, dns: { ...base.dns, hostedZoneId: cmd.options.hostedZoneId } } : base;
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message);
    if (err instanceof ConfigError) {
      io.stderr(`seedshield: ${err.message}`);
      return 2;
    }
    throw err;
  }

  const { command, positionals, options } = cmd;
  let event: OperatorEvent | undefined;
  let topicArn: string | undefined;
  try {
    if (command === 'status') {
      expectArgs(command, positionals, 0);
    } else {
      event = buildEvent(command as MutatingCommand, positionals, options, topology, env);
      topicArn = options.topicArn ?? env.SEEDSHIELD_TOPIC_ARN ?? config.controlPlane.notifications.topicArn;
      if (!options.dryRun && !topicArn) {
        throw new UsageError('no on-call topic: pass --topic-arn ARN or set SEEDSHIELD_TOPIC_ARN (every operator command is notified)');
      }
    }
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message);
    throw err;
  }

  const homeRegion = config.controlPlane.homeRegion;
  const clients = new AwsClients(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {});
  const store = new DynamoDbStateStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: homeRegion, ...clients.baseConfig() }), { marshallOptions: { removeUndefinedValues: true } }),
    tableName: options.table,
  });
  const observer = new Actuators({ clients, topology, homeRegion });
  const ids = topology.clusters.map((c) => c.id);

  try {
    if (command === 'status') return await status(io, options, topology, await store.load(ids), await readWeights(observer, topology, io));
    if (options.dryRun) return dryRun(io, options, topology, event!, await store.load(ids));
    const logger: DecisionLogger = {
      info: () => undefined,
      warn: (message, ...extra) => io.stderr(`warning: ${message} ${JSON.stringify(Object.assign({}, ...extra))}`),
      error: (message, ...extra) => io.stderr(`error: ${message} ${JSON.stringify(Object.assign({}, ...extra))}`),
    };
    const engine = createEngine({ topology, tableName: options.table, topicArn: topicArn!, homeRegion, clients, logger });
    const report = await engine.apply(event!);
    const weights = await readWeights(observer, topology, io);
    return printReport(io, options, event!, report, weights);
  } catch (err) {
    io.stderr(`seedshield ${command}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return 1;
  }
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`seedshield: ${message}\n\n${USAGE}`);
  return 2;
}

function expectArgs(command: string, positionals: readonly string[], n: number, shape = ''): void {
  if (positionals.length !== n) {
    throw new UsageError(`${command} takes ${n === 0 ? 'no arguments' : shape}, got: ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
}

function buildEvent(command: MutatingCommand, positionals: readonly string[], options: Options, topology: RuntimeTopology, env: NodeJS.ProcessEnv): OperatorEvent {
  let cluster: string | undefined;
  let pin: string | undefined;
  if (command === 'pause' || command === 'resume') {
    expectArgs(command, positionals, 0);
  } else {
    expectArgs(command, positionals, command === 'pin' ? 2 : 1, command === 'pin' ? 'CLUSTER in-service|isolated' : 'CLUSTER');
    cluster = positionals[0];
    if (!topology.clusters.some((c) => c.id === cluster)) {
      throw new UsageError(`unknown cluster ${JSON.stringify(cluster)}; the configuration has: ${topology.clusters.map((c) => c.id).join(', ')}`);
    }
    if (command === 'pin') {
      pin = positionals[1];
      if (PIN_VALUES[pin] === undefined) throw new UsageError(`pin value must be "in-service" or "isolated", got: ${JSON.stringify(pin)}`);
    }
  }
  const reason = options.reason?.trim();
  if (!reason) {
    throw new UsageError(`${command} needs --reason TEXT: every operator command is recorded and notified with its reason${options.force ? ' (and --force always needs one)' : ''}`);
  }
  return operatorEvent({ command, cluster, pin, reason, force: options.force, operator: currentOperator(env) });
}

async function readWeights(observer: Actuators, topology: RuntimeTopology, io: CliIo): Promise<Record<string, number> | undefined> {
  try {
    return await observer.currentWeights(topology);
  } catch (err) {
    io.stderr(`warning: cannot read the weights from Route 53 zone ${topology.dns.hostedZoneId}: ${(err as Error).message}`);
    return undefined;
  }
}

// ---------------------------------------------------------------- output

const PIN_NAMES: Record<string, string> = { [OperatorPin.FORCED_IN_SERVICE]: 'in-service', [OperatorPin.FORCED_ISOLATED]: 'isolated' };

function table(rows: readonly string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

async function status(io: CliIo, options: Options, topology: RuntimeTopology, world: WorldState, weights: Record<string, number> | undefined): Promise<number> {
  const clusters = topology.clusters.map((tc) => {
    const c = world.clusters[tc.id];
    const triggers = Object.entries(c.signals)
      .filter(([, s]) => isSignalActive(s))
      .map(([name, s]) => ({ name, kind: s.kind, since: new Date(s.timestamp).toISOString() }));
    return {
      id: tc.id,
      kind: tc.kind,
      ...(tc.region ? { region: tc.region } : {}),
      status: c.status,
      servingPercent: c.servingPercent,
      weight: weights?.[tc.id] ?? null,
      baseWeight: tc.baseWeight,
      pin: c.pin ? PIN_NAMES[c.pin] : null,
      activeTriggers: triggers,
      ...(c.job ? { job: { kind: c.job.kind, id: c.job.id, startedAt: new Date(c.job.startedAt).toISOString(), ...(c.job.lastError ? { lastError: c.job.lastError } : {}) } } : {}),
    };
  });
  const paused = world.global.automationPaused;
  if (options.json) {
    io.stdout(JSON.stringify({ automationPaused: paused, hostedZoneId: topology.dns.hostedZoneId, recordName: topology.dns.recordName, clusters }, null, 2));
    return 0;
  }
  io.stdout(`automation: ${paused ? 'PAUSED (only operator commands act)' : 'running'}    record: ${topology.dns.recordName} (zone ${topology.dns.hostedZoneId})\n`);
  const rows = [['CLUSTER', 'KIND', 'REGION', 'STATUS', 'SERVING', 'WEIGHT', 'PIN', 'ACTIVE TRIGGERS']];
  for (const c of clusters) {
    rows.push([
      c.id,
      c.kind,
      c.region ?? '-',
      c.status,
      `${c.servingPercent}%`,
      c.weight === null ? '?' : `${c.weight}/${c.baseWeight}`,
      c.pin ?? '-',
      c.activeTriggers.length === 0 ? '-' : c.activeTriggers.map((t) => `${t.kind} (${t.name})`).join(', '),
    ]);
  }
  io.stdout(table(rows));
  for (const c of clusters) {
    if (c.job) io.stdout(`\n${c.id}: ${c.job.kind} job ${c.job.id} since ${c.job.startedAt}${c.job.lastError ? `, last attempt failed: ${c.job.lastError}` : ''}`);
  }
  return 0;
}

function describeEffect(e: Effect): string {
  switch (e.type) {
    case 'SET_DNS_WEIGHTS':
      return `SET_DNS_WEIGHTS ${Object.entries(e.weights).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'NOTIFY':
      return `NOTIFY ${e.severity} "${e.subject}"`;
    default:
      return `${e.type} ${e.clusterId}`;
  }
}

function commandLine(event: OperatorEvent): string {
  const pin = event.pin ? ` ${PIN_NAMES[event.pin]}` : '';
  return `${event.command}${event.clusterId ? ` ${event.clusterId}` : ''}${pin}${event.force ? ' --force' : ''} by ${event.operator} (reason: ${event.reason})`;
}

const REFUSED = new Set(['OPERATOR_REFUSED', 'DUPLICATE', 'REJECTED']);

function dryRun(io: CliIo, options: Options, topology: RuntimeTopology, event: OperatorEvent, world: WorldState): number {
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

function printReport(io: CliIo, options: Options, event: OperatorEvent, report: EngineReport, weights: Record<string, number> | undefined): number {
  const failed = report.executed.filter((x) => !x.ok);
  if (options.json) {
    io.stdout(JSON.stringify({ event, ...report, weights: weights ?? null }, null, 2));
  } else {
    io.stdout(`${commandLine(event)}`);
    io.stdout(`  outcome: ${report.outcome}\n  reason:  ${report.reason}`);
    for (const d of report.decisions.slice(1)) io.stdout(`  then ${d.outcome}: ${d.reason}`);
    const plan = report.decisions.flatMap((d) => d.plan);
    io.stdout(plan.length === 0 ? '  plan:    nothing to do' : `  plan:\n${plan.map((e, i) => `    ${i + 1}. ${describeEffect(e)}`).join('\n')}`);
    if (report.executed.length > 0) {
      io.stdout(`  carried out: ${report.executed.length - failed.length} done, ${failed.length} failed`);
      for (const f of failed) io.stdout(`    FAILED ${describeEffect(f.effect)}: ${f.error}`);
    }
    if (weights) io.stdout(`  Route 53 weights now: ${Object.entries(weights).map(([k, v]) => `${k}=${v}`).join('  ')}`);
  }
  return REFUSED.has(report.outcome) || failed.length > 0 ? 1 : 0;
}

/** Entry point of cli/bin.js. */
export function run(): void {
  cliMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`seedshield: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) run();
