/**
 * `seedshield preflight [-c CONFIG] [--json]`: read-only checks of an account against the config, before a
 * first `cdk deploy --all`. One line per check and region: PASS, WARN or FAIL, and the fix. Exit 0 when
 * nothing FAILs, 1 when something does, 2 on bad arguments or configuration.
 *
 * The checks are the prerequisites of lib/deploy/prerequisites.ts (README renders the same list). Every call
 * is a read (Get/Describe/List); a parameter's or secret's value is never printed. Clients follow the SDK's
 * resolution, so AWS_ENDPOINT_URL points them at moto.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetSubscriptionStateCommand, ShieldClient } from '@aws-sdk/client-shield';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseArgs } from 'util';
import { ConfigError, loadConfig } from '../lib/config/load';
import type { SeedshieldConfig } from '../lib/config/schema';
import { parseCidr } from '../lib/config/cidr';
import {
  LAMBDA_MIN_UNRESERVED_CONCURRENCY,
  prerequisite,
  QUOTA_CODES,
  regionNeeds,
  REMEDIATION_RESERVED_CONCURRENCY,
} from '../lib/deploy/prerequisites';
import { CliUsageError, CommandError, type CliCommand } from './command';
import { createCommand, expectedParameters } from './params';

/** The verdict of one check. */
export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

/** One line of the report. */
export interface CheckResult {
  /** The prerequisite id. */
  readonly check: string;
  /** The region checked, or `global`. */
  readonly region: string;
  readonly status: CheckStatus;
  /** What was found (never a secret or parameter value). */
  readonly detail: string;
  /** How to fix it (WARN and FAIL only). */
  readonly fix?: string;
}

/** The SDK clients preflight reads with, per region (tests point them at moto or mock them). */
export interface PreflightClients {
  sts(): STSClient;
  cloudFormation(region: string): CloudFormationClient;
  shield(): ShieldClient;
  serviceQuotas(region: string): ServiceQuotasClient;
  ec2(region: string): EC2Client;
  lambda(region: string): LambdaClient;
  ssm(region: string): SSMClient;
  secretsManager(region: string): SecretsManagerClient;
  guardDuty(region: string): GuardDutyClient;
  route53(): Route53Client;
}

/** Clients over the SDK's default chain (credentials, AWS_ENDPOINT_URL), one per service and region. */
export function defaultPreflightClients(): PreflightClients {
  const cache = new Map<string, unknown>();
  const get = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    sts: () => get('sts', () => new STSClient({ region: 'us-east-1' })),
    cloudFormation: (r) => get(`cfn:${r}`, () => new CloudFormationClient({ region: r })),
    // Shield Advanced's API is global, served from us-east-1.
    shield: () => get('shield', () => new ShieldClient({ region: 'us-east-1' })),
    serviceQuotas: (r) => get(`sq:${r}`, () => new ServiceQuotasClient({ region: r })),
    ec2: (r) => get(`ec2:${r}`, () => new EC2Client({ region: r })),
    lambda: (r) => get(`lambda:${r}`, () => new LambdaClient({ region: r })),
    ssm: (r) => get(`ssm:${r}`, () => new SSMClient({ region: r })),
    secretsManager: (r) => get(`sm:${r}`, () => new SecretsManagerClient({ region: r })),
    guardDuty: (r) => get(`gd:${r}`, () => new GuardDutyClient({ region: r })),
    route53: () => get('r53', () => new Route53Client({ region: 'us-east-1' })),
  };
}

const errName = (err: unknown): string => (err as { name?: string })?.name ?? 'Error';
const errText = (err: unknown): string => `${errName(err)}: ${(err as Error)?.message ?? String(err)}`;

/** A result for prerequisite `id` (the fix comes from the prerequisites list). */
function result(id: string, region: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return { check: id, region, status, detail, ...(status === 'PASS' ? {} : { fix: fix ?? prerequisite(id).fix }) };
}

/** Every region the app deploys to: home (control plane, DNS) and the cluster regions. */
function deployRegions(config: SeedshieldConfig): string[] {
  return [...new Set([config.controlPlane.homeRegion, ...config.clusters.map((c) => c.region)])];
}

/** The oldest bootstrap version the app's assets and roles need (CDK v2 default synthesizer). */
const MIN_BOOTSTRAP_VERSION = 6;

const isIpv4 = (v: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(v) && parseCidr(`${v}/32`) !== undefined;
/** A BP peers parameter: `host:port` entries, comma- or newline-separated. */
const isPeerList = (v: string) => {
  const entries = v.split(/[,\n]/).map((e) => e.trim()).filter((e) => e.length > 0);
  return entries.length > 0 && entries.every((e) => /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(e) && Number(e.slice(e.lastIndexOf(':') + 1)) <= 65535);
};

async function quota(clients: PreflightClients, region: string, code: { serviceCode: string; quotaCode: string }): Promise<number> {
  const out = await clients.serviceQuotas(region).send(new GetServiceQuotaCommand({ ServiceCode: code.serviceCode, QuotaCode: code.quotaCode }));
  const value = out.Quota?.Value;
  if (typeof value !== 'number') throw new CommandError(`no value for ${code.serviceCode}/${code.quotaCode}`);
  return value;
}

/** Runs every check; never throws for an AWS answer (a failed read is itself a WARN or FAIL line). */
export async function runPreflight(config: SeedshieldConfig, clients: PreflightClients): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const clusterRegions = [...new Set(config.clusters.map((c) => c.region))];
  const home = config.controlPlane.homeRegion;

  // credentials
  const wanted = [...new Set([config.controlPlane.account, ...config.clusters.map((c) => c.account)])];
  try {
    const id = await clients.sts().send(new GetCallerIdentityCommand({}));
    if (wanted.length === 1 && id.Account === wanted[0]) out.push(result('credentials', 'global', 'PASS', `account ${id.Account} (${id.Arn})`));
    else out.push(result('credentials', 'global', 'FAIL', `credentials are for account ${id.Account}, the config names ${wanted.join(', ')}`));
  } catch (err) {
    out.push(result('credentials', 'global', 'FAIL', `no usable credentials: ${errText(err)}`, 'configure credentials (aws configure, AWS_PROFILE, SSO login)'));
  }

  // bootstrap
  for (const region of deployRegions(config)) {
    try {
      const stacks = await clients.cloudFormation(region).send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
      const version = Number(stacks.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue);
      if (Number.isFinite(version) && version >= MIN_BOOTSTRAP_VERSION) out.push(result('bootstrap', region, 'PASS', `CDKToolkit version ${version}`));
      else out.push(result('bootstrap', region, 'FAIL', `CDKToolkit bootstrap version ${Number.isFinite(version) ? version : 'unknown'}, need ${MIN_BOOTSTRAP_VERSION} or later`));
    } catch (err) {
      out.push(result('bootstrap', region, 'FAIL', `no CDKToolkit stack (${errName(err)})`));
    }
  }

  // Shield Advanced
  if (!config.protection.shieldAdvanced) {
    out.push(result('shield-advanced', 'global', 'PASS', 'protection.shieldAdvanced is false: not needed (Shield Standard only)'));
  } else {
    try {
      // https://docs.aws.amazon.com/waf/latest/DDOSAPIReference/API_GetSubscriptionState.html: ACTIVE | INACTIVE
      const state = (await clients.shield().send(new GetSubscriptionStateCommand({}))).SubscriptionState;
      if (state === 'ACTIVE') out.push(result('shield-advanced', 'global', 'PASS', 'subscription ACTIVE'));
      else out.push(result('shield-advanced', 'global', 'FAIL', `protection.shieldAdvanced is true but the subscription is ${state ?? 'unknown'}`));
    } catch (err) {
      out.push(result('shield-advanced', 'global', 'FAIL', `cannot read the Shield Advanced subscription (${errText(err)})`));
    }
  }

  // quotas
  for (const need of regionNeeds(config)) {
    const { region } = need;
    try {
      const limit = await quota(clients, region, QUOTA_CODES.elasticIps);
      const used = (await clients.ec2(region).send(new DescribeAddressesCommand({}))).Addresses?.length ?? 0;
      const detail = `quota ${limit}, ${used} allocated, the config needs ${need.elasticIps} (${need.clusterIds.join(', ')}: NLB + NAT per AZ)`;
      out.push(result('eip-quota', region, used + need.elasticIps <= limit ? 'PASS' : 'FAIL', detail));
    } catch (err) {
      out.push(result('eip-quota', region, 'WARN', `cannot read the Elastic IP quota or addresses (${errText(err)}); the config needs ${need.elasticIps}`));
    }
    try {
      const limit = await quota(clients, region, QUOTA_CODES.natGatewaysPerAz);
      out.push(result('nat-quota', region, need.natGatewaysPerAz <= limit ? 'PASS' : 'FAIL', `quota ${limit} per AZ, the config needs ${need.natGatewaysPerAz}`));
    } catch (err) {
      out.push(result('nat-quota', region, 'WARN', `cannot read the NAT gateway quota (${errName(err)}); the config needs ${need.natGatewaysPerAz} per AZ`));
    }
    try {
      const limit = await quota(clients, region, QUOTA_CODES.vpnConnections);
      out.push(result('vpn-quota', region, need.vpnConnections <= limit ? 'PASS' : 'FAIL', `quota ${limit}, the config needs ${need.vpnConnections}`));
    } catch (err) {
      out.push(result('vpn-quota', region, 'WARN', `cannot read the VPN connection quota (${errName(err)}); the config needs ${need.vpnConnections}`));
    }
  }

  // Lambda concurrency (home region)
  try {
    const settings = await clients.lambda(home).send(new GetAccountSettingsCommand({}));
    const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
    if (typeof unreserved !== 'number') throw new CommandError('no UnreservedConcurrentExecutions in the answer');
    const left = unreserved - REMEDIATION_RESERVED_CONCURRENCY;
    const canReserve = left >= LAMBDA_MIN_UNRESERVED_CONCURRENCY;
    const of = `${unreserved} unreserved of ${settings.AccountLimit?.ConcurrentExecutions}`;
    if (config.controlPlane.reservedConcurrency === 'none') {
      // Nothing to reserve, so nothing can fail; but once the quota allows it, serialised decisions are better.
      out.push(
        canReserve
          ? result('lambda-concurrency', home, 'WARN', `${of}: enough to reserve ${REMEDIATION_RESERVED_CONCURRENCY} now, but controlPlane.reservedConcurrency is "none" (decisions may overlap)`, `set controlPlane.reservedConcurrency to ${REMEDIATION_RESERVED_CONCURRENCY} and deploy again`)
          : result('lambda-concurrency', home, 'PASS', `${of}; controlPlane.reservedConcurrency is "none": nothing reserved`),
      );
    } else {
      const detail = `${of}; reserving ${REMEDIATION_RESERVED_CONCURRENCY} leaves ${left}, Lambda keeps at least ${LAMBDA_MIN_UNRESERVED_CONCURRENCY}`;
      out.push(result('lambda-concurrency', home, canReserve ? 'PASS' : 'FAIL', detail));
    }
  } catch (err) {
    out.push(result('lambda-concurrency', home, 'WARN', `cannot read the Lambda account settings (${errText(err)})`));
  }

  // SSM parameters and the peer-key secret: the list `seedshield params` prints (one source), per cluster region
  for (const { region, parameters } of expectedParameters(config)) {
    for (const p of parameters) {
      const fix = `${createCommand(region, p)}  (seedshield params: the value's format)`;
      if (p.store === 'secretsmanager') {
        try {
          await clients.secretsManager(region).send(new DescribeSecretCommand({ SecretId: p.name }));
          out.push(result('peer-key-secret', region, 'PASS', `${p.name} exists`));
        } catch (err) {
          out.push(result('peer-key-secret', region, 'FAIL', `${p.name} is missing in ${region} (${errName(err)})`, fix));
        }
        continue;
      }
      const cgw = p.configPath.endsWith('customerGatewayIpParameter');
      const valid = cgw ? isIpv4 : isPeerList;
      const kind = cgw ? 'an IPv4 address' : 'a list of host:port';
      try {
        const got = await clients.ssm(region).send(new GetParameterCommand({ Name: p.name, WithDecryption: true }));
        const ok = valid((got.Parameter?.Value ?? '').trim());
        // The value is never printed: it is what the config keeps out of the repo.
        out.push(result('ssm-parameters', region, ok ? 'PASS' : 'FAIL', ok ? `${p.name} holds ${kind}` : `${p.name} exists but does not hold ${kind}`, fix));
      } catch (err) {
        const missing = errName(err) === 'ParameterNotFound';
        out.push(result('ssm-parameters', region, 'FAIL', missing ? `${p.name} is missing in ${region}` : `${p.name} cannot be read in ${region} (${errName(err)})`, fix));
      }
    }
  }

  // GuardDuty
  for (const region of clusterRegions) {
    try {
      const gd = clients.guardDuty(region);
      const ids = (await gd.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
      const statuses = await Promise.all(ids.map(async (id) => (await gd.send(new GetDetectorCommand({ DetectorId: id }))).Status));
      if (statuses.includes('ENABLED')) out.push(result('guardduty', region, 'PASS', `detector enabled`));
      else out.push(result('guardduty', region, 'FAIL', ids.length === 0 ? 'no GuardDuty detector' : 'the GuardDuty detector is disabled'));
    } catch (err) {
      out.push(result('guardduty', region, 'FAIL', `cannot read GuardDuty (${errName(err)})`));
    }
  }

  // hosted zone
  try {
    const zone = await clients.route53().send(new GetHostedZoneCommand({ Id: config.dns.hostedZoneId }));
    const name = (zone.HostedZone?.Name ?? '').replace(/\.$/, '');
    if (zone.HostedZone?.Config?.PrivateZone) out.push(result('hosted-zone', 'global', 'FAIL', `${config.dns.hostedZoneId} is a private zone; peers resolve a public one`));
    else if (name === config.dns.zoneName) out.push(result('hosted-zone', 'global', 'PASS', `${config.dns.hostedZoneId} is ${name}`));
    else out.push(result('hosted-zone', 'global', 'FAIL', `${config.dns.hostedZoneId} is ${name}, the config says ${config.dns.zoneName}`));
  } catch (err) {
    out.push(result('hosted-zone', 'global', 'FAIL', `${config.dns.hostedZoneId} not found (${errName(err)})`));
  }
  return out;
}

/** The exit status of a report: 1 when anything FAILs. */
export function preflightExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}

/** The report as text: one line per check, the fix indented under WARN and FAIL. */
export function formatPreflight(results: readonly CheckResult[]): string {
  const lines = results.map((r) => `${r.status.padEnd(4)}  ${r.check.padEnd(18)} ${r.region.padEnd(14)} ${r.detail}${r.fix ? `\n      fix: ${r.fix}` : ''}`);
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return `${lines.join('\n')}\n\n${count('PASS')} passed, ${count('WARN')} warnings, ${count('FAIL')} failed`;
}

const USAGE = `usage: seedshield preflight [-c CONFIG] [--json]

Read-only checks of the account against the config before a first deploy. Exit 0 all pass (warnings
allowed), 1 any FAIL, 2 bad arguments.`;

/** Parses `-c/--config` and `--json`. @throws CliUsageError */
export function parseConfigJsonArgs(args: readonly string[], usage: string): { configPath: string; json: boolean; help: boolean } {
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    return { configPath: values.config ?? 'seedshield.config.json', json: values.json ?? false, help: values.help ?? false };
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n${usage}`, { cause: err });
  }
}

/** Builds the `preflight` command over `clients` (tests pass moto or mocked clients). */
export function preflightCommand(clients: () => PreflightClients = defaultPreflightClients): CliCommand {
  return {
    name: 'preflight',
    synopsis: 'preflight [-c CONFIG] [--json]',
    summary: 'read-only account checks before a first deploy (PASS/WARN/FAIL with the fix)',
    run: async (args, { io }) => {
      const opts = parseConfigJsonArgs(args, USAGE);
      if (opts.help) {
        io.stdout(USAGE);
        return 0;
      }
      let config: SeedshieldConfig;
      try {
        config = loadConfig(opts.configPath);
      } catch (err) {
        if (err instanceof ConfigError) {
          io.stderr(`seedshield preflight: ${err.message}`);
          return 2;
        }
        throw err;
      }
      const results = await runPreflight(config, clients());
      io.stdout(opts.json ? JSON.stringify({ results, exitCode: preflightExitCode(results) }, null, 2) : formatPreflight(results));
      return preflightExitCode(results);
    },
  };
}

/** `seedshield preflight`. */
export const PREFLIGHT_COMMAND: CliCommand = preflightCommand();
