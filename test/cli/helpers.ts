/**
 * Shared by the CLI test files: builds a world in the shared moto (MOTO_ENDPOINT from the jest global setup)
 * with cluster ids, table and topic unique to the calling file, and runs the CLI against it as a process
 * (`node cli/bin.js ...`).
 */
import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { Actuators } from '../../lambdas/actuators';
import { AwsClients } from '../../lambdas/actuators/clients';
import { buildDrillWorld, type DrillWorld } from '../../drill/setup';
import { parseConfig } from '../../lib/config/load';
import { exampleRaw } from '../support/example';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** What one CLI process printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One of the example's clusters: its three cloud clusters and its physical seed cluster. */
export type ClusterName = 'north' | 'central' | 'east' | 'phys';

/** A world in moto and a CLI pointed at it. */
export interface CliWorld {
  /** The unique id of an example cluster in this world: `<prefix><random>-<name>`. */
  readonly id: (name: ClusterName) => string;
  readonly world: DrillWorld;
  readonly configFile: string;
  /** Runs the CLI as a process with this world's config, table and zone; never throws on a non-zero exit. */
  cli(...args: string[]): Promise<CliResult>;
  /** Every cluster's weight as moto's Route 53 serves it. */
  weights(): Promise<Record<string, number>>;
  /** `status --json`, parsed. */
  status(): Promise<any>;
}

/**
 * Builds the example deployment in moto, with cluster ids, table and topic unique to the caller (`prefix`
 * tells test files apart in moto), and a CLI against it.
 */
export async function buildCliWorld(endpoint: string, prefix: string): Promise<CliWorld> {
  const suffix = randomUUID().slice(0, 6);
  const id = (name: ClusterName) => `${prefix}${suffix}-${name}`;
  const raw = exampleRaw();
  raw.clusters[0].id = id('north');
  raw.clusters[1].id = id('central');
  raw.clusters[2].id = id('east');
  raw.physicalSeedCluster.id = id('phys');
  const config = parseConfig(raw, `${prefix}-test-config.json`);
  const configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-cli-')), 'seedshield.config.json');
  fs.writeFileSync(configFile, JSON.stringify(raw));
  const world = await buildDrillWorld(config, endpoint, { tableName: `seedshield-state-${suffix}`, topicName: `seedshield-oncall-${suffix}` });
  const observer = new Actuators({ clients: new AwsClients({ endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, random: () => 0 }) });

  async function cli(...args: string[]): Promise<CliResult> {
    const common = ['-c', configFile, '--table', world.tableName, '--hosted-zone-id', world.topology.dns.hostedZoneId];
    try {
      const out = await run('node', [path.join(ROOT, 'cli', 'bin.js'), ...args, ...common], {
        cwd: ROOT,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: endpoint,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          SEEDSHIELD_TOPIC_ARN: world.topicArn,
          SEEDSHIELD_OPERATOR: 'test-operator',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      return { code: 0, stdout: out.stdout, stderr: out.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  return {
    id,
    world,
    configFile,
    cli,
    weights: () => observer.currentWeights(world.topology),
    status: async () => {
      const out = await cli('status', '--json');
      if (out.code !== 0) throw new Error(`status --json exited ${out.code}: ${out.stderr}`);
      return JSON.parse(out.stdout);
    },
  };
}
