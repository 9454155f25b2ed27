/**
 * What an account needs before `cdk deploy --all`: ONE list, read by `seedshield preflight` (which checks
 * each item) and rendered into README's "Deploy on a real account" checklist (a test keeps the two equal).
 */
import { SeedshieldError } from '../../lambdas/errors';
import type { SeedshieldConfig } from '../config/schema';

/** One prerequisite: its id (the preflight check's name), what it asks for and how to fix it. */
export interface Prerequisite {
  readonly id: string;
  /** The checklist line. */
  readonly requirement: string;
  /** What to do when it is not met. */
  readonly fix: string;
}

/** Service Quotas codes preflight reads (per cluster region). */
export const QUOTA_CODES = {
  /** EC2-VPC Elastic IPs (default 5 per Region). */
  elasticIps: { serviceCode: 'ec2', quotaCode: 'L-0263D0A3' },
  /** NAT gateways per Availability Zone (default 5). */
  natGatewaysPerAz: { serviceCode: 'vpc', quotaCode: 'L-FE5A380F' },
  /** Site-to-Site VPN connections per Region (default 50). */
  vpnConnections: { serviceCode: 'ec2', quotaCode: 'L-3E6EC3A3' },
} as const;

/** Lambda keeps this much of the account's concurrency unreserved; a reservation may not eat into it. */
export const LAMBDA_MIN_UNRESERVED_CONCURRENCY = 100;
/** The remediation function reserves this much (one decision at a time) unless `controlPlane.reservedConcurrency` is "none". */
export const REMEDIATION_RESERVED_CONCURRENCY = 1;

/** Every prerequisite, in the order preflight checks them. */
export const PREREQUISITES: readonly Prerequisite[] = [
  { id: 'credentials', requirement: 'Credentials for the account the config names (`controlPlane.account`, every cluster\'s `account`).', fix: 'use a profile of that account (AWS_PROFILE) or fix the account ids in the config' },
  { id: 'bootstrap', requirement: 'CDK bootstrap (version 6 or later) in the home region and every cluster region.', fix: 'npx cdk bootstrap aws://ACCOUNT/REGION for each region listed' },
  { id: 'shield-advanced', requirement: 'An active Shield Advanced subscription when `protection.shieldAdvanced` is true (USD 3,000 a month per organization, one-year commitment, plus data-transfer-out fees).', fix: 'subscribe in the Shield console, or set protection.shieldAdvanced to false' },
  { id: 'eip-quota', requirement: 'Elastic IP quota per cluster region for 2 per AZ (one NLB address, one NAT gateway) on top of the addresses already allocated; the default is 5.', fix: 'request an increase of "EC2-VPC Elastic IPs" (L-0263D0A3) in Service Quotas for the region' },
  { id: 'nat-quota', requirement: 'NAT gateway quota of at least 1 per Availability Zone in every cluster region.', fix: 'request an increase of "NAT gateways per Availability Zone" (L-FE5A380F)' },
  { id: 'vpn-quota', requirement: 'Site-to-Site VPN connection quota per cluster region for 2 per site (one per line).', fix: 'request an increase of "Site-to-Site VPN connections per Region" (L-3E6EC3A3)' },
  { id: 'lambda-concurrency', requirement: `Lambda concurrency in the home region that leaves ${LAMBDA_MIN_UNRESERVED_CONCURRENCY} unreserved after the remediation function reserves ${REMEDIATION_RESERVED_CONCURRENCY} (new accounts often have a total of 10), or \`controlPlane.reservedConcurrency\` set to \`"none"\`.`, fix: `request an increase of "Concurrent executions" (Lambda, L-B99A9384) in the home region to ${LAMBDA_MIN_UNRESERVED_CONCURRENCY + REMEDIATION_RESERVED_CONCURRENCY} or more, or set controlPlane.reservedConcurrency to "none" until it is raised (README: Deploy on a real account, Reserved concurrency)` },
  { id: 'ssm-parameters', requirement: 'Every SSM parameter the config names (customer gateway IPs, block producer peers) in every cluster region, holding a valid address.', fix: 'seedshield params lists each one with the command that creates it' },
  { id: 'peer-key-secret', requirement: 'The nodeos peer-key secret (`nodeos.peerKeySecretName`) in every cluster region.', fix: 'aws secretsmanager create-secret --region REGION --name NAME --secret-string ...' },
  { id: 'guardduty', requirement: 'GuardDuty enabled in every cluster region (compromise detection reads its findings).', fix: 'aws guardduty create-detector --enable --region REGION (or enable it from the organization\'s delegated administrator)' },
  { id: 'hosted-zone', requirement: 'The public hosted zone `dns.hostedZoneId` exists and is `dns.zoneName`.', fix: 'create the zone and delegate it, or fix dns.hostedZoneId / dns.zoneName' },
];

/** A prerequisite id that is not in {@link PREREQUISITES} (a programming error). */
export class UnknownPrerequisiteError extends SeedshieldError {
  readonly code: string = 'UNKNOWN_PREREQUISITE';
}

/** The prerequisite `id`. @throws UnknownPrerequisiteError for an unknown id. */
export function prerequisite(id: string): Prerequisite {
  const p = PREREQUISITES.find((x) => x.id === id);
  if (!p) throw new UnknownPrerequisiteError(`unknown prerequisite ${id}`);
  return p;
}

/** The Markdown checklist README shows (one line per prerequisite). */
export function renderChecklist(): string {
  return PREREQUISITES.map((p) => `- [ ] ${p.requirement} (\`${p.id}\`)`).join('\n');
}

/** What the config needs per cluster region. */
export interface RegionNeeds {
  readonly region: string;
  readonly clusterIds: readonly string[];
  readonly availabilityZones: number;
  readonly elasticIps: number;
  readonly natGatewaysPerAz: number;
  readonly vpnConnections: number;
}

/** Per cluster region: AZs, Elastic IPs (NLB + NAT, one each per AZ), NAT gateways per AZ, VPN connections. */
export function regionNeeds(config: SeedshieldConfig): RegionNeeds[] {
  const byRegion = new Map<string, RegionNeeds>();
  const linesPerCluster = config.sites.reduce((n, s) => n + s.lines.length, 0);
  for (const c of config.clusters) {
    const prev = byRegion.get(c.region);
    const azs = c.availabilityZones.length;
    byRegion.set(c.region, {
      region: c.region,
      clusterIds: [...(prev?.clusterIds ?? []), c.id],
      availabilityZones: Math.max(prev?.availabilityZones ?? 0, azs),
      elasticIps: (prev?.elasticIps ?? 0) + 2 * azs,
      natGatewaysPerAz: (prev?.natGatewaysPerAz ?? 0) + 1,
      vpnConnections: (prev?.vpnConnections ?? 0) + linesPerCluster,
    });
  }
  return [...byRegion.values()];
}
