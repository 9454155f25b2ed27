import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseTopology, topologyToParameters } from '../../lambdas/core/topology-schema';
import { toRuntimeTopology, topologyDigest } from '../../lib/config/topology';
import { buildApp, configWith, exampleConfig } from '../support/example';

describe('the control-plane stack', () => {
  const { stacks } = buildApp();
  const template = Template.fromStack(stacks.controlPlane);

  test('when synthesized, the state table has pk/sk, point-in-time recovery, a customer-managed key, TTL and is retained', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: 'seedshield-state',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      }),
    });
  });

  test('when synthesized, the remediation Lambda runs the latest Node.js runtime and finds its topology by path and digest', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      // decisions are serialised: two full weight sets can never race to Route 53
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          STATE_TABLE_NAME: Match.anyValue(),
          SEEDSHIELD_TOPOLOGY_PATH: '/seedshield/control-plane/topology',
          SEEDSHIELD_TOPOLOGY_DIGEST: topologyDigest(parseTopology(toRuntimeTopology(exampleConfig()))),
        }),
      },
    });
  });

  test('when synthesized, the topology is one pretty-printed Standard parameter per cluster and per other field, written before the function, readable by it only by path', () => {
    // GIVEN
    const params = template.findResources('AWS::SSM::Parameter');
    const byName = Object.fromEntries(Object.entries(params).map(([id, r]: [string, any]) => [r.Properties.Name, { id, ...r.Properties }]));
    const expected = topologyToParameters(parseTopology(toRuntimeTopology(exampleConfig())));
    // THEN: exactly the contract's parameters, with its values
    expect(Object.keys(byName).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(byName[name]).toMatchObject({ Type: 'String', Tier: 'Standard', Value: value });
    // the function depends on every one of them
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((r: any) => r.Properties.Environment?.Variables?.SEEDSHIELD_TOPOLOGY_PATH) as any;
    expect(fn.DependsOn).toEqual(expect.arrayContaining(Object.values(byName).map((p: any) => p.id)));
    // and reads them by path only
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements.find((s: any) => s.Sid === 'ReadRuntimeTopology')).toMatchObject({
      Action: 'ssm:GetParametersByPath',
      Resource: [
        'arn:aws:ssm:eu-north-1:111111111111:parameter/seedshield/control-plane/topology',
        'arn:aws:ssm:eu-north-1:111111111111:parameter/seedshield/control-plane/topology/*',
      ],
    });
  });

  test('when both an e-mail and an existing topic are configured, the e-mail subscribes to that topic and the function publishes there', () => {
    // GIVEN
    const topicArn = 'arn:aws:sns:eu-north-1:111111111111:oncall-existing';
    const config = configWith((raw) => (raw.controlPlane.notifications = { email: 'oncall@example.org', topicArn }));
    // WHEN
    const t = Template.fromStack(buildApp(config).stacks.controlPlane);
    // THEN
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org', TopicArn: topicArn });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ NOTIFY_TOPIC_ARN: topicArn }) } });
  });

  test('when only an e-mail is configured, the control plane creates its encrypted topic and subscribes the e-mail to it', () => {
    // GIVEN / WHEN / THEN (the example config)
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org', TopicArn: { Ref: Match.stringLikeRegexp('OnCallTopic') } });
  });

  test('when synthesized, the bus rules (cluster alarms only, GuardDuty findings) invoke the Lambda with retries and a dead-letter queue, and the DLQ is alarmed', () => {
    for (const pattern of [
      { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'detail': { alarmName: [{ prefix: 'seedshield.' }] } },
      { 'source': ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] },
    ]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.anyValue(),
        EventPattern: pattern,
        Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 } })],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'seedshield-control-plane-dead-letters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });

  test('when synthesized, the reconcile runs on the configured schedule with a retry policy and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        Input: Match.stringLikeRegexp('"detail-type":"Reconcile"'),
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }),
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  test('when the reconcile cannot be delivered, the scheduler role may encrypt into the KMS-encrypted dead-letter queue', () => {
    // GIVEN: the schedule's role and the DLQ's key
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
    const roleLogicalId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const dlqArn = schedule.Properties.Target.DeadLetterConfig.Arn;
    const queue = template.toJSON().Resources[dlqArn['Fn::GetAtt'][0]];
    const keyRef = queue.Properties.KmsMasterKeyId;
    // WHEN
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleLogicalId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    // THEN
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [keyRef['Fn::GetAtt'][0], 'Arn'] } }),
      ]),
    );
  });

  test('when synthesized, every mutating EC2 and Route 53 grant is scoped by tag condition or record-name condition', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const bySid = (sid: string) => statements.find((s: any) => s.Sid === sid);
    for (const sid of ['RestoreLegacySecurityGroupCut', 'CutAndRestoreWithNetworkAcls', 'CutAndRestoreBlockProducerPathRoutes', 'RecordCutsAsTags', 'HoldSeedNodeReplacement', 'RecordSuspensionAsTag', 'SnapshotClusterVolumes']) {
      expect(bySid(sid).Condition).toMatchObject({ StringEquals: { 'aws:ResourceTag/seedshield:cluster': ['eu-north', 'eu-central', 'us-east'] } });
      expect(bySid(sid).Resource).not.toContain('*');
    }
    // Evidence snapshots must be created carrying a managed cluster's tag.
    expect(bySid('CreateEvidenceSnapshots').Condition).toEqual({ StringEquals: { 'aws:RequestTag/seedshield:cluster': ['eu-north', 'eu-central', 'us-east'] } });
    expect([...bySid('HoldSeedNodeReplacement').Action].sort()).toEqual(['autoscaling:ResumeProcesses', 'autoscaling:SuspendProcesses']);
    expect(bySid('ShiftDnsWeight')).toMatchObject({
      Action: 'route53:ChangeResourceRecordSets',
      Resource: 'arn:aws:route53:::hostedzone/Z0123456789EXAMPLE0',
      Condition: { 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['p2p.seeds.example.org'] } },
    });
  });
});

describe('the event forwarders in the cluster stacks', () => {
  test('when synthesized, each cluster region forwards its own alarms and GuardDuty findings to the home bus with a DLQ', () => {
    const { stacks } = buildApp();
    for (const stack of stacks.clusters) {
      const id = stack.stackName.replace('Seedshield-Cluster-', '');
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'detail': { alarmName: [{ prefix: `seedshield.${id}.` }] } },
        Targets: [Match.objectLike({ Arn: 'arn:aws:events:eu-north-1:111111111111:event-bus/seedshield-control', DeadLetterConfig: { Arn: Match.anyValue() } })],
      });
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ source: ['aws.guardduty'], detail: { resource: { resourceType: ['Instance'], instanceDetails: { tags: { key: ['seedshield:cluster'], value: [id] } } } } }),
      });
    }
  });

  test('when an event cannot be forwarded, the forwarding dead-letter queue in the cluster region is alarmed from its first message and e-mails on-call there', () => {
    // GIVEN
    const { stacks } = buildApp();
    for (const stack of stacks.clusters) {
      const id = stack.stackName.replace('Seedshield-Cluster-', '');
      const t = Template.fromStack(stack);
      const rules = Object.values(t.findResources('AWS::Events::Rule'));
      const dlqs = new Set(rules.flatMap((r: any) => r.Properties.Targets.map((x: any) => x.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0])).filter(Boolean));
      // WHEN
      const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).filter((a: any) => a.Properties.Namespace === 'AWS/SQS');
      // THEN: every forwarding DLQ has one alarm, forwarded home by name and notifying a topic in this region
      expect(dlqs.size).toBe(1);
      expect(alarms).toHaveLength(1);
      expect(alarms[0].Properties).toMatchObject({
        AlarmName: `seedshield-ops.${id}.forwarder.dead-letters`,
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [[...dlqs][0], 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        AlarmActions: [{ Ref: expect.stringMatching(/^EventForwarderDeadLetterTopic/) }],
      });
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org' });
    }
  });
});

describe('the control-plane stack with controlPlane.reservedConcurrency "none"', () => {
  test('when synthesized, the remediation function reserves nothing, and NIST\'s LambdaConcurrency is acknowledged instead of failing synth', () => {
    // GIVEN
    const config = configWith((raw) => (raw.controlPlane.reservedConcurrency = 'none'));
    // WHEN
    const { stacks } = buildApp(config);
    const template = Template.fromStack(stacks.controlPlane);
    // THEN
    const remediation = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x', Environment: { Variables: Match.objectLike({ SEEDSHIELD_TOPOLOGY_PATH: Match.anyValue() }) } } }));
    expect(remediation).toHaveLength(1);
    expect(remediation[0].Properties.ReservedConcurrentExecutions).toBeUndefined();
    const acks = stacks.controlPlane.controlPlane.remediationFunction.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => Object.keys(m.data as object)[0]);
    expect(acks).toContain('NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency');
  });
});
