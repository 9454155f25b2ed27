import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SeedshieldConfig } from '../config/schema';
import { toRuntimeTopology } from '../config/topology';
import { ControlPlaneAlarms } from '../constructs/control-plane-alarms';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { RemediationControlPlane } from '../constructs/remediation-control-plane';

/** Props of {@link ControlPlaneStack}. */
export interface ControlPlaneStackProps extends StackProps {
  readonly config: SeedshieldConfig;
}

/**
 * The serverless control plane in the home region: event bus, state table, remediation Lambda, reconcile
 * schedule and on-call notifications.
 */
export class ControlPlaneStack extends Stack {
  public readonly controlPlane: RemediationControlPlane;
  /** The control plane's own alarms and the relay of cluster operations alarms to on-call. */
  public readonly alarms: ControlPlaneAlarms;
  /** The on-call dashboard. */
  public readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    const cp = props.config.controlPlane;
    this.controlPlane = new RemediationControlPlane(this, 'ControlPlane', {
      topology: toRuntimeTopology(props.config),
      reconcileInterval: Duration.minutes(cp.reconcileIntervalMinutes),
      notificationEmail: cp.notifications.email,
      existingNotificationTopic: cp.notifications.topicArn ? sns.Topic.fromTopicArn(this, 'OnCallTopic', cp.notifications.topicArn) : undefined,
      reserveConcurrency: cp.reservedConcurrency === 1,
    });
    const topology = toRuntimeTopology(props.config);
    this.alarms = new ControlPlaneAlarms(this, 'Alarms', {
      remediationFunction: this.controlPlane.remediationFunction,
      bus: this.controlPlane.bus,
      topic: this.controlPlane.topic,
      deadLetterQueue: this.controlPlane.deadLetterQueue,
      reconcileInterval: Duration.minutes(cp.reconcileIntervalMinutes),
      clusterIds: topology.clusters.map((c) => c.id),
      maxIsolated: Duration.minutes(Math.round(cp.maxIsolatedHours * 60)),
    });
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      clusters: topology.clusters,
      remediationFunction: this.controlPlane.remediationFunction,
      deadLetterQueue: this.controlPlane.deadLetterQueue,
      reconcileInterval: Duration.minutes(cp.reconcileIntervalMinutes),
      alarms: [
        this.controlPlane.deadLetterAlarm,
        this.alarms.errorsAlarm,
        this.alarms.throttlesAlarm,
        this.alarms.reconcileMissedAlarm,
        ...Object.values(this.alarms.isolatedTooLongAlarms),
      ],
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName, description: 'the on-call dashboard (home region)' });
    new CfnOutput(this, 'StateTableName', { value: this.controlPlane.table.tableName, description: 'seedshield state and action journal' });
    new CfnOutput(this, 'ControlBusArn', { value: this.controlPlane.bus.eventBusArn, description: 'event bus every cluster forwards to' });
    new CfnOutput(this, 'OnCallTopicArn', { value: this.controlPlane.topic.topicArn, description: 'on-call notifications' });
  }
}
