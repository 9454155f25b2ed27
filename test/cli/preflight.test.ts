/**
 * `seedshield preflight` against a moto account (STS, CloudFormation, EC2, SSM, Secrets Manager, GuardDuty,
 * Route 53) with Service Quotas, Lambda's account settings and Shield mocked: moto serves neither the EC2
 * quota codes nor GetAccountSettings, and moto 5.2 has no Shield GetSubscriptionState (its
 * DescribeSubscription answers timestamps the SDK cannot parse).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetSubscriptionStateCommand, ShieldClient } from '@aws-sdk/client-shield';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { PREFLIGHT_COMMAND, preflightCommand, runPreflight, type PreflightClients } from '../../cli/preflight';
import { QUOTA_CODES } from '../../lib/deploy/prerequisites';
import type { SeedshieldConfig } from '../../lib/config/schema';
import { configWith, exampleRaw } from '../support/example';
import { motoClientConfig } from '../support/moto';

const endpoint = process.env.MOTO_ENDPOINT!;
const MOTO_ACCOUNT = '123456789012';
const cfg = (region: string) => motoClientConfig(endpoint, region);

/** The zone id the config names (moto's zone ids do not start with Z, which the config requires). */
const CONFIG_ZONE_ID = 'Z0PREFLIGHTTEST0';
let motoZoneId = '';
/** Route 53 on moto, with the config's zone id translated to the zone moto created. */
function route53(): Route53Client {
  const client = new Route53Client(cfg('us-east-1'));
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Id?: string };
      if (input.Id === CONFIG_ZONE_ID) input.Id = motoZoneId;
      return next(args);
    },
    { step: 'initialize', name: 'configZoneId' },
  );
  return client;
}

/** Clients on moto, except Service Quotas and Lambda (mocked below). */
const motoClients: PreflightClients = {
  sts: () => new STSClient(cfg('us-east-1')),
  cloudFormation: (r) => new CloudFormationClient(cfg(r)),
  shield: () => new ShieldClient(cfg('us-east-1')),
  serviceQuotas: (r) => new ServiceQuotasClient(cfg(r)),
  ec2: (r) => new EC2Client(cfg(r)),
  lambda: (r) => new LambdaClient(cfg(r)),
  ssm: (r) => new SSMClient(cfg(r)),
  secretsManager: (r) => new SecretsManagerClient(cfg(r)),
  guardDuty: (r) => new GuardDutyClient(cfg(r)),
  route53,
};

const quotas = mockClient(ServiceQuotasClient);
const lambda = mockClient(LambdaClient);
const shield = mockClient(ShieldClient);
const VALUE_MARKER = '198.51.100.77';
/** A GetServiceQuota request for one of preflight's quota codes. */
const q = (code: { serviceCode: string; quotaCode: string }) => ({ ServiceCode: code.serviceCode, QuotaCode: code.quotaCode });

let config: SeedshieldConfig;
let missing: { name: string; region: string };

beforeAll(async () => {
  // GIVEN an account prepared as README says, except ONE parameter in ONE region
  const suffix = Date.now().toString(36);
  const zoneName = `p${suffix}.example.org`;
  const zone = await motoClients.route53().send(new CreateHostedZoneCommand({ Name: zoneName, CallerReference: suffix }));
  motoZoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  config = configWith((raw) => {
    raw.controlPlane.account = MOTO_ACCOUNT;
    for (const c of raw.clusters) c.account = MOTO_ACCOUNT;
    raw.dns.hostedZoneId = CONFIG_ZONE_ID;
    raw.dns.zoneName = zoneName;
    raw.dns.recordName = `p2p.${zoneName}`;
    raw.nodeos.peerKeySecretName = `seedshield/peer-key-${suffix}`;
    for (const s of raw.sites) {
      s.blockProducerPeersParameter = `${s.blockProducerPeersParameter}-${suffix}`;
      for (const l of s.lines) l.customerGatewayIpParameter = `${l.customerGatewayIpParameter}-${suffix}`;
    }
  });
  const regions = [...new Set(config.clusters.map((c) => c.region))];
  missing = { name: config.sites[0].lines[1].customerGatewayIpParameter, region: 'eu-central-1' };
  const bootstrap = JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } }, Outputs: { BootstrapVersion: { Value: '27' } } });
  for (const region of [...new Set([config.controlPlane.homeRegion, ...regions])]) {
    await motoClients.cloudFormation(region).send(new CreateStackCommand({ StackName: 'CDKToolkit', TemplateBody: bootstrap })).catch(() => undefined);
  }
  for (const region of regions) {
    for (const s of config.sites) {
      for (const l of s.lines) {
        if (region === missing.region && l.customerGatewayIpParameter === missing.name) continue;
        await motoClients.ssm(region).send(new PutParameterCommand({ Name: l.customerGatewayIpParameter, Type: 'String', Value: VALUE_MARKER, Overwrite: true }));
      }
      await motoClients.ssm(region).send(new PutParameterCommand({ Name: s.blockProducerPeersParameter, Type: 'String', Value: `${VALUE_MARKER}:9876,bp.example.org:9876`, Overwrite: true }));
    }
    await motoClients.secretsManager(region).send(new CreateSecretCommand({ Name: config.nodeos.peerKeySecretName, SecretString: 'PVT_K1_secret' }));
    await motoClients.guardDuty(region).send(new CreateDetectorCommand({ Enable: true }));
  }
});

beforeEach(() => {
  quotas.reset();
  lambda.reset();
  shield.reset();
  shield.on(GetSubscriptionStateCommand).resolves({ SubscriptionState: 'ACTIVE' });
  quotas.on(GetServiceQuotaCommand, q(QUOTA_CODES.elasticIps)).resolves({ Quota: { Value: 20 } });
  quotas.on(GetServiceQuotaCommand, q(QUOTA_CODES.natGatewaysPerAz)).resolves({ Quota: { Value: 5 } });
  quotas.on(GetServiceQuotaCommand, q(QUOTA_CODES.vpnConnections)).resolves({ Quota: { Value: 50 } });
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
});
afterAll(() => {
  quotas.restore();
  lambda.restore();
  shield.restore();
});

/** Runs the command as the CLI does, with a config file. */
async function runCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
  const file = path.join(dir, 'config.json');
  const raw = exampleRaw();
  Object.assign(raw, JSON.parse(JSON.stringify(config)));
  fs.writeFileSync(file, JSON.stringify(raw));
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += `${t}\n`), stderr: (t: string) => void (stderr += `${t}\n`) };
  const code = await preflightCommand(() => motoClients).run(['-c', file, ...args], { env: {}, io, usage: '' });
  return { code, stdout, stderr };
}

describe('seedshield preflight', () => {
  test('when one parameter is missing in one region, it prints a FAIL naming the parameter and region, never a value, and exits 1', async () => {
    // WHEN
    const { code, stdout } = await runCommand([]);
    // THEN
    expect(code).toBe(1);
    const failLines = stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failLines).toEqual([expect.stringMatching(new RegExp(`^FAIL  ssm-parameters +eu-central-1 +${missing.name.replace(/[/.]/g, '\\$&')} is missing in eu-central-1$`))]);
    expect(stdout).toContain(`fix: aws ssm put-parameter --region eu-central-1 --type String --name '${missing.name}' --value '<203.0.113.10>'`);
    expect(stdout).not.toContain(VALUE_MARKER);
    expect(stdout).not.toContain('PVT_K1');
    for (const check of ['credentials', 'bootstrap', 'shield-advanced', 'eip-quota', 'nat-quota', 'vpn-quota', 'lambda-concurrency', 'peer-key-secret', 'guardduty', 'hosted-zone']) {
      expect(stdout).toMatch(new RegExp(`^PASS  ${check} `, 'm'));
    }
  });

  test('when asked for --json, it prints every result and the exit code', async () => {
    // WHEN
    const { code, stdout } = await runCommand(['--json']);
    // THEN
    const report = JSON.parse(stdout);
    expect(code).toBe(1);
    expect(report.exitCode).toBe(1);
    expect(report.results.filter((r: any) => r.status === 'FAIL')).toEqual([
      { check: 'ssm-parameters', region: 'eu-central-1', status: 'FAIL', detail: `${missing.name} is missing in eu-central-1`, fix: expect.any(String) },
    ]);
  });

  test('when the Elastic IP quota is the default 5, eu-north (3 AZs: 6 addresses) FAILs with the fix', async () => {
    // GIVEN
    quotas.on(GetServiceQuotaCommand, q(QUOTA_CODES.elasticIps)).resolves({ Quota: { Value: 5 } });
    // WHEN
    const results = await runPreflight(config, motoClients);
    // THEN
    const eip = results.find((r) => r.check === 'eip-quota' && r.region === 'eu-north-1')!;
    expect(eip.status).toBe('FAIL');
    expect(eip.detail).toMatch(/^quota 5, \d+ allocated, the config needs 6 \(eu-north: NLB \+ NAT per AZ\)$/);
    expect(eip.fix).toContain('L-0263D0A3');
  });

  test('when the account\'s concurrency is a new account\'s 10, lambda-concurrency FAILs (Lambda keeps 100 unreserved)', async () => {
    // GIVEN
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    // WHEN
    const results = await runPreflight(config, motoClients);
    // THEN
    const check = results.find((r) => r.check === 'lambda-concurrency');
    expect(check).toMatchObject({ status: 'FAIL', region: 'eu-north-1', detail: '10 unreserved of 10; reserving 1 leaves 9, Lambda keeps at least 100' });
    // The fix names both ways out: the quota, or the config field that drops the reservation.
    expect(check?.fix).toContain('L-B99A9384');
    expect(check?.fix).toContain('controlPlane.reservedConcurrency to "none"');
  });

  test('when reservedConcurrency is "none" on a new account\'s 10, lambda-concurrency PASSes (nothing is reserved)', async () => {
    // GIVEN
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const none = { ...config, controlPlane: { ...config.controlPlane, reservedConcurrency: 'none' as const } };
    // WHEN
    const results = await runPreflight(none, motoClients);
    // THEN
    expect(results.find((r) => r.check === 'lambda-concurrency')).toMatchObject({ status: 'PASS', detail: '10 unreserved of 10; controlPlane.reservedConcurrency is "none": nothing reserved' });
  });

  test('when reservedConcurrency is "none" and the quota now allows a reservation, lambda-concurrency WARNs to switch back to 1', async () => {
    // GIVEN: the beforeEach account (1000 unreserved)
    const none = { ...config, controlPlane: { ...config.controlPlane, reservedConcurrency: 'none' as const } };
    // WHEN
    const results = await runPreflight(none, motoClients);
    // THEN
    expect(results.find((r) => r.check === 'lambda-concurrency')).toMatchObject({
      status: 'WARN',
      fix: 'set controlPlane.reservedConcurrency to 1 and deploy again',
    });
  });

  test('when shieldAdvanced is true and the subscription is INACTIVE, shield-advanced FAILs', async () => {
    // GIVEN
    shield.on(GetSubscriptionStateCommand).resolves({ SubscriptionState: 'INACTIVE' });
    // WHEN
    const results = await runPreflight(config, motoClients);
    // THEN
    expect(results.find((r) => r.check === 'shield-advanced')).toMatchObject({ status: 'FAIL', detail: 'protection.shieldAdvanced is true but the subscription is INACTIVE' });
  });

  test('when a quota cannot be read, it WARNs instead of passing or failing', async () => {
    // GIVEN
    quotas.on(GetServiceQuotaCommand, q(QUOTA_CODES.vpnConnections)).rejects(Object.assign(new Error('no'), { name: 'NoSuchResourceException' }));
    // WHEN
    const results = await runPreflight(config, motoClients);
    // THEN
    expect(results.filter((r) => r.check === 'vpn-quota').map((r) => r.status)).toEqual(['WARN', 'WARN', 'WARN']);
  });

  test('when the arguments are bad, it exits 2 through the CLI', async () => {
    // WHEN / THEN
    await expect(PREFLIGHT_COMMAND.run(['--bogus'], { env: {}, io: { stdout: () => undefined, stderr: () => undefined }, usage: '' })).rejects.toThrow(/Unknown option '--bogus'/);
  });
});
