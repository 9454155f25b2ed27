import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as shield from 'aws-cdk-lib/aws-shield';
import { Construct } from 'constructs';

/** The ARN Shield Advanced protects for an Elastic IP (`eip-allocation/<allocation id>`). */
export function eipAllocationArn(scope: Construct, eip: ec2.CfnEIP): string {
  return Stack.of(scope).formatArn({ service: 'ec2', resource: 'eip-allocation', resourceName: eip.attrAllocationId });
}

/** Props of {@link EipShieldProtection}. */
export interface EipShieldProtectionProps {
  /** The cluster id: names the protections and the protection group. */
  readonly clusterId: string;
  /** The NLB's Elastic IPs, in AZ order. */
  readonly eips: readonly ec2.CfnEIP[];
  /**
   * The alarm that says the cluster is unhealthy. Shield's health-based detection watches it through a
   * Route 53 health check, which makes detection faster and more accurate.
   * @see https://docs.aws.amazon.com/waf/latest/developerguide/ddos-advanced-health-checks.html
   */
  readonly healthAlarm: cloudwatch.IAlarm;
  /**
   * Associate the health check with the protections. Shield wants the health check healthy when it is
   * associated: a first deploy (no healthy seed node yet) creates it unassociated, and a later deploy with
   * true associates it once the check reports healthy.
   * @default false
   */
  readonly associateHealthCheck?: boolean;
}

/**
 * Shield Advanced for one cluster's edge: a protection per Elastic IP (an NLB itself cannot be protected),
 * health-based detection (once the health check is healthy), and one protection group so Shield judges the
 * EIPs together.
 *
 * Proactive engagement (the Shield Response Team calling on-call during an event) is NOT configured: it is
 * account-wide, needs a Business or Enterprise Support plan and health-based detection on the protections;
 * enable it in the Shield console once `shieldHealthBasedDetection` is true (README, "Deploy on a real account").
 *
 * Needs an active Shield Advanced subscription in the account. It is not a CloudFormation resource: without
 * it every resource here fails at deploy (`ResourceNotFoundException`) although synth succeeds.
 */
export class EipShieldProtection extends Construct {
  /** One protection per Elastic IP, in AZ order. */
  public readonly protections: readonly shield.CfnProtection[];
  /** The protection group over every EIP of the cluster. */
  public readonly protectionGroup: shield.CfnProtectionGroup;
  /** The Route 53 health check (type CLOUDWATCH_METRIC) on {@link EipShieldProtectionProps.healthAlarm}. */
  public readonly healthCheck: route53.CfnHealthCheck;
  /** The protected ARNs, in AZ order. */
  public readonly protectedArns: readonly string[];

  constructor(scope: Construct, id: string, props: EipShieldProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // LastKnownStatus: while CloudWatch has too little data (a fresh alarm) Shield keeps its last verdict
    // instead of flapping to unhealthy.
    this.healthCheck = new route53.CfnHealthCheck(this, 'HealthCheck', {
      healthCheckConfig: {
        type: 'CLOUDWATCH_METRIC',
        // A Ref to the alarm: Route 53 checks the alarm exists, and the Ref orders the creation.
        alarmIdentifier: { name: props.healthAlarm.alarmName, region: stack.region },
        insufficientDataHealthStatus: 'LastKnownStatus',
      },
      healthCheckTags: [{ key: 'Name', value: `seedshield ${props.clusterId} healthy hosts` }],
    });
    const healthCheckArn = stack.formatArn({
      service: 'route53',
      region: '',
      account: '',
      resource: 'healthcheck',
      resourceName: this.healthCheck.attrHealthCheckId,
    });

    this.protectedArns = props.eips.map((eip) => eipAllocationArn(this, eip));
    this.protections = props.eips.map(
      (_, i) =>
        new shield.CfnProtection(this, `Eip${i + 1}`, {
          name: `seedshield-${props.clusterId}-eip-${i + 1}`,
          resourceArn: this.protectedArns[i],
          ...(props.associateHealthCheck ? { healthCheckArns: [healthCheckArn] } : {}),
        }),
    );

    // SUM: the NLB spreads one attack over all its EIPs; Shield should see the total, not each share.
    this.protectionGroup = new shield.CfnProtectionGroup(this, 'Group', {
      protectionGroupId: `seedshield-${props.clusterId}`,
      aggregation: 'SUM',
      pattern: 'ARBITRARY',
      members: [...this.protectedArns],
    });
    // Members must already be protected.
    this.protections.forEach((p) => this.protectionGroup.addResourceDependency(p));
  }
}
