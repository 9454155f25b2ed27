import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTROL_PLANE_ALARM_NAMES, CONTROL_PLANE_METRICS, OPS_ALARM_PREFIX } from '../config/naming';
import { ValidationError } from '../errors';

/** CloudWatch allows an alarm to look back at most one day (periods x evaluation periods). */
const MAX_ALARM_WINDOW_MINUTES = 24 * 60;

/** Props of {@link ControlPlaneAlarms}. */
export interface ControlPlaneAlarmsProps {
  /** The remediation function (errors, throttles). */
  readonly remediationFunction: lambda.IFunction;
  /** The control plane's event bus: cluster operations alarms arrive here and are relayed to on-call. */
  readonly bus: events.IEventBus;
  /** The on-call topic every alarm here notifies. */
  readonly topic: sns.ITopic;
  /** Where relayed notifications go when SNS refuses them (the control plane's dead-letter queue, alarmed). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Interval of the reconcile schedule. */
  readonly reconcileInterval: Duration;
  /**
   * Reconcile intervals without a `ReconcileCompleted` datapoint before the `reconcile-missed` alarm fires.
   * @default 3
   */
  readonly missedReconcilesToAlarm?: number;
  /** Every seed cluster (cloud and external) the control plane can isolate: one `isolated-too-long` alarm each. */
  readonly clusterIds: readonly string[];
  /** A cluster ISOLATED for longer than this pages on-call (`controlPlane.maxIsolatedHours`). */
  readonly maxIsolated: Duration;
}

/**
 * The control plane watching itself, and the relay that brings the clusters' operations alarms to on-call.
 *
 * Alarms (home region, action: the on-call topic): remediation errors, throttles, a reconcile that did not
 * run on schedule, and per cluster an isolation that lasted longer than `maxIsolatedHours`. The dead-letter
 * alarm lives with its queue in {@link RemediationControlPlane}.
 *
 * The relay: cluster-region alarms (VPN tunnels) cannot notify a topic in the home region. Their names start
 * with `seedshield-ops.`; each cluster's event forwarder sends their state changes to the control bus, and
 * one rule here publishes ALARM and OK transitions to the on-call topic. One topic, one subscription to
 * confirm, whatever the number of cluster regions.
 */
export class ControlPlaneAlarms extends Construct {
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly throttlesAlarm: cloudwatch.Alarm;
  public readonly reconcileMissedAlarm: cloudwatch.Alarm;
  /** `isolated-too-long` alarm per cluster id. */
  public readonly isolatedTooLongAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** The rule publishing cluster operations alarms to on-call. */
  public readonly opsAlarmRelay: events.Rule;

  constructor(scope: Construct, id: string, props: ControlPlaneAlarmsProps) {
    super(scope, id);
    const intervalMinutes = props.reconcileInterval.toMinutes();
    const missed = props.missedReconcilesToAlarm ?? 3;
    if (!Token.isUnresolved(missed) && (!Number.isInteger(missed) || missed < 2)) {
      // One missed run is normal jitter (a run that overlapped the period boundary).
      throw new ValidationError(`missedReconcilesToAlarm must be a whole number of at least 2, got: ${missed}`, this);
    }
    const action = new cwActions.SnsAction(props.topic);
    const fn = props.remediationFunction;
    const alarm = (constructId: string, alarmProps: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, constructId, alarmProps);
      a.addAlarmAction(action);
      return a;
    };

    // Any error: EventBridge retries, but an erroring control plane is one that may not isolate when asked.
    this.errorsAlarm = alarm('Errors', {
      alarmName: CONTROL_PLANE_ALARM_NAMES.errors,
      alarmDescription: 'The remediation Lambda failed. Read its log group (structured "decision" and "effect failed" lines); run `npx seedshield status`.',
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Reserved concurrency is 1 on purpose (decisions are serialised): a burst of alarms is throttled and queued
    // for a moment, which is normal. Throttling that lasts 15 minutes means the backlog is not draining.
    this.throttlesAlarm = alarm('Throttles', {
      alarmName: CONTROL_PLANE_ALARM_NAMES.throttles,
      alarmDescription: 'The remediation Lambda has been throttled for 15 minutes (reserved concurrency 1): events queue up faster than decisions are made, so decisions are late.',
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // The handler emits ReconcileCompleted once per completed reconcile. Silence is the failure mode here
    // (schedule disabled, function broken, permissions gone), so missing data is breaching.
    this.reconcileMissedAlarm = alarm('ReconcileMissed', {
      alarmName: CONTROL_PLANE_ALARM_NAMES.reconcileMissed,
      alarmDescription: `No reconcile completed in ${missed} consecutive ${intervalMinutes}-minute intervals: quiet periods, restore ramps and interrupted jobs are not advancing. Check the schedule and the Lambda's errors.`,
      metric: new cloudwatch.Metric({
        namespace: CONTROL_PLANE_METRICS.namespace,
        metricName: 'ReconcileCompleted',
        dimensionsMap: { service: CONTROL_PLANE_METRICS.service },
        statistic: cloudwatch.Stats.SUM,
        period: props.reconcileInterval,
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: missed,
      datapointsToAlarm: missed,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // Isolated is published (0 or 1) after every delivery, so at least once per reconcile interval. Minimum
    // over every period of the window = 1 means the cluster was isolated the whole time.
    const window = isolationWindow(props.maxIsolated.toMinutes({ integral: false }));
    const isolated: Record<string, cloudwatch.Alarm> = {};
    for (const clusterId of props.clusterIds) {
      isolated[clusterId] = alarm(`IsolatedTooLong${pascal(clusterId)}`, {
        alarmName: CONTROL_PLANE_ALARM_NAMES.isolatedTooLong(clusterId),
        alarmDescription: `Cluster ${clusterId} has been ISOLATED for ${window.minutes / 60} hours (controlPlane.maxIsolatedHours). Decide: \`npx seedshield restore ${clusterId} --reason ...\`, or pin it isolated on purpose.`,
        metric: new cloudwatch.Metric({
          namespace: CONTROL_PLANE_METRICS.namespace,
          metricName: 'Isolated',
          dimensionsMap: { service: CONTROL_PLANE_METRICS.service, ClusterId: clusterId },
          statistic: cloudwatch.Stats.MINIMUM,
          period: Duration.minutes(window.periodMinutes),
        }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: window.periods,
        datapointsToAlarm: window.periods,
        // A gap is not evidence of isolation; the reconcile-missed alarm pages for the gap itself.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.isolatedTooLongAlarms = isolated;

    const detail = (path: string) => events.EventField.fromPath(`$.detail.${path}`);
    this.opsAlarmRelay = new events.Rule(this, 'OpsAlarmRelay', {
      eventBus: props.bus,
      description: 'seedshield: cluster operations alarms (seedshield-ops.*, forwarded from the cluster regions) -> on-call',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: OPS_ALARM_PREFIX }], state: { value: ['ALARM', 'OK'] } },
      },
      targets: [
        new targets.SnsTopic(props.topic, {
          message: events.RuleTargetInput.fromText(
            `${detail('alarmName')} is ${detail('state.value')} in ${events.EventField.region} (account ${events.EventField.account}) since ${detail('state.timestamp')}: ${detail('state.reason')}`,
          ),
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    if (props.maxIsolated.toMinutes({ integral: false }) > MAX_ALARM_WINDOW_MINUTES) {
      Annotations.of(this).addWarningV2(
        'seedshield:maxIsolatedHoursCapped',
        `maxIsolated is ${props.maxIsolated.toHours({ integral: false })} hours, but a CloudWatch alarm looks back at most 24 hours: the isolated-too-long alarms fire after 24 hours.`,
      );
    }
  }
}

/**
 * Splits `minutes` into whole-minute periods CloudWatch accepts: the longest of 60/30/15/10/5/1 minutes that
 * divides the window. CloudWatch looks back at most one day, so longer windows are capped at 24 hours.
 * @internal
 */
export function isolationWindow(minutes: number): { minutes: number; periodMinutes: number; periods: number } {
  const total = Math.min(MAX_ALARM_WINDOW_MINUTES, Math.max(1, Math.round(minutes)));
  const periodMinutes = [60, 30, 15, 10, 5, 1].find((p) => total % p === 0)!;
  return { minutes: total, periodMinutes, periods: total / periodMinutes };
}

function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
