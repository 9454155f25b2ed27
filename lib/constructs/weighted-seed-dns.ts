/**
 * The public path: one weighted Route 53 record set per seed cluster, each with its own health check, written
 * by a custom resource that respects the control plane's current weights.
 */
import * as path from 'path';
import { Annotations, ArnFormat, CustomResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { alarmName, clusterParameterName, STATE_TABLE_NAME } from '../config/naming';
import { ClusterConfig, ExternalClusterConfig } from '../config/schema';
import { ValidationError } from '../errors';
import { LAMBDA_BUNDLING } from './lambda-bundling';
import { createLogsKey } from './logs-key';
import { acknowledgeControl } from '../control-tower';

/** How long CloudFormation waits for the custom resource's answer (the function times out at 5 min). */
const CUSTOM_RESOURCE_SERVICE_TIMEOUT = Duration.minutes(6);

/** The CloudFormation type of one cluster's weighted record set(s). */
export const WEIGHTED_RECORD_RESOURCE_TYPE = 'Custom::SeedshieldWeightedRecord';

/** Props of {@link WeightedSeedDns}. */
export interface WeightedSeedDnsProps {
  /** The public hosted zone (imported by id: no lookup at synth). */
  readonly hostedZone: route53.IHostedZone;
  /** Fully qualified record name peers resolve, inside `hostedZone`, no trailing dot. */
  readonly recordName: string;
  /**
   * TTL of every record set.
   * @default Duration.seconds(60)
   */
  readonly ttl?: Duration;
  /**
   * The cloud clusters: A records on their NLB's Elastic IPs (the NLB is IPv4-only), health from the
   * cluster's `unhealthy.healthy-hosts` alarm in its own region.
   */
  readonly cloudClusters: readonly ClusterConfig[];
  /**
   * Seed clusters outside AWS (the physical one, other providers): A records on their endpoints, AAAA where
   * an endpoint has IPv6, a TCP health check on the first endpoint.
   * @default - none
   */
  readonly externalClusters?: readonly ExternalClusterConfig[];
  /**
   * Name of the control plane's state table, in this stack's account and region; read for every cluster's
   * current `servingPercent`.
   * @default STATE_TABLE_NAME
   */
  readonly stateTableName?: string;
  /**
   * The customer-managed key the state table is encrypted with: reading an item needs `kms:Decrypt` on it.
   * @default - the table is encrypted with an AWS-owned key (no grant needed)
   */
  readonly stateTableKey?: kms.IKey;
}

/**
 * Weighted DNS over every seed cluster.
 *
 * Why a custom resource and not `route53.ARecord`: the control plane changes the weights at run time, and
 * CloudFormation would put the template's weights back on the next `cdk deploy`, undoing an isolation. The
 * custom resource computes each record's weight at deploy time from the control plane's state (the same
 * `effectiveWeights` the control plane uses), so a deploy writes what the control plane would.
 *
 * The SetIdentifier of a record is its cluster id and never changes; the construct ids (hence logical ids)
 * derive from it too. Renaming a cluster is a delete and a create, not an update.
 */
export class WeightedSeedDns extends Construct {
  /** The Lambda function behind every weighted record custom resource. */
  public readonly handler: nodejs.NodejsFunction;
  /** Health check per cluster id. */
  public readonly healthChecks: Readonly<Record<string, route53.CfnHealthCheck>>;
  /** Weighted record custom resource per cluster id. */
  public readonly records: Readonly<Record<string, CustomResource>>;

  constructor(scope: Construct, id: string, props: WeightedSeedDnsProps) {
    super(scope, id);
    const external = props.externalClusters ?? [];
    const ttl = props.ttl ?? Duration.seconds(60);
    const stateTableName = props.stateTableName ?? STATE_TABLE_NAME;
    const recordName = props.recordName.replace(/\.$/, '').toLowerCase();
    this.#validate(props, recordName, external);

    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'seedshield weighted DNS records custom resource',
    });
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: createLogsKey(this, 'HandlerLogsKey', 'seedshield weighted DNS records: custom resource logs'),
    });
    this.handler = new nodejs.NodejsFunction(this, 'Handler', {
      entry: path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'dns-records.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // An INSYNC wait (typically < 60 s) plus SDK throttling back-off; the handler answers CloudFormation
      // 20 s before this runs out, whatever is still pending.
      timeout: Duration.minutes(5),
      role,
      logGroup,
      description: 'seedshield: writes one weighted seed record set with the control plane\'s current weight',
      environment: { POWERTOOLS_SERVICE_NAME: 'seedshield-dns-records' },
      bundling: { ...LAMBDA_BUNDLING, externalModules: [...LAMBDA_BUNDLING.externalModules] },
      // CloudFormation invokes the function asynchronously. Lambda's default two retries would re-run a request
      // after its answer (or its ServiceTimeout) and write records CloudFormation no longer expects; and an
      // event older than the ServiceTimeout has been given up on.
      retryAttempts: 0,
      maxEventAge: CUSTOM_RESOURCE_SERVICE_TIMEOUT,
    });
    this.#grant(role, logGroup, props, recordName, stateTableName);
    const nist = (rule: string, reason: string) => Validations.of(this.handler).acknowledge({ id: `NIST.800.53.R5::NIST.800.53.R5-${rule}`, reason });
    nist('LambdaDLQ', 'A CloudFormation custom resource provider: a failed invocation fails (and rolls back) the deployment that made it, within serviceTimeout; a queued copy of the request would be stale.');
    acknowledgeControl(
      this.handler,
      'lambda_inside_vpc_check',
      'A custom resource provider calling only AWS APIs (Route 53, DynamoDB, SSM in the cluster regions); no private resource to reach, and a VPC would need NAT or endpoints for nothing IAM does not already narrow.',
    );
    nist('LambdaInsideVPC', 'Calls only AWS APIs (Route 53, DynamoDB, SSM in the cluster regions); no private resource to reach, and a VPC would need NAT or endpoints for nothing IAM does not already narrow.');
    nist('LambdaConcurrency', 'Invoked only by CloudFormation, once per weighted record per deployment (a handful at most); reserving concurrency would take from the account pool without bounding anything real.');
    Validations.of(role).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The policy CDK generates for this one role: read the state table, change the one record name in the one zone, read the clusters\' NLB address parameters. A managed policy would be attachable to other principals.',
    });

    const baseWeights = [...props.cloudClusters, ...external].map((c) => ({ Id: c.id, BaseWeight: c.weight }));
    const common = {
      HostedZoneId: props.hostedZone.hostedZoneId,
      RecordName: recordName,
      TtlSeconds: ttl.toSeconds(),
      BaseWeights: baseWeights,
      StateTableName: stateTableName,
    };
    const healthChecks: Record<string, route53.CfnHealthCheck> = {};
    const records: Record<string, CustomResource> = {};
    const addRecord = (clusterId: string, healthCheck: route53.CfnHealthCheck, properties: Record<string, unknown>) => {
      healthChecks[clusterId] = healthCheck;
      records[clusterId] = new CustomResource(this, `${pascal(clusterId)}Record`, {
        serviceToken: this.handler.functionArn,
        resourceType: WEIGHTED_RECORD_RESOURCE_TYPE,
        // Without it a handler that dies before answering would leave the stack waiting for an hour.
        serviceTimeout: CUSTOM_RESOURCE_SERVICE_TIMEOUT,
        properties: { ...common, SetIdentifier: clusterId, ClusterId: clusterId, HealthCheckId: healthCheck.attrHealthCheckId, ...properties },
      });
    };

    for (const cluster of props.cloudClusters) {
      const healthCheck = new route53.CfnHealthCheck(this, `${pascal(cluster.id)}HealthCheck`, {
        healthCheckConfig: {
          type: 'CLOUDWATCH_METRIC',
          // Created by the cluster's SeedCluster construct with exactly this name.
          alarmIdentifier: { region: cluster.region, name: alarmName(cluster.id, 'unhealthy', 'healthy-hosts') },
          // A metric gap (e.g. the NLB briefly without data) must not flip the cluster in or out of DNS.
          insufficientDataHealthStatus: 'LastKnownStatus',
        },
        healthCheckTags: [{ key: 'Name', value: `seedshield ${cluster.id}` }],
      });
      addRecord(cluster.id, healthCheck, { ClusterKind: 'aws', ClusterRegion: cluster.region });
    }
    for (const cluster of external) {
      const healthCheck = new route53.CfnHealthCheck(this, `${pascal(cluster.id)}HealthCheck`, {
        healthCheckConfig: {
          type: 'TCP',
          // By name, not by address: the endpoint's A record decides what is probed.
          fullyQualifiedDomainName: cluster.endpoints[0].hostname,
          port: cluster.p2pPort,
          requestInterval: 30,
          failureThreshold: 3,
        },
        healthCheckTags: [{ key: 'Name', value: `seedshield ${cluster.id}` }],
      });
      addRecord(cluster.id, healthCheck, {
        ClusterKind: 'external',
        Ipv4Addresses: cluster.endpoints.map((e) => e.ipv4),
        Ipv6Addresses: cluster.endpoints.flatMap((e) => (e.ipv6 ? [e.ipv6] : [])),
      });
    }
    this.healthChecks = healthChecks;
    this.records = records;

  }

  #grant(role: iam.Role, logGroup: logs.LogGroup, props: WeightedSeedDnsProps, recordName: string, stateTableName: string): void {
    const stack = Stack.of(this);
    logGroup.grantWrite(role);
    props.stateTableKey?.grantDecrypt(role);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadControlPlaneServingLevels',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        // By name: the table lives in the control-plane stack, no cross-stack reference needed.
        resources: [stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: stateTableName })],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnWeightedRecords',
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [props.hostedZone.hostedZoneArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [recordName],
            'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnWeightedRecords',
        actions: ['route53:ListResourceRecordSets'],
        resources: [props.hostedZone.hostedZoneArn],
      }),
    );
    // A literal partition (from the region) keeps the ARN, and so the cdk-nag finding id, the same with and
    // without the partition-literals feature flag.
    const partition = (!Token.isUnresolved(stack.region) && RegionInfo.get(stack.region).partition) || stack.partition;
    const changeArn = `arn:${partition}:route53:::change/*`;
    role.addToPolicy(new iam.PolicyStatement({ sid: 'WaitForInSync', actions: ['route53:GetChange'], resources: [changeArn] }));
    if (!Token.isUnresolved(changeArn)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${changeArn}]`,
        reason: 'route53:GetChange takes the change id that ChangeResourceRecordSets returns; it cannot be known in advance, and the action reads only the PENDING/INSYNC status of a change.',
      });
    }
    if (props.cloudClusters.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadClusterNlbAddresses',
          actions: ['ssm:GetParameter'],
          resources: props.cloudClusters.map((c) =>
            stack.formatArn({
              service: 'ssm',
              region: c.region,
              account: c.account,
              resource: 'parameter',
              // The parameter name starts with "/": the ARN takes it without its leading slash.
              resourceName: clusterParameterName(c.id, 'nlbAddresses').slice(1),
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
  }

  #validate(props: WeightedSeedDnsProps, recordName: string, external: readonly ExternalClusterConfig[]): void {
    const all = [...props.cloudClusters, ...external];
    if (all.length === 0) {
      throw new ValidationError('cloudClusters and externalClusters must list at least one seed cluster, got: none', this);
    }
    const seen = new Set<string>();
    for (const c of all) {
      if (seen.has(c.id)) throw new ValidationError(`cluster ids must be unique (they are the Route 53 SetIdentifiers), got: ${c.id} twice`, this);
      seen.add(c.id);
      if (!Token.isUnresolved(c.weight) && (!Number.isInteger(c.weight) || c.weight < 0 || c.weight > 255)) {
        throw new ValidationError(`weight of ${c.id} must be between 0 and 255 inclusive, got: ${c.weight}`, this);
      }
    }
    if (all.every((c) => c.weight === 0)) {
      throw new ValidationError('at least one cluster must have a weight above 0 (Route 53 answers with every record when all weights are 0), got: all 0', this);
    }
    const zoneName = Token.isUnresolved(props.hostedZone.zoneName) ? undefined : props.hostedZone.zoneName.replace(/\.$/, '');
    if (zoneName && recordName !== zoneName && !recordName.endsWith(`.${zoneName}`)) {
      throw new ValidationError(`recordName must be inside the hosted zone ${zoneName}, got: ${props.recordName}`, this);
    }
    const home = Stack.of(this).account;
    for (const c of props.cloudClusters) {
      if (!Token.isUnresolved(home) && c.account !== home) {
        Annotations.of(this).addWarningV2(
          'seedshield:dnsCrossAccountCluster',
          `cluster ${c.id} is in account ${c.account}, the DNS stack in ${home}: its NLB addresses (SSM, ${c.region}) are not readable across accounts without a parameter share; the record custom resource will fail`,
        );
      }
    }
  }
}

function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
