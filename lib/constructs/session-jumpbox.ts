import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { createLogsKey } from './logs-key';
import { acknowledgeControl } from '../control-tower';

/**
 * Where AWS publishes the Session Manager plugin for Linux RPM systems (`<arch>` is `64bit` or `arm64`); the
 * AWS CLI on the jumpbox needs it for `aws ssm start-session` to a seed node.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/install-plugin-linux.html
 */
export const SESSION_MANAGER_PLUGIN_RPM_URL = 'https://s3.amazonaws.com/session-manager-downloads/plugin/latest/linux_<arch>/session-manager-plugin.rpm';

/**
 * The jumpbox's boot script: installs the Session Manager plugin (Amazon Linux 2023 ships the AWS CLI, not the
 * plugin). A jumpbox that boots while the cluster is cut cannot download it: it still takes sessions, and
 * operators reach the nodes straight from their own machine until the cut is lifted (see README).
 */
function sessionManagerPluginUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'arch=$(uname -m); case "$arch" in aarch64) plugin=arm64 ;; *) plugin=64bit ;; esac',
    `url=$(echo '${SESSION_MANAGER_PLUGIN_RPM_URL}' | sed "s/<arch>/$plugin/")`,
    // Retried: the NAT path may still be settling at first boot. Never fatal: the jumpbox is useful without it.
    'for i in 1 2 3 4 5; do dnf install -y "$url" && break; sleep 10; done || true',
  );
  return userData;
}

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
 * Session Manager, every session logged to a KMS-encrypted CloudWatch log group. From there admins open a
 * second Session Manager session to a seed node ({@link SessionJumpbox.allowSessionsToTagged}), with the same
 * logged document: no SSH port, no key. Both legs work while the cluster is cut from the internet, through
 * the cluster's interface VPC endpoints.
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
  /** The instance role (Session Manager, session logging, and what {@link allowSessionsToTagged} adds). */
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
      // The text predates the move from ssh to Session Manager; changing a group's description replaces the
      // group, and a replaced group during an isolation is one more thing to re-cut. It has no ssh rule left.
      description: 'seedshield jumpbox: no ingress; SSM over 443 and ssh to the seed nodes',
      allowAllOutbound: false,
    });
    // Session Manager and CloudWatch Logs through the cluster's interface endpoints (in the VPC), package
    // mirrors through the NAT gateways: all HTTPS.
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
      reason: 'The policy CDK generates for this one role (session log writes, log-group check, Session Manager to tagged seed nodes); a managed policy would be attachable to other principals.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'logs:DescribeLogGroups and ssm:DescribeInstanceInformation support no resource-level permissions; the SSM agent needs the first to check session log encryption, operators the second to find a node while the cluster is cut.',
    });

    this.instance = new ec2.Instance(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup: this.securityGroup,
      role,
      userData: sessionManagerPluginUserData(),
      // User data runs at first boot only: a changed script takes effect on a new jumpbox, and the jumpbox is
      // stateless (sessions are logged off-box).
      userDataCausesReplacement: true,
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
   * Lets an operator on the jumpbox open a Session Manager session to the instances tagged `tagKey=tagValue`
   * (the seed nodes), with this jumpbox's logged session document only, and end or resume only the sessions
   * it started. Nothing listens on the nodes: the SSM Agent there dials out, through the cluster's `ssm`,
   * `ssmmessages` and `ec2messages` interface endpoints, so this works while an isolation has the cluster cut
   * from the internet (EC2 Instance Connect's `SendSSHPublicKey`, used before, has no such endpoint).
   *
   * `ssm:SessionDocumentAccessCheck` makes Session Manager check the document even when the caller names none
   * (the default `SSM-SessionManagerRunShell`, which does not log, is then refused).
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-quickstart.html
   */
  public allowSessionsToTagged(tagKey: string, tagValue: string): void {
    const stack = Stack.of(this);
    const documentArn = `arn:${Aws.PARTITION}:ssm:${stack.region}:${stack.account}:document/${this.sessionDocumentName}`;
    // Aws.PARTITION rather than formatArn: the ARNs (and so the findings acknowledged below) stay the same
    // whether or not the app resolves partitions to literals.
    const instances = `arn:${Aws.PARTITION}:ec2:${stack.region}:${stack.account}:instance/*`;
    const sessions = `arn:${Aws.PARTITION}:ssm:${stack.region}:${stack.account}:session/*`;
    const documentCheck = { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } };
    // One statement per resource type: the tag condition must not apply to the document (it has no tag).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StartSession'],
        resources: [instances],
        conditions: { StringEquals: { [`ssm:resourceTag/${tagKey}`]: tagValue }, ...documentCheck },
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [documentArn], conditions: documentCheck }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
        resources: [sessions],
        // Session ids start with the caller's user id: its own sessions only.
        conditions: { StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}*' } },
      }),
    );
    // Finding the node to connect to while cut: EC2's own API has no endpoint in the VPC, SSM's has.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:DescribeInstanceInformation'], resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${stack.region}:${stack.account}:instance/*]`,
      reason: 'Seed nodes are replaced by their Auto Scaling group, so their ids are unknown at deploy; ssm:StartSession is scoped by the cluster tag and this session document instead.',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${stack.region}:${stack.account}:session/*]`,
      reason: 'Session ids are made at StartSession; the aws:ssmmessages:session-id tag condition limits Terminate/ResumeSession to the sessions this role started.',
    });
  }

  /**
   * Lets another instance role (the seed nodes') log sessions opened with this jumpbox's document: write to
   * its log group, and the encryption check the SSM Agent makes before it streams. The log group's key is
   * used by CloudWatch Logs on the service side, so the instance itself needs no KMS permission.
   */
  public grantSessionLogging(role: iam.IRole): void {
    this.sessionLogGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'Statements on * are calls with no resource type: logs:DescribeLogGroups (the SSM agent checks session log encryption) and, for the seed nodes, cloudwatch:PutMetricData limited by its cloudwatch:namespace condition.',
    });
  }
}
