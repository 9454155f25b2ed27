import { Duration, Tags, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { alarmName, AlarmTriggerKind, CLUSTER_TAG_KEY } from '../config/naming';
import { ValidationError } from '../errors';
import { LAG_SETTLE_MS } from '../../lambdas/core/policy';
import { NODE_AGENT_INTERVAL_SECONDS, NODE_AGENT_METRICS, NODE_AGENT_NAMESPACE } from './node-agent';
import { acknowledgeControl } from '../control-tower';

/** Thresholds of a cluster's chain-health (`lagging`) alarms, on the node agent's metrics. */
export interface ChainHealthThresholds {
  /**
   * The cluster's median head-block lag above this many seconds raises `lagging` (`head-block`).
   * @default 30
   */
  readonly maxHeadBlockLagSeconds?: number;
  /**
   * The cluster's median p2p peer count below this raises `lagging` (`peers`).
   * @default 3
   */
  readonly minPeers?: number;
  /**
   * 10-second periods a condition must hold before its alarm fires.
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

/** One detection alarm of a cluster, as the control plane finds it (by name). */
export interface ClusterAlarm {
  /** `alarmName(clusterId, kind, qualifier)`. */
  readonly alarmName: string;
  /** The trigger the alarm raises. */
  readonly kind: AlarmTriggerKind;
  /** Third part of the name, e.g. `healthy-hosts` or `eip-1`. */
  readonly qualifier: string;
  /** The alarm itself. */
  readonly alarm: cloudwatch.Alarm;
}

/** Props of {@link ClusterAlarms}. */
export interface ClusterAlarmsProps {
  /** The cluster id: the first part of every alarm name and the value of the cluster tag. */
  readonly clusterId: string;
  /** The cluster's NLB (flow and byte surges). */
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** The p2p target group (healthy seed nodes). */
  readonly p2pTargetGroup: elbv2.NetworkTargetGroup;
  /**
   * Shield-protected Elastic IP allocation ARNs, in AZ order: one `ddos` alarm each, qualifier `eip-<n>`.
   * @default - no `ddos` alarms (Shield Standard publishes no `DDoSDetected` metric)
   */
  readonly protectedEipArns?: string[];
  /**
   * Healthy seed nodes below this count raises `unhealthy`.
   * @default 1
   */
  readonly minHealthyHosts?: number;
  /**
   * New flows per minute above this raises `surge` (`new-flows`).
   * @default 60000
   */
  readonly surgeNewFlowsPerMinute?: number;
  /**
   * Bytes processed per minute above this raises `surge` (`processed-bytes`).
   * @default 30000000000
   */
  readonly surgeProcessedBytesPerMinute?: number;
  /**
   * One-minute periods the `unhealthy` and `surge` conditions must hold before their alarms fire.
   * @default 2
   */
  readonly evaluationPeriods?: number;
  /**
   * Chain health from the node agent (`lagging` alarms).
   * @default - head lag over 30 s or fewer than 3 peers, for 3 periods of 10 s
   */
  readonly chainHealth?: ChainHealthThresholds;
}

/**
 * The detection alarms of one cluster: `ddos` per protected EIP, `unhealthy` on the p2p target group and
 * `surge` on the NLB. The control plane reacts to their state changes and finds them by name, so the names
 * are a contract (see `lib/config/naming.ts`).
 */
export class ClusterAlarms extends Construct {
  /** Every alarm, in creation order. */
  public readonly alarms: readonly ClusterAlarm[];
  /**
   * The `unhealthy.healthy-hosts` alarm. The DNS stack's Route 53 health check and the Shield health check
   * refer to it by name.
   */
  public readonly healthyHostsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ClusterAlarmsProps) {
    super(scope, id);
    const evaluationPeriods = props.evaluationPeriods ?? 2;
    const minHealthyHosts = props.minHealthyHosts ?? 1;
    if (!Token.isUnresolved(minHealthyHosts) && (!Number.isInteger(minHealthyHosts) || minHealthyHosts < 1)) {
      // `HealthyHostCount < 0` can never be true: the alarm would stay OK while every seed node is down.
      throw new ValidationError(`minHealthyHosts must be a whole number of at least 1, got: ${minHealthyHosts}`, this);
    }
    const alarms: ClusterAlarm[] = [];
    const add = (kind: AlarmTriggerKind, qualifier: string, constructId: string, alarmProps: Omit<cloudwatch.AlarmProps, 'alarmName'>) => {
      const name = alarmName(props.clusterId, kind, qualifier);
      const alarm = new cloudwatch.Alarm(this, constructId, { ...alarmProps, alarmName: name });
      Tags.of(alarm).add(CLUSTER_TAG_KEY, props.clusterId);
      alarms.push({ alarmName: name, kind, qualifier, alarm });
      return alarm;
    };

    // DDoSDetected is 1 during an event Shield detected, and mostly absent otherwise: missing is not an attack.
    // One period: Shield has already baselined the traffic, waiting longer only delays the response.
    (props.protectedEipArns ?? []).forEach((arn, i) => {
      add('ddos', `eip-${i + 1}`, `DdosEip${i + 1}`, {
        alarmDescription: `Shield Advanced detected a DDoS event on Elastic IP ${i + 1} of cluster ${props.clusterId}`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/DDoSProtection',
          metricName: 'DDoSDetected',
          dimensionsMap: { ResourceArn: arn },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(1),
        }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    });

    // "Below minHealthyHosts" is `count < min`: with min = 1 the alarm fires only when no seed node is healthy.
    // Minimum over the minute catches a dip the average would smooth away. The NLB reports this metric every
    // minute while it exists, so missing data means the NLB or its targets are gone: count it as breaching.
    this.healthyHostsAlarm = add('unhealthy', 'healthy-hosts', 'UnhealthyHealthyHosts', {
      alarmDescription: `Fewer than ${minHealthyHosts} healthy seed nodes behind the p2p listener of cluster ${props.clusterId}`,
      metric: props.p2pTargetGroup.metrics.healthyHostCount({ statistic: cloudwatch.Stats.MINIMUM, period: Duration.minutes(1) }),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: minHealthyHosts,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // Surges: sums per minute, so the thresholds read as "per minute" like the config keys. An idle NLB
    // reports nothing for these, which is not a surge.
    add('surge', 'new-flows', 'SurgeNewFlows', {
      alarmDescription: `More than ${props.surgeNewFlowsPerMinute ?? 60000} new flows per minute on the NLB of cluster ${props.clusterId}`,
      metric: props.loadBalancer.metrics.newFlowCount({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: props.surgeNewFlowsPerMinute ?? 60000,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('surge', 'processed-bytes', 'SurgeProcessedBytes', {
      alarmDescription: `More than ${props.surgeProcessedBytesPerMinute ?? 30_000_000_000} bytes per minute through the NLB of cluster ${props.clusterId}`,
      metric: props.loadBalancer.metrics.processedBytes({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: props.surgeProcessedBytesPerMinute ?? 30_000_000_000,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Chain health (node agent, lib/constructs/node-agent.ts). p50 over the ClusterId-only metric, which every
    // node publishes to each period, is the median of the nodes: one stuck node does not drain its cluster,
    // a cluster whose typical node is behind does. Missing data stays missing: the alarm goes to
    // INSUFFICIENT_DATA, which the control plane treats as unknown (it holds the cluster and pages), never as
    // healthy. Whether a lag is the cluster's fault or the whole chain's is the core's call, from every
    // cluster's alarm state (see `lagging` in README).
    const chain = props.chainHealth ?? {};
    const chainPeriods = chain.evaluationPeriods ?? 3;
    const chainMetric = (metricName: string) => new cloudwatch.Metric({
      namespace: NODE_AGENT_NAMESPACE,
      metricName,
      dimensionsMap: { ClusterId: props.clusterId },
      statistic: cloudwatch.Stats.percentile(50),
      period: Duration.seconds(NODE_AGENT_INTERVAL_SECONDS),
    });
    const maxLag = chain.maxHeadBlockLagSeconds ?? 30;
    add('lagging', 'head-block', 'LaggingHeadBlock', {
      alarmDescription: `The median seed node of cluster ${props.clusterId} is more than ${maxLag} s behind the chain's head`,
      metric: chainMetric(NODE_AGENT_METRICS.headBlockLag),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: maxLag,
      evaluationPeriods: chainPeriods,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    // The same condition, held LAG_SETTLE_MS longer: its state change is the event at which the control plane
    // re-judges a settling lag (lambdas/core/policy.ts), so a lone lagging cluster is drained then, while a
    // chain-wide halt has by then shown in the other clusters' alarms.
    add('lagging', 'head-block-sustained', 'LaggingHeadBlockSustained', {
      alarmDescription: `The median seed node of cluster ${props.clusterId} has been more than ${maxLag} s behind the chain's head for over a minute`,
      metric: chainMetric(NODE_AGENT_METRICS.headBlockLag),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: maxLag,
      evaluationPeriods: chainPeriods + LAG_SETTLE_MS / 1000 / NODE_AGENT_INTERVAL_SECONDS,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const minPeers = chain.minPeers ?? 3;
    add('lagging', 'peers', 'LaggingPeers', {
      alarmDescription: `The median seed node of cluster ${props.clusterId} has fewer than ${minPeers} p2p peers`,
      metric: chainMetric(NODE_AGENT_METRICS.peerCount),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: minPeers,
      evaluationPeriods: chainPeriods,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });

    this.alarms = alarms;
    Validations.of(this).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction',
      reason: 'Detection alarms act through EventBridge, not alarm actions: their state changes are forwarded to the control plane\'s bus (ClusterEventForwarder), which decides, isolates and notifies on-call.',
    });
    acknowledgeControl(
      this,
      'cloudwatch_alarm_action_check',
      'Detection alarms act through EventBridge, not alarm actions: their state changes are forwarded to the control plane\'s bus (ClusterEventForwarder), which decides, isolates and notifies on-call.',
    );
  }
}
