import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CLUSTER_TAG_KEY, clusterAlarmPrefix, clusterOpsAlarmPrefix, CONTROL_BUS_NAME, opsAlarmName } from '../config/naming';
import { ValidationError } from '../errors';
import { acknowledgeControl } from '../control-tower';

/**
 * The `detail` part of an EventBridge pattern that lets through only the GuardDuty findings the finding
 * policy may act on, so the rest never reaches the Lambda (and never costs an invocation):
 * - `resource.resourceType` is `Instance` (findings on access keys, buckets, ... carry no instance tags);
 * - not archived (`service.archived` is false: GuardDuty always writes the field);
 * - not a sample (`service.additionalInfo.sample` absent or false; sample findings say true);
 * - not a type the config's finding policy ignores outright.
 * With `clusterId`, also only instances tagged with that cluster (attack sequences carry no instance tags,
 * so they stay out too). The parser checks all of this again: the pattern saves invocations, it is not the guard.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
 */
export function guardDutyFindingDetailPattern(options: { readonly clusterId?: string; readonly ignoredTypes?: readonly string[] } = {}): Record<string, any> {
  const ignored = options.ignoredTypes ?? [];
  return {
    ...(ignored.length > 0 ? { type: [{ 'anything-but': [...ignored] }] } : {}),
    resource: {
      resourceType: ['Instance'],
      ...(options.clusterId !== undefined ? { instanceDetails: { tags: { key: [CLUSTER_TAG_KEY], value: [options.clusterId] } } } : {}),
    },
    service: {
      archived: [false],
      // A missing field and `false` both mean "not a sample": `$or` keeps both (an `exists: false` alone would
      // drop a real finding that spells the flag out).
      additionalInfo: { $or: [{ sample: [{ exists: false }] }, { sample: [false] }] },
    },
  };
}

/** Props of {@link ClusterEventForwarder}. */
export interface ClusterEventForwarderProps {
  /** The cluster whose alarms and GuardDuty findings are forwarded. */
  readonly clusterId: string;
  /** Account of the control plane's event bus. */
  readonly controlPlaneAccount: string;
  /** Region of the control plane's event bus. */
  readonly controlPlaneRegion: string;
  /**
   * Finding types the configured finding policy ignores outright: not forwarded.
   * @default - none beyond the built-in ignores (samples, archived, non-instance resources)
   */
  readonly ignoredFindingTypes?: readonly string[];
  /**
   * On-call e-mail, subscribed to a topic in the cluster's region that the dead-letter alarm notifies: the
   * alarm's own state change travels the forwarding path that is failing, so it needs a local way out.
   * @default - the alarm reaches on-call only through the forwarding rule (and the dashboard)
   */
  readonly notificationEmail?: string;
}

/**
 * Forwards one cluster's alarm state changes and GuardDuty findings from the default bus of the cluster's
 * region to the control plane's bus in the home region.
 *
 * CloudWatch and GuardDuty publish to the default bus of the region they run in; the control plane lives in
 * one home region, so every cluster region needs its own forwarding rule. Event-bus targets take no retry
 * policy (EventBridge retries them with its default: up to 24 hours, 185 attempts, backoff with jitter);
 * what still fails lands in an encrypted dead-letter queue in the cluster region, alarmed from its first
 * message ({@link ClusterEventForwarder.deadLetterAlarm}).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
 */
export class ClusterEventForwarder extends Construct {
  /** The rule forwarding alarm state changes. */
  public readonly alarmRule: events.Rule;
  /**
   * The rule forwarding this cluster's operations alarms (`seedshield-ops.<cluster>.*`, e.g. VPN tunnels):
   * they page on-call through the home bus, since an alarm cannot notify a topic in another region.
   */
  public readonly opsAlarmRule: events.Rule;
  /** The rule forwarding GuardDuty findings about this cluster's instances. */
  public readonly guardDutyRule: events.Rule;
  /** Undeliverable events (after retries) end up here. */
  public readonly deadLetterQueue: sqs.Queue;
  /** ALARM as soon as one event is in the dead-letter queue: the control plane missed something. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ClusterEventForwarderProps) {
    super(scope, id);
    if (!/^\d{12}$/.test(props.controlPlaneAccount) && !Token.isUnresolved(props.controlPlaneAccount)) {
      throw new ValidationError(`controlPlaneAccount must be a 12-digit account id, got: ${props.controlPlaneAccount}`, this);
    }
    const homeBus = events.EventBus.fromEventBusArn(
      this,
      'ControlBus',
      Stack.of(this).formatArn({
        service: 'events',
        region: props.controlPlaneRegion,
        account: props.controlPlaneAccount,
        resource: 'event-bus',
        resourceName: CONTROL_BUS_NAME,
      }),
    );

    const key = new kms.Key(this, 'DeadLetterKey', {
      enableKeyRotation: true,
      description: `seedshield ${props.clusterId}: dead-letter queue of forwarded control-plane events`,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // EventBridge must be able to use the key to write into the encrypted DLQ.
    key.grantEncryptDecrypt(new iam.ServicePrincipal('events.amazonaws.com'));
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue IS the dead-letter queue of the forwarding rules; a DLQ of a DLQ would never be read.',
    });
    acknowledgeControl(
      this.deadLetterQueue,
      'sqs_dlq_check',
      'This queue IS the dead-letter queue of the forwarding rules; it is alarmed, not re-queued. RedriveAllowPolicy names SQS source queues, and none sends here.',
    );

    const target = () => new targets.EventBus(homeBus, { deadLetterQueue: this.deadLetterQueue });

    this.alarmRule = new events.Rule(this, 'AlarmRule', {
      description: `seedshield: forward ${props.clusterId} alarm state changes to the control plane`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: clusterAlarmPrefix(props.clusterId) }] },
      },
      targets: [target()],
    });
    this.opsAlarmRule = new events.Rule(this, 'OpsAlarmRule', {
      description: `seedshield: forward ${props.clusterId} operations alarms (VPN tunnels) to the control plane for on-call`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: clusterOpsAlarmPrefix(props.clusterId) }] },
      },
      targets: [target()],
    });
    this.guardDutyRule = new events.Rule(this, 'GuardDutyRule', {
      description: `seedshield: forward GuardDuty findings on ${props.clusterId} instances to the control plane`,
      eventPattern: {
        source: ['aws.guardduty'],
        detailType: ['GuardDuty Finding'],
        detail: guardDutyFindingDetailPattern({ clusterId: props.clusterId, ignoredTypes: props.ignoredFindingTypes }),
      },
      targets: [target()],
    });
    // Named seedshield-ops.<cluster>.*: the ops rule forwards it home to on-call like the VPN alarms. That is
    // the path that may be failing, so with an e-mail configured it also notifies a topic in this region.
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: opsAlarmName(props.clusterId, 'forwarder.dead-letters'),
      alarmDescription: `Events of ${props.clusterId} could not be forwarded to the control plane (${props.controlPlaneRegion}) after EventBridge's retries: the control plane missed alarm changes or GuardDuty findings. Read the queue's messages (their attributes carry the error), fix the cause, then redrive them (meanwhile the reconcile schedule re-reads every alarm within its interval).`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      // SQS publishes its metrics for every queue, empty ones included: no data means no messages.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.notificationEmail) {
      const topic = new sns.Topic(this, 'DeadLetterTopic', {
        displayName: `seedshield ${props.clusterId}: forwarding failures`,
        masterKey: key,
        enforceSSL: true,
      });
      // CloudWatch publishes to the encrypted topic with the key.
      key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      topic.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));
      this.deadLetterAlarm.addAlarmAction(new cwActions.SnsAction(topic));
    } else {
      Validations.of(this.deadLetterAlarm).acknowledge({
        id: 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction',
        reason: 'No on-call e-mail configured: the alarm reaches on-call through the cluster\'s ops forwarding rule (seedshield-ops.* name) only; an alarm cannot notify the home region\'s topic.',
      });
    }

    Validations.of(this).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The rules\' roles carry the policy CDK generates for each one role: events:PutEvents on the control plane\'s bus only. A managed policy would be attachable to other principals.',
    });
  }
}
