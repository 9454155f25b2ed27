/**
 * The monthly cost estimate `seedshield cost` prints: per cluster and in total, from the config and the
 * prices in ./prices.json (list prices, one region and date, stated in the output).
 *
 * An estimate of the FIXED costs the config implies plus stated usage assumptions (LCUs, data processed,
 * queries); traffic-driven charges (data transfer out, Shield's DTO fee) depend on the chain's traffic and
 * are shown per GB, not guessed.
 */
import type { SeedshieldConfig } from '../config/schema';
import prices from './prices.json';

/** The prices file. */
export type Prices = typeof prices;
export const PRICES: Prices = prices;

/** Usage assumptions the estimate rests on, adjustable in one place. */
export const COST_ASSUMPTIONS = {
  /** NLB capacity units used on average (a seed NLB with a few hundred peers stays near 1). */
  nlbAverageLcus: 1,
  /** GB through each NAT gateway per month (package updates, BP traffic over the internet). */
  natGbPerGatewayMonth: 50,
  /**
   * Interface VPC endpoints per cluster: ssm, ssmmessages, ec2messages, logs, monitoring and kms
   * (`CLUSTER_ENDPOINT_SERVICES` in lib/constructs/cluster-endpoints.ts; a test holds them equal). They keep
   * operator sessions, session logs and node metrics working while the cluster is isolated.
   */
  interfaceEndpointsPerCluster: 6,
  /** AZs each endpoint has a network interface in (billed per endpoint per AZ): `ClusterEndpoints`' default, capped by the cluster's AZs. */
  interfaceEndpointAzs: 2,
  /**
   * GB through the endpoints per cluster per month: node-agent metrics (3 metrics per node every 10 s, about
   * 0.5 GB per node), SSM Agent polling and session traffic and logs. Small next to the hourly charge.
   */
  interfaceEndpointGbPerClusterMonth: 5,
  /** CloudWatch alarms per cluster: 6 detection alarms, 2 per VPN connection, 1 dead-letter alarm (counted per connection below). */
  detectionAlarmsPerCluster: 7,
  /** KMS keys per cluster stack (flow and VPN logs, session logs, the event forwarder's dead letters). */
  kmsKeysPerCluster: 3,
  /** Control plane: KMS keys (state/bus/topic, logs x2 for Lambda log groups). */
  controlPlaneKmsKeys: 3,
  /** Remediation Lambda: invocations per month (reconcile every 5 min plus events) and average duration. */
  lambdaInvocationsPerMonth: 10_000,
  lambdaAverageSeconds: 2,
  lambdaMemoryGb: 0.5,
  /** Million DNS queries per month on the seed name. */
  dnsMillionQueriesPerMonth: 1,
  /**
   * Isolations (each followed by a restore) per month, for the Reachability Analyzer proofs: an assumption (the
   * rate limit allows far more; a quiet month has none). Each isolation and each restore runs one analysis
   * from the internet plus one per IPv4 site CIDR.
   */
  isolationsPerMonth: 4,
} as const;

/** The shape of {@link COST_ASSUMPTIONS}, for estimates under other assumptions. */
export type CostAssumptions = { readonly [K in keyof typeof COST_ASSUMPTIONS]: number };

/** One line of the estimate. */
export interface CostLine {
  readonly item: string;
  readonly quantity: string;
  readonly monthlyUsd: number;
}

/** The estimate of one cluster. */
export interface ClusterCost {
  readonly clusterId: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  readonly monthlyUsd: number;
}

/** The whole estimate. */
export interface CostEstimate {
  readonly pricesTakenOn: string;
  readonly pricesRegion: string;
  readonly clusters: readonly ClusterCost[];
  /** Account- or app-wide lines (Shield subscription, DNS, control plane). */
  readonly shared: readonly CostLine[];
  readonly totalMonthlyUsd: number;
  /** Charges that scale with traffic, per GB, not included in the total. */
  readonly perGbNotIncluded: readonly { readonly item: string; readonly usdPerGb: number }[];
}

const round = (n: number) => Math.round(n * 100) / 100;
const sum = (lines: readonly CostLine[]) => round(lines.reduce((a, l) => a + l.monthlyUsd, 0));

/** The monthly estimate for `config` at `p`. */
export function estimateCost(config: SeedshieldConfig, p: Prices = PRICES, a: CostAssumptions = COST_ASSUMPTIONS): CostEstimate {
  const h = p.hoursPerMonth;
  const lines = config.sites.reduce((n, s) => n + s.lines.length, 0);
  const clusters: ClusterCost[] = config.clusters.map((c) => {
    const azs = c.availabilityZones.length;
    const endpointAzs = Math.min(azs, a.interfaceEndpointAzs);
    const l: CostLine[] = [
      { item: 'NAT gateway hours', quantity: `${azs} x ${h} h`, monthlyUsd: round(azs * h * p.natGatewayPerHour) },
      { item: 'NAT data processed', quantity: `${azs} x ${a.natGbPerGatewayMonth} GB`, monthlyUsd: round(azs * a.natGbPerGatewayMonth * p.natGatewayPerGbProcessed) },
      { item: 'NLB hours', quantity: `${h} h`, monthlyUsd: round(h * p.nlbPerHour) },
      { item: 'NLB capacity units', quantity: `${a.nlbAverageLcus} LCU x ${h} h`, monthlyUsd: round(a.nlbAverageLcus * h * p.nlbPerLcuHour) },
      { item: 'public IPv4 addresses (NLB + NAT)', quantity: `${2 * azs} x ${h} h`, monthlyUsd: round(2 * azs * h * p.publicIpv4PerHour) },
      { item: 'Site-to-Site VPN connections', quantity: `${lines} x ${h} h`, monthlyUsd: round(lines * h * p.vpnConnectionPerHour) },
      {
        item: 'VPC interface endpoints (access while isolated)',
        quantity: `${a.interfaceEndpointsPerCluster} x ${endpointAzs} AZ x ${h} h`,
        monthlyUsd: round(a.interfaceEndpointsPerCluster * endpointAzs * h * p.interfaceEndpointPerAzHour),
      },
      {
        item: 'VPC interface endpoint data processed',
        quantity: `${a.interfaceEndpointGbPerClusterMonth} GB`,
        monthlyUsd: round(a.interfaceEndpointGbPerClusterMonth * p.interfaceEndpointPerGbProcessed),
      },
      { item: 'Route 53 health check (CloudWatch alarm)', quantity: config.protection.shieldAdvanced ? '2' : '1', monthlyUsd: round((config.protection.shieldAdvanced ? 2 : 1) * p.route53HealthCheckAwsEndpointPerMonth) },
      { item: 'CloudWatch alarms', quantity: `${a.detectionAlarmsPerCluster + 2 * lines}`, monthlyUsd: round((a.detectionAlarmsPerCluster + 2 * lines) * p.cloudWatchAlarmPerMonth) },
      { item: 'KMS keys', quantity: `${a.kmsKeysPerCluster}`, monthlyUsd: round(a.kmsKeysPerCluster * p.kmsKeyPerMonth) },
    ];
    return { clusterId: c.id, region: c.region, lines: l, monthlyUsd: sum(l) };
  });
  const external = [config.physicalSeedCluster, ...config.externalClusters];
  const lambdaGbSeconds = a.lambdaInvocationsPerMonth * a.lambdaAverageSeconds * a.lambdaMemoryGb;
  const shared: CostLine[] = [
    ...(config.protection.shieldAdvanced
      ? [{ item: 'Shield Advanced subscription (per organization, 1-year commitment)', quantity: '1', monthlyUsd: p.shieldAdvancedPerOrgMonth }]
      : []),
    { item: 'Route 53 hosted zone', quantity: '1', monthlyUsd: p.route53HostedZonePerMonth },
    { item: 'Route 53 health checks (external clusters, TCP)', quantity: `${external.length}`, monthlyUsd: round(external.length * p.route53HealthCheckNonAwsEndpointPerMonth) },
    { item: 'Route 53 queries', quantity: `${a.dnsMillionQueriesPerMonth} M`, monthlyUsd: round(a.dnsMillionQueriesPerMonth * p.route53QueriesPerMillion) },
    {
      item: 'control plane Lambda (remediation)',
      quantity: `${a.lambdaInvocationsPerMonth} invocations`,
      monthlyUsd: round(lambdaGbSeconds * p.lambdaPerGbSecond + (a.lambdaInvocationsPerMonth / 1e6) * p.lambdaPerMillionRequests),
    },
    {
      item: 'control plane DynamoDB (on demand)',
      quantity: `${a.lambdaInvocationsPerMonth} decisions`,
      monthlyUsd: round(
        (a.lambdaInvocationsPerMonth * 4 / 1e6) * p.dynamoDbOnDemandPerMillionWrites +
          (a.lambdaInvocationsPerMonth * 4 / 1e6) * p.dynamoDbOnDemandPerMillionReads,
      ),
    },
    { item: 'control plane KMS keys', quantity: `${a.controlPlaneKmsKeys}`, monthlyUsd: round(a.controlPlaneKmsKeys * p.kmsKeyPerMonth) },
    ...reachabilityLines(config, p, a),
  ];
  return {
    pricesTakenOn: p.takenOn,
    pricesRegion: p.region,
    clusters,
    shared,
    totalMonthlyUsd: round(clusters.reduce((n, c) => n + c.monthlyUsd, 0) + sum(shared)),
    perGbNotIncluded: [
      { item: 'data transfer out to the internet (first 10 TB tier)', usdPerGb: 0.09 },
      ...(config.protection.shieldAdvanced ? [{ item: 'Shield Advanced data transfer out fee', usdPerGb: p.shieldAdvancedDataTransferOutPerGb }] : []),
    ],
  };
}

const usd = (n: number) => `USD ${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 })}`;

/** The estimate as a Markdown table (README shows the example's). */
export function formatCostTable(e: CostEstimate): string {
  const rows = [
    '| Part | Item | Quantity / month | USD / month |',
    '|---|---|---|---:|',
    ...e.clusters.flatMap((c) => [
      ...c.lines.map((l) => `| ${c.clusterId} (${c.region}) | ${l.item} | ${l.quantity} | ${l.monthlyUsd.toFixed(2)} |`),
      `| **${c.clusterId}** | **cluster total** | | **${c.monthlyUsd.toFixed(2)}** |`,
    ]),
    ...e.shared.map((l) => `| shared | ${l.item} | ${l.quantity} | ${l.monthlyUsd.toFixed(2)} |`),
    `| **total** | | | **${e.totalMonthlyUsd.toFixed(2)}** |`,
  ];
  const notes = [
    `Prices: ${e.pricesRegion} list prices taken on ${e.pricesTakenOn} (lib/deploy/prices.json); other regions differ.`,
    `Not included (scales with traffic): ${e.perGbNotIncluded.map((x) => `${x.item} ${usd(x.usdPerGb)}/GB`).join('; ')}.`,
  ];
  return `${rows.join('\n')}\n\n${notes.join('\n')}`;
}

/**
 * VPC Reachability Analyzer proofs (controlPlane.isolation.verifyWithReachabilityAnalyzer): billed per analysis;
 * an isolation and its restore each analyse the internet-to-node path and one path per IPv4 site CIDR.
 */
function reachabilityLines(config: SeedshieldConfig, p: Prices, a: CostAssumptions): CostLine[] {
  if (!config.controlPlane.isolation.verifyWithReachabilityAnalyzer) return [];
  const perCheck = 1 + config.sites.reduce((n, s) => n + s.cidrs.ipv4.length, 0);
  const analyses = a.isolationsPerMonth * 2 * perCheck;
  return [
    {
      item: `Reachability Analyzer proofs (assumed ${a.isolationsPerMonth} isolations + restores, ${perCheck} analyses each)`,
      quantity: `${analyses} analyses`,
      monthlyUsd: round(analyses * p.reachabilityAnalyzerPerAnalysis),
    },
  ];
}
