import { gzipSync } from 'zlib';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { acknowledgeControl } from '../control-tower';

/**
 * SSM parameter of Canonical's current Ubuntu 22.04 LTS amd64 AMI. The spring .deb targets Ubuntu, and the
 * image ships the SSM agent. Resolved by CloudFormation at deploy (an SSM-typed parameter), never at synth.
 */
export const UBUNTU_AMI_PARAMETER = '/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id';

/** EC2's limit on user data, in raw form (here: the gzip bytes) before base64 encoding. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * The user data as the launch template carries it: gzip-compressed, then base64. The boot scripts plus the node
 * agent exceed EC2's 16 KiB as plain text; cloud-init detects gzip user data and decompresses it before running
 * it. gzipSync writes no timestamp, so the same script always gives the same template.
 * @see https://cloudinit.readthedocs.io/en/latest/explanation/format.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
 */
export function packUserData(script: string): string {
  return gzipSync(Buffer.from(script, 'utf8'), { level: 9 }).toString('base64');
}

/** Props of {@link SeedNodeGroup}. */
export interface SeedNodeGroupProps {
  /** The cluster VPC; the nodes go in its private subnets. */
  readonly vpc: ec2.IVpc;
  /** Seed nodes to run (the group is fixed-size: min = max = count). */
  readonly count: number;
  /** EC2 instance type. */
  readonly instanceType: ec2.InstanceType;
  /** Size of the encrypted gp3 root volume (chain state and blocks log). */
  readonly volumeSizeGiB: number;
  /** The boot script (see `renderSeedNodeUserData`). */
  readonly userDataScript: string;
  /** SSM parameters the nodes read at boot (block producer peers). The role may read exactly these. */
  readonly readableParameters: ssm.IStringParameter[];
  /** The secret holding the peer private key. The role may read exactly this one. */
  readonly peerKeySecret: secretsmanager.ISecret;
  /**
   * The S3 object the nodes start the chain from. The role may read exactly this object (`s3:GetObject`).
   * @default - no S3 access (snapshot from a URL, or a genesis)
   */
  readonly snapshotObject?: { readonly bucket: string; readonly key: string };
  /**
   * Smallest `volumeSizeGiB` that holds the chain below nodeos's resource-monitor threshold.
   * @default - not checked
   */
  readonly minimumVolumeSizeGiB?: number;
  /**
   * How long a new node may fail the load balancer health check before the group replaces it: it covers the
   * package install, the snapshot download and load, and the chain check.
   * @default Duration.minutes(15)
   */
  readonly healthCheckGracePeriod?: Duration;
}

/**
 * The seed nodes: a fixed-size Auto Scaling group in the private subnets, from a launch template with IMDSv2
 * only, no public address, an encrypted gp3 volume and a role limited to SSM management plus the boot reads.
 */
export class SeedNodeGroup extends Construct {
  /** The Auto Scaling group (also the NLB target). */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The nodes' security group: ingress added by the cluster (the NLB's listeners and health checks, nothing else). */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The instance role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SeedNodeGroupProps) {
    super(scope, id);
    if (props.minimumVolumeSizeGiB !== undefined && props.volumeSizeGiB < props.minimumVolumeSizeGiB) {
      throw new ValidationError(
        `volumeSizeGiB (clusters[].seedNodes.volumeSizeGiB) must be at least ${props.minimumVolumeSizeGiB} GiB for this chain (state, retained blocks and snapshot below nodeos's 90 % resource-monitor threshold), got: ${props.volumeSizeGiB}`,
        this,
      );
    }

    // Outbound stays open: nodes dial arbitrary p2p peers, the block producers over the VPN, GitHub and apt,
    // and the cluster's interface endpoints (SSM Agent, session logs, metrics).
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      // The text predates Session Manager access (no ssh rule is left); changing it would replace the group.
      description: 'seedshield seed nodes: p2p and API from the NLB, ssh from the jumpbox only',
      allowAllOutbound: true,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'seedshield seed node: SSM management, block-producer peers and peer key at boot',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    props.readableParameters.forEach((p) => p.grantRead(this.role));
    props.peerKeySecret.grantRead(this.role);
    if (props.snapshotObject) {
      // One object, no wildcard: the snapshot the nodes start from, nothing else in the bucket.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [`arn:${Stack.of(this).partition}:s3:::${props.snapshotObject.bucket}/${props.snapshotObject.key}`],
        }),
      );
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The AWS-maintained minimum for the SSM agent (Session Manager, patching); tracking it ourselves would only lag behind.',
    });
    Validations.of(this.role).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The policy CDK generates for this one role: read exactly the block-producer peer parameters, the peer key secret and the configured snapshot object at boot, write session logs to the cluster\'s session log group, publish the node agent\'s metrics; a managed policy would be attachable to other principals.',
    });

    if (Token.isUnresolved(props.userDataScript)) {
      throw new ValidationError('userDataScript must be literal text: it is gzip-compressed at synth', this);
    }
    const packedUserData = packUserData(props.userDataScript);
    if (Buffer.byteLength(packedUserData, 'base64') > USER_DATA_LIMIT_BYTES) {
      throw new ValidationError(`userDataScript is ${Buffer.byteLength(packedUserData, 'base64')} bytes gzip-compressed, over EC2's ${USER_DATA_LIMIT_BYTES}-byte user data limit`, this);
    }

    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.fromSsmParameter(UBUNTU_AMI_PARAMETER, { os: ec2.OperatingSystemType.LINUX }),
      instanceType: props.instanceType,
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      associatePublicIpAddress: false,
      detailedMonitoring: true,
      blockDevices: [
        {
          // Ubuntu's root device.
          deviceName: '/dev/sda1',
          volume: ec2.BlockDeviceVolume.ebs(props.volumeSizeGiB, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    (launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.UserData', packedUserData);

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: props.count,
      maxCapacity: props.count,
      // ELB health: a node whose nodeos stopped answering is replaced, not just left out of rotation.
      // The grace covers the package install, the snapshot download and load, and the chain check (the seed
      // ports stay closed until get_info reports the configured chain id).
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.healthCheckGracePeriod ?? Duration.minutes(15),
      }),
    });
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions::AwsSolutions-AS3',
      reason: 'Health reaches on-call through the NLB healthy-host alarm and the control plane, not per scaling event; a fixed-size group rarely scales.',
    });
    acknowledgeControl(
      this.autoScalingGroup,
      'autoscaling_multiple_az_check',
      'The group spans every AZ of the cluster: VPCZoneIdentifier lists one private subnet per AZ, which is how a VPC group names its zones. The rule only reads the AvailabilityZones property.',
    );
    acknowledgeControl(
      this.autoScalingGroup,
      'autoscaling_mixed_instances_policy_multiple_instance_types_check',
      'Seed nodes run the one instance type the config sizes for nodeos (memory for chain state, network); a second type would put seeds on a size nobody chose or tested. The group is fixed-size, not scaling for capacity.',
    );
  }
}
