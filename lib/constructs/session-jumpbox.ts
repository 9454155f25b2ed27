import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { createLogsKey } from './logs-key';
import { acknowledgeControl } from '../control-tower';

/** Props of {@link SessionJumpbox}. */
export interface SessionJumpboxProps {
  /** The cluster VPC; the jumpbox goes in its first private subnet. */
  readonly vpc: ec2.IVpc;
  /** Name prefix of the session document, e.g. `seedshield-eu-north`. */
  readonly namePrefix: string;
  /**
   * Instance type.
   * @default t3.micro
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Days session logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly sessionLogRetention?: logs.RetentionDays;
}

/**
 * The admins' way in: an instance in a private subnet with no inbound rule at all, reached only through SSM
 * Session Manager, every session logged to a KMS-encrypted CloudWatch log group. From there admins ssh to the
 * seed nodes, which accept port 22 from this jumpbox's security group only.
 *
 * Session logging is a custom `Session` document (`<namePrefix>-session`), not the account-wide
 * `SSM-SessionManagerRunShell` preferences, which are a per-region singleton other stacks may already own.
 * Operators' IAM policies should allow `ssm:StartSession` with this document only.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-logging.html
 */
export class SessionJumpbox extends Construct {
  /** The jumpbox instance. */
  public readonly instance: ec2.Instance;
  /** Its security group: no ingress; egress 443 (SSM) and whatever `connections.allowTo` adds. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Where every session's input and output go. */
  public readonly sessionLogGroup: logs.LogGroup;
  /** The Session Manager document operators start sessions with. */
  public readonly sessionDocumentName: string;
  /** The instance role (Session Manager, session logging, and what {@link allowInstanceConnect} adds). */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SessionJumpboxProps) {
    super(scope, id);

    // CloudWatch Logs encrypts with the key on the log group's behalf: the key policy scopes that to log groups here.
    const key = createLogsKey(this, 'SessionLogKey', `${props.namePrefix} Session Manager logs`);
    const logGroup = new logs.LogGroup(this, 'SessionLogs', {
      encryptionKey: key,
      retention: props.sessionLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.sessionLogGroup = logGroup;

    this.sessionDocumentName = `${props.namePrefix}-session`;
    new ssm.CfnDocument(this, 'SessionDocument', {
      name: this.sessionDocumentName,
      documentType: 'Session',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '1.0',
        description: 'seedshield jumpbox session: every session logged to an encrypted CloudWatch log group',
        sessionType: 'Standard_Stream',
        inputs: {
          cloudWatchLogGroupName: logGroup.logGroupName,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          idleSessionTimeout: '20',
          runAsEnabled: false,
          shellProfile: { linux: 'cd ~ && exec bash' },
        },
      },
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'seedshield jumpbox: no ingress; SSM over 443 and ssh to the seed nodes',
      allowAllOutbound: false,
    });
    // Session Manager, CloudWatch Logs and package mirrors are all HTTPS through the NAT gateways.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'SSM, CloudWatch Logs and package updates');

    const role = (this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'seedshield jumpbox: Session Manager and session logging',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    }));
    logGroup.grantWrite(role);
    // The SSM agent checks the log group's encryption before it streams a session; this call has no
    // resource-level permissions.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The AWS-maintained minimum for Session Manager; tracking its API changes ourselves would only lag behind.',
    });
    Validations.of(role).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The policy CDK generates for this one role (session log writes, log-group check, Instance Connect to tagged seed nodes); a managed policy would be attachable to other principals.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'logs:DescribeLogGroups supports no resource-level permissions; the SSM agent needs it to check session log encryption.',
    });

    this.instance = new ec2.Instance(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup: this.securityGroup,
      role,
      requireImdsv2: true,
      associatePublicIpAddress: false,
      detailedMonitoring: true,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(16, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) },
      ],
    });
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions::AwsSolutions-EC29',
      reason: 'The jumpbox is stateless (sessions are logged off-box); replacing it by redeploy is the intended recovery.',
    });
    Validations.of(this.instance).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-EC2InstancesInVPC',
      reason: 'False positive: the instance IS in a private subnet of the cluster VPC; the subnet is set on its network interface (NetworkInterfaces[0].SubnetId, because of AssociatePublicIpAddress: false), which the rule does not read.',
    });
    acknowledgeControl(
      this.instance,
      'ec2_instance_nitro_encryption_in_transit_check',
      'The jumpbox\'s only traffic is Session Manager (TLS) and ssh to the seed nodes (encrypted end to end); Nitro link encryption would add nothing, on an instance type several times the price of a t3.micro.',
    );
    acknowledgeControl(
      this.instance,
      'ec2_launch_template_monitoring_enabled_check',
      'Detailed monitoring is on: the instance sets Monitoring itself. The launch template CDK adds carries only the IMDSv2 metadata options; setting it there too would replace the instance for nothing.',
    );
  }

  /**
   * Lets a session on the jumpbox push a one-time SSH key (EC2 Instance Connect, valid 60 s) to the instances
   * tagged `tagKey=tagValue`, for `osUser` only. No long-lived key pair exists anywhere.
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-connect-configure-IAM-role.html
   */
  public allowInstanceConnect(tagKey: string, tagValue: string, osUser: string): void {
    const stack = Stack.of(this);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2-instance-connect:SendSSHPublicKey'],
        // Aws.PARTITION rather than formatArn: the ARN (and so the finding acknowledged below) stays the same
        // whether or not the app resolves partitions to literals.
        resources: [`arn:${Aws.PARTITION}:ec2:${stack.region}:${stack.account}:instance/*`],
        conditions: { StringEquals: { [`aws:ResourceTag/${tagKey}`]: tagValue, 'ec2:osuser': osUser } },
      }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${stack.region}:${stack.account}:instance/*]`,
      reason: 'Seed nodes are replaced by their Auto Scaling group, so their ids are unknown at deploy; the grant is scoped by the cluster tag and OS user instead.',
    });
  }
}
