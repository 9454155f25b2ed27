/**
 * Cuts an aws cluster off with network ACL entries (the internet and the block-producer path, each on its own)
 * and undoes exactly what was cut.
 *
 * Why network ACLs and not the NLB security group: security groups track connections, and "when you change a
 * security group rule, its tracked connections are not immediately interrupted"; to stop traffic at once, use
 * a network ACL, which is stateless: "adding a network ACL that blocks traffic in either direction breaks
 * existing connections" (EC2 User Guide, "Amazon EC2 security group connection tracking"). A p2p session lasts
 * hours: revoking SG ingress left every established session (the attacker's included) and the NAT egress open.
 *
 * Layout: fixed rule numbers from nacl-plan.ts (allows that must survive below the denies). Speed: one round of
 * describes (ACLs, VPC, route tables, in parallel), then every entry and propagation change in parallel, so
 * the cut is in force two round trips after the effect starts.
 *
 * Exactness and crash safety:
 * - The plan (which entry at which number) is a pure function of the published ids, the VPC's CIDRs and the
 *   config, computed BEFORE any call: a re-run after a crash plans the same entries, recognises those already
 *   there, and returns the same record, so restore knows what to remove.
 * - A rule number in our sub-ranges held by an entry that is not ours is refused before any change is made.
 * - When AWS rejects some entries and accepts others, the effect fails with a {@link PartialCutError} that
 *   carries what IS in force; the engine records it, the job fails and is retried, and undo removes exactly it.
 * - Route tables whose propagation we disable are tagged `seedshield:propagation-disabled` = VGW id first.
 * - Records written before this layout (SG ingress revocations, deny-only entries) are still undone exactly.
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
  DescribeVpcsCommand,
  DisableVgwRoutePropagationCommand,
  EC2Client,
  EnableVgwRoutePropagationCommand,
  type IpPermission,
  type NetworkAcl,
  type RouteTable,
  type SecurityGroup,
  type Vpc,
} from '@aws-sdk/client-ec2';
import type { RuntimeTopology, TopologyCluster } from '../../lib/config/topology';
import type { AddedNaclEntry, IsolationRecord, RevokedIngressRule } from '../core/types';
import { ActuatorError, PartialCutError, ResourceDiscoveryError } from '../errors';

export { PartialCutError };
import { awsCall, awsErrorCode } from './aws-call';
import type { ClusterResourceDiscovery, ClusterResources } from './discovery';
import {
  blockProducerCutPlan,
  internetCutPlan,
  isPlannedEntry,
  NaclPlanError,
  RESERVED_RULE_MAX,
  RESERVED_RULE_MIN,
  type NaclPlanInput,
  type PlannedNaclEntry,
} from './nacl-plan';

/** First rule number of the range reserved for the control plane (the cluster's allows start at 1000). */
export const DENY_RULE_MIN = RESERVED_RULE_MIN;
/** Last rule number of the reserved range. */
export const DENY_RULE_MAX = RESERVED_RULE_MAX;
/** Prefix of the SG tags that stashed revoked ingress rules (records of the earlier SG cut). */
export const REVOKED_INGRESS_TAG_PREFIX = 'seedshield:revoked-ingress:';
/** Tag on a route table whose VPN route propagation seedshield disabled; value: the VGW id. */
export const PROPAGATION_DISABLED_TAG = 'seedshield:propagation-disabled';

/** Site CIDRs the BP path uses. */
export interface SiteCidrs {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** What an undo did. */
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

/** One planned entry that is not in force. */
export interface MissingNaclEntry {
  readonly networkAclId: string;
  readonly egress: boolean;
  readonly ruleNumber: number;
  readonly action: 'allow' | 'deny';
  readonly cidr: string;
}

/** How a cluster looks now, for the reconcile to detect divergence from the recorded state. */
export interface IsolationObservation {
  readonly clusterId: string;
  /** The ACLs the cluster stack publishes now (a redeploy may have replaced one). */
  readonly networkAclIds: readonly string[];
  /** Internet-cut entries of the plan absent from those ACLs. */
  readonly missingInternetEntries: readonly MissingNaclEntry[];
  /** BP-cut deny entries of the plan absent from those ACLs. */
  readonly missingDenyEntries: readonly MissingNaclEntry[];
  /** Private route tables that propagate the VGW's routes now. */
  readonly propagatingRouteTableIds: readonly string[];
  /** Every internet-cut entry in force. */
  readonly internetCut: boolean;
  /** Every BP deny entry in force and no private route table propagating the VGW. */
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

/** The cluster as one round of describes shows it. */
interface ClusterView {
  readonly ec2: EC2Client;
  readonly res: ClusterResources;
  readonly acls: readonly NetworkAcl[];
  readonly planInput: NaclPlanInput;
  readonly routeTables: readonly RouteTable[];
}

/** Carries out CUT_INTERNET, CUT_BP_PATH and UNDO_ISOLATION on one deployment's aws clusters. */
export class Ec2IsolationActuator {
  readonly #props: Ec2IsolationActuatorProps;

  constructor(props: Ec2IsolationActuatorProps) {
    this.#props = props;
  }

  /**
   * Cuts the internet, both directions, on the public and private ACLs: allows for the VPC CIDRs and the site
   * CIDRs first, then denies for 0.0.0.0/0 (and ::/0 where the VPC has IPv6). Established flows drop.
   *
   * @returns every entry in force (made now or by an earlier attempt)
   * @throws PartialCutError when AWS rejected some entries; ActuatorError (conflict, AWS), ResourceDiscoveryError
   */
  async cutInternet(clusterId: string, siteCidrs: SiteCidrs = this.#props.topology.siteCidrs): Promise<Pick<IsolationRecord, 'addedNaclEntries'>> {
    const view = await this.#view(clusterId, siteCidrs, false);
    const plan = this.#plan(clusterId, () => internetCutPlan(view.planInput));
    const addedNaclEntries = await applyPlan(view, plan, `internet cut of ${clusterId}`, (entries) => ({ addedNaclEntries: entries }));
    return { addedNaclEntries };
  }

  /**
   * Cuts the block-producer path: a deny per site CIDR, both directions, on the public and private ACLs (from
   * 200, below the internet cut's site allows), and VGW route propagation off on every private route table
   * that has it. All changes at once.
   *
   * @throws PartialCutError when AWS rejected some changes; ActuatorError, ResourceDiscoveryError
   */
  async cutBlockProducerPath(clusterId: string, siteCidrs: SiteCidrs): Promise<Pick<IsolationRecord, 'addedNaclEntries' | 'disabledPropagation'>> {
    const view = await this.#view(clusterId, siteCidrs, true);
    const plan = this.#plan(clusterId, () => blockProducerCutPlan(view.planInput));
    const vgw = view.res.vpnGatewayId;
    const tables = view.routeTables.filter((rt) => {
      const propagating = (rt.PropagatingVgws ?? []).some((p) => p.GatewayId === vgw);
      const taggedByUs = (rt.Tags ?? []).some((t) => t.Key === PROPAGATION_DISABLED_TAG && t.Value === vgw);
      return propagating || taggedByUs; // off before the attack and not ours: not ours to turn back on
    });
    const disabled: { routeTableId: string; gatewayId: string }[] = [];
    const failures: string[] = [];
    const propagation = Promise.all(
      tables.map(async (rt) => {
        const routeTableId = rt.RouteTableId as string;
        try {
          if ((rt.PropagatingVgws ?? []).some((p) => p.GatewayId === vgw)) {
            // Tag first: a crash between the two calls then still records the table.
            await awsCall(`CreateTags ${routeTableId}`, () =>
              view.ec2.send(new CreateTagsCommand({ Resources: [routeTableId], Tags: [{ Key: PROPAGATION_DISABLED_TAG, Value: vgw }] })),
            );
            await awsCall(`DisableVgwRoutePropagation ${routeTableId}`, () =>
              view.ec2.send(new DisableVgwRoutePropagationCommand({ RouteTableId: routeTableId, GatewayId: vgw })),
            );
          }
          disabled.push({ routeTableId, gatewayId: vgw });
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }),
    );
    let entries: AddedNaclEntry[] = [];
    let entryError: unknown;
    try {
      entries = await applyPlan(view, plan, `block-producer cut of ${clusterId}`, (e) => ({ addedNaclEntries: e }));
    } catch (err) {
      entryError = err;
      if (err instanceof PartialCutError) entries = [...((err.isolation as Partial<IsolationRecord>).addedNaclEntries ?? [])];
    }
    await propagation;
    const inForce = { addedNaclEntries: entries, disabledPropagation: sortTables(disabled) };
    if (entryError instanceof PartialCutError || (failures.length > 0 && !entryError)) {
      const why = [...(entryError instanceof Error ? [entryError.message] : []), ...failures].join('; ');
      throw new PartialCutError(`the block-producer cut of ${clusterId} is only partly in force: ${why}`, inForce, { cause: entryError });
    }
    if (entryError) {
      // Refused before any entry was made (conflict, missing ACL): what propagation did is still in force.
      if (disabled.length > 0) throw new PartialCutError(`the block-producer cut of ${clusterId} is only partly in force: ${(entryError as Error).message}`, inForce, { cause: entryError });
      throw entryError;
    }
    return inForce;
  }

  /**
   * Undoes exactly what `record` says was cut: deletes the recorded entries still there (a missing one is
   * fine; a different entry at the same number is left alone), re-enables propagation on the recorded route
   * tables, and re-authorizes SG rules recorded by the earlier SG cut. Deletions run in parallel.
   */
  async undoIsolation(clusterId: string, record: IsolationRecord): Promise<UndoResult> {
    const { ec2 } = await this.#cluster(clusterId);

    const [sgResult, aclResult, enabledPropagation] = await Promise.all([
      undoIngress(ec2, record.revokedIngress ?? []),
      undoEntries(ec2, record.addedNaclEntries ?? []),
      Promise.all(
        (record.disabledPropagation ?? []).map(async (p) => {
          try {
            await ec2.send(new EnableVgwRoutePropagationCommand({ RouteTableId: p.routeTableId, GatewayId: p.gatewayId }));
          } catch (err) {
            if (awsErrorCode(err) === 'InvalidRouteTableID.NotFound') return undefined;
            throw new ActuatorError(`EnableVgwRoutePropagation ${p.routeTableId} failed: ${awsErrorCode(err)}`, { cause: err });
          }
          await awsCall(`DeleteTags ${p.routeTableId}`, () =>
            ec2.send(new DeleteTagsCommand({ Resources: [p.routeTableId], Tags: [{ Key: PROPAGATION_DISABLED_TAG }] })),
          );
          return { routeTableId: p.routeTableId, gatewayId: p.gatewayId };
        }),
      ),
    ]);
    return {
      ...sgResult,
      ...aclResult,
      enabledPropagation: enabledPropagation.filter((p): p is { routeTableId: string; gatewayId: string } => p !== undefined),
    };
  }

  /** Reads how cut the cluster looks now, against the ACLs it publishes now (no changes). */
  async observe(clusterId: string, siteCidrs: SiteCidrs = this.#props.topology.siteCidrs): Promise<IsolationObservation> {
    let view: ClusterView;
    try {
      view = await this.#view(clusterId, siteCidrs, true);
    } catch (err) {
      // A published ACL is gone (a deploy replaced it): #view dropped the cached ids, so read what the stack
      // publishes now at once; the reconcile then sees the new ACL open and the core cuts it again.
      if (!(err instanceof ResourceDiscoveryError)) throw err;
      view = await this.#view(clusterId, siteCidrs, true);
    }
    const missing = (plan: PlannedNaclEntry[]): MissingNaclEntry[] =>
      plan
        .filter((p) => !entriesOf(view.acls, p.networkAclId).some((e) => isPlannedEntry(e, p)))
        .map((p) => ({
          networkAclId: p.networkAclId,
          egress: p.egress,
          ruleNumber: p.ruleNumber,
          action: p.action,
          cidr: (p.cidrBlock ?? p.ipv6CidrBlock) as string,
        }));
    const missingInternetEntries = missing(this.#plan(clusterId, () => internetCutPlan(view.planInput)));
    const missingDenyEntries = missing(this.#plan(clusterId, () => blockProducerCutPlan(view.planInput)));
    const propagatingRouteTableIds = view.routeTables
      .filter((rt) => (rt.PropagatingVgws ?? []).some((p) => p.GatewayId === view.res.vpnGatewayId))
      .map((rt) => rt.RouteTableId as string);
    return {
      clusterId,
      networkAclIds: unique([view.res.publicNetworkAclId, view.res.privateNetworkAclId]),
      missingInternetEntries,
      missingDenyEntries,
      propagatingRouteTableIds,
      internetCut: missingInternetEntries.length === 0,
      blockProducerPathCut: missingDenyEntries.length === 0 && propagatingRouteTableIds.length === 0,
    };
  }

  #plan(clusterId: string, make: () => PlannedNaclEntry[]): PlannedNaclEntry[] {
    try {
      return make();
    } catch (err) {
      if (err instanceof NaclPlanError) throw new ActuatorError(`cannot plan the isolation of ${clusterId}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /**
   * One round of parallel describes: both ACLs, the VPC (its CIDRs decide the allows and whether ::/0 is
   * denied) and, for the BP path, the private route tables. A published ACL that no longer exists means the
   * stack was redeployed since discovery read SSM: the cache is dropped so the retry reads the new ids.
   */
  async #view(clusterId: string, siteCidrs: SiteCidrs, withRouteTables: boolean): Promise<ClusterView> {
    const { ec2, res } = await this.#cluster(clusterId);
    const aclIds = unique([res.publicNetworkAclId, res.privateNetworkAclId]);
    const [acls, knownVpc, routeTables] = await Promise.all([
      describeAcls(ec2, aclIds),
      res.vpcId ? describeVpc(ec2, res.vpcId) : Promise.resolve(undefined),
      withRouteTables ? describeRouteTables(ec2, res.privateRouteTableIds) : Promise.resolve([]),
    ]);
    const found = new Set(acls.map((a) => a.NetworkAclId));
    const gone = aclIds.filter((id) => !found.has(id));
    if (gone.length > 0) {
      this.#props.discovery.invalidate(clusterId);
      throw new ResourceDiscoveryError(`network ACL ${gone.join(', ')} of ${clusterId} no longer exists (the cluster stack was redeployed?); the retry reads the ids the stack publishes now`);
    }
    // Stacks deployed before the VPC id was published: the ACL says which VPC it belongs to.
    const vpc = knownVpc ?? (await describeVpc(ec2, acls[0].VpcId as string));
    if (!vpc) throw new ResourceDiscoveryError(`the VPC of ${clusterId} does not exist; redeploy the cluster stack`);
    const associated = (state?: string) => state === undefined || state === 'associated';
    const vpcIpv4Cidrs = unique([
      ...(vpc.CidrBlock ? [vpc.CidrBlock] : []),
      ...(vpc.CidrBlockAssociationSet ?? []).filter((a) => associated(a.CidrBlockState?.State) && a.CidrBlock).map((a) => a.CidrBlock as string),
    ]);
    const vpcIpv6Cidrs = unique(
      (vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => associated(a.Ipv6CidrBlockState?.State) && a.Ipv6CidrBlock).map((a) => a.Ipv6CidrBlock as string),
    );
    return {
      ec2,
      res,
      acls,
      routeTables,
      planInput: { networkAclIds: aclIds, vpcIpv4Cidrs, vpcIpv6Cidrs, siteIpv4Cidrs: siteCidrs.ipv4, siteIpv6Cidrs: siteCidrs.ipv6 },
    };
  }

  async #cluster(clusterId: string): Promise<{ ec2: EC2Client; res: ClusterResources; cluster: TopologyCluster }> {
    const cluster = this.#props.topology.clusters.find((c) => c.id === clusterId);
    if (!cluster) throw new ResourceDiscoveryError(`cluster ${clusterId} is not in the topology`);
    const res = await this.#props.discovery.resources(cluster);
    return { ec2: this.#props.ec2(res.region), res, cluster };
  }
}

/**
 * Makes every planned entry not already in force, all in parallel.
 *
 * Before any change: an entry of someone else at one of our numbers is a conflict, and nothing is made (no
 * half cut). After: if AWS rejected some creates, a PartialCutError carries the entries in force.
 */
async function applyPlan(
  view: ClusterView,
  plan: readonly PlannedNaclEntry[],
  what: string,
  partial: (entries: AddedNaclEntry[]) => Partial<IsolationRecord>,
): Promise<AddedNaclEntry[]> {
  const already: PlannedNaclEntry[] = [];
  const toMake: PlannedNaclEntry[] = [];
  const conflicts: string[] = [];
  for (const p of plan) {
    const there = entriesOf(view.acls, p.networkAclId).find((e) => e.RuleNumber === p.ruleNumber && e.Egress === p.egress);
    if (!there) toMake.push(p);
    else if (isPlannedEntry(there, p)) already.push(p);
    else conflicts.push(`${p.networkAclId} ${p.egress ? 'outbound' : 'inbound'} rule ${p.ruleNumber} holds ${there.RuleAction} ${there.CidrBlock ?? there.Ipv6CidrBlock} (protocol ${there.Protocol})`);
  }
  if (conflicts.length > 0) {
    throw new ActuatorError(
      `${what} refused, nothing changed: rule numbers reserved for seedshield hold other entries: ${conflicts.join('; ')}. Fix: delete those entries (rules ${RESERVED_RULE_MIN}-${RESERVED_RULE_MAX} belong to the control plane), then retry`,
    );
  }
  const results = await Promise.allSettled(
    toMake.map((p) =>
      awsCall(`CreateNetworkAclEntry ${p.networkAclId} ${p.egress ? 'egress' : 'ingress'} #${p.ruleNumber}`, () =>
        view.ec2.send(
          new CreateNetworkAclEntryCommand({
            NetworkAclId: p.networkAclId,
            RuleNumber: p.ruleNumber,
            Egress: p.egress,
            Protocol: '-1',
            RuleAction: p.action,
            ...(p.ipv6CidrBlock ? { Ipv6CidrBlock: p.ipv6CidrBlock } : { CidrBlock: p.cidrBlock }),
          }),
        ),
      ),
    ),
  );
  const made = toMake.filter((_, i) => results[i].status === 'fulfilled');
  const inForce = [...already, ...made].map(toRecord);
  const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (rejected.length > 0) {
    const reasons = rejected.map((e) => (e instanceof Error ? e.message : String(e)));
    throw new PartialCutError(`${what} is only partly in force (${inForce.length} of ${plan.length} entries): ${reasons.join('; ')}`, partial(inForce), {
      cause: rejected[0],
    });
  }
  return inForce;
}

function toRecord(p: PlannedNaclEntry): AddedNaclEntry {
  return {
    networkAclId: p.networkAclId,
    ruleNumber: p.ruleNumber,
    egress: p.egress,
    ruleAction: p.action,
    ...(p.ipv6CidrBlock ? { ipv6CidrBlock: p.ipv6CidrBlock } : { cidrBlock: p.cidrBlock }),
  };
}

function entriesOf(acls: readonly NetworkAcl[], aclId: string) {
  return acls.find((a) => a.NetworkAclId === aclId)?.Entries ?? [];
}

function sortTables<T extends { routeTableId: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => a.routeTableId.localeCompare(b.routeTableId));
}

/**
 * Deletes the recorded entries still there. moto answers HTTP 500 (which the SDK retries as transient) for a
 * missing entry, where AWS answers InvalidNetworkAclEntry.NotFound: describe first and only delete what is there.
 */
async function undoEntries(ec2: EC2Client, recorded: readonly AddedNaclEntry[]) {
  const deletedNaclEntries: AddedNaclEntry[] = [];
  const missingNaclEntries: AddedNaclEntry[] = [];
  const foreignNaclEntries: AddedNaclEntry[] = [];
  if (recorded.length === 0) return { deletedNaclEntries, missingNaclEntries, foreignNaclEntries };
  const acls = await describeAcls(ec2, unique(recorded.map((e) => e.networkAclId)));
  const toDelete: AddedNaclEntry[] = [];
  for (const entry of recorded) {
    const there = entriesOf(acls, entry.networkAclId).find((e) => e.RuleNumber === entry.ruleNumber && e.Egress === entry.egress);
    if (!there) missingNaclEntries.push(entry);
    else if (!isPlannedEntry(there, { ...entry, action: entry.ruleAction ?? 'deny' })) foreignNaclEntries.push(entry);
    else toDelete.push(entry);
  }
  // Denies first, then the allows below them: never a moment where an allow is gone and its deny still there.
  const denies = toDelete.filter((e) => (e.ruleAction ?? 'deny') === 'deny');
  const allows = toDelete.filter((e) => e.ruleAction === 'allow');
  for (const batch of [denies, allows]) {
    await Promise.all(
      batch.map((entry) =>
        awsCall(`DeleteNetworkAclEntry ${entry.networkAclId} #${entry.ruleNumber}`, () =>
          ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: entry.networkAclId, RuleNumber: entry.ruleNumber, Egress: entry.egress })),
        ),
      ),
    );
    deletedNaclEntries.push(...batch);
  }
  return { deletedNaclEntries, missingNaclEntries, foreignNaclEntries };
}

/** Re-authorizes SG ingress rules an earlier (security-group) cut recorded, then removes its stash tags. */
async function undoIngress(ec2: EC2Client, recorded: readonly RevokedIngressRule[]) {
  const reauthorizedIngress: RevokedIngressRule[] = [];
  const alreadyPresentIngress: RevokedIngressRule[] = [];
  for (const [groupId, rules] of groupBy(recorded, (r) => r.groupId)) {
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
  return { reauthorizedIngress, alreadyPresentIngress };
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

async function describeGroup(ec2: EC2Client, groupId: string): Promise<SecurityGroup> {
  const out = await awsCall(`DescribeSecurityGroups ${groupId}`, () => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })));
  const sg = out.SecurityGroups?.[0];
  if (!sg) throw new ResourceDiscoveryError(`security group ${groupId} does not exist; redeploy the cluster stack`);
  return sg;
}

/**
 * The ACLs that exist among `ids`: one call per ACL, in parallel (same latency as one call), so a replaced
 * (deleted) ACL is simply absent instead of failing the lookup of the other. moto answers a missing ACL id
 * with `InvalidRouteTableID.NotFound` where AWS says `InvalidNetworkAclID.NotFound`.
 */
async function describeAcls(ec2: EC2Client, ids: readonly string[]): Promise<NetworkAcl[]> {
  const each = await Promise.all(
    ids.map(async (id) => {
      try {
        return (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [id] }))).NetworkAcls ?? [];
      } catch (err) {
        const code = awsErrorCode(err);
        if (code === 'InvalidNetworkAclID.NotFound' || code === 'InvalidRouteTableID.NotFound') return [];
        throw new ActuatorError(`DescribeNetworkAcls ${id} failed: ${code}`, { cause: err });
      }
    }),
  );
  return each.flat();
}

async function describeVpc(ec2: EC2Client, vpcId: string): Promise<Vpc | undefined> {
  try {
    const out = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    return out.Vpcs?.[0];
  } catch (err) {
    if (awsErrorCode(err) === 'InvalidVpcID.NotFound') return undefined;
    throw new ActuatorError(`DescribeVpcs ${vpcId} failed: ${awsErrorCode(err)}`, { cause: err });
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
