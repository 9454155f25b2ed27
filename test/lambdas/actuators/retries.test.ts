/**
 * Faults injected at the HTTP layer (below the SDK's retry middleware), so the SDK's own retry strategy, as
 * configured by AwsClients, is what runs.
 */
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { buildClusterWorld, buildDnsWorld } from '../../../drill/world';
import {
  createRetryStrategy,
  JitteredExponentialBackoff,
  RETRY_TUNING,
  withThrottlingCodes,
} from '../../../lambdas/actuators/clients';
import { ClusterResourceDiscovery } from '../../../lambdas/actuators/discovery';
import { Ec2IsolationActuator } from '../../../lambdas/actuators/ec2-isolation';
import { Route53WeightActuator } from '../../../lambdas/actuators/route53';
import { ActuatorError } from '../../../lambdas/errors';
import {
  EC2_REQUEST_LIMIT_EXCEEDED,
  EC2_SERVICE_UNAVAILABLE,
  FaultInjectingHandler,
  motoClients,
  REGION,
  ROUTE53_PRIOR_REQUEST_NOT_COMPLETE,
  ROUTE53_THROTTLING,
  topologyOf,
  uniqueId,
} from './helpers';

const isChangeBatch = (r: { method: string; path: string }) => r.method === 'POST' && r.path.endsWith('/rrset');
const isList = (r: { method: string; path: string }) => r.method === 'GET' && r.path.endsWith('/rrset');

async function dnsFixture(faults: FaultInjectingHandler, maxAttempts?: number) {
  const setup = motoClients().route53();
  const dns = await buildDnsWorld(setup, {
    clusters: [
      { id: 'fra', weight: 100, ipv4: ['203.0.113.10'] },
      { id: 'sin', weight: 100, ipv4: ['203.0.113.20'] },
    ],
  });
  const route53 = motoClients({
    requestHandler: faults as never,
    ...(maxAttempts ? { retryTuning: { route53: { maxAttempts } } } : {}),
  }).route53();
  return { dns, setup, route53, topology: topologyOf([], dns) };
}

describe('SDK retries of the actuator clients', () => {
  afterEach(() => jest.restoreAllMocks());

  test('when Route 53 throttles (HTTP 400 Throttling) twice, it retries and the weights are set', async () => {
    // GIVEN
    const faults = new FaultInjectingHandler([ROUTE53_THROTTLING, ROUTE53_THROTTLING], isList);
    const { route53, topology, setup, dns } = await dnsFixture(faults);
    const actuator = new Route53WeightActuator(route53);

    // WHEN
    const result = await actuator.setWeights({ fra: 0 }, topology);

    // THEN
    expect(result.status).toBe('INSYNC');
    expect(faults.seen.filter((s) => s.faulted)).toHaveLength(2);
    const rrs = await setup.send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId }));
    expect(rrs.ResourceRecordSets?.find((r) => r.SetIdentifier === 'fra')?.Weight).toBe(0);
  });

  test('when a change batch meets PriorRequestNotComplete twice, it retries the batch and it is applied once', async () => {
    // GIVEN
    const faults = new FaultInjectingHandler([ROUTE53_PRIOR_REQUEST_NOT_COMPLETE, ROUTE53_PRIOR_REQUEST_NOT_COMPLETE], isChangeBatch);
    const { route53, topology, setup, dns } = await dnsFixture(faults);
    const actuator = new Route53WeightActuator(route53);

    // WHEN
    const result = await actuator.setWeights({ sin: 200 }, topology);

    // THEN
    expect(result.changes).toEqual([{ setIdentifier: 'sin', type: 'A', oldWeight: 100, newWeight: 200 }]);
    const batches = faults.seen.filter((s) => s.target.startsWith('POST') && s.target.includes('/rrset'));
    expect(batches.map((b) => b.faulted)).toEqual([true, true, false]);
    const rrs = await setup.send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId }));
    expect(rrs.ResourceRecordSets?.find((r) => r.SetIdentifier === 'sin')?.Weight).toBe(200);
  });

  test('when Route 53 keeps throttling past maxAttempts, it gives up with an ActuatorError wrapping the SDK error', async () => {
    // GIVEN
    const faults = new FaultInjectingHandler([ROUTE53_THROTTLING, ROUTE53_THROTTLING, ROUTE53_THROTTLING, ROUTE53_THROTTLING], isList);
    const { route53, topology } = await dnsFixture(faults, 3);
    const actuator = new Route53WeightActuator(route53);

    // WHEN
    const error = await actuator.setWeights({ fra: 0 }, topology).catch((e: unknown) => e);

    // THEN
    expect(error).toBeInstanceOf(ActuatorError);
    expect((error as Error).message).toMatch(/^ListResourceRecordSets .* failed: Throttling: Rate exceeded \(after 3 attempts\)$/);
    expect((error as { cause?: { name?: string; $metadata?: { attempts?: number; httpStatusCode?: number } } }).cause).toMatchObject({
      name: 'Throttling',
      $metadata: { attempts: 3, httpStatusCode: 400 },
    });
    expect(faults.seen.filter((s) => s.faulted)).toHaveLength(3);
  });

  test('when EC2 answers 503 (Unavailable, RequestLimitExceeded), it retries and the internet cut succeeds', async () => {
    // GIVEN
    const setup = motoClients();
    const world = await buildClusterWorld({ ec2: setup.ec2(REGION), ssm: setup.ssm(REGION) }, uniqueId('retry'));
    const faults = new FaultInjectingHandler(
      [EC2_SERVICE_UNAVAILABLE, EC2_REQUEST_LIMIT_EXCEEDED],
      (r) => typeof r.body === 'string' && r.body.includes('Action=CreateNetworkAclEntry') && r.body.includes('RuleNumber=900') && r.body.includes('Egress=false') && r.body.includes(`NetworkAclId=${world.publicNetworkAclId}`),
    );
    const clients = motoClients({ requestHandler: faults as never });
    const actuator = new Ec2IsolationActuator({
      ec2: (r) => clients.ec2(r),
      discovery: new ClusterResourceDiscovery((r) => setup.ssm(r)),
      topology: topologyOf([world]),
    });

    // WHEN
    const record = await actuator.cutInternet(world.clusterId);

    // THEN
    expect(record.addedNaclEntries).toHaveLength(28);
    expect(faults.seen.filter((s) => s.faulted)).toHaveLength(2);
    expect((await actuator.observe(world.clusterId)).internetCut).toBe(true);
  });

  test('when retrying, it waits with the longer throttling base for Throttling and the transient base for 5xx', async () => {
    // GIVEN: jitter fixed at 1 %, so each wait is 1 % of the exponential delay; waits run at once
    const waits: number[] = [];
    const realSetTimeout = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (typeof ms === 'number' && ms > 0 && ms < 1000) {
        waits.push(ms);
        return realSetTimeout(fn, 0);
      }
      return realSetTimeout(fn, ms);
    }));
    const setup = motoClients();
    const dns = await buildDnsWorld(setup.route53(), { clusters: [{ id: 'fra', weight: 1, ipv4: ['203.0.113.1'] }] });
    const route53Faults = new FaultInjectingHandler([ROUTE53_THROTTLING, ROUTE53_THROTTLING], isList);
    const ec2Faults = new FaultInjectingHandler([EC2_SERVICE_UNAVAILABLE, EC2_SERVICE_UNAVAILABLE]);
    const route53 = motoClients({ requestHandler: route53Faults as never, random: () => 0.01 }).route53();
    const ec2 = motoClients({ requestHandler: ec2Faults as never, random: () => 0.01 }).ec2(REGION);

    // WHEN
    await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId }));
    const throttlingWaits = waits.splice(0);
    await ec2.send(new DescribeVpcsCommand({}));

    // THEN: the SDK's throttling base is 1000 ms (1 % of 1000, 2000); ours for transient errors is 100 ms
    expect(throttlingWaits).toEqual([10, 20]);
    expect(waits).toEqual([1, 2]);
  });
});

describe('retry strategy building blocks', () => {
  test('when the backoff is computed, it is exponential with full jitter and capped', () => {
    // GIVEN
    const backoff = new JitteredExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });

    // WHEN
    const delays = [0, 1, 2, 3, 4].map((i) => backoff.computeNextBackoffDelay(i));

    // THEN
    expect(delays).toEqual([50, 100, 200, 400, 500]);
  });

  test('when an error code is pinned as throttling, it is retried even if the SDK classed it a client error', async () => {
    // GIVEN
    const inner = new StandardRetryStrategy({ maxAttempts: 3, backoff: new JitteredExponentialBackoff({ baseDelayMs: 1, maxDelayMs: 1, random: () => 0 }) });
    const strategy = withThrottlingCodes(inner, ['PriorRequestNotComplete']);
    const token = await strategy.acquireInitialRetryToken('route53');
    const error = Object.assign(new Error('busy'), { name: 'PriorRequestNotComplete', $metadata: { httpStatusCode: 400 } });

    // WHEN
    const next = await strategy.refreshRetryTokenForRetry(token, { error: error as never, errorType: 'CLIENT_ERROR' });

    // THEN
    expect(next.getRetryCount()).toBe(1);
    await expect(inner.refreshRetryTokenForRetry(token as never, { error: error as never, errorType: 'CLIENT_ERROR' })).rejects.toThrow(
      'No retry token available',
    );
  });

  test('when the Route 53 tuning is read, it allows more attempts than the default', () => {
    // GIVEN / WHEN / THEN: the tuning table itself
    expect(RETRY_TUNING.route53.maxAttempts).toBeGreaterThan(RETRY_TUNING.default.maxAttempts);
    expect(createRetryStrategy(RETRY_TUNING.default)).toBeInstanceOf(StandardRetryStrategy);
  });
});

describe('AwsClients', () => {
  test('when the base config is asked for, it carries the endpoint, credentials and a fresh retry strategy', () => {
    // GIVEN
    const clients = motoClients();

    // WHEN
    const a = clients.baseConfig();
    const b = clients.baseConfig();

    // THEN
    expect(a.endpoint).toBe(process.env.MOTO_ENDPOINT);
    expect(a.credentials).toEqual({ accessKeyId: 'testing', secretAccessKey: 'testing' });
    expect(a.retryStrategy).not.toBe(b.retryStrategy);
  });

  test('when the same client is asked for twice, it is created once per region', () => {
    // GIVEN
    const clients = motoClients();

    // WHEN
    const first = clients.ec2('eu-west-1');

    // THEN
    expect(clients.ec2('eu-west-1')).toBe(first);
    expect(clients.ec2('us-east-1')).not.toBe(first);
    expect(clients.route53()).toBe(clients.route53());
  });
});
