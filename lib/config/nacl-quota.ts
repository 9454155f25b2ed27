/**
 * Whether an isolation fits the network ACL rule quota: checked at config time, so a cut never meets a full
 * ACL at run time (where AWS would reject the entries over the quota and the cut would stay half made).
 *
 * Amazon VPC quota "Rules per network ACL": 20 inbound and 20 outbound by default, adjustable up to 40 (the
 * default rule `*` is not counted). Each cut adds its entries in both directions on the public and the
 * private ACL, so the count per ACL per direction is what must fit.
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-nacls
 *
 * Pure: no aws-cdk-lib, no AWS SDK.
 */
import type { ConfigProblem } from './load';
import type { SeedshieldConfig } from './schema';

/** The AWS default of "Rules per network ACL" (per direction). */
export const DEFAULT_NETWORK_ACL_RULE_QUOTA = 20;
/** The most AWS grants for "Rules per network ACL" (per direction). */
export const MAX_NETWORK_ACL_RULE_QUOTA = 40;

/**
 * Entries the cluster stack itself puts in each of its ACLs, per direction: the allow-all at rule 1000
 * (`SeedCluster.allowAllNetworkAcl`; a construct test keeps the two in step).
 */
export const PERMANENT_NACL_ENTRIES_PER_DIRECTION = 1;

/** The entries of one ACL, per direction, when both cuts are in force (see lambdas/actuators/nacl-plan.ts). */
export interface NaclEntryCount {
  readonly permanent: number;
  /** VPC CIDR allows (100s): the cluster VPC is IPv4-only (`vpcCidr`). */
  readonly vpcAllows: number;
  /** Site CIDR denies (200s), IPv4 and IPv6. */
  readonly siteDenies: number;
  /** Site CIDR allows (300s), IPv4 and IPv6. */
  readonly siteAllows: number;
  /** Internet denies (900s): 0.0.0.0/0 (::/0 only where the VPC has IPv6, which cluster VPCs do not). */
  readonly internetDenies: number;
  readonly total: number;
}

/**
 * The worst case per ACL and direction: the permanent entries plus every entry of both cuts. Both cuts count
 * whatever `controlPlane.isolation` says, because an operator isolation cuts what the policy allows and a
 * config change must not make an ACL that was full yesterday overflow today.
 */
export function worstCaseNaclEntries(config: Pick<SeedshieldConfig, 'sites'>): NaclEntryCount {
  const siteCidrs = config.sites.reduce((n, s) => n + s.cidrs.ipv4.length + s.cidrs.ipv6.length, 0);
  const count = { permanent: PERMANENT_NACL_ENTRIES_PER_DIRECTION, vpcAllows: 1, siteDenies: siteCidrs, siteAllows: siteCidrs, internetDenies: 1 };
  return { ...count, total: count.permanent + count.vpcAllows + count.siteDenies + count.siteAllows + count.internetDenies };
}

/** A problem when the worst case does not fit `controlPlane.isolation.networkAclRuleQuota`, naming the fix. */
export function naclQuotaProblems(config: SeedshieldConfig): ConfigProblem[] {
  const quota = config.controlPlane.isolation.networkAclRuleQuota;
  const n = worstCaseNaclEntries(config);
  if (n.total <= quota) return [];
  const siteCidrs = n.siteDenies;
  const fitsSites = Math.floor((quota - n.permanent - n.vpcAllows - n.internetDenies) / 2);
  return [
    {
      path: 'controlPlane.isolation.networkAclRuleQuota',
      message:
        `an isolation needs ${n.total} entries per direction in each cluster network ACL (${n.permanent} permanent, ${n.vpcAllows} VPC allow, ` +
        `${siteCidrs} site denies and ${siteCidrs} site allows for the ${siteCidrs} site CIDRs, ${n.internetDenies} internet deny), more than the quota of ${quota}. ` +
        `Fix: list at most ${fitsSites} site CIDRs in total (sites[].cidrs), or raise the Amazon VPC quota "Rules per network ACL" (Service Quotas, up to ${MAX_NETWORK_ACL_RULE_QUOTA}) in every cluster region and set networkAclRuleQuota to the value granted`,
    },
  ];
}
