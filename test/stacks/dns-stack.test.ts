import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { WeightedSeedDns, WEIGHTED_RECORD_RESOURCE_TYPE } from '../../lib/constructs/weighted-seed-dns';
import { DnsStack } from '../../lib/stacks/dns-stack';
import { configWith, exampleConfig } from '../support/example';

const config = exampleConfig();

function dnsTemplate(cfg = config): Template {
  const app = new App();
  const stack = new DnsStack(app, 'Dns', { env: { account: config.controlPlane.account, region: config.controlPlane.homeRegion }, config: cfg });
  return Template.fromStack(stack);
}

describe('DnsStack', () => {
  const template = dnsTemplate();

  test('when synthesized, it has one weighted record custom resource per seed cluster with its cluster id as SetIdentifier', () => {
    // GIVEN / WHEN (example: three cloud clusters and the physical one)
    // THEN
    template.resourceCountIs(WEIGHTED_RECORD_RESOURCE_TYPE, 4);
    const ids = Object.values(template.findResources(WEIGHTED_RECORD_RESOURCE_TYPE)).map((r) => r.Properties.SetIdentifier).sort();
    expect(ids).toEqual(['eu-central', 'eu-north', 'gm-physical', 'us-east']);
    template.hasResourceProperties(WEIGHTED_RECORD_RESOURCE_TYPE, {
      HostedZoneId: 'Z0123456789EXAMPLE0',
      RecordName: 'p2p.seeds.example.org',
      TtlSeconds: 60,
      SetIdentifier: 'eu-north',
      ClusterId: 'eu-north',
      ClusterKind: 'aws',
      ClusterRegion: 'eu-north-1',
      StateTableName: 'seedshield-state',
      BaseWeights: [
        { Id: 'eu-north', BaseWeight: 100 },
        { Id: 'eu-central', BaseWeight: 100 },
        { Id: 'us-east', BaseWeight: 50 },
        { Id: 'gm-physical', BaseWeight: 50 },
      ],
      HealthCheckId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedDnsEuNorthHealthCheck'), 'HealthCheckId'] },
      ServiceTimeout: '360',
    });
    template.hasResourceProperties(WEIGHTED_RECORD_RESOURCE_TYPE, {
      SetIdentifier: 'gm-physical',
      ClusterKind: 'external',
      Ipv4Addresses: ['203.0.113.10', '203.0.113.11'],
      Ipv6Addresses: ['2001:db8:10::10'],
      HealthCheckId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SeedDnsGmPhysicalHealthCheck'), 'HealthCheckId'] },
    });
  });

  test('when synthesized, logical ids derive from the cluster ids, so they stay stable', () => {
    // GIVEN / WHEN / THEN
    const logicalIds = Object.keys(template.findResources(WEIGHTED_RECORD_RESOURCE_TYPE)).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort();
    expect(logicalIds).toEqual(['SeedDnsEuCentralRecord', 'SeedDnsEuNorthRecord', 'SeedDnsGmPhysicalRecord', 'SeedDnsUsEastRecord']);
  });

  test('when synthesized, every cloud cluster has a CloudWatch-alarm health check on its healthy-hosts alarm in its own region', () => {
    // GIVEN / WHEN / THEN
    template.resourceCountIs('AWS::Route53::HealthCheck', 4);
    for (const c of config.clusters) {
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: {
          Type: 'CLOUDWATCH_METRIC',
          AlarmIdentifier: { Region: c.region, Name: `seedshield.${c.id}.unhealthy.healthy-hosts` },
          InsufficientDataHealthStatus: 'LastKnownStatus',
        },
      });
    }
  });

  test('when synthesized, the physical cluster has a TCP health check by host name on its p2p port', () => {
    // GIVEN / WHEN / THEN
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'TCP', FullyQualifiedDomainName: 'seed1.gm.seeds.example.org', Port: 9876, IPAddress: Match.absent() },
    });
  });

  test('when synthesized, the handler is a Node.js 24 function that may only touch its own record name, the state table and the NLB address parameters', () => {
    // GIVEN / WHEN / THEN
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Timeout: 300 });
    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] }),
          Match.objectLike({
            Action: 'route53:ChangeResourceRecordSets',
            Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':route53:::hostedzone/Z0123456789EXAMPLE0'])] }),
            Condition: {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['p2p.seeds.example.org'],
                'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'],
                'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
              },
            },
          }),
        ]),
      },
    });
    expect(policy).toContain(':table/seedshield-state');
    for (const c of config.clusters) {
      expect(policy).toContain(`:ssm:${c.region}:${c.account}:parameter/seedshield/clusters/${c.id}/nlb-addresses`);
    }
    expect(policy).not.toContain('"Resource":"*"');
  });

  test('when synthesized, the handler is never retried asynchronously and drops requests older than the ServiceTimeout', () => {
    // GIVEN / WHEN (CloudFormation invokes custom resources asynchronously; a retry would write after the answer)
    // THEN
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 360 });
    const timeouts = Object.values(template.findResources(WEIGHTED_RECORD_RESOURCE_TYPE)).map((r) => r.Properties.ServiceTimeout);
    expect(new Set(timeouts)).toEqual(new Set(['360']));
  });

  test('when a weight changes in the config, only the properties change: the SetIdentifiers stay', () => {
    // GIVEN
    const changed = dnsTemplate(configWith((raw) => (raw.clusters[2].weight = 80)));
    // WHEN
    const ids = (t: Template) => Object.entries(t.findResources(WEIGHTED_RECORD_RESOURCE_TYPE)).map(([k, r]) => `${k}:${r.Properties.SetIdentifier}`).sort();
    // THEN
    expect(ids(changed)).toEqual(ids(template));
    changed.hasResourceProperties(WEIGHTED_RECORD_RESOURCE_TYPE, { BaseWeights: Match.arrayWith([{ Id: 'us-east', BaseWeight: 80 }]) });
  });
});

describe('WeightedSeedDns validation', () => {
  function build(edit: (props: any) => void) {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-north-1' } });
    const props: any = {
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Z', { hostedZoneId: 'Z1', zoneName: 'seeds.example.org' }),
      recordName: 'p2p.seeds.example.org',
      ttl: Duration.seconds(60),
      cloudClusters: config.clusters,
      externalClusters: [config.physicalSeedCluster],
    };
    edit(props);
    return () => new WeightedSeedDns(stack, 'Dns', props);
  }

  test('when the record name is outside the zone, it throws naming it', () => {
    // GIVEN / WHEN / THEN
    expect(build((p) => (p.recordName = 'p2p.other.org'))).toThrow('recordName must be inside the hosted zone seeds.example.org, got: p2p.other.org');
  });

  test('when two clusters share an id, it throws naming the id', () => {
    // GIVEN / WHEN / THEN
    expect(build((p) => (p.externalClusters = [{ ...config.physicalSeedCluster, id: 'eu-north' }]))).toThrow(
      'cluster ids must be unique (they are the Route 53 SetIdentifiers), got: eu-north twice',
    );
  });

  test('when a weight is out of range, it throws naming the value', () => {
    // GIVEN / WHEN / THEN
    expect(build((p) => (p.externalClusters = [{ ...config.physicalSeedCluster, weight: 300 }]))).toThrow('weight of gm-physical must be between 0 and 255 inclusive, got: 300');
  });
});
