import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CONTROL_PLANE_ALARM_NAMES, opsAlarmName } from '../../lib/config/naming';
import { ControlPlaneAlarms, isolationWindow } from '../../lib/constructs/control-plane-alarms';
import { buildApp, exampleConfig } from '../support/example';

const config = exampleConfig();
const { stacks } = buildApp(config);
const cp = Template.fromStack(stacks.controlPlane);
const north = Template.fromStack(stacks.clusters[0]);
const topicRef = { Ref: Match.stringLikeRegexp('^ControlPlaneOnCallTopic') };

describe('control-plane alarms', () => {
  test('when built from the example, errors, throttles and a missed reconcile page the on-call topic', () => {
    // GIVEN / WHEN: the example app
    // THEN
    for (const name of [CONTROL_PLANE_ALARM_NAMES.errors, CONTROL_PLANE_ALARM_NAMES.throttles]) {
      cp.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name, Threshold: 1, AlarmActions: [topicRef], TreatMissingData: 'notBreaching' });
    }
    cp.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: CONTROL_PLANE_ALARM_NAMES.reconcileMissed,
      Namespace: 'Seedshield',
      MetricName: 'ReconcileCompleted',
      Dimensions: [{ Name: 'service', Value: 'seedshield-remediation' }],
      Period: config.controlPlane.reconcileIntervalMinutes * 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [topicRef],
    });
  });

  test('when built from the example, every cluster has an isolated-too-long alarm spanning maxIsolatedHours', () => {
    // GIVEN
    const hours = config.controlPlane.maxIsolatedHours;
    const ids = [...config.clusters.map((c) => c.id), config.physicalSeedCluster.id, ...config.externalClusters.map((c) => c.id)];
    // WHEN / THEN
    for (const id of ids) {
      cp.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: CONTROL_PLANE_ALARM_NAMES.isolatedTooLong(id),
        MetricName: 'Isolated',
        Dimensions: Match.arrayWith([{ Name: 'ClusterId', Value: id }]),
        Statistic: 'Minimum',
        Period: 3600,
        EvaluationPeriods: hours,
        DatapointsToAlarm: hours,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef],
      });
    }
  });

  test('when the window is not whole hours or longer than a day, it picks whole-minute periods and caps at 24 hours', () => {
    // GIVEN / WHEN / THEN
    expect(isolationWindow(90)).toEqual({ minutes: 90, periodMinutes: 30, periods: 3 });
    expect(isolationWindow(6 * 60)).toEqual({ minutes: 360, periodMinutes: 60, periods: 6 });
    expect(isolationWindow(30 * 60)).toEqual({ minutes: 1440, periodMinutes: 60, periods: 24 });
  });

  test('when maxIsolated is longer than a day, synth warns', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-north-1' } });
    const fn = lambda.Function.fromFunctionName(stack, 'Fn', 'f');
    // WHEN
    new ControlPlaneAlarms(stack, 'Alarms', {
      remediationFunction: fn,
      bus: events.EventBus.fromEventBusName(stack, 'Bus', 'b'),
      topic: sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-north-1:111111111111:t'),
      deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:eu-north-1:111111111111:q'),
      reconcileInterval: Duration.minutes(5),
      clusterIds: ['a'],
      maxIsolated: Duration.hours(48),
    });
    // THEN
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('looks back at most 24 hours'));
  });

  test('when missedReconcilesToAlarm is below 2, it throws naming the prop', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S');
    // WHEN / THEN
    expect(
      () =>
        new ControlPlaneAlarms(stack, 'Alarms', {
          remediationFunction: lambda.Function.fromFunctionName(stack, 'Fn', 'f'),
          bus: events.EventBus.fromEventBusName(stack, 'Bus', 'b'),
          topic: sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-north-1:111111111111:t'),
          deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:eu-north-1:111111111111:q'),
          reconcileInterval: Duration.minutes(5),
          missedReconcilesToAlarm: 1,
          clusterIds: [],
          maxIsolated: Duration.hours(6),
        }),
    ).toThrow('missedReconcilesToAlarm must be a whole number of at least 2, got: 1');
  });

  test('when a remediation invocation fails after Lambda\'s retries, it lands in the alarmed dead-letter queue', () => {
    // GIVEN / WHEN / THEN
    cp.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SEEDSHIELD_TOPOLOGY_PATH: Match.anyValue() }) },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneDeadLetterQueue'), 'Arn'] } },
    });
  });
});

describe('VPN tunnel alarms and their way to on-call', () => {
  test('when a cluster has 2 sites x 2 lines, each connection gets a degraded and a down alarm on TunnelState', () => {
    // GIVEN
    const id = config.clusters[0].id;
    // WHEN / THEN
    for (const site of config.sites) {
      for (const line of site.lines) {
        north.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: opsAlarmName(id, `vpn.${site.id}.${line.id}.degraded`),
          Namespace: 'AWS/VPN',
          MetricName: 'TunnelState',
          Dimensions: [{ Name: 'VpnId', Value: { Ref: Match.anyValue() } }],
          Statistic: 'Maximum',
          Period: 900,
          ComparisonOperator: 'LessThanThreshold',
          Threshold: 1,
        });
        north.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: opsAlarmName(id, `vpn.${site.id}.${line.id}.down`),
          Statistic: 'Maximum',
          Period: 300,
          ComparisonOperator: 'LessThanOrEqualToThreshold',
          Threshold: 0,
          TreatMissingData: 'breaching',
        });
      }
    }
  });

  /**
   * One evaluation period of a synthesized alarm (EvaluationPeriods 1, DatapointsToAlarm 1) over the
   * one-minute TunnelState datapoints of the period, as CloudWatch evaluates it.
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
   */
  function evaluate(alarm: Record<string, any>, datapoints: readonly number[]): 'ALARM' | 'OK' {
    expect(alarm.Statistic).toBe('Maximum');
    expect(alarm.EvaluationPeriods).toBe(1);
    if (datapoints.length === 0) return alarm.TreatMissingData === 'breaching' ? 'ALARM' : 'OK';
    const value = Math.max(...datapoints);
    const breach: Record<string, (v: number, t: number) => boolean> = {
      LessThanThreshold: (v, t) => v < t,
      LessThanOrEqualToThreshold: (v, t) => v <= t,
      GreaterThanThreshold: (v, t) => v > t,
      GreaterThanOrEqualToThreshold: (v, t) => v >= t,
    };
    return breach[alarm.ComparisonOperator](value, alarm.Threshold) ? 'ALARM' : 'OK';
  }

  test('when one tunnel is down, only degraded fires; when all tunnels are down (or silent), down fires too', () => {
    // GIVEN: the documented values of TunnelState per VpnId: 1 every tunnel UP, a fraction "at least one tunnel
    // is not UP" (0.5 with one of two), 0 none UP (https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-cloudwatch-vpn.html)
    const id = config.clusters[0].id;
    const site = config.sites[0];
    const line = site.lines[0];
    const alarms = north.findResources('AWS::CloudWatch::Alarm');
    const byName = (name: string) => Object.values(alarms).find((a: any) => a.Properties.AlarmName === name)!.Properties;
    const degraded = byName(opsAlarmName(id, `vpn.${site.id}.${line.id}.degraded`));
    const down = byName(opsAlarmName(id, `vpn.${site.id}.${line.id}.down`));
    const minutes = (n: number, v: number) => Array.from({ length: n }, () => v);
    const scenarios: Record<string, { degraded: number[]; down: number[] }> = {
      'both up': { degraded: minutes(15, 1), down: minutes(5, 1) },
      'one down': { degraded: minutes(15, 0.5), down: minutes(5, 0.5) },
      'one down, back for a minute': { degraded: [...minutes(14, 0.5), 1], down: minutes(5, 0.5) },
      'all down': { degraded: minutes(15, 0), down: minutes(5, 0) },
      'all down, one back for a minute': { degraded: [...minutes(14, 0), 0.5], down: [...minutes(4, 0), 0.5] },
      'no data': { degraded: [], down: [] },
    };
    // WHEN
    const states = Object.fromEntries(Object.entries(scenarios).map(([k, v]) => [k, [evaluate(degraded, v.degraded), evaluate(down, v.down)]]));
    // THEN: [degraded, down]
    expect(states).toEqual({
      'both up': ['OK', 'OK'],
      'one down': ['ALARM', 'OK'],
      'one down, back for a minute': ['OK', 'OK'],
      'all down': ['ALARM', 'ALARM'],
      'all down, one back for a minute': ['ALARM', 'OK'],
      'no data': ['OK', 'ALARM'],
    });
  });

  test('when an operations alarm changes state in a cluster region, it is forwarded home and published to the on-call topic', () => {
    // GIVEN / WHEN / THEN: the cluster forwards seedshield-ops.<cluster>.* ...
    north.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'detail': { alarmName: [{ prefix: `seedshield-ops.${config.clusters[0].id}.` }] } },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    // ...and the home bus relays ALARM and OK to the topic
    cp.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { detail: { alarmName: [{ prefix: 'seedshield-ops.' }], state: { value: ['ALARM', 'OK'] } } },
      Targets: [Match.objectLike({ Arn: topicRef, InputTransformer: Match.anyValue() })],
    });
  });
});

describe('operations dashboard', () => {
  /** The dashboard body as JSON, template references rendered as "REF". */
  function dashboardWidgets(): any[] {
    const dashboards = cp.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const join = Object.values(dashboards)[0].Properties.DashboardBody['Fn::Join'];
    const text = (join[1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'REF')).join(join[0]);
    return JSON.parse(text).widgets;
  }

  test('when built from the example, it reads Shield, NLB and VPN in each cluster region and the per-cluster state metrics', () => {
    // GIVEN
    const widgets = dashboardWidgets();
    const inRegion = (region: string) => widgets.filter((w) => w.properties.region === region);
    // WHEN / THEN: per cloud cluster, in its own region
    for (const c of config.clusters) {
      const mine = JSON.stringify(inRegion(c.region));
      expect(mine).toContain(`SEARCH('{AWS/DDoSProtection,ResourceArn} MetricName=\\"DDoSDetected\\"', 'Maximum', 60)`);
      expect(mine).toContain(`SEARCH('{AWS/VPN,VpnId} MetricName=\\"TunnelState\\"', 'Maximum', 300)`);
      for (const name of [`seedshield.${c.id}.unhealthy.healthy-hosts`, `seedshield.${c.id}.surge.new-flows`, `seedshield.${c.id}.surge.processed-bytes`]) {
        expect(mine).toContain(`"arn:aws:cloudwatch:${c.region}:${c.account}:alarm:${name}"`);
      }
    }
    // ...and the state and weight of every cluster, cloud and external
    const all = JSON.stringify(widgets);
    for (const id of [...config.clusters.map((c) => c.id), config.physicalSeedCluster.id]) {
      for (const metric of ['ServingPercent', 'DnsWeight', 'Isolated']) {
        expect(all).toContain(`["Seedshield","${metric}","ClusterId","${id}","service","seedshield-remediation"`);
      }
    }
    expect(all).toContain('"ReconcileCompleted"');
    expect(all).toContain('"ApproximateNumberOfMessagesVisible"');
    // what pages is at the top
    expect(widgets[1]).toMatchObject({ type: 'alarm', y: 0 });
  });
});

describe('log groups', () => {
  test('when the whole app is synthesized, every log group has a customer-managed key and a retention', () => {
    // GIVEN / WHEN
    const groups = [...stacks.clusters, stacks.dns, stacks.controlPlane].flatMap((s) =>
      Object.entries(Template.fromStack(s).findResources('AWS::Logs::LogGroup')).map(([id, r]) => ({ id: `${s.stackName}/${id}`, props: r.Properties })),
    );
    // THEN: flow logs, VPN tunnel logs, jumpbox sessions, both Lambdas
    expect(groups.length).toBeGreaterThanOrEqual(3 * 3 + 2);
    for (const g of groups) {
      expect({ id: g.id, kms: g.props?.KmsKeyId !== undefined, retention: typeof g.props?.RetentionInDays }).toEqual({ id: g.id, kms: true, retention: 'number' });
    }
  });
});
