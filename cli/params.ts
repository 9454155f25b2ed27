/**
 * `seedshield params [-c CONFIG] [--json]`: every SSM parameter and secret the configuration expects to
 * exist before a deploy, per region, with the format of its value and the command that creates it.
 *
 * The config holds only their *names*: the values (customer-gateway addresses, the block producers' p2p
 * addresses, the peer key) are secrets and never enter the repository or a template. This command prints
 * names and formats only, never a value, and makes no AWS call.
 *
 * Exit status: 0 listed; 2 bad arguments or configuration.
 */
import { parseArgs } from 'util';
import type { CommandIo } from '../lib/command-io';
import { ConfigError, loadConfig } from '../lib/config/load';
import type { SeedshieldConfig } from '../lib/config/schema';
import type { CliCommand } from './command';

export const PARAMS_USAGE = `usage: seedshield params [-c CONFIG] [--json]

Lists every SSM parameter and Secrets Manager secret the configuration expects, per region, with the format
of its value and the command that creates it. Prints names and formats only; makes no AWS call.

options:
  -c, --config PATH   seedshield configuration (default: seedshield.config.json)
  --json              machine-readable output
  -h, --help          show this help`;

/** One value that must exist in a region before the deploy (or before the seed nodes boot). */
export interface ExpectedParameter {
  readonly store: 'ssm' | 'secretsmanager';
  readonly name: string;
  /** SSM parameter type (`String`: CloudFormation's SSM-typed parameters and the boot script read plain strings). */
  readonly type?: 'String';
  /** What the value is, its exact format, and who reads it when. */
  readonly format: string;
  readonly example: string;
  /** The config field that names it. */
  readonly configPath: string;
}

/** The expected values of one region. */
export interface RegionParameters {
  readonly region: string;
  /** The clusters in that region (each one's stack or nodes read the values there). */
  readonly clusters: readonly string[];
  readonly parameters: readonly ExpectedParameter[];
}

/**
 * Every expected parameter and secret, per cluster region. Each cluster region needs all of them: the
 * cluster stack resolves the customer-gateway addresses at deploy (SSM-typed stack parameters, which
 * cannot read another region), and its seed nodes read the peers and the key at boot in their own region.
 */
export function expectedParameters(config: SeedshieldConfig): RegionParameters[] {
  const perRegion = new Map<string, string[]>();
  for (const c of config.clusters) perRegion.set(c.region, [...(perRegion.get(c.region) ?? []), c.id]);
  const parameters: ExpectedParameter[] = [];
  config.sites.forEach((site, i) => {
    site.lines.forEach((line, j) => {
      parameters.push({
        store: 'ssm',
        name: line.customerGatewayIpParameter,
        type: 'String',
        format: `public IPv4 address of the customer gateway on site ${site.id}'s line ${line.id}, dotted quad, nothing else. Read at deploy by each cluster stack (an SSM-typed stack parameter: String, not SecureString)`,
        example: '203.0.113.10',
        configPath: `sites[${i}].lines[${j}].customerGatewayIpParameter`,
      });
    });
    parameters.push({
      store: 'ssm',
      name: site.blockProducerPeersParameter,
      type: 'String',
      format: `the p2p address(es) of site ${site.id}'s block producer as host:port, several separated by commas (each becomes one p2p-peer-address line of nodeos). Read at boot by every seed node (String, not SecureString)`,
      example: '10.200.0.10:9876,10.200.0.11:9876',
      configPath: `sites[${i}].blockProducerPeersParameter`,
    });
  });
  parameters.push({
    store: 'secretsmanager',
    name: config.nodeos.peerKeySecretName,
    format:
      'the value of nodeos\'s peer-private-key option for the authenticated link to the block producers: a JSON array of the public key and its private key, ["PUB_K1_...","PVT_K1_..."] (the block producers list the public key in peer-key). Secret string, not binary. Read at boot by every seed node, written to config.ini with mode 0600',
    example: '["PUB_K1_<public key>","PVT_K1_<private key>"]',
    configPath: 'nodeos.peerKeySecretName',
  });
  return [...perRegion.entries()].map(([region, clusters]) => ({ region, clusters, parameters }));
}

/** Shell-quotes a value for the printed commands. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command that creates one expected value, with its example as a placeholder. */
export function createCommand(region: string, p: ExpectedParameter): string {
  return p.store === 'ssm'
    ? `aws ssm put-parameter --region ${region} --type String --name ${quote(p.name)} --value ${quote(`<${p.example}>`)}`
    : `aws secretsmanager create-secret --region ${region} --name ${quote(p.name)} --secret-string ${quote(p.example)}`;
}

/** Human-readable listing: per region, each value with its format and the command that creates it. */
export function renderParams(regions: readonly RegionParameters[]): string {
  const lines: string[] = [
    'Create these before the first deploy, in every region listed (values are secrets: they never go in the config,',
    'the repository or a template). Replace each <...> with the real value.',
  ];
  for (const r of regions) {
    lines.push('', `${r.region} (cluster${r.clusters.length === 1 ? '' : 's'} ${r.clusters.join(', ')}):`);
    for (const p of r.parameters) {
      lines.push(`  ${p.store === 'ssm' ? 'SSM parameter' : 'Secrets Manager secret'} ${p.name}   (${p.configPath})`);
      lines.push(`    format: ${p.format}`);
      lines.push(`    create: ${createCommand(r.region, p)}`);
    }
  }
  return lines.join('\n');
}

/** `seedshield params`: returns the exit status (never calls process.exit). */
export async function paramsMain(argv: readonly string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    io.stderr(`seedshield params: ${(err as Error).message}\n\n${PARAMS_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(PARAMS_USAGE);
    return 0;
  }
  let config: SeedshieldConfig;
  try {
    config = loadConfig(parsed.values.config ?? 'seedshield.config.json');
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`seedshield params: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const regions = expectedParameters(config);
  io.stdout(parsed.values.json ? JSON.stringify(regions, null, 2) : renderParams(regions));
  return 0;
}

/** `seedshield params`, as the CLI lists it (cli/main.ts). */
export const PARAMS_COMMAND: CliCommand = {
  name: 'params',
  synopsis: 'params [-c CONFIG]',
  summary: 'every SSM parameter and secret the config expects, per region, with its format',
  run: (args, { io }) => paramsMain(args, io),
};
