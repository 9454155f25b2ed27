/**
 * Cuts an aws cluster off (NLB security group ingress, site CIDRs on the NACLs, VPN route propagation) and
 * undoes exactly what was cut.
 *
 * Crash safety: every cut is recorded on the resource itself BEFORE it is made, so re-running a cut after a
 * crash (when the first run changed AWS but its result was never persisted) returns the same record instead of
 * an empty one, and restore still knows what to put back:
 * - revoked SG rules are stashed as tags on the security group (`seedshield:revoked-ingress:<n>`);
 * - route tables whose propagation we disable are tagged `seedshield:propagation-disabled` = VGW id;
 * - deny entries are self-describing (reserved rule range 100..999, DENY, all protocols, a site CIDR).
 * Restore removes the tags after putting things back.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DeleteTagsCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DisableVgwRoutePropagationCommand,
  EC2Client,
  EnableVgwRoutePropagationCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type NetworkAcl,
  type NetworkAclEntry,
  type RouteTable,
  type SecurityGroup,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { RuntimeTopology, TopologyCluster } from '../../lib/config/topology';
import type { AddedNaclEntry, IsolationRecord, RevokedIngressRule } from '../core/types';
import { ActuatorError, ResourceDiscoveryError } from '../errors';
import { awsCall, awsErrorCode } from './aws-call';
import type { ClusterResourceDiscovery, ClusterResources } from './discovery';

/** First rule number of the range reserved for isolation deny entries (the cluster's allows start at 1000). */
export const DENY_RULE_MIN = 100;
/** Last rule number of the reserved deny range. */
export const DENY_RULE_MAX = 999;
/** Prefix of the SG tags that stash revoked ingress rules. */
export const REVOKED_INGRESS_TAG_PREFIX = 'seedshield:revoked-ingress:';
/** Tag on a route table whose VPN route propagation seedshield disabled; value: the VGW id. */
export const PROPAGATION_DISABLED_TAG = 'seedshield:propagation-disabled';
/** EC2 allows 50 user tags per resource; leave room for the stack's own. */
const MAX_STASHED_RULES = 40;
/** EC2 tag values are at most 256 characters. */
const MAX_TAG_VALUE = 256;

/** Site CIDRs the BP path uses. */
export interface SiteCidrs {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** What a cut or undo did, beyond the isolation record. */
export interface UndoResult {
  readonly reauthorizedIngress: readonly RevokedIngressRule[];
  readonly alreadyPresentIngress: readonly RevokedIngressRule[];
  readonly deletedNaclEntries: readonly AddedNaclEntry[];
  /** Recorded entries no longer there (deleted by hand, or the ACL replaced). */
  readonly missingNaclEntries: readonly AddedNaclEntry[];
  /** Recorded rule numbers now holding a different entry: left alone, it is not ours. */
  readonly foreignNaclEntries: readonly AddedNaclEntry[];
  readonly enabledPropagation: readonly { readonly routeTableId: string; readonly gatewayId: string }[];
}

/** How a cluster looks now, for the reconcile to detect divergence from the recorded state. */
export interface IsolationObservation {
  readonly clusterId: string;
  readonly securityGroupId: string;
  /** Ingress rules the NLB security group has now. */
  readonly ingressRuleCount: number;
  /** Site CIDR deny entries expected on the ACLs but absent. */
  readonly missingDenyEntries: readonly { readonly networkAclId: string; readonly egress: boolean; readonly cidr: string }[];
  /** Private route tables that propagate the VGW's routes now. */
  readonly propagatingRouteTableIds: readonly string[];
  /** No ingress at all on the NLB security group. */
  readonly internetCut: boolean;
  /** Every deny entry present and no private route table propagating the VGW. */
  readonly blockProducerPathCut: boolean;
}

/** Props of {@link Ec2IsolationActuator}. */
export interface Ec2IsolationActuatorProps {
  /** The EC2 client of a region. */
  readonly ec2: (region: string) => EC2Client;
  /** Where cluster resource ids come from. */
  readonly discovery: ClusterResourceDiscovery;
  /** The clusters (region, kind) and site CIDRs. */
  readonly topology: RuntimeTopology;
}

/** Carries out CUT_INTERNET, CUT_BP_PATH and UNDO_ISOLATION on one deployment's aws clusters. */
export class Ec2IsolationActuator {
  readonly #props: Ec2IsolationActuatorProps;

  constructor(props: Ec2IsolationActuatorProps) {
    this.#props = props;
  }

  /**
   * Revokes every ingress permission of the cluster's NLB security group.
   *
   * @returns every rule revoked by this call or, before a crash, by an earlier run of the same cut (from the
   *   stash tags), so the record restore works from is complete either way
   */
  async cutInternet(clusterId: string): Promise<Pick<IsolationRecord, 'revokedIngress'>> {
    const { ec2, res } = await this.#cluster(clusterId);
    const sg = await describeGroup(ec2, res.nlbSecurityGroupId);
    const stashed = stashedRules(sg);
    const current = flattenIngress(res.nlbSecurityGroupId, sg.IpPermissions ?? []);
    const all = dedupeRules([...stashed.rules, ...current]);

    // Stash first: if we crash after the revoke, the tags still say what to put back.
    const toStash = current.filter((r) => !stashed.rules.some((s) => ruleKey(s) === ruleKey(r)));
    if (toStash.length > 0) {
      if (stashed.rules.length + toStash.length > MAX_STASHED_RULES) {
        throw new ActuatorError(
          `security group ${res.nlbSecurityGroupId} has ${stashed.rules.length + toStash.length} ingress rules; at most ${MAX_STASHED_RULES} can be recorded safely`,
        );
      }
      let n = stashed.nextIndex;
      const tags: Tag[] = toStash.map((r) => ({ Key: `${REVOKED_INGRESS_TAG_PREFIX}${n++}`, Value: encodeRule(r) }));
      await awsCall(`CreateTags ${res.nlbSecurityGroupId}`, () =>
        ec2.send(new CreateTagsCommand({ Resources: [res.nlbSecurityGroupId], Tags: tags })),
      );
    }
    if (current.length > 0) {
      await awsCall(`RevokeSecurityGroupIngress ${res.nlbSecurityGroupId}`, () =>
        ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: res.nlbSecurityGroupId, IpPermissions: current.map(toIpPermission) })),
      );
    }
    return { revokedIngress: all };
  }

  /**
   * Denies every site CIDR, ingress and egress, on the public and private NACLs (rule numbers 100..999, before the
   * cluster's allows at >= 1000), and disables VGW route propagation on every private route table that has it.
   *
   * Idempotent: deny entries that already exist identically are recorded, not added again; route tables tagged
   * by an earlier run of the cut are recorded even though their propagation is already off.
   */
  async cutBlockProducerPath(clusterId: string, siteCidrs: SiteCidrs): Promise<Pick<IsolationRecord, 'addedNaclEntries' | 'disabledPropagation'>> {
    const { ec2, res } = await this.#cluster(clusterId);
    const cidrs = siteCidrList(siteCidrs);
    const addedNaclEntries: AddedNaclEntry[] = [];
    for (const aclId of unique([res.publicNetworkAclId, res.privateNetworkAclId])) {
      const acl = await describeAcl(ec2, aclId);
      if (!acl) throw new ResourceDiscoveryError(`network ACL ${aclId} of ${clusterId} does not exist; redeploy the cluster stack`);
      for (const egress of [false, true]) {
        const entries = (acl.Entries ?? []).filter((e) => e.Egress === egress);
        const used = new Set(entries.map((e) => e.RuleNumber));
        let next = DENY_RULE_MIN;
        for (const cidr of cidrs) {
          const existing = entries.find((e) => isOurDeny(e, cidr));
          if (existing) {
            addedNaclEntries.push(naclRecord(aclId, existing.RuleNumber as number, egress, cidr));
            continue;
          }
          while (used.has(next)) next++;
          if (next > DENY_RULE_MAX) {
            throw new ActuatorError(`no free rule number in ${DENY_RULE_MIN}..${DENY_RULE_MAX} on ${aclId} (egress: ${egress})`);
          }
          const ruleNumber = next;
          used.add(ruleNumber);
          await awsCall(`CreateNetworkAclEntry ${aclId} #${ruleNumber}`, () =>
            ec2.send(
              new CreateNetworkAclEntryCommand({
                NetworkAclId: aclId,
                RuleNumber: ruleNumber,
                Egress: egress,
                Protocol: '-1',
                RuleAction: 'deny',
                ...(cidr.v6 ? { Ipv6CidrBlock: cidr.value } : { CidrBlock: cidr.value }),
              }),
            ),
          );
          addedNaclEntries.push(naclRecord(aclId, ruleNumber, egress, cidr));
        }
      }
    }

    const disabledPropagation: { routeTableId: string; gatewayId: string }[] = [];
    const tables = await describeRouteTables(ec2, res.privateRouteTableIds);
    for (const rt of tables) {
      const routeTableId = rt.RouteTableId as string;
      const propagating = (rt.PropagatingVgws ?? []).some((p) => p.GatewayId === res.vpnGatewayId);
      const taggedByUs = (rt.Tags ?? []).some((t) => t.Key === PROPAGATION_DISABLED_TAG && t.Value === res.vpnGatewayId);
      if (!propagating && !taggedByUs) continue; // off before the attack: not ours to turn back on
      if (propagating) {
        // Tag first: a crash between the two calls then still records the table.
        await awsCall(`CreateTags ${routeTableId}`, () =>
          ec2.send(new CreateTagsCommand({ Resources: [routeTableId], Tags: [{ Key: PROPAGATION_DISABLED_TAG, Value: res.vpnGatewayId }] })),
        );
        await awsCall(`DisableVgwRoutePropagation ${routeTableId}`, () =>
          ec2.send(new DisableVgwRoutePropagationCommand({ RouteTableId: routeTableId, GatewayId: res.vpnGatewayId })),
        );
      }
      disabledPropagation.push({ routeTableId, gatewayId: res.vpnGatewayId });
    }
    return { addedNaclEntries, disabledPropagation };
  }

  /**
   * Undoes exactly what `record` says was cut: re-authorizes the revoked rules (a rule already back is fine),
   * deletes the added deny entries still there (a missing one is fine; an entry another actor put at the same
   * rule number is left alone), re-enables propagation on the recorded route tables. Then removes the stash tags.
   */
  async undoIsolation(clusterId: string, record: IsolationRecord): Promise<UndoResult> {
    const { ec2 } = await this.#cluster(clusterId);

    const reauthorizedIngress: RevokedIngressRule[] = [];
    const alreadyPresentIngress: RevokedIngressRule[] = [];
    const byGroup = groupBy(record.revokedIngress ?? [], (r) => r.groupId);
    for (const [groupId, rules] of byGroup) {
      const sg = await describeGroup(ec2, groupId);
      const present = new Set(flattenIngress(groupId, sg.IpPermissions ?? []).map(ruleKey));
      for (const rule of rules) {
        if (present.has(ruleKey(rule))) {
          alreadyPresentIngress.push(rule);
          continue;
        }
        try {
          await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [toIpPermission(rule)] }));
          reauthorizedIngress.push(rule);
        } catch (err) {
          if (awsErrorCode(err) !== 'InvalidPermission.Duplicate') {
            throw new ActuatorError(`AuthorizeSecurityGroupIngress ${groupId} failed: ${awsErrorCode(err)}`, { cause: err });
          }
          alreadyPresentIngress.push(rule);
        }
      }
      const stashKeys = (sg.Tags ?? []).filter((t) => t.Key?.startsWith(REVOKED_INGRESS_TAG_PREFIX)).map((t) => ({ Key: t.Key }));
      if (stashKeys.length > 0) {
        await awsCall(`DeleteTags ${groupId}`, () => ec2.send(new DeleteTagsCommand({ Resources: [groupId], Tags: stashKeys })));
      }
    }

    // moto answers HTTP 500 (which the SDK retries as transient) for a missing entry, where AWS answers
    // InvalidNetworkAclEntry.NotFound: describe first and only delete what is there.
    const deletedNaclEntries: AddedNaclEntry[] = [];
    const missingNaclEntries: AddedNaclEntry[] = [];
    const foreignNaclEntries: AddedNaclEntry[] = [];
    for (const [aclId, entries] of groupBy(record.addedNaclEntries ?? [], (e) => e.networkAclId)) {
      const acl = await describeAcl(ec2, aclId);
      for (const entry of entries) {
        const there = (acl?.Entries ?? []).find((e) => e.RuleNumber === entry.ruleNumber && e.Egress === entry.egress);
        if (!there) {
          missingNaclEntries.push(entry);
          continue;
        }
        const cidr = entry.ipv6CidrBlock ? { value: entry.ipv6CidrBlock, v6: true } : { value: entry.cidrBlock ?? '', v6: false };
        if (!isOurDeny(there, cidr)) {
          foreignNaclEntries.push(entry);
          continue;
        }
        await awsCall(`DeleteNetworkAclEntry ${aclId} #${entry.ruleNumber}`, () =>
          ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: entry.ruleNumber, Egress: entry.egress })),
        );
        deletedNaclEntries.push(entry);
      }
    }

    const enabledPropagation: { routeTableId: string; gatewayId: string }[] = [];
    for (const p of record.disabledPropagation ?? []) {
      try {
        await ec2.send(new EnableVgwRoutePropagationCommand({ RouteTableId: p.routeTableId, GatewayId: p.gatewayId }));
      } catch (err) {
        if (awsErrorCode(err) === 'InvalidRouteTableID.NotFound') continue;
        throw new ActuatorError(`EnableVgwRoutePropagation ${p.routeTableId} failed: ${awsErrorCode(err)}`, { cause: err });
      }
      await awsCall(`DeleteTags ${p.routeTableId}`, () =>
        ec2.send(new DeleteTagsCommand({ Resources: [p.routeTableId], Tags: [{ Key: PROPAGATION_DISABLED_TAG }] })),
      );
      enabledPropagation.push({ routeTableId: p.routeTableId, gatewayId: p.gatewayId });
    }
    return { reauthorizedIngress, alreadyPresentIngress, deletedNaclEntries, missingNaclEntries, foreignNaclEntries, enabledPropagation };
  }

  /** Reads how cut the cluster looks now (no changes). */
  async observe(clusterId: string, siteCidrs: SiteCidrs = this.#props.topology.siteCidrs): Promise<IsolationObservation> {
    const { ec2, res } = await this.#cluster(clusterId);
    const sg = await describeGroup(ec2, res.nlbSecurityGroupId);
    const ingressRuleCount = flattenIngress(res.nlbSecurityGroupId, sg.IpPermissions ?? []).length;
    const missingDenyEntries: { networkAclId: string; egress: boolean; cidr: string }[] = [];
    for (const aclId of unique([res.publicNetworkAclId, res.privateNetworkAclId])) {
      const acl = await describeAcl(ec2, aclId);
      for (const egress of [false, true]) {
        for (const cidr of siteCidrList(siteCidrs)) {
          const found = (acl?.Entries ?? []).some((e) => e.Egress === egress && isOurDeny(e, cidr));
          if (!found) missingDenyEntries.push({ networkAclId: aclId, egress, cidr: cidr.value });
        }
      }
    }
    const tables = await describeRouteTables(ec2, res.privateRouteTableIds);
    const propagatingRouteTableIds = tables
      .filter((rt) => (rt.PropagatingVgws ?? []).some((p) => p.GatewayId === res.vpnGatewayId))
      .map((rt) => rt.RouteTableId as string);
    return {
      clusterId,
      securityGroupId: res.nlbSecurityGroupId,
      ingressRuleCount,
      missingDenyEntries,
      propagatingRouteTableIds,
      internetCut: ingressRuleCount === 0,
      blockProducerPathCut: missingDenyEntries.length === 0 && propagatingRouteTableIds.length === 0,
    };
  }

  async #cluster(clusterId: string): Promise<{ ec2: EC2Client; res: ClusterResources; cluster: TopologyCluster }> {
    const cluster = this.#props.topology.clusters.find((c) => c.id === clusterId);
    if (!cluster) throw new ResourceDiscoveryError(`cluster ${clusterId} is not in the topology`);
    const res = await this.#props.discovery.resources(cluster);
    return { ec2: this.#props.ec2(res.region), res, cluster };
  }
}

// ---------------------------------------------------------------- helpers (exported for tests and the drill)

/** One rule per source of each EC2 `IpPermission`, in the JSON-safe record shape. @internal */
export function flattenIngress(groupId: string, permissions: readonly IpPermission[]): RevokedIngressRule[] {
  const out: RevokedIngressRule[] = [];
  for (const p of permissions) {
    const base = {
      groupId,
      ipProtocol: p.IpProtocol ?? '-1',
      ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
      ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    };
    const desc = (d?: string) => (d ? { description: d } : {});
    for (const r of p.IpRanges ?? []) if (r.CidrIp) out.push({ ...base, cidrIpv4: r.CidrIp, ...desc(r.Description) });
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) out.push({ ...base, cidrIpv6: r.CidrIpv6, ...desc(r.Description) });
    for (const r of p.PrefixListIds ?? []) if (r.PrefixListId) out.push({ ...base, prefixListId: r.PrefixListId, ...desc(r.Description) });
    for (const r of p.UserIdGroupPairs ?? []) if (r.GroupId) out.push({ ...base, referencedGroupId: r.GroupId, ...desc(r.Description) });
  }
  return out;
}

/** The EC2 `IpPermission` of one recorded rule. @internal */
export function toIpPermission(r: RevokedIngressRule): IpPermission {
  const d = r.description !== undefined ? { Description: r.description } : {};
  return {
    IpProtocol: r.ipProtocol,
    ...(r.fromPort !== undefined ? { FromPort: r.fromPort } : {}),
    ...(r.toPort !== undefined ? { ToPort: r.toPort } : {}),
    ...(r.cidrIpv4 ? { IpRanges: [{ CidrIp: r.cidrIpv4, ...d }] } : {}),
    ...(r.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: r.cidrIpv6, ...d }] } : {}),
    ...(r.prefixListId ? { PrefixListIds: [{ PrefixListId: r.prefixListId, ...d }] } : {}),
    ...(r.referencedGroupId ? { UserIdGroupPairs: [{ GroupId: r.referencedGroupId, ...d }] } : {}),
  };
}

/** Identity of a rule (description excluded: EC2 treats rules differing only in description as the same). */
function ruleKey(r: RevokedIngressRule): string {
  return [r.groupId, r.ipProtocol, r.fromPort ?? '', r.toPort ?? '', r.cidrIpv4 ?? '', r.cidrIpv6 ?? '', r.prefixListId ?? '', r.referencedGroupId ?? ''].join('|');
}

function dedupeRules(rules: readonly RevokedIngressRule[]): RevokedIngressRule[] {
  const seen = new Map<string, RevokedIngressRule>();
  for (const r of rules) if (!seen.has(ruleKey(r))) seen.set(ruleKey(r), r);
  return [...seen.values()];
}

/** Compact JSON of a rule for a stash tag; drops the description if the tag value would be too long. */
function encodeRule(r: RevokedIngressRule): string {
  const compact = { p: r.ipProtocol, f: r.fromPort, t: r.toPort, c4: r.cidrIpv4, c6: r.cidrIpv6, pl: r.prefixListId, g: r.referencedGroupId, d: r.description };
  let value = JSON.stringify(compact);
  if (value.length > MAX_TAG_VALUE) value = JSON.stringify({ ...compact, d: undefined });
  return value;
}

function stashedRules(sg: SecurityGroup): { rules: RevokedIngressRule[]; nextIndex: number } {
  const rules: RevokedIngressRule[] = [];
  let nextIndex = 0;
  for (const t of sg.Tags ?? []) {
    if (!t.Key?.startsWith(REVOKED_INGRESS_TAG_PREFIX) || !t.Value) continue;
    nextIndex = Math.max(nextIndex, Number(t.Key.slice(REVOKED_INGRESS_TAG_PREFIX.length)) + 1 || 0);
    try {
      const c = JSON.parse(t.Value) as Record<string, unknown>;
      const opt = <K extends string>(k: K, v: unknown) => (v === undefined || v === null ? {} : { [k]: v });
      rules.push({
        groupId: sg.GroupId as string,
        ipProtocol: String(c.p),
        ...opt('fromPort', c.f),
        ...opt('toPort', c.t),
        ...opt('cidrIpv4', c.c4),
        ...opt('cidrIpv6', c.c6),
        ...opt('prefixListId', c.pl),
        ...opt('referencedGroupId', c.g),
        ...opt('description', c.d),
      } as RevokedIngressRule);
    } catch {
      // A tag someone edited by hand: ignore it rather than fail the cut.
    }
  }
  return { rules, nextIndex };
}

interface Cidr {
  readonly value: string;
  readonly v6: boolean;
}

function siteCidrList(s: SiteCidrs): Cidr[] {
  return [...s.ipv4.map((value) => ({ value, v6: false })), ...s.ipv6.map((value) => ({ value, v6: true }))];
}

/** Whether an entry is one of our deny entries for `cidr`: reserved range, DENY, every protocol, same CIDR. */
function isOurDeny(e: NetworkAclEntry, cidr: Cidr): boolean {
  const n = e.RuleNumber ?? -1;
  const entryCidr = cidr.v6 ? e.Ipv6CidrBlock : e.CidrBlock;
  return (
    n >= DENY_RULE_MIN &&
    n <= DENY_RULE_MAX &&
    e.RuleAction === 'deny' &&
    (e.Protocol === '-1' || e.Protocol === 'all') &&
    entryCidr !== undefined &&
    entryCidr.toLowerCase() === cidr.value.toLowerCase()
  );
}

function naclRecord(networkAclId: string, ruleNumber: number, egress: boolean, cidr: Cidr): AddedNaclEntry {
  return { networkAclId, ruleNumber, egress, ...(cidr.v6 ? { ipv6CidrBlock: cidr.value } : { cidrBlock: cidr.value }) };
}

async function describeGroup(ec2: EC2Client, groupId: string): Promise<SecurityGroup> {
  const out = await awsCall(`DescribeSecurityGroups ${groupId}`, () => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })));
  const sg = out.SecurityGroups?.[0];
  if (!sg) throw new ResourceDiscoveryError(`security group ${groupId} does not exist; redeploy the cluster stack`);
  return sg;
}

/** The ACL, or undefined when it does not exist. */
async function describeAcl(ec2: EC2Client, aclId: string): Promise<NetworkAcl | undefined> {
  try {
    const out = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }));
    return out.NetworkAcls?.[0];
  } catch (err) {
    if (awsErrorCode(err) === 'InvalidNetworkAclID.NotFound') return undefined;
    throw new ActuatorError(`DescribeNetworkAcls ${aclId} failed: ${awsErrorCode(err)}`, { cause: err });
  }
}

async function describeRouteTables(ec2: EC2Client, ids: readonly string[]): Promise<RouteTable[]> {
  if (ids.length === 0) return [];
  const out = await awsCall(`DescribeRouteTables ${ids.join(',')}`, () => ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [...ids] })));
  return out.RouteTables ?? [];
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}
