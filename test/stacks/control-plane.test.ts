import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../support/example';

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

  test('when synthesized, the remediation Lambda runs the latest Node.js runtime with the topology in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      // decisions are serialised: two full weight sets can never race to Route 53
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: Match.objectLike({ STATE_TABLE_NAME: Match.anyValue(), SEEDSHIELD_TOPOLOGY: Match.stringLikeRegexp('"id":"eu-north"') }) },
    });
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

  test('when synthesized, every mutating EC2 and Route 53 grant is scoped by tag condition or record-name condition', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const bySid = (sid: string) => statements.find((s: any) => s.Sid === sid);
    for (const sid of ['RestoreLegacySecurityGroupCut', 'CutAndRestoreWithNetworkAcls', 'CutAndRestoreBlockProducerPathRoutes', 'RecordCutsAsTags']) {
      expect(bySid(sid).Condition).toMatchObject({ StringEquals: { 'aws:ResourceTag/seedshield:cluster': ['eu-north', 'eu-central', 'us-east'] } });
      expect(bySid(sid).Resource).not.toContain('*');
    }
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
});
