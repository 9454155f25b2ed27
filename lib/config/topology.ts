/**
 * The runtime topology: the part of the configuration the control plane needs at run time, derived from the
 * validated config. The control-plane stack hands it to the Lambdas (environment), the CLI and the drill
 * derive it from the same config file, so all three act on the same picture.
 *
 * Pure: imports only types from the schema, so Lambda bundles stay small.
 */
import type { FindingRule } from '../../lambdas/core/finding-policy';
import type { SeedshieldConfig } from './schema';

/** A seed cluster as the control plane sees it. */
export interface TopologyCluster {
  readonly id: string;
  /** `aws`: a seedshield VPC the control plane can cut; `external`: DNS weight is its only lever. */
  readonly kind: 'aws' | 'external';
  /** Region of the cluster's resources (aws clusters only). */
  readonly region?: string;
  /** Account of the cluster's resources (aws clusters only). */
  readonly account?: string;
  /** Route 53 weight when fully in service. */
  readonly baseWeight: number;
  /** Whether this cluster counts towards `minHealthyClusters`. */
  readonly countsTowardsMinimum: boolean;
  /**
   * The record types of its weighted record set. Route 53 weighs each type as its own group, so the
   * all-weights-zero rule holds per type.
   * @default ['A']
   */
  readonly recordTypes?: readonly ('A' | 'AAAA')[];
}

/** Tunables of the safety policy, in minutes and counts. */
export interface TopologyPolicy {
  readonly minHealthyClusters: number;
  readonly cooldownMinutes: number;
  readonly quietPeriodMinutes: number;
  readonly maxIsolationsPerWindow: number;
  readonly isolationWindowMinutes: number;
  readonly restoreRampPercent: readonly number[];
  readonly restoreRampStepMinutes: number;
  readonly cutInternet: boolean;
  readonly cutBlockProducerPath: boolean;
  /**
   * When a `ddos` alarm isolates: on its own (`always`), or only with corroboration (`with-impact`).
   * @default 'always'
   */
  readonly isolateOnDdos?: 'always' | 'with-impact';
  /** How far apart a DDoS reading and its corroboration may be, minutes. @default 30 */
  readonly ddosImpactWindowMinutes?: number;
  /** Pin lifetime when the operator gives neither `--for` nor `--until`. @default 240 (see core/policy.ts) */
  readonly pinDefaultMinutes?: number;
  /** Longest pin an operator may set. @default 1440 (see core/policy.ts) */
  readonly pinMaxMinutes?: number;
  /** Minutes an alarm may sit in INSUFFICIENT_DATA (holding its cluster) before on-call is paged. @default 15 */
  readonly insufficientDataPageMinutes?: number;
}

/** Everything the control plane needs to know about the deployment. */
export interface RuntimeTopology {
  readonly clusters: readonly TopologyCluster[];
  readonly dns: { readonly hostedZoneId: string; readonly recordName: string; readonly ttlSeconds: number };
  /** Site CIDRs the BP path uses (isolation denies them on the cluster NACLs). */
  readonly siteCidrs: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
  readonly policy: TopologyPolicy;
  /**
   * The config's GuardDuty finding rules, checked before the built-in finding policy.
   * @default - the built-in policy only
   */
  readonly findingPolicy?: readonly FindingRule[];
}

/** Derives the runtime topology from the validated config. */
export function toRuntimeTopology(config: SeedshieldConfig): RuntimeTopology {
  const cp = config.controlPlane;
  const external = [config.physicalSeedCluster, ...config.externalClusters];
  return {
    clusters: [
      ...config.clusters.map((c) => ({
        id: c.id,
        kind: 'aws' as const,
        region: c.region,
        account: c.account,
        baseWeight: c.weight,
        countsTowardsMinimum: true,
        recordTypes: ['A'] as const,
      })),
      ...external.map((c) => ({
        id: c.id,
        kind: 'external' as const,
        baseWeight: c.weight,
        countsTowardsMinimum: cp.countExternalClustersTowardsMinimum,
        recordTypes: c.endpoints.some((e) => e.ipv6 !== undefined) ? (['A', 'AAAA'] as const) : (['A'] as const),
      })),
    ],
    dns: { hostedZoneId: config.dns.hostedZoneId, recordName: config.dns.recordName, ttlSeconds: config.dns.ttlSeconds },
    siteCidrs: {
      ipv4: config.sites.flatMap((s) => s.cidrs.ipv4),
      ipv6: config.sites.flatMap((s) => s.cidrs.ipv6),
    },
    policy: {
      minHealthyClusters: cp.minHealthyClusters,
      cooldownMinutes: cp.cooldownMinutes,
      quietPeriodMinutes: cp.quietPeriodMinutes,
      maxIsolationsPerWindow: cp.maxIsolationsPerWindow,
      isolationWindowMinutes: cp.isolationWindowMinutes,
      restoreRampPercent: cp.restoreRampPercent,
      restoreRampStepMinutes: cp.restoreRampStepMinutes,
      cutInternet: cp.isolation.cutInternet,
      cutBlockProducerPath: cp.isolation.cutBlockProducerPath,
      isolateOnDdos: config.protection.isolateOnDdos,
      ddosImpactWindowMinutes: config.protection.ddosImpactWindowMinutes,
      pinDefaultMinutes: cp.pins.defaultHours * 60,
      pinMaxMinutes: cp.pins.maxHours * 60,
      insufficientDataPageMinutes: cp.insufficientDataPageMinutes,
    },
    findingPolicy: toFindingRules(config),
  };
}

/** The config's finding rules in the core's shape; ids and sources point back at the config entry. */
export function toFindingRules(config: SeedshieldConfig): FindingRule[] {
  return config.protection.guardDuty.findingPolicy.map((r, i) => {
    const where = `protection.guardDuty.findingPolicy[${i}]`;
    return {
      id: where,
      type: r.type,
      ...(r.role ? { role: r.role } : {}),
      ...(r.direction ? { direction: r.direction } : {}),
      class: r.class,
      explanation: r.reason,
      source: `seedshield.config.json ${where}`,
      ...(r.suppress ? { suppress: true } : {}),
    };
  });
}
