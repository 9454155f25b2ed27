/**
 * Time to mitigation: the budget from an attack starting to (a) its traffic cut and (b) new peers no longer
 * sent to the cluster, stage by stage. Detection comes from the alarm definitions themselves (the
 * `ClusterAlarms` construct built with the example config's thresholds, its CfnAlarm periods read back); the
 * control plane from the Time to cut section of this run; Route 53 propagation and the TTL from AWS's
 * documentation and the config. Nothing here reaches AWS: what AWS does not bound is marked as an assumption.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { loadConfig } from '../lib/config/load';
import { ClusterAlarms } from '../lib/constructs/cluster-alarms';
import { REPO_ROOT } from './process';
import type { Row, Section } from './report';
import { table } from './report';
import { CALL_LATENCY_MS, type TimeToCutFigures } from './time-to-cut';
import { formatMs } from './stats';

/** Route 53: "changes generally propagate to all Route 53 name servers within 60 seconds". */
const ROUTE53_PROPAGATION_S = 60;
const ROUTE53_SOURCE = 'Route 53 API Reference, ChangeResourceRecordSets, "Change propagation to Route 53 DNS servers" (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html)';
/**
 * EventBridge publishes no delivery bound ("near-real-time", EventBridge FAQ): an assumption per hop. An
 * alarm's event takes two (the cluster region's default bus, forwarded to the control plane's bus, then the
 * Lambda target).
 */
const EVENTBRIDGE_HOP_S = 1;
const EVENTBRIDGE_HOPS = 2;
/** Lambda start when no container is warm (assumption; Lambda bundles measures the module load part). */
const LAMBDA_COLD_START_S = 1;

/** How long one alarm needs, by its definition, to go to ALARM once its condition holds. */
export interface AlarmDetection {
  readonly alarmName: string;
  readonly kind: string;
  readonly periodS: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** `periodS × evaluationPeriods` when every datapoint must breach (M of N: the N periods still bound it). */
  readonly windowS: number;
}

/** The detection window of every alarm `ClusterAlarms` defines for the example config's last cluster. */
export function alarmDetections(configPath = path.join(REPO_ROOT, 'seedshield.config.json')): AlarmDetection[] {
  const config = loadConfig(configPath);
  const cluster = config.clusters[config.clusters.length - 1];
  const app = new App();
  const stack = new Stack(app, 'TimeToMitigation', { env: { account: cluster.account, region: cluster.region } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc, internetFacing: true });
  const tg = new elbv2.NetworkTargetGroup(stack, 'P2p', { vpc, port: 9876, protocol: elbv2.Protocol.TCP });
  nlb.addListener('P2p', { port: 9876, defaultTargetGroups: [tg] });
  // The same props the cluster stack passes (lib/constructs/seed-cluster.ts), one protected EIP.
  const alarms = new ClusterAlarms(stack, 'Alarms', {
    clusterId: cluster.id,
    loadBalancer: nlb,
    p2pTargetGroup: tg,
    protectedEipArns: [`arn:aws:ec2:${cluster.region}:${cluster.account}:eip-allocation/eipalloc-0123456789abcdef0`],
    minHealthyHosts: cluster.alarms.minHealthyHosts,
    surgeNewFlowsPerMinute: cluster.alarms.surgeNewFlowsPerMinute,
    surgeProcessedBytesPerMinute: cluster.alarms.surgeProcessedBytesPerMinute,
    evaluationPeriods: cluster.alarms.evaluationPeriods,
    chainHealth: {
      maxHeadBlockLagSeconds: cluster.alarms.maxHeadBlockLagSeconds,
      minPeers: cluster.alarms.minPeers,
      evaluationPeriods: cluster.alarms.chainEvaluationPeriods,
    },
  });
  return alarms.alarms.map((a) => {
    const cfn = a.alarm.node.defaultChild as cloudwatch.CfnAlarm;
    const periodS = Number(cfn.period);
    const evaluationPeriods = Number(cfn.evaluationPeriods);
    return {
      alarmName: a.alarmName,
      kind: a.kind,
      periodS,
      evaluationPeriods,
      datapointsToAlarm: Number(cfn.datapointsToAlarm ?? evaluationPeriods),
      windowS: periodS * evaluationPeriods,
    };
  });
}

/** The budget section; `cut` is absent when Time to cut failed (its rows then read n/a). */
export function benchTimeToMitigation(cut: TimeToCutFigures | undefined): Section {
  const config = loadConfig(path.join(REPO_ROOT, 'seedshield.config.json'));
  const ttlS = config.dns.ttlSeconds;
  const detections = alarmDetections();
  const fastestByKind = new Map<string, AlarmDetection>();
  for (const d of detections) {
    const known = fastestByKind.get(d.kind);
    if (!known || d.windowS < known.windowS) fastestByKind.set(d.kind, d);
  }
  const ddos = fastestByKind.get('ddos');
  const detectS = ddos?.windowS ?? Number.NaN;
  const deliveryS = EVENTBRIDGE_HOP_S * EVENTBRIDGE_HOPS;
  const cutS = (cut?.cutP50Ms ?? Number.NaN) / 1000;
  const dnsS = (cut?.dnsP50Ms ?? Number.NaN) / 1000;
  const s = (x: number) => (Number.isFinite(x) ? `${Number.isInteger(x) ? x : x.toFixed(1)} s` : 'n/a');
  const toCut = detectS + deliveryS + LAMBDA_COLD_START_S + cutS;
  const toPeersAway = detectS + deliveryS + LAMBDA_COLD_START_S + dnsS + ROUTE53_PROPAGATION_S + ttlS;

  const stages = [
    ['1. detection: the `ddos` alarm goes to ALARM', ddos ? `≤ ${s(detectS)} (${ddos.evaluationPeriods} × ${ddos.periodS} s period)` : 'n/a', 'alarm definition (lib/constructs/cluster-alarms.ts, `DDoSDetected` ≥ 1), read from the synthesized CfnAlarm. Counts from Shield reporting DDoSDetected; Shield\'s own detection comes before it'],
    ['2. EventBridge delivery', `~${s(deliveryS)} (assumed: ${EVENTBRIDGE_HOPS} hops × ${s(EVENTBRIDGE_HOP_S)})`, 'no AWS bound ("near-real-time", EventBridge FAQ https://aws.amazon.com/eventbridge/faqs/); measure with the `IngestionToInvocationStartLatency` metric (EventBridge User Guide, "Monitoring Amazon EventBridge")'],
    ['3. Lambda start (no warm container)', `~${s(LAMBDA_COLD_START_S)} (assumed)`, 'see Lambda bundles for the module load; 0 when a container is warm'],
    [
      '4a. control plane: cut in force',
      cut ? `${formatMs(cut.cutP50Ms)} (p50, measured against moto; ${formatMs(cut.cutModelP50Ms)} at ${CALL_LATENCY_MS} ms per call)` : 'n/a',
      `Time to cut, this run (${cut?.samples ?? 0} isolations, ${CALL_LATENCY_MS} ms per AWS call); the budget takes the measured figure`,
    ],
    [
      '4b. control plane: Route 53 change submitted',
      cut ? `${formatMs(cut.dnsP50Ms)} (p50, measured; ${formatMs(cut.dnsModelP50Ms)} at ${CALL_LATENCY_MS} ms per call)` : 'n/a',
      'Time to cut, this run',
    ],
    ['5. Route 53 propagation to its name servers', `≤ ${s(ROUTE53_PROPAGATION_S)}`, ROUTE53_SOURCE],
    ['6. resolvers drop the old answer (record TTL)', `≤ ${s(ttlS)}`, '`dns.ttlSeconds` in seedshield.config.json'],
  ];
  const kinds = table(
    ['trigger kind', 'fastest alarm', 'period × evaluation periods', 'detection window'],
    [...fastestByKind.values()].map((d) => [d.kind, d.alarmName, `${d.periodS} s × ${d.evaluationPeriods}${d.datapointsToAlarm !== d.evaluationPeriods ? ` (${d.datapointsToAlarm} of them breaching)` : ''}`, s(d.windowS)]),
  );

  const rows: Row[] = [
    { metric: 'attack start (Shield reports it) → its traffic cut: stages 1 + 2 + 3 + 4a', measured: `≤ ${s(toCut)}` },
    { metric: 'attack start → new peers no longer sent there: stages 1 + 2 + 3 + 4b + 5 + 6', measured: `≤ ${s(toPeersAway)}` },
    { metric: 'share of the cut budget that is seedshield\'s own code (4a / total)', measured: Number.isFinite(toCut) ? `${((cutS / toCut) * 100).toFixed(1)} %` : 'n/a' },
  ];
  return {
    title: 'Time to mitigation',
    method: [
      'A budget, not a measurement of AWS: each stage is its bound from the source named beside it, the control plane\'s stages are the medians the Time to cut section measured in this run. The cut does not wait for DNS: established and new flows stop at 4a, whatever Route 53 does; stages 5 and 6 only decide when resolvers stop handing out the cluster\'s addresses (peers that still get them meet the cut).',
      `Detection is the \`ddos\` trigger (Shield Advanced clusters), the fastest; the other kinds are slower by their windows below (alarm thresholds from the example config, cluster ${config.clusters[config.clusters.length - 1].id}). An alarm changes state at the end of the period whose datapoint completes its window; a metric that arrives late in CloudWatch adds its delay.`,
    ],
    rows,
    extra: [`Stages:\n\n${table(['stage', 'budget', 'source'], stages)}`, `Detection window by trigger kind (from the alarm definitions):\n\n${kinds}`],
    misses: [],
  };
}
