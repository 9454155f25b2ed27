/**
 * The weighted-record custom resource against moto: what a deploy writes, and that a deploy during an
 * isolation keeps the isolated cluster out of DNS.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { clusterParameterName } from '../../lib/config/naming';
import {
  applyCustomResourceEvent,
  DnsRecordClients,
  parseProperties,
  WeightedRecordEvent,
} from '../../lambdas/dns/weighted-record';
import { ResourceDiscoveryError } from '../../lambdas/errors';
import { clusterPk, STATE_SK } from '../../lambdas/state/keys';
import { motoClientConfig } from '../support/moto';
import { createStateTable } from '../../drill/world';

const endpoint = process.env.MOTO_ENDPOINT!;
const HOME = 'eu-north-1';
const route53 = new Route53Client(motoClientConfig(endpoint, 'us-east-1'));
const ddbClient = new DynamoDBClient(motoClientConfig(endpoint, HOME));
const dynamodb = DynamoDBDocumentClient.from(ddbClient);
const ssmClients = new Map<string, SSMClient>();
const ssm = (region: string) => {
  if (!ssmClients.has(region)) ssmClients.set(region, new SSMClient(motoClientConfig(endpoint, region)));
  return ssmClients.get(region)!;
};
const clients: DnsRecordClients = { route53, dynamodb, ssm };
const noWait = { sleep: async () => undefined, pollIntervalMs: 1, timeoutMs: 10 };

// The example's weighted group: three cloud clusters and the physical one.
const BASE_WEIGHTS = [
  { Id: 'eu-north', BaseWeight: '100' },
  { Id: 'eu-central', BaseWeight: '100' },
  { Id: 'us-east', BaseWeight: '50' },
  { Id: 'gm-physical', BaseWeight: '50' },
];
const REGIONS: Record<string, string> = { 'eu-north': 'eu-north-1', 'eu-central': 'eu-central-1', 'us-east': 'us-east-1' };

let run = 0;
interface World {
  zoneId: string;
  zoneName: string;
  recordName: string;
  table: string;
}

/** A fresh zone, state table and NLB address parameters: tests share one moto server, so names are unique. */
async function world(): Promise<World> {
  run += 1;
  const suffix = `${Date.now().toString(36)}${run}`;
  const zoneName = `t${suffix}.seeds.example.org`;
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: zoneName, CallerReference: suffix }));
  const table = `seedshield-state-${suffix}`;
  await createStateTable(ddbClient, table);
  // The NLB addresses a cluster stack publishes in its own region (public by design).
  let octet = 0;
  for (const [id, region] of Object.entries(REGIONS)) {
    octet += 10;
    await ssm(region).send(
      new PutParameterCommand({ Name: clusterParameterName(id, 'nlbAddresses'), Type: 'String', Overwrite: true, Value: `203.0.113.${octet + 1},203.0.113.${octet + 2}` }),
    );
  }
  return { zoneId: zone.HostedZone!.Id!.replace('/hostedzone/', ''), zoneName, recordName: `p2p.${zoneName}`, table };
}

function awsProps(w: World, clusterId: string): Record<string, unknown> {
  return {
    HostedZoneId: w.zoneId,
    RecordName: w.recordName,
    TtlSeconds: '60',
    SetIdentifier: clusterId,
    ClusterId: clusterId,
    ClusterKind: 'aws',
    ClusterRegion: REGIONS[clusterId],
    BaseWeights: BASE_WEIGHTS,
    StateTableName: w.table,
  };
}

function physicalProps(w: World, ipv6 = ['2001:db8:10::10']): Record<string, unknown> {
  return {
    HostedZoneId: w.zoneId,
    RecordName: w.recordName,
    TtlSeconds: '60',
    SetIdentifier: 'gm-physical',
    ClusterId: 'gm-physical',
    ClusterKind: 'external',
    Ipv4Addresses: ['203.0.113.10', '203.0.113.11'],
    Ipv6Addresses: ipv6,
    BaseWeights: BASE_WEIGHTS,
    StateTableName: w.table,
  };
}

const create = (props: Record<string, unknown>): WeightedRecordEvent => ({ RequestType: 'Create', ResourceProperties: props });

async function records(w: World): Promise<ResourceRecordSet[]> {
  const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: w.zoneId }));
  return (out.ResourceRecordSets ?? []).filter((r) => r.SetIdentifier !== undefined);
}

async function weightsOf(w: World): Promise<Record<string, number>> {
  return Object.fromEntries((await records(w)).filter((r) => r.Type === 'A').map((r) => [r.SetIdentifier!, r.Weight!]));
}

async function deployAll(w: World): Promise<void> {
  for (const id of Object.keys(REGIONS)) await applyCustomResourceEvent(create(awsProps(w, id)), clients, noWait);
  await applyCustomResourceEvent(create(physicalProps(w)), clients, noWait);
}

describe('the weighted record custom resource', () => {
  test('when first deployed, it writes every record with its configured weight and its record values', async () => {
    // GIVEN
    const w = await world();
    // WHEN
    const outcome = await applyCustomResourceEvent(create(awsProps(w, 'eu-north')), clients, noWait);
    await deployAll(w);
    // THEN
    expect(outcome.physicalResourceId).toBe(`${w.zoneId}/${w.recordName}/eu-north`);
    expect(outcome.data.Weight).toBe('100');
    expect(await weightsOf(w)).toEqual({ 'eu-north': 100, 'eu-central': 100, 'us-east': 50, 'gm-physical': 50 });
    const all = await records(w);
    const euNorth = all.find((r) => r.SetIdentifier === 'eu-north' && r.Type === 'A')!;
    expect(euNorth.ResourceRecords!.map((r) => r.Value).sort()).toEqual(['203.0.113.11', '203.0.113.12']);
    expect(euNorth.TTL).toBe(60);
    const aaaa = all.filter((r) => r.Type === 'AAAA');
    expect(aaaa.map((r) => [r.SetIdentifier, r.Weight, r.ResourceRecords!.map((v) => v.Value)])).toEqual([['gm-physical', 50, ['2001:db8:10::10']]]);
  });

  test('when deployed during an isolation, it keeps the isolated cluster at weight 0 and raises the others', async () => {
    // GIVEN: the control plane isolated eu-central (its state item says servingPercent 0)
    const w = await world();
    await dynamodb.send(new PutCommand({ TableName: w.table, Item: { pk: clusterPk('eu-central'), sk: STATE_SK, version: 3, status: 'ISOLATED', servingPercent: 0 } }));
    // WHEN: a cdk deploy re-runs every record's custom resource
    await deployAll(w);
    // THEN: eu-central stays out; the total (300) is kept, shared by the others in their configured ratios
    expect(await weightsOf(w)).toEqual({ 'eu-north': 150, 'eu-central': 0, 'us-east': 75, 'gm-physical': 75 });
  });

  test('when a cluster is on its restore ramp, it writes the ramped weight', async () => {
    // GIVEN
    const w = await world();
    await dynamodb.send(new PutCommand({ TableName: w.table, Item: { pk: clusterPk('us-east'), sk: STATE_SK, version: 5, status: 'RESTORING', servingPercent: 10 } }));
    // WHEN
    const outcome = await applyCustomResourceEvent(create(awsProps(w, 'us-east')), clients, noWait);
    // THEN
    expect(outcome.data.Weight).toBe('5');
  });

  test('when deleted after the control plane changed its weight, it removes the record sets', async () => {
    // GIVEN: deployed, then the control plane moved gm-physical to weight 7
    const w = await world();
    await deployAll(w);
    const current = (await records(w)).filter((r) => r.SetIdentifier === 'gm-physical');
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: w.zoneId,
        ChangeBatch: { Changes: current.map((r) => ({ Action: 'UPSERT', ResourceRecordSet: { ...r, Weight: 7 } })) },
      }),
    );
    // WHEN
    const outcome = await applyCustomResourceEvent({ RequestType: 'Delete', ResourceProperties: physicalProps(w), PhysicalResourceId: `${w.zoneId}/${w.recordName}/gm-physical` }, clients, noWait);
    // THEN
    expect(outcome.physicalResourceId).toBe(`${w.zoneId}/${w.recordName}/gm-physical`);
    expect((await records(w)).map((r) => r.SetIdentifier).sort()).toEqual(['eu-central', 'eu-north', 'us-east']);
  });

  test('when deleted and the record is already gone, it succeeds', async () => {
    // GIVEN
    const w = await world();
    // WHEN
    const outcome = await applyCustomResourceEvent({ RequestType: 'Delete', ResourceProperties: awsProps(w, 'eu-north'), PhysicalResourceId: 'x' }, clients, noWait);
    // THEN
    expect(outcome.data).toEqual({});
  });

  test('when an update drops the IPv6 endpoint, it deletes the AAAA record in the same batch', async () => {
    // GIVEN
    const w = await world();
    await applyCustomResourceEvent(create(physicalProps(w)), clients, noWait);
    // WHEN
    await applyCustomResourceEvent({ RequestType: 'Update', ResourceProperties: physicalProps(w, []), PhysicalResourceId: `${w.zoneId}/${w.recordName}/gm-physical` }, clients, noWait);
    // THEN
    expect((await records(w)).map((r) => r.Type)).toEqual(['A']);
  });

  test('when the cluster has not published its NLB addresses, it fails with ResourceDiscoveryError', async () => {
    // GIVEN
    const w = await world();
    const props = { ...awsProps(w, 'eu-north'), ClusterId: 'nowhere', SetIdentifier: 'nowhere', BaseWeights: [...BASE_WEIGHTS, { Id: 'nowhere', BaseWeight: '10' }] };
    // WHEN / THEN
    await expect(applyCustomResourceEvent(create(props), clients, noWait)).rejects.toThrow(ResourceDiscoveryError);
    expect(await records(w)).toEqual([]);
  });

  test('when BaseWeights lacks the record\'s own cluster, it rejects the properties naming it', () => {
    // GIVEN / WHEN / THEN
    expect(() => parseProperties({ ...physicalProps({ zoneId: 'Z1', zoneName: 'x', recordName: 'p2p.x.org', table: 't' }), BaseWeights: [{ Id: 'eu-north', BaseWeight: '1' }] })).toThrow(
      'custom resource property BaseWeights must include the record\'s own cluster gm-physical, got: eu-north',
    );
  });
});

describe('the dns-records Lambda handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  async function withResponseServer(fn: (url: string) => Promise<void>): Promise<Record<string, any>> {
    let body = '';
    const server = http.createServer((req, res) => {
      req.on('data', (d) => (body += d));
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/response`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    return JSON.parse(body);
  }

  test('when invoked by CloudFormation, it answers SUCCESS with the stable physical id on the ResponseURL', async () => {
    // GIVEN: the handler's own clients pointed at moto
    const w = await world();
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_REGION: HOME, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    let handler!: typeof import('../../lambdas/handlers/dns-records').handler;
    jest.isolateModules(() => {
      handler = require('../../lambdas/handlers/dns-records').handler;
    });
    const context = { getRemainingTimeInMillis: () => 60000 } as any;
    // WHEN
    const answer = await withResponseServer((url) =>
      handler({ RequestType: 'Create', ResponseURL: url, StackId: 'stack', RequestId: 'req', LogicalResourceId: 'GmPhysicalRecord', ResourceType: 'Custom::SeedshieldWeightedRecord', ServiceToken: 'fn', ResourceProperties: { ServiceToken: 'fn', ...physicalProps(w) } }, context),
    );
    // THEN
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${w.zoneId}/${w.recordName}/gm-physical`, RequestId: 'req', Data: { Weight: '50' } });
  });

  test('when the request fails, it answers FAILED with the reason instead of leaving CloudFormation waiting', async () => {
    // GIVEN
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_REGION: HOME, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    let handler!: typeof import('../../lambdas/handlers/dns-records').handler;
    jest.isolateModules(() => {
      handler = require('../../lambdas/handlers/dns-records').handler;
    });
    const context = { getRemainingTimeInMillis: () => 60000 } as any;
    // WHEN
    const answer = await withResponseServer((url) =>
      handler({ RequestType: 'Create', ResponseURL: url, StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Bad', ResourceType: 'Custom::SeedshieldWeightedRecord', ServiceToken: 'fn', ResourceProperties: { ServiceToken: 'fn', ClusterKind: 'aws' } }, context),
    );
    // THEN
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failed/Bad', Reason: expect.stringContaining('BadEventError') });
  });
});
