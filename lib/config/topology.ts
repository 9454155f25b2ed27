/**
 * The runtime topology: the part of the configuration the control plane needs at run time, derived from the
 * validated config. The control-plane stack writes it as SSM parameters for the Lambda; the CLI and the drill
 * derive it from the same config file, so all three act on the same picture.
 *
 * The contract itself (schema and types) is owned by the decision core: lambdas/core/topology-schema.ts.
 */
import type { FindingRule } from '../../lambdas/core/finding-policy';
import type { RuntimeTopology } from '../../lambdas/core/topology-schema';
import { createHash } from 'crypto';
import type { SeedshieldConfig } from './schema';

export type { RuntimeTopology, TopologyCluster, TopologyPolicy } from '../../lambdas/core/topology-schema';

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
      verifyReachability: cp.isolation.verifyWithReachabilityAnalyzer,
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

/**
 * A fingerprint of a validated topology: sha256 of its JSON in schema order. The control-plane stack puts it
 * in the Lambda's environment; the Lambda checks the topology it read against it at cold start.
 */
export function topologyDigest(topology: RuntimeTopology): string {
  return createHash('sha256').update(JSON.stringify(topology)).digest('hex');
}
