import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmName, CONTROL_PLANE_METRICS } from '../config/naming';
import { TopologyCluster } from '../config/topology';
import { NODE_AGENT_METRICS, NODE_AGENT_NAMESPACE } from './node-agent';

/** Props of {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** Every seed cluster, in config order: cloud clusters get a row of edge metrics, all get state and weight. */
  readonly clusters: readonly TopologyCluster[];
  /** The remediation function (invocations, errors, throttles, duration). */
  readonly remediationFunction: lambda.IFunction;
  /** The control plane's dead-letter queue (depth). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Interval of the reconcile schedule (the period of the `ReconcileCompleted` graph). */
  readonly reconcileInterval: Duration;
  /**
   * Alarms shown at the top, in the status widget: the ones that page.
   * @default - no alarm status widget
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /**
   * Name of the dashboard.
   * @default 'seedshield-operations'
   */
  readonly dashboardName?: string;
}

/**
 * The dashboard on-call opens first, in the home region: what pages, every cluster's state and DNS weight,
 * then per cloud cluster its Shield, NLB and VPN metrics (read in the cluster's own region), then the control
 * plane's own health.
 *
 * Resource ids of the cluster stacks (EIP allocations, the NLB's generated name, VPN connection ids) are not
 * known in the home region at synth. Rather than a cross-region reference (a custom resource per value), the
 * dashboard uses what is deterministic:
 * - NLB flows, bytes and healthy hosts: an alarm widget per detection alarm. Alarm names are a contract
 *   (`seedshield.<cluster>.<kind>.<qualifier>`), so their ARNs are known; the widget draws the alarm's own
 *   metric with its threshold, exactly the signal the control plane reacts to.
 * - Shield (`AWS/DDoSProtection`) and VPN (`AWS/VPN` `TunnelState`): metric search expressions in the
 *   cluster's region. They show every protected resource and VPN connection of that region and account: in
 *   a region that hosts only its seedshield cluster (the intended layout) that is exactly the cluster's.
 */
export class OperationsDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName ?? 'seedshield-operations',
      defaultInterval: Duration.hours(6),
    });
    // The app-wide tag reaches the dashboard, but AWS::CloudWatch::Dashboard takes no Tags (cfn-lint E3002).
    (this.dashboard.node.defaultChild as cloudwatch.CfnDashboard).addPropertyDeletionOverride('Tags');

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 8,
        height: 6,
        markdown: [
          '# seedshield on-call',
          'Red alarm on the right? Its description says what to do.',
          '',
          '`npx seedshield status` shows every cluster, pin and job.',
          '`npx seedshield isolate|restore CLUSTER --reason "..."` acts (add `--dry-run` first).',
          '`npx seedshield pin CLUSTER in-service|isolated`, `unpin`, `pause`/`resume` automation.',
          '',
          'Below: state and DNS weight per cluster, then each cluster\'s Shield, NLB and VPN, then the control plane.',
        ].join('\n'),
      }),
      ...(props.alarms && props.alarms.length > 0
        ? [new cloudwatch.AlarmStatusWidget({ title: 'What pages (home region)', alarms: [...props.alarms], width: 16, height: 6 })]
        : []),
    );

    const perCluster = (metricName: string, statistic: string, label: (id: string) => string) =>
      props.clusters.map(
        (c) =>
          new cloudwatch.Metric({
            namespace: CONTROL_PLANE_METRICS.namespace,
            metricName,
            dimensionsMap: { service: CONTROL_PLANE_METRICS.service, ClusterId: c.id },
            statistic,
            period: props.reconcileInterval,
            label: label(c.id),
          }),
      );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Serving % now (0 = isolated, 100 = in service; published by the control plane)',
        metrics: perCluster('ServingPercent', cloudwatch.Stats.MINIMUM, (id) => id),
        width: 24,
        height: 4,
        sparkline: true,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Route 53 weight per cluster (what the records should carry)',
        left: perCluster('DnsWeight', cloudwatch.Stats.AVERAGE, (id) => id),
        leftYAxis: { min: 0, max: 255, showUnits: false },
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Isolated (1) per cluster',
        left: perCluster('Isolated', cloudwatch.Stats.MAXIMUM, (id) => id),
        leftYAxis: { min: 0, max: 1, showUnits: false },
        width: 12,
        height: 6,
      }),
    );

    for (const c of props.clusters) {
      if (c.kind !== 'aws' || !c.region || !c.account) continue;
      const region = c.region;
      // Cross-account metrics need CloudWatch cross-account observability; same-account ones need nothing.
      const searchAccount = c.account === stack.account ? undefined : c.account;
      const search = (expression: string, label: string, period: Duration) =>
        new cloudwatch.MathExpression({ expression, usingMetrics: {}, label, period, searchRegion: region, searchAccount });
      const clusterAlarm = (constructId: string, name: string) =>
        cloudwatch.Alarm.fromAlarmArn(this, `${pascal(c.id)}${constructId}`, `arn:${stack.partition}:cloudwatch:${region}:${c.account}:alarm:${name}`);

      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${c.id} (${region})`, width: 24, height: 1 }),
      );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${c.id}: Shield DDoS detected / attack bits/s per EIP`,
          region,
          left: [search(`SEARCH('{AWS/DDoSProtection,ResourceArn} MetricName="DDoSDetected"', 'Maximum', 60)`, 'detected', Duration.minutes(1))],
          right: [search(`SEARCH('{AWS/DDoSProtection,ResourceArn} MetricName="DDoSAttackBitsPerSecond"', 'Maximum', 60)`, 'bits/s', Duration.minutes(1))],
          width: 5,
          height: 6,
        }),
        new cloudwatch.AlarmWidget({
          title: `${c.id}: healthy seed nodes (p2p)`,
          region,
          alarm: clusterAlarm('HealthyHosts', alarmName(c.id, 'unhealthy', 'healthy-hosts')),
          width: 5,
          height: 6,
        }),
        new cloudwatch.AlarmWidget({
          title: `${c.id}: NLB new flows / min`,
          region,
          alarm: clusterAlarm('NewFlows', alarmName(c.id, 'surge', 'new-flows')),
          width: 5,
          height: 6,
        }),
        new cloudwatch.AlarmWidget({
          title: `${c.id}: NLB processed bytes / min`,
          region,
          alarm: clusterAlarm('ProcessedBytes', alarmName(c.id, 'surge', 'processed-bytes')),
          width: 5,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${c.id}: VPN tunnels (1 = both up)`,
          region,
          left: [search(`SEARCH('{AWS/VPN,VpnId} MetricName="TunnelState"', 'Maximum', 300)`, 'TunnelState', Duration.minutes(5))],
          leftYAxis: { min: 0, max: 1, showUnits: false },
          width: 4,
          height: 6,
        }),
      );
      // Chain health (node agent): the `lagging` alarms draw the cluster median with its threshold; the
      // per-node search shows which node is behind.
      this.dashboard.addWidgets(
        new cloudwatch.AlarmWidget({
          title: `${c.id}: head-block lag, median node (s)`,
          region,
          alarm: clusterAlarm('HeadBlockLag', alarmName(c.id, 'lagging', 'head-block')),
          width: 6,
          height: 6,
        }),
        new cloudwatch.AlarmWidget({
          title: `${c.id}: p2p peers, median node`,
          region,
          alarm: clusterAlarm('Peers', alarmName(c.id, 'lagging', 'peers')),
          width: 6,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${c.id}: head-block lag per node (s)`,
          region,
          left: [search(`SEARCH('{${NODE_AGENT_NAMESPACE},ClusterId,InstanceId} MetricName="${NODE_AGENT_METRICS.headBlockLag}" ClusterId="${c.id}"', 'Maximum', 60)`, 'lag', Duration.minutes(1))],
          width: 6,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${c.id}: p2p peers per node`,
          region,
          left: [search(`SEARCH('{${NODE_AGENT_NAMESPACE},ClusterId,InstanceId} MetricName="${NODE_AGENT_METRICS.peerCount}" ClusterId="${c.id}"', 'Minimum', 60)`, 'peers', Duration.minutes(1))],
          width: 6,
          height: 6,
        }),
      );
    }

    const fn = props.remediationFunction;
    const fiveMinutes = { period: Duration.minutes(5) };
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## control plane', width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'remediation: invocations, errors, throttles',
        left: [fn.metricInvocations(fiveMinutes), fn.metricErrors(fiveMinutes), fn.metricThrottles(fiveMinutes)],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'remediation: duration p50 / p99 / max',
        left: [
          fn.metricDuration({ ...fiveMinutes, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          fn.metricDuration({ ...fiveMinutes, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
          fn.metricDuration({ ...fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM, label: 'max' }),
        ],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'reconciles completed / dead letters',
        left: [
          new cloudwatch.Metric({
            namespace: CONTROL_PLANE_METRICS.namespace,
            metricName: 'ReconcileCompleted',
            dimensionsMap: { service: CONTROL_PLANE_METRICS.service },
            statistic: cloudwatch.Stats.SUM,
            period: props.reconcileInterval,
            label: `reconciles per ${props.reconcileInterval.toMinutes()} min`,
          }),
        ],
        right: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), label: 'messages in the DLQ' })],
        width: 8,
        height: 6,
      }),
    );
  }
}

function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
