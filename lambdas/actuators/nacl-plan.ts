/**
 * The network ACL layout of an isolation: which entries each cut adds, at FIXED rule numbers.
 *
 * Network ACL entries are processed "in ascending order by rule number" and the first match decides (VPC User
 * Guide, "Network ACL rules"), so what must keep working during a cut sits in sub-ranges BELOW the denies.
 * Numbers are a pure function of the entry's role and its index in the config, never allocated first-free:
 * a retry, a second Lambda or an operator reading the ACL all see the same layout, and a number held by
 * someone else's entry is a conflict we refuse before changing anything, not a reason to shift ours.
 *
 * Rules 1..999 of the cluster ACLs belong to the control plane; the cluster stack's own allows are at >= 1000.
 *
 * | rules   | action | what                               | added by      | why                                   |
 * |---------|--------|------------------------------------|---------------|---------------------------------------|
 * | 100-199 | allow  | every VPC CIDR (IPv4 and IPv6)     | CUT_INTERNET  | NLB health checks, jumpbox to nodes, VPC endpoints |
 * | 200-299 | deny   | every site CIDR                    | CUT_BP_PATH   | the block-producer path               |
 * | 300-399 | allow  | every site CIDR                    | CUT_INTERNET  | an internet-only cut keeps the BP path; a BP cut's denies (200s) still win |
 * | 900-901 | deny   | 0.0.0.0/0, ::/0 (IPv6 VPCs only)   | CUT_INTERNET  | the internet, established flows included |
 *
 * Each cut adds its rows in both directions on the public and the private ACL. The two cuts never share an
 * entry, so either can be in force alone and undoing one record removes exactly its entries.
 *
 * Pure: no AWS SDK (the drill's reachability model and the tests import it).
 */
import { SeedshieldError } from '../errors';

/** First rule number of the range reserved for the control plane. */
export const RESERVED_RULE_MIN = 1;
/** Last rule number of the reserved range (the cluster's own allows start at 1000). */
export const RESERVED_RULE_MAX = 999;

/** The fixed sub-ranges, first rule number of each and its size. */
export const NACL_SUB_RANGES = {
  vpcAllow: { first: 100, size: 100, action: 'allow' },
  siteDeny: { first: 200, size: 100, action: 'deny' },
  siteAllow: { first: 300, size: 100, action: 'allow' },
  internetDeny: { first: 900, size: 2, action: 'deny' },
} as const;
export type NaclSubRange = keyof typeof NACL_SUB_RANGES;

/** One entry an isolation adds (all protocols, all ports). */
export interface PlannedNaclEntry {
  readonly networkAclId: string;
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly action: 'allow' | 'deny';
  readonly cidrBlock?: string;
  readonly ipv6CidrBlock?: string;
  /** Which sub-range (and so which cut) the entry belongs to. */
  readonly range: NaclSubRange;
}

/** What a cut plan needs to know about the cluster. */
export interface NaclPlanInput {
  /** The public and private ACL ids (the same id once is fine). */
  readonly networkAclIds: readonly string[];
  /** Every IPv4 CIDR of the VPC (primary first). */
  readonly vpcIpv4Cidrs: readonly string[];
  /** Every IPv6 CIDR of the VPC; empty when it has none (then `::/0` is not denied). */
  readonly vpcIpv6Cidrs: readonly string[];
  readonly siteIpv4Cidrs: readonly string[];
  readonly siteIpv6Cidrs: readonly string[];
}

/** Thrown when a plan cannot fit its sub-range (too many CIDRs in the config). */
export class NaclPlanError extends SeedshieldError {
  readonly code: string = 'NACL_PLAN';
}

const isV6 = (cidr: string) => cidr.includes(':');

function rows(range: NaclSubRange, cidrs: readonly string[], input: NaclPlanInput): PlannedNaclEntry[] {
  const sub = NACL_SUB_RANGES[range];
  if (cidrs.length > sub.size) {
    throw new NaclPlanError(`${cidrs.length} CIDRs do not fit the ${range} sub-range (${sub.first}..${sub.first + sub.size - 1}); list at most ${sub.size}`);
  }
  const out: PlannedNaclEntry[] = [];
  for (const networkAclId of [...new Set(input.networkAclIds)]) {
    for (const egress of [false, true]) {
      cidrs.forEach((cidr, i) => {
        out.push({
          networkAclId,
          ruleNumber: sub.first + i,
          egress,
          action: sub.action,
          ...(isV6(cidr) ? { ipv6CidrBlock: cidr } : { cidrBlock: cidr }),
          range,
        });
      });
    }
  }
  return out;
}

/** The entries CUT_INTERNET adds: VPC allows, site allows, then the internet denies. */
export function internetCutPlan(input: NaclPlanInput): PlannedNaclEntry[] {
  const internet = ['0.0.0.0/0', ...(input.vpcIpv6Cidrs.length > 0 ? ['::/0'] : [])];
  return [
    ...rows('vpcAllow', [...input.vpcIpv4Cidrs, ...input.vpcIpv6Cidrs], input),
    ...rows('siteAllow', [...input.siteIpv4Cidrs, ...input.siteIpv6Cidrs], input),
    ...rows('internetDeny', internet, input),
  ];
}

/** The entries CUT_BP_PATH adds: a deny per site CIDR. */
export function blockProducerCutPlan(input: NaclPlanInput): PlannedNaclEntry[] {
  return rows('siteDeny', [...input.siteIpv4Cidrs, ...input.siteIpv6Cidrs], input);
}

/** The sub-range a rule number belongs to, if any. */
export function subRangeOf(ruleNumber: number): NaclSubRange | undefined {
  for (const [name, sub] of Object.entries(NACL_SUB_RANGES) as [NaclSubRange, (typeof NACL_SUB_RANGES)[NaclSubRange]][]) {
    if (ruleNumber >= sub.first && ruleNumber < sub.first + sub.size) return name;
  }
  return undefined;
}

/** An entry as DescribeNetworkAcls shows it (the fields the comparison needs). */
export interface ObservedNaclEntry {
  readonly RuleNumber?: number;
  readonly Egress?: boolean;
  readonly RuleAction?: string;
  readonly Protocol?: string;
  readonly CidrBlock?: string;
  readonly Ipv6CidrBlock?: string;
  readonly PortRange?: { readonly From?: number; readonly To?: number };
}

/** Whether `observed` is exactly the planned entry (same number, direction, action, CIDR, all protocols). */
export function isPlannedEntry(observed: ObservedNaclEntry, planned: Pick<PlannedNaclEntry, 'ruleNumber' | 'egress' | 'action' | 'cidrBlock' | 'ipv6CidrBlock'>): boolean {
  const cidr = planned.ipv6CidrBlock ?? planned.cidrBlock;
  const observedCidr = planned.ipv6CidrBlock ? observed.Ipv6CidrBlock : observed.CidrBlock;
  return (
    observed.RuleNumber === planned.ruleNumber &&
    observed.Egress === planned.egress &&
    observed.RuleAction === planned.action &&
    (observed.Protocol === '-1' || observed.Protocol === 'all') &&
    observedCidr !== undefined &&
    cidr !== undefined &&
    observedCidr.toLowerCase() === cidr.toLowerCase()
  );
}
