import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SeedshieldConfig } from '../config/schema';
import { toRuntimeTopology } from '../config/topology';
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

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    const cp = props.config.controlPlane;
    this.controlPlane = new RemediationControlPlane(this, 'ControlPlane', {
      topology: toRuntimeTopology(props.config),
      clusterAccounts: props.config.clusters.map((c) => c.account),
      reconcileInterval: Duration.minutes(cp.reconcileIntervalMinutes),
      notificationEmail: cp.notifications.email,
      existingNotificationTopicArn: cp.notifications.topicArn,
    });
    new CfnOutput(this, 'StateTableName', { value: this.controlPlane.table.tableName, description: 'seedshield state and action journal' });
    new CfnOutput(this, 'ControlBusArn', { value: this.controlPlane.bus.eventBusArn, description: 'event bus every cluster forwards to' });
    new CfnOutput(this, 'OnCallTopicArn', { value: this.controlPlane.topic.topicArn, description: 'on-call notifications' });
  }
}
