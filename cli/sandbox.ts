/**
 * `seedshield sandbox [-c CONFIG]`: the operator CLI without an AWS account. Starts a local moto_server,
 * builds in it the deployment the configuration describes (the drill's world: every cluster's VPC, security
 * group, network ACLs, route tables, VGW and `/seedshield/clusters/<id>/...` parameters, its alarms, the
 * hosted zone with one weighted record set per cluster, the state table, the on-call topic), prints the
 * environment that points the CLI at it, and keeps it running until Ctrl-C.
 *
 * Then, in another shell, `status`, `isolate --dry-run`, `isolate`, `restore`, `pin` ... act on that world
 * through the same engine as in production: real SDK calls, answered by moto.
 *
 * Exit status: 0 stopped by a signal; 2 bad arguments or configuration; 3 moto_server is not installed.
 */
import { parseArgs } from 'util';
import type { CommandIo } from '../lib/command-io';
import { ConfigError, loadConfig } from '../lib/config/load';
import type { SeedshieldConfig } from '../lib/config/schema';
import { EXIT_MOTO_MISSING, MotoUnavailableError, startMoto, type MotoServer } from '../drill/moto';
import { buildDrillWorld, type DrillWorld } from '../drill/setup';
import type { CliCommand } from './command';

export const SANDBOX_USAGE = `usage: seedshield sandbox [-c CONFIG] [--json]

Starts a local moto_server holding the deployment CONFIG describes, prints the environment that points the
CLI at it, and runs until Ctrl-C (which stops it and forgets everything). Needs moto_server (requirements-dev.txt).

options:
  -c, --config PATH   seedshield configuration (default: seedshield.config.json)
  --json              print the endpoint, environment and hosted zone as JSON (for scripts)
  -h, --help          show this help`;

/** The sandbox as a client sees it. */
export interface SandboxInfo {
  readonly endpoint: string;
  /** Variables that point the CLI (and any SDK v3 client) at the sandbox. */
  readonly env: Readonly<Record<string, string>>;
  /** moto's id for the configured zone: pass it as `--hosted-zone-id`. */
  readonly hostedZoneId: string;
  readonly tableName: string;
  /** A first cluster to try the commands on. */
  readonly exampleCluster: string;
}

/** What {@link sandboxInfo} reads from a built world. */
export function sandboxInfo(world: DrillWorld): SandboxInfo {
  return {
    endpoint: world.endpoint,
    env: {
      AWS_ENDPOINT_URL: world.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: world.homeRegion,
      SEEDSHIELD_TOPIC_ARN: world.topicArn,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    hostedZoneId: world.topology.dns.hostedZoneId,
    tableName: world.tableName,
    exampleCluster: world.topology.clusters.find((c) => c.kind === 'aws')?.id ?? world.topology.clusters[0].id,
  };
}

/** The text a newcomer reads: what is running, the exports, and the commands to try. */
export function renderSandbox(info: SandboxInfo, configFile: string): string {
  const c = configFile === 'seedshield.config.json' ? '' : ` -c ${configFile}`;
  const zone = ` --hosted-zone-id ${info.hostedZoneId}`;
  const exports = Object.entries(info.env).map(([k, v]) => `export ${k}=${v}`);
  return [
    `seedshield sandbox: moto at ${info.endpoint} holds the deployment of ${configFile} (state table ${info.tableName}, hosted zone ${info.hostedZoneId}).`,
    'Nothing here reaches AWS. Ctrl-C stops it and forgets everything.',
    '',
    'In another shell, in this checkout:',
    ...exports.map((e) => `  ${e}`),
    `  node cli/bin.js status${c}${zone}`,
    `  node cli/bin.js isolate ${info.exampleCluster} --reason "trying the sandbox" --dry-run${c}${zone}`,
    `  node cli/bin.js isolate ${info.exampleCluster} --reason "trying the sandbox"${c}${zone}`,
    `  node cli/bin.js restore ${info.exampleCluster} --reason "trying the sandbox"${c}${zone}`,
  ].join('\n');
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/**
 * Runs the sandbox until `options.until` settles (default: Ctrl-C). Never calls process.exit.
 * @param options.onReady - called with the sandbox once it is built (tests drive the CLI from there)
 */
export async function sandboxMain(
  argv: readonly string[],
  io: CommandIo,
  options: { until?: Promise<void>; onReady?: (info: SandboxInfo) => void | Promise<void> } = {},
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    io.stderr(`seedshield sandbox: ${(err as Error).message}\n\n${SANDBOX_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(SANDBOX_USAGE);
    return 0;
  }
  const configFile = parsed.values.config ?? 'seedshield.config.json';
  let config: SeedshieldConfig;
  try {
    config = loadConfig(configFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`seedshield sandbox: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let moto: MotoServer;
  try {
    moto = await startMoto();
  } catch (err) {
    if (!(err instanceof MotoUnavailableError)) throw err;
    io.stderr(`seedshield sandbox: ${err.message}`);
    return EXIT_MOTO_MISSING;
  }
  // Listen before building: a Ctrl-C during the build must still stop moto.
  const until = options.until ?? untilSignal();
  try {
    const world = await buildDrillWorld(config, moto.endpoint);
    const info = sandboxInfo(world);
    io.stdout(parsed.values.json ? JSON.stringify(info, null, 2) : renderSandbox(info, configFile));
    await options.onReady?.(info);
    await until;
    return 0;
  } finally {
    await moto.stop();
  }
}

/** `seedshield sandbox`, as the CLI lists it (cli/main.ts). */
export const SANDBOX_COMMAND: CliCommand = {
  name: 'sandbox',
  synopsis: 'sandbox [-c CONFIG]',
  summary: 'a local moto holding the configured deployment, to try the commands without AWS',
  run: (args, { io }) => sandboxMain(args, io),
};
