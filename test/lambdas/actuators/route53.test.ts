import { ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { buildDnsWorld, type DnsWorld } from '../../../drill/world';
import { Route53WeightActuator } from '../../../lambdas/actuators/route53';
import { DnsSafetyError, ResourceDiscoveryError } from '../../../lambdas/errors';
import type { RuntimeTopology } from '../../../lambdas/core/types';
import { FaultInjectingHandler, motoClients, topologyOf } from './helpers';

async function recordSets(route53: Route53Client, dns: DnsWorld) {
  const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId }));
  return (out.ResourceRecordSets ?? []).filter((r) => r.SetIdentifier !== undefined);
}

describe('Route53WeightActuator against moto', () => {
  let handler: FaultInjectingHandler;
  let route53: Route53Client;
  let dns: DnsWorld;
  let topology: RuntimeTopology;
  let actuator: Route53WeightActuator;

  /** Change batches submitted since the test's GIVEN. */
  const changeBatches = () => handler.seen.filter((s) => s.target.startsWith('POST') && s.target.includes('/rrset'));

  beforeEach(async () => {
    handler = new FaultInjectingHandler([]);
    route53 = motoClients({ requestHandler: handler as never }).route53();
    dns = await buildDnsWorld(route53, {
      clusters: [
        { id: 'fra', weight: 100, ipv4: ['203.0.113.10', '203.0.113.11'], ipv6: ['2001:db8::10'], withHealthCheck: true },
        { id: 'sin', weight: 100, ipv4: ['203.0.113.20'], ipv6: ['2001:db8::20'] },
        { id: 'bare-metal', weight: 50, ipv4: ['203.0.113.30'] },
      ],
    });
    topology = topologyOf([], dns);
    actuator = new Route53WeightActuator(route53);
    handler.seen.length = 0;
  });

  test('when weights change, it upserts only the changed record sets in one batch and keeps values, TTL and health check', async () => {
    // GIVEN
    const before = await recordSets(route53, dns);
    handler.seen.length = 0;

    // WHEN
    const result = await actuator.setWeights({ fra: 0, sin: 150, 'bare-metal': 50 }, topology, 'evt-1:0');

    // THEN
    expect(changeBatches()).toHaveLength(1);
    expect(result.status).toBe('INSYNC');
    expect(result.changeId).toBeDefined();
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { setIdentifier: 'fra', type: 'A', oldWeight: 100, newWeight: 0 },
        { setIdentifier: 'fra', type: 'AAAA', oldWeight: 100, newWeight: 0 },
        { setIdentifier: 'sin', type: 'A', oldWeight: 100, newWeight: 150 },
        { setIdentifier: 'sin', type: 'AAAA', oldWeight: 100, newWeight: 150 },
      ]),
    );
    expect(result.changes).toHaveLength(4);
    const after = await recordSets(route53, dns);
    for (const rrs of after) {
      const old = before.find((b) => b.SetIdentifier === rrs.SetIdentifier && b.Type === rrs.Type)!;
      expect({ ...rrs, Weight: undefined }).toEqual({ ...old, Weight: undefined });
    }
    expect(after.find((r) => r.SetIdentifier === 'fra' && r.Type === 'A')).toMatchObject({
      Weight: 0,
      TTL: 60,
      HealthCheckId: dns.healthCheckIds.fra,
      ResourceRecords: [{ Value: '203.0.113.10' }, { Value: '203.0.113.11' }],
    });
    expect(after.find((r) => r.SetIdentifier === 'sin')?.Weight).toBe(150);
  });

  test('when every weight is already right, it submits no change batch', async () => {
    // WHEN
    const result = await actuator.setWeights({ fra: 100, sin: 100 }, topology);

    // THEN
    expect(result).toEqual({ changes: [], status: 'UNCHANGED', polls: 0 });
    expect(changeBatches()).toHaveLength(0);
  });

  test('when the weights would put every weighted A record at 0, it throws DnsSafetyError before calling Route 53', async () => {
    // WHEN
    const run = actuator.setWeights({ fra: 0, sin: 0, 'bare-metal': 0 }, topology);

    // THEN
    await expect(run).rejects.toThrow(DnsSafetyError);
    await expect(actuator.setWeights({ fra: 0, sin: 0, 'bare-metal': 0 }, topology)).rejects.toThrow(
      `refusing to set every weighted A record of ${dns.recordName} to 0`,
    );
    expect(changeBatches()).toHaveLength(0);
    expect((await recordSets(route53, dns)).every((r) => r.Weight! > 0)).toBe(true);
  });

  test('when every AAAA record would go to 0, it refuses even though A records keep weight (each type is its own group)', async () => {
    // GIVEN: bare-metal has an A record only
    // WHEN
    const run = actuator.setWeights({ fra: 0, sin: 0 }, topology);

    // THEN
    await expect(run).rejects.toThrow(`refusing to set every weighted AAAA record of ${dns.recordName} to 0`);
    expect(changeBatches()).toHaveLength(0);
  });

  test('when a weight is out of range, it throws DnsSafetyError with the bad value', async () => {
    // GIVEN / WHEN / THEN: validated before any call
    await expect(actuator.setWeights({ fra: 256 }, topology)).rejects.toThrow(
      'weight of fra must be an integer between 0 and 255 inclusive, got: 256',
    );
  });

  test('when a cluster has no weighted record, it throws ResourceDiscoveryError naming it', async () => {
    // WHEN
    const run = actuator.setWeights({ tokyo: 10 }, topology);

    // THEN
    await expect(run).rejects.toBeInstanceOf(ResourceDiscoveryError);
    await expect(actuator.setWeights({ tokyo: 10 }, topology)).rejects.toThrow('has SetIdentifier tokyo; deploy the DNS stack first');
  });

  test('when the same effect is re-run after a crash, it changes nothing the second time', async () => {
    // GIVEN
    await actuator.setWeights({ fra: 0, sin: 150 }, topology);
    handler.seen.length = 0;

    // WHEN
    const again = await actuator.setWeights({ fra: 0, sin: 150 }, topology);

    // THEN
    expect(again.status).toBe('UNCHANGED');
    expect(changeBatches()).toHaveLength(0);
  });
});
