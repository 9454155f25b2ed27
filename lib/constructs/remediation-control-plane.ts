import * as path from 'path';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parseTopology, TOPOLOGY_PARAMETER_MAX_BYTES, TOPOLOGY_PARAMETER_PATH, topologyToParameters } from '../../lambdas/core/topology-schema';
import {
  CLUSTER_TAG_KEY,
  clusterAlarmPrefix,
  clusterParameterPrefix,
  CONTROL_BUS_NAME,
  REACHABILITY_CHECK_TAG_KEY,
  REACHABILITY_PATH_TAG_KEY,
  STATE_TABLE_NAME,
  SUSPENDED_PROCESSES_TAG_KEY,
} from '../config/naming';
import { RuntimeTopology, topologyDigest } from '../config/topology';
import { ValidationError } from '../errors';
import { ignoredFindingTypes } from '../../lambdas/core/finding-policy';
import { guardDutyFindingDetailPattern } from './event-forwarder';
import { acknowledgeControl } from '../control-tower';

/**
 * The tag keys the isolation actuators write and delete to record a cut (lambdas/actuators/ec2-isolation.ts:
 * `REVOKED_INGRESS_TAG_PREFIX`, `PROPAGATION_DISABLED_TAG`; a test keeps the two in step). IAM glob syntax.
 */
/**
 * What the control plane and the analyses it starts read for Reachability Analyzer: its own paths and analyses,
 * the seed node and gateway lookups, the `tiros` queries, and the configuration the analysis models (the
 * describes the guide lists for EC2 and Elastic Load Balancing). None supports resource-level permissions.
 * @see https://docs.aws.amazon.com/vpc/latest/reachability/security_iam_required-API-permissions.html
 */
export const REACHABILITY_READ_ACTIONS: readonly string[] = [
  'ec2:DescribeNetworkInsightsPaths',
  'ec2:DescribeNetworkInsightsAnalyses',
  'ec2:DescribeInstances',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpnGateways',
  'ec2:DescribeVpnConnections',
  'ec2:DescribeNatGateways',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeRegions',
  'ec2:DescribePrefixLists',
  'ec2:DescribeManagedPrefixLists',
  'ec2:DescribeCustomerGateways',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'tiros:CreateQuery',
  'tiros:GetQueryAnswer',
  'tiros:GetQueryExplanation',
];

export const ISOLATION_RECORD_TAG_KEYS: readonly string[] = ['seedshield:revoked-ingress:*', 'seedshield:propagation-disabled'];

const REPO_ROOT = path.join(__dirname, '..', '..');

/** Props of {@link RemediationControlPlane}. */
export interface RemediationControlPlaneProps {
  /** The clusters, DNS and policy the control plane acts on. */
  readonly topology: RuntimeTopology;
  /** Minutes between reconcile runs. */
  readonly reconcileInterval: Duration;
  /**
   * E-mail address subscribed to the on-call topic: the one created here, or `existingNotificationTopic`.
   * @default - no e-mail subscription
   */
  readonly notificationEmail?: string;
  /**
   * An existing on-call SNS topic to publish to instead of creating one. Its policy (and key) must let
   * `events.amazonaws.com` and `cloudwatch.amazonaws.com` publish, and it must accept the remediation
   * function's `sns:Publish` (granted here on the function's side).
   * @default - a new KMS-encrypted topic
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
   */
  readonly existingNotificationTopic?: sns.ITopic;
  /**
   * Reserve a concurrency of 1 for the remediation function (one decision at a time). `false` for an account
   * whose Lambda concurrency cannot leave 100 unreserved: decisions may overlap, and the reconcile repairs a
   * weight set that landed out of order (config `controlPlane.reservedConcurrency: "none"`).
   * @default true
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  readonly reserveConcurrency?: boolean;
}

/**
 * The serverless control plane: event bus, state table, remediation Lambda, reconcile schedule, on-call
 * topic and the dead-letter queue behind every target.
 *
 * Least privilege: every mutating EC2 call is scoped to resources tagged with a managed cluster id, the
 * Route 53 change to the one hosted zone and record name, SSM reads to the clusters' published parameters.
 */
export class RemediationControlPlane extends Construct {
  /** Customer-managed key for the table, topic, queue and logs. */
  public readonly key: kms.Key;
  public readonly table: dynamodb.TableV2;
  public readonly bus: events.EventBus;
  public readonly topic: sns.ITopic;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly remediationFunction: NodejsFunction;
  public readonly reconcileSchedule: scheduler.Schedule;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The SSM parameters carrying the runtime topology (one per cluster, one per other top-level field). */
  public readonly topologyParameters: ssm.StringParameter[];

  constructor(scope: Construct, id: string, props: RemediationControlPlaneProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const minutes = props.reconcileInterval.toMinutes();
    if (minutes < 1 || minutes > 60) {
      throw new ValidationError(`reconcileInterval must be between 1 and 60 minutes, got: ${minutes}`, this);
    }

    this.key = new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'seedshield control plane: state table, on-call topic, dead-letter queue, logs',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs, EventBridge, Scheduler and CloudWatch alarms (publishing to the topic) use the key.
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal('events.amazonaws.com'));
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal('scheduler.amazonaws.com'));
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));

    this.table = new dynamodb.TableV2(this, 'StateTable', {
      // A fixed name: the operator CLI, the DNS custom resource and dashboards find it without lookups.
      tableName: STATE_TABLE_NAME,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      // The journal is the record of every isolation ever made: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topic =
      props.existingNotificationTopic ?? new sns.Topic(this, 'OnCallTopic', { displayName: 'seedshield on-call', masterKey: this.key, enforceSSL: true });
    // Whichever topic it is, the e-mail subscribes to it: with both configured, both must work.
    if (props.notificationEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));

    // The runtime topology travels as SSM parameters, validated here against the core's schema (so a synth
    // never deploys a topology the Lambda would refuse) and again by the Lambda at cold start.
    const topology = this.#validatedTopology(props.topology);
    this.topologyParameters = this.#topologyParameters(topology);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue IS the dead-letter queue of every control-plane target; it is alarmed, not re-queued.',
    });
    acknowledgeControl(
      this.deadLetterQueue,
      'sqs_dlq_check',
      'This queue IS the dead-letter queue of EventBridge, Scheduler and the function; it is alarmed, not re-queued. RedriveAllowPolicy names SQS source queues, and none sends here.',
    );
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: 'seedshield-control-plane-dead-letters',
      alarmDescription: 'Events or reconcile runs the remediation Lambda could not process: read them from the DLQ and replay or act by hand.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new cwActions.SnsAction(this.topic));

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: CONTROL_BUS_NAME, description: 'seedshield: every cluster alarm and GuardDuty finding' });

    const logGroup = new logs.LogGroup(this, 'RemediationLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.remediationFunction = new NodejsFunction(this, 'RemediationFunction', {
      description: 'seedshield remediation: alarm/GuardDuty events and reconcile -> decide -> isolate/restore',
      entry: path.join(REPO_ROOT, 'lambdas', 'handlers', 'remediation.ts'),
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // Route 53 INSYNC waits and throttling back-off can take minutes; the reconcile interval bounds it.
      timeout: Duration.minutes(Math.min(5, minutes * 3)),
      // One decision at a time. Conditional writes already stop two invocations from acting on one cluster,
      // but each decision sends the WHOLE weight set to Route 53: two concurrent ones could land in the
      // opposite order of their commits and leave a stale set live. Serialising them removes that race (and
      // keeps well inside Route 53's 5 requests/second). A burst queues in Lambda's async queue (up to 6 h).
      reservedConcurrentExecutions: (props.reserveConcurrency ?? true) ? 1 : undefined,
      // EventBridge and Scheduler invoke asynchronously: their target DLQs catch what they could not deliver,
      // this one what the function itself failed after Lambda's own retries. One queue, one alarm.
      deadLetterQueue: this.deadLetterQueue,
      logGroup,
      // No X-Ray: Powertools Tracer (aws-xray-sdk-core) would more than double the bundle (118 KB -> 248 KB
      // minified, over the 150 KB budget of BENCHMARKS.md) to trace a handful of AWS calls per delivery that the
      // structured decision log and the journal already record with their outcome and timing.
      tracing: lambda.Tracing.DISABLED,
      environment: {
        // Where the topology is, and which one: a topology change changes this digest, so Lambda starts new
        // execution environments (a warm one would keep its old topology), and a cold start that reads a
        // half-updated set of parameters fails with InvalidTopologyError and is retried instead of acting on it.
        SEEDSHIELD_TOPOLOGY_PATH: TOPOLOGY_PARAMETER_PATH,
        SEEDSHIELD_TOPOLOGY_DIGEST: topologyDigest(topology),
        STATE_TABLE_NAME: this.table.tableName,
        NOTIFY_TOPIC_ARN: this.topic.topicArn,
        POWERTOOLS_SERVICE_NAME: 'seedshield-remediation',
        POWERTOOLS_METRICS_NAMESPACE: 'Seedshield',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        minify: true,
        // Error names (`StateConflictError`, ...) stay readable in logs and metrics.
        keepNames: true,
        sourceMap: false,
        format: OutputFormat.CJS,
        target: 'node24',
        // The Node.js runtime ships the AWS SDK v3: keep it out of the bundle.
        externalModules: ['@aws-sdk/*'],
        // esbuild's size report on every synth (dozens in a test run) buries what matters; warnings still print.
        logLevel: LogLevel.WARNING,
      },
    });
    // CloudFormation writes every parameter before it updates the function, so new environments read the new set.
    this.remediationFunction.node.addDependency(...this.topologyParameters);
    this.#grantLeastPrivilege(topology);

    const lambdaTarget = new targets.LambdaFunction(this.remediationFunction, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
    });
    // Only cluster alarms (`seedshield.<cluster>.…`): operational alarms (`seedshield-ops.…`, VPN tunnels)
    // travel the same bus to on-call but are not remediation triggers.
    new events.Rule(this, 'ClusterEventsRule', {
      eventBus: this.bus,
      description: 'seedshield: cluster alarm state changes -> remediation',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'seedshield.' }] },
      },
      targets: [lambdaTarget],
    });
    new events.Rule(this, 'GuardDutyFindingsRule', {
      eventBus: this.bus,
      description: 'seedshield: GuardDuty findings on cluster instances -> remediation',
      // The forwarders filter per cluster; this rule filters again, since anything on the bus reaches it.
      eventPattern: {
        source: ['aws.guardduty'],
        detailType: ['GuardDuty Finding'],
        detail: guardDutyFindingDetailPattern({ ignoredTypes: ignoredFindingTypes(props.topology.findingPolicy) }),
      },
      targets: [lambdaTarget],
    });

    const schedulerRole = new iam.Role(this, 'ReconcileSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'seedshield: lets EventBridge Scheduler invoke the remediation function for the reconcile',
    });
    // Scheduler writes to the dead-letter queue with THIS role (configuring-schedule-dlq.html), and a producer
    // to a KMS-encrypted queue needs the key: kms:GenerateDataKey to encrypt, kms:Decrypt for the data key
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    this.key.grant(schedulerRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.remediationFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on the remediation function and its versions only (the ":*" covers qualified ARNs), as LambdaInvoke grants it.',
    });
    this.reconcileSchedule = new scheduler.Schedule(this, 'ReconcileSchedule', {
      description: 'seedshield: periodic reconcile (re-read alarms, advance quiet periods and ramps, finish interrupted jobs)',
      schedule: scheduler.ScheduleExpression.rate(props.reconcileInterval),
      target: new schedulerTargets.LambdaInvoke(this.remediationFunction, {
        input: scheduler.ScheduleTargetInput.fromObject({
          'id': `reconcile:${scheduler.ContextAttribute.executionId}`,
          'source': 'seedshield.scheduler',
          'detail-type': 'Reconcile',
          'time': scheduler.ContextAttribute.scheduledTime,
        }),
        role: schedulerRole,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.minutes(Math.max(1, minutes)),
      }),
    });

    const ack = (id: string, reason: string) => Validations.of(this.remediationFunction).acknowledge({ id: `AwsSolutions::${id}`, reason });
    const nist = (construct: Construct, rule: string, reason: string) =>
      Validations.of(construct).acknowledge({ id: `NIST.800.53.R5::NIST.800.53.R5-${rule}`, reason });
    if (!(props.reserveConcurrency ?? true)) {
      nist(
        this.remediationFunction,
        'LambdaConcurrency',
        'controlPlane.reservedConcurrency is "none": the account cannot spare a reservation (Lambda keeps 100 unreserved). Conditional writes keep the state right; the reconcile repairs a weight set that landed out of order.',
      );
    }
    acknowledgeControl(
      this.remediationFunction,
      'lambda_inside_vpc_check',
      'The function only calls AWS APIs (EC2, Route 53, SSM, CloudWatch in every cluster region; DynamoDB and SNS at home) and reaches no private resource; a VPC would add NAT or one endpoint set per region, and a network path that can fail, without narrowing anything IAM does not already narrow.',
    );
    nist(
      this.remediationFunction,
      'LambdaInsideVPC',
      'The function only calls AWS APIs (EC2, Route 53, SSM, CloudWatch in every cluster region; DynamoDB and SNS at home) and reaches no private resource; a VPC would add NAT or one endpoint set per region without narrowing anything IAM does not already narrow.',
    );
    nist(
      this.remediationFunction,
      'IAMNoInlinePolicy',
      'The policy CDK generates for this one role, statement by statement least privilege (see #grantLeastPrivilege, test/security/iam-policies.test.ts); a managed policy would be attachable to other principals.',
    );
    nist(schedulerRole, 'IAMNoInlinePolicy', 'lambda:InvokeFunction on the remediation function only, generated by CDK for this one role.');
    ack('AwsSolutions-IAM5[Resource::*]', 'EC2 Describe* calls do not support resource-level permissions; every mutating call is scoped by resource ARN and tag condition.');
    ack(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The basic execution policy only lets the function write its own logs; the log group is explicit, KMS-encrypted and retained.',
    );
    ack('AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'Granted on the control plane\'s own key only (grantEncryptDecrypt): needed to write the encrypted table and topic.');
    ack('AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'Granted on the control plane\'s own key only (grantEncryptDecrypt).');
    for (const arn of this.#wildcardResources) {
      ack(
        `AwsSolutions-IAM5[Resource::${arn}]`,
        'Cluster resource ids are only known in the cluster regions at run time; the wildcard is limited to one account and region per cluster, mutating EC2 calls also require the seedshield:cluster tag of a managed cluster, and SSM/CloudWatch reads are limited to the cluster\'s own name prefix.',
      );
    }
  }

  #validatedTopology(topology: RuntimeTopology): RuntimeTopology {
    try {
      return parseTopology(topology, 'topology');
    } catch (err) {
      throw new ValidationError(`the runtime topology breaks the control plane's contract: ${(err as Error).message}`, this, { cause: err });
    }
  }

  /**
   * One Standard-tier String parameter per cluster and per other top-level field, pretty-printed: a change to
   * one cluster shows in `cdk diff` as that cluster's parameter, line by line (see lambdas/core/topology-schema.ts).
   */
  #topologyParameters(topology: RuntimeTopology): ssm.StringParameter[] {
    const scope = new Construct(this, 'Topology');
    const prefix = `${TOPOLOGY_PARAMETER_PATH}/`;
    return Object.entries(topologyToParameters(topology)).map(([name, value]) => {
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > TOPOLOGY_PARAMETER_MAX_BYTES) {
        throw new ValidationError(`topology parameter ${name} is ${bytes} bytes, over the ${TOPOLOGY_PARAMETER_MAX_BYTES} of a Standard-tier parameter: shorten it`, this);
      }
      return new ssm.StringParameter(scope, name.slice(prefix.length).replace(/\//g, '-'), {
        parameterName: name,
        stringValue: value,
        tier: ssm.ParameterTier.STANDARD,
        description: 'seedshield runtime topology (written by Seedshield-ControlPlane from the config; read by the remediation Lambda)',
      });
    });
  }

  /** Wildcard resource ARNs granted to the remediation function, each acknowledged with its reason. */
  readonly #wildcardResources = new Set<string>();

  #track(resources: string[]): string[] {
    const partition = Stack.of(this).partition;
    for (const r of resources) {
      if (r.endsWith('*') && r !== '*') this.#wildcardResources.add(Token.isUnresolved(partition) ? r.replace(partition, '<AWS::Partition>') : r);
    }
    return resources;
  }

  #grantLeastPrivilege(topology: RuntimeTopology): void {
    const fn = this.remediationFunction;
    const stack = Stack.of(this);
    const awsClusters = topology.clusters.filter((c) => c.kind === 'aws');
    const clusterIds = awsClusters.map((c) => c.id);
    this.table.grantReadWriteData(fn);
    this.topic.grantPublish(fn);
    this.key.grantEncryptDecrypt(fn);

    const regions = [...new Set(awsClusters.map((c) => `${c.account}|${c.region}`))].map((k) => k.split('|'));
    const ec2Arn = (account: string, region: string, resource: string) => `arn:${stack.partition}:ec2:${region}:${account}:${resource}/*`;
    const tagged = { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG_KEY}`]: clusterIds } };
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // Restore only: isolations recorded before the ACL cut revoked NLB ingress; undo re-authorizes it.
        sid: 'RestoreLegacySecurityGroupCut',
        actions: ['ec2:AuthorizeSecurityGroupIngress'],
        resources: this.#track(regions.map(([a, r]) => ec2Arn(a, r, 'security-group'))),
        conditions: tagged,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // Both cuts (internet and BP path) are network ACL entries on the cluster's own, tagged ACLs.
        sid: 'CutAndRestoreWithNetworkAcls',
        actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry'],
        resources: this.#track(regions.map(([a, r]) => ec2Arn(a, r, 'network-acl'))),
        conditions: tagged,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CutAndRestoreBlockProducerPathRoutes',
        actions: ['ec2:DisableVgwRoutePropagation', 'ec2:EnableVgwRoutePropagation'],
        resources: this.#track(regions.flatMap(([a, r]) => [ec2Arn(a, r, 'route-table'), ec2Arn(a, r, 'vpn-gateway')])),
        conditions: tagged,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // The actuators tag what they cut before cutting it, so a crash mid-cut cannot lose the record.
        sid: 'RecordCutsAsTags',
        actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
        resources: this.#track(regions.flatMap(([a, r]) => [ec2Arn(a, r, 'security-group'), ec2Arn(a, r, 'route-table')])),
        conditions: {
          ...tagged,
          // Only the record-keeping tags: every other permission hangs on the `seedshield:cluster` tag, so the
          // role must not be able to rewrite it (nor any other tag).
          // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tagkeys
          'ForAllValues:StringLike': { 'aws:TagKeys': [...ISOLATION_RECORD_TAG_KEYS] },
          // ForAllValues is true when the request names no tag at all, and DeleteTags without tags deletes every
          // tag of the resource: require the key.
          Null: { 'aws:TagKeys': 'false' },
        },
      }),
    );
    // Nothing replaces the seed nodes while their cluster is cut: the isolation suspends, and the restore
    // resumes, processes of the cluster's own (tagged) seed-node group, recording its claim as one tag first.
    const asgArns = this.#track(regions.map(([a, r]) => `arn:${stack.partition}:autoscaling:${r}:${a}:autoScalingGroup:*:autoScalingGroupName/*`));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'HoldSeedNodeReplacement',
        actions: ['autoscaling:SuspendProcesses', 'autoscaling:ResumeProcesses'],
        resources: asgArns,
        conditions: tagged,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecordSuspensionAsTag',
        actions: ['autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags'],
        resources: asgArns,
        conditions: {
          ...tagged,
          // Only the claim tag: the role must not rewrite `seedshield:cluster`, on which every permission hangs.
          'ForAllValues:StringEquals': { 'aws:TagKeys': [SUSPENDED_PROCESSES_TAG_KEY] },
          Null: { 'aws:TagKeys': 'false' },
        },
      }),
    );
    // A compromise preserves evidence: snapshots of the cluster's own (tagged) volumes, which must be created
    // carrying the cluster tag, and may be tagged only as they are created (no later retagging or deletion).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SnapshotClusterVolumes',
        actions: ['ec2:CreateSnapshot'],
        resources: this.#track(regions.map(([a, r]) => ec2Arn(a, r, 'volume'))),
        conditions: tagged,
      }),
    );
    const snapshotArns = this.#track(regions.map(([, r]) => `arn:${stack.partition}:ec2:${r}::snapshot/*`));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CreateEvidenceSnapshots',
        actions: ['ec2:CreateSnapshot'],
        resources: snapshotArns,
        conditions: { StringEquals: { [`aws:RequestTag/${CLUSTER_TAG_KEY}`]: clusterIds } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'TagEvidenceAtCreation',
        actions: ['ec2:CreateTags'],
        resources: snapshotArns,
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ObserveClusters',
        actions: [
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSecurityGroupRules',
          'ec2:DescribeNetworkAcls',
          'ec2:DescribeRouteTables',
          'ec2:DescribeVpcs',
          'ec2:DescribeVolumes',
          'ec2:DescribeSnapshots',
          'autoscaling:DescribeAutoScalingGroups',
        ],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadClusterResourceIds',
        actions: ['ssm:GetParametersByPath', 'ssm:GetParameter', 'ssm:GetParameters'],
        resources: this.#track(
          awsClusters.flatMap((c) => {
            const base = `arn:${stack.partition}:ssm:${c.region}:${c.account}:parameter${clusterParameterPrefix(c.id).replace(/\/$/, '')}`;
            return [base, `${base}/*`];
          }),
        ),
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadClusterAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: this.#track(awsClusters.map((c) => `arn:${stack.partition}:cloudwatch:${c.region}:${c.account}:alarm:${clusterAlarmPrefix(c.id)}*`)),
      }),
    );
    const zoneArn = `arn:${stack.partition}:route53:::hostedzone/${topology.dns.hostedZoneId}`;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ShiftDnsWeight',
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zoneArn],
        conditions: {
          'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [topology.dns.recordName.toLowerCase()] },
        },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // Read once at cold start: the path itself (GetParametersByPath is authorised on it) and what is under it.
        sid: 'ReadRuntimeTopology',
        actions: ['ssm:GetParametersByPath'],
        resources: this.#track([
          `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${TOPOLOGY_PARAMETER_PATH}`,
          `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${TOPOLOGY_PARAMETER_PATH}/*`,
        ]),
      }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadDnsWeight', actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'WaitForDnsChange', actions: ['route53:GetChange'], resources: this.#track([`arn:${stack.partition}:route53:::change/*`]) }),
    );
    if (topology.policy.verifyReachability === true) this.#grantReachabilityAnalyzer(regions, clusterIds);
  }

  /**
   * VPC Reachability Analyzer (proof of each isolation and restore, lambdas/actuators/reachability.ts): paths
   * are created only with the cluster tag, analyses start only on paths that carry it and only when tagged
   * with it; tagging is allowed only as part of those two creations. Reading paths and analyses, and the
   * describes and `tiros` queries the analysis itself runs with the caller's permissions, support no
   * resource-level permissions ("AWS Tiros does not support specifying a resource ARN").
   * @see https://docs.aws.amazon.com/vpc/latest/reachability/security_iam_required-API-permissions.html
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_tiros.html
   */
  #grantReachabilityAnalyzer(regions: readonly string[][], clusterIds: readonly string[]): void {
    const fn = this.remediationFunction;
    const partition = Stack.of(this).partition;
    const arns = (resource: string) => this.#track(regions.map(([a, r]) => `arn:${partition}:ec2:${r}:${a}:${resource}/*`));
    const requestTagged = {
      StringEquals: { [`aws:RequestTag/${CLUSTER_TAG_KEY}`]: [...clusterIds] },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [CLUSTER_TAG_KEY, REACHABILITY_PATH_TAG_KEY, REACHABILITY_CHECK_TAG_KEY] },
    };
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CreateReachabilityPaths',
        actions: ['ec2:CreateNetworkInsightsPath'],
        resources: arns('network-insights-path'),
        conditions: requestTagged,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StartReachabilityAnalysesOnClusterPaths',
        actions: ['ec2:StartNetworkInsightsAnalysis'],
        resources: arns('network-insights-path'),
        conditions: { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG_KEY}`]: [...clusterIds] } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StartTaggedReachabilityAnalyses',
        actions: ['ec2:StartNetworkInsightsAnalysis'],
        resources: arns('network-insights-analysis'),
        conditions: requestTagged,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // Tag-on-create needs ec2:CreateTags; only inside these two creations, never on an existing resource.
        sid: 'TagReachabilityPathsAndAnalysesOnCreate',
        actions: ['ec2:CreateTags'],
        resources: [...arns('network-insights-path'), ...arns('network-insights-analysis')],
        conditions: { ...requestTagged, StringEquals: { ...requestTagged.StringEquals, 'ec2:CreateAction': ['CreateNetworkInsightsPath', 'StartNetworkInsightsAnalysis'] } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadReachabilityAnalyses',
        actions: [...REACHABILITY_READ_ACTIONS],
        resources: ['*'],
      }),
    );
  }
}
