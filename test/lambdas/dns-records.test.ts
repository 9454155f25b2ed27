/**
 * The weighted-record custom resource against moto: what a deploy writes, that a deploy during an isolation
 * keeps the isolated cluster out of DNS, and the CloudFormation request sequences (create failure then
 * rollback delete, update rollback, timeout, a lost answer) played through the real handler against a local
 * ResponseURL.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
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
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { buildSync } from 'esbuild';
import { clusterParameterName } from '../../lib/config/naming';
import { LAMBDA_BUNDLING } from '../../lib/constructs/lambda-bundling';
import { AwsClients } from '../../lambdas/actuators/clients';
import { applyCustomResourceEvent, DnsRecordDeps, parseProperties, WeightedRecordEvent } from '../../lambdas/dns/weighted-record';
import { createDnsRecordsHandler, parseCustomResourceRequest } from '../../lambdas/handlers/dns-records';
import { wireDnsRecords } from '../../lambdas/wiring';
import { BadEventError, ResourceDiscoveryError } from '../../lambdas/errors';
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
/** Fresh control-plane clients on moto (retries without waiting). */
const motoAwsClients = () => new AwsClients({ endpoint, credentials: motoClientConfig(endpoint, HOME).credentials, random: () => 0 });
/** The custom resource's dependencies as the Lambda builds them (the one wiring), pointed at moto. */
const clients: DnsRecordDeps = wireDnsRecords({ clients: motoAwsClients(), homeRegion: HOME });
const noWait = {};

/** A serving level written the way the control plane's store writes it. */
async function putServingPercent(table: string, clusterId: string, status: string, servingPercent: number, version: number): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: table,
      Item: { pk: clusterPk(clusterId), sk: STATE_SK, version, status, servingPercent, state: { clusterId, status, servingPercent, signals: {} } },
    }),
  );
}

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
    await putServingPercent(w.table, 'eu-central', 'ISOLATED', 0, 3);
    // WHEN: a cdk deploy re-runs every record's custom resource
    await deployAll(w);
    // THEN: eu-central stays out; the total (300) is kept, shared by the others in their configured ratios
    expect(await weightsOf(w)).toEqual({ 'eu-north': 150, 'eu-central': 0, 'us-east': 75, 'gm-physical': 75 });
  });

  test('when a cluster is on its restore ramp, it writes the ramped weight', async () => {
    // GIVEN
    const w = await world();
    await putServingPercent(w.table, 'us-east', 'RESTORING', 10, 5);
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
    const outcome = await applyCustomResourceEvent({ RequestType: 'Delete', ResourceProperties: awsProps(w, 'eu-north'), PhysicalResourceId: `${w.zoneId}/${w.recordName}/eu-north` }, clients, noWait);
    // THEN
    expect(outcome.data).toEqual({});
  });

  test('when deleted and the hosted zone does not exist, it succeeds (a Delete must never fail a rollback)', async () => {
    // GIVEN / WHEN
    const outcome = await applyCustomResourceEvent({ RequestType: 'Delete', ResourceProperties: {}, PhysicalResourceId: 'ZNOSUCHZONE123/p2p.nowhere.example.org/eu-north' }, clients, noWait);
    // THEN
    expect(outcome).toEqual({ physicalResourceId: 'ZNOSUCHZONE123/p2p.nowhere.example.org/eu-north', data: {} });
  });

  test('when a Delete races a weight change, it re-reads the record and deletes it with its new values', async () => {
    // GIVEN: deployed; the control plane flips gm-physical's weight between our read and our DELETE
    const w = await world();
    await deployAll(w);
    const racing = motoAwsClients();
    let raced = false;
    racing.route53().middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ChangeBatch?: { Changes?: { Action?: string }[] } };
        if (!raced && context.commandName === 'ChangeResourceRecordSetsCommand' && input.ChangeBatch?.Changes?.[0]?.Action === 'DELETE') {
          raced = true;
          const current = (await records(w)).filter((r) => r.SetIdentifier === 'gm-physical');
          await route53.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: w.zoneId,
              ChangeBatch: { Changes: current.map((r) => ({ Action: 'UPSERT', ResourceRecordSet: { ...r, Weight: 3 } })) },
            }),
          );
          // What Route 53 answers when a DELETE's values no longer match (moto does not check them).
          throw Object.assign(new Error('Tried to delete resource record set but the values provided do not match the current values'), { name: 'InvalidChangeBatch' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceWeightChange' },
    );
    // WHEN
    const outcome = await applyCustomResourceEvent(
      { RequestType: 'Delete', ResourceProperties: physicalProps(w), PhysicalResourceId: `${w.zoneId}/${w.recordName}/gm-physical` },
      wireDnsRecords({ clients: racing, homeRegion: HOME }),
    );
    // THEN
    expect(raced).toBe(true);
    expect(outcome.data.ChangeId).toBeDefined();
    expect((await records(w)).map((r) => r.SetIdentifier).sort()).toEqual(['eu-central', 'eu-north', 'us-east']);
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

  test('when a property is malformed, it rejects the properties with a BadEventError naming the property and the value', () => {
    // GIVEN
    const props = { ...physicalProps({ zoneId: 'Z1', zoneName: 'x', recordName: 'p2p.x.org', table: 't' }), BaseWeights: [{ Id: 'gm-physical', BaseWeight: 'ten' }] };
    // WHEN / THEN
    expect(() => parseProperties(props)).toThrow(BadEventError);
    expect(() => parseProperties(props)).toThrow('custom resource property BaseWeights[0].BaseWeight must be an integer, got: "ten"');
    expect(() => parseProperties({ ...props, ClusterKind: 'gcp' })).toThrow('custom resource property ClusterKind must be "aws" or "external", got: "gcp"');
  });
});

/**
 * A local ResponseURL: records every answer PUT to it; `status` decides what it replies (S3 answers 200).
 */
async function withResponseServer(fn: (url: string) => Promise<void>, status = 200): Promise<Record<string, any>[]> {
  const bodies: Record<string, any>[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/response`);
  } finally {
    await new Promise((r) => server.close(r));
  }
  return bodies;
}

const contextWith = (remainingMs: number): Context => {
  const until = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => until - Date.now() } as unknown as Context;
};

type RequestType = CloudFormationCustomResourceEvent['RequestType'];
/** One CloudFormation request as the service sends it. */
function request(
  type: RequestType,
  logicalId: string,
  props: Record<string, unknown>,
  url: string,
  physicalId?: string,
  oldProps?: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'fn',
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-north-1:111111111111:stack/Seedshield-Dns/1',
    RequestId: `req-${type}-${Math.random().toString(36).slice(2)}`,
    LogicalResourceId: logicalId,
    ResourceType: 'Custom::SeedshieldWeightedRecord',
    ResourceProperties: { ServiceToken: 'fn', ...props },
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  if (type === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId!, OldResourceProperties: { ServiceToken: 'fn', ...oldProps } };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId! };
}

/** Plays one request through the handler and returns the single answer it PUT. */
async function play(
  handler: ReturnType<typeof createDnsRecordsHandler>,
  make: (url: string) => CloudFormationCustomResourceEvent,
  remainingMs = 60_000,
): Promise<Record<string, any>> {
  const bodies = await withResponseServer((url) => handler(make(url), contextWith(remainingMs)));
  expect(bodies).toHaveLength(1);
  return bodies[0];
}

describe('the dns-records Lambda handler, played as CloudFormation plays it', () => {
  const silent = { addContext: () => undefined, info: () => undefined, error: () => undefined } as never;
  const handler = createDnsRecordsHandler(() => clients, { logger: silent });

  test('when a Delete arrives without its PhysicalResourceId, it answers FAILED naming the field and touches nothing', async () => {
    // GIVEN: a request CloudFormation would never send, as a hand-made invoke could
    const make = (url: string) => {
      const event: Record<string, unknown> = { ...request('Delete', 'SeedRecordX', {}, url, 'Z1/p2p.x.org/eu-north') };
      delete event.PhysicalResourceId;
      return event as unknown as CloudFormationCustomResourceEvent;
    };
    // WHEN
    const answer = await play(handler, make);
    // THEN
    expect(answer).toEqual(
      expect.objectContaining({
        Status: 'FAILED',
        LogicalResourceId: 'SeedRecordX',
        PhysicalResourceId: 'failed/SeedRecordX',
        Reason: 'BadEventError: custom resource request: PhysicalResourceId must be a non-empty string, got: nothing',
      }),
    );
  });

  test('when a request has no ResponseURL, there is nobody to answer: it throws the BadEventError naming the field', async () => {
    // GIVEN
    const event = { ...request('Create', 'SeedRecordY', {}, 'https://example.invalid/r'), ResponseURL: undefined } as unknown as CloudFormationCustomResourceEvent;
    // WHEN / THEN
    const thrown = handler(event, contextWith(60_000));
    await expect(thrown).rejects.toThrow(BadEventError);
    await expect(thrown).rejects.toThrow('custom resource request: ResponseURL must be a URL, got: nothing');
  });

  test('when a request type is unknown, it is rejected naming RequestType', () => {
    // GIVEN
    const event = { ...request('Create', 'SeedRecordZ', {}, 'https://example.invalid/r'), RequestType: 'Upsert' };
    // WHEN / THEN
    expect(() => parseCustomResourceRequest(event)).toThrow('custom resource request: RequestType must be "Create", "Update" or "Delete", got: "Upsert"');
  });

  test('when a Create fails and CloudFormation rolls back, the Delete succeeds and leaves a record this resource never wrote', async () => {
    // GIVEN: a record with SetIdentifier "ghost" written by someone else, and a ghost cluster whose stack never published its addresses
    const w = await world();
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: w.zoneId,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: w.recordName, Type: 'A', SetIdentifier: 'ghost', Weight: 9, TTL: 60, ResourceRecords: [{ Value: '198.51.100.9' }] } }] },
      }),
    );
    const props = { ...awsProps(w, 'eu-north'), ClusterId: 'ghost', SetIdentifier: 'ghost', BaseWeights: [...BASE_WEIGHTS, { Id: 'ghost', BaseWeight: '10' }] };
    // WHEN: Create, then the rollback Delete with the physical id the failure answered
    const created = await play(handler, (url) => request('Create', 'GhostRecord', props, url));
    const deleted = await play(handler, (url) => request('Delete', 'GhostRecord', props, url, created.PhysicalResourceId));
    // THEN
    expect(created).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failed/GhostRecord', Reason: expect.stringMatching(/^ResourceDiscoveryError: cannot read/) });
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'failed/GhostRecord' });
    expect((await records(w)).map((r) => [r.SetIdentifier, r.Weight])).toEqual([['ghost', 9]]);
  });

  test('when a Create fails because the zone does not exist, the rollback Delete still succeeds (no ROLLBACK_FAILED)', async () => {
    // GIVEN
    const w = await world();
    const props = { ...physicalProps(w), HostedZoneId: 'ZNOSUCHZONE456' };
    // WHEN
    const created = await play(handler, (url) => request('Create', 'GmPhysicalRecord', props, url));
    const deleted = await play(handler, (url) => request('Delete', 'GmPhysicalRecord', props, url, created.PhysicalResourceId));
    // THEN
    expect(created.Status).toBe('FAILED');
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
  });

  test('when an Update fails, it keeps the prior physical id, and the rollback Update writes the old record back', async () => {
    // GIVEN: created with TTL 60, then updated to TTL 300 (succeeds), then a later update of eu-north to a region without its parameter
    const w = await world();
    const v1 = awsProps(w, 'eu-north');
    const v2 = { ...v1, TtlSeconds: '300' };
    const v3 = { ...v2, ClusterRegion: 'ap-south-1' };
    const created = await play(handler, (url) => request('Create', 'EuNorthRecord', v1, url));
    const id = created.PhysicalResourceId;
    const updated = await play(handler, (url) => request('Update', 'EuNorthRecord', v2, url, id, v1));
    // WHEN: the failing update, then CloudFormation's rollback (an Update back to the last good properties), then
    // the rollback of the whole stack update (back to v1)
    const failed = await play(handler, (url) => request('Update', 'EuNorthRecord', v3, url, id, v2));
    const rolledBack = await play(handler, (url) => request('Update', 'EuNorthRecord', v1, url, id, v3));
    // THEN
    expect(updated).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: id });
    expect(failed).toMatchObject({ Status: 'FAILED', PhysicalResourceId: id });
    expect(rolledBack).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: id });
    const euNorth = (await records(w)).filter((r) => r.SetIdentifier === 'eu-north');
    expect(euNorth.map((r) => [r.Type, r.TTL, r.Weight])).toEqual([['A', 60, 100]]);
  });

  test('when INSYNC does not come before the deadline, it answers FAILED in time with the written record\'s id, and the rollback Delete removes it', async () => {
    // GIVEN: a Route 53 whose changes stay PENDING forever; the function has 2.5 s left, 2 s of which are kept for the answer
    const w = await world();
    const slow = motoAwsClients();
    slow.route53().middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const info = (out.output as { ChangeInfo?: { Status?: string } }).ChangeInfo;
        if (info && (context.commandName === 'GetChangeCommand' || context.commandName === 'ChangeResourceRecordSetsCommand')) info.Status = 'PENDING';
        return out;
      },
      { step: 'initialize', name: 'foreverPending' },
    );
    const slowHandler = createDnsRecordsHandler(() => wireDnsRecords({ clients: slow, homeRegion: HOME }), { logger: silent, answerMarginMs: 2_000 });
    const started = Date.now();
    // WHEN
    const created = await play(slowHandler, (url) => request('Create', 'GmPhysicalRecord', physicalProps(w), url), 2_500);
    const elapsed = Date.now() - started;
    const deleted = await play(handler, (url) => request('Delete', 'GmPhysicalRecord', physicalProps(w), url, created.PhysicalResourceId));
    // THEN
    expect(created).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `${w.zoneId}/${w.recordName}/gm-physical` });
    expect(created.Reason).toMatch(/^(ChangeNotInSyncError|CustomResourceDeadlineError): /);
    expect(elapsed).toBeLessThan(2_500);
    expect(deleted.Status).toBe('SUCCESS');
    expect(await records(w)).toEqual([]);
  });

  test('when the answer\'s PUT fails after a successful change, it retries the same SUCCESS answer and never sends FAILED', async () => {
    // GIVEN: a ResponseURL that answers 503
    const w = await world();
    const retrying = createDnsRecordsHandler(() => clients, { logger: silent, putAttempts: 3 });
    let thrown: unknown;
    // WHEN
    const bodies = await withResponseServer(async (url) => {
      await retrying(request('Create', 'GmPhysicalRecord', physicalProps(w), url), contextWith(60_000)).catch((err) => (thrown = err));
    }, 503);
    // THEN
    expect((thrown as Error).name).toBe('ResponsePutError');
    expect(bodies.map((b) => b.Status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await weightsOf(w)).toEqual({ 'gm-physical': 50 });
  });

  test('when invoked with the container wiring, it answers SUCCESS with the stable physical id', async () => {
    // GIVEN: the Lambda's own clients pointed at moto through the environment
    const w = await world();
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_REGION: HOME, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    try {
      let lambdaHandler!: typeof import('../../lambdas/handlers/dns-records').handler;
      jest.isolateModules(() => {
        lambdaHandler = require('../../lambdas/handlers/dns-records').handler;
      });
      // WHEN
      const answer = await play(lambdaHandler, (url) => request('Create', 'GmPhysicalRecord', physicalProps(w), url));
      // THEN
      expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${w.zoneId}/${w.recordName}/gm-physical`, Data: { Weight: '50' } });
    } finally {
      process.env = saved;
    }
  });

  test('when bundled as deployed, error class names survive minification (readable reasons in stack events)', () => {
    // GIVEN / WHEN: the handler bundled with the construct's esbuild options
    const out = buildSync({
      entryPoints: [path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'dns-records.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      external: [...LAMBDA_BUNDLING.externalModules],
      minify: LAMBDA_BUNDLING.minify,
      keepNames: LAMBDA_BUNDLING.keepNames,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0].text;
    // THEN
    for (const name of ['ResourceDiscoveryError', 'BadEventError', 'CustomResourceDeadlineError', 'ChangeNotInSyncError']) expect(code).toContain(`"${name}"`);
  });
});
