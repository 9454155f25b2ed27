/**
 * The runtime contract: the topology the CDK side writes is exactly what the Lambda reads back, one SSM
 * parameter per cluster, with room for 50 clusters; anything else is refused by name.
 */
import { toRuntimeTopology } from '../../../lib/config/topology';
import {
  parseTopology,
  type RuntimeTopology,
  TOPOLOGY_PARAMETER_MAX_BYTES,
  TOPOLOGY_PARAMETER_PATH,
  topologyFromParameters,
  topologyToParameters,
} from '../../../lambdas/core/topology-schema';
import { InvalidTopologyError } from '../../../lambdas/errors';
import { exampleConfig } from '../../support/example';

const P = TOPOLOGY_PARAMETER_PATH;
const asList = (params: Record<string, string>) => Object.entries(params).map(([name, value]) => ({ name, value }));

/** A topology of `n` aws clusters with long ids, every optional field set: the worst case per parameter. */
function bigTopology(n: number): RuntimeTopology {
  const base = toRuntimeTopology(exampleConfig());
  const clusters = Array.from({ length: n }, (_, i) => ({
    id: `cluster-${String(i).padStart(2, '0')}-ap-southeast-and-some-more`,
    kind: 'aws' as const,
    region: 'ap-southeast-1',
    account: '111111111111',
    baseWeight: 255,
    countsTowardsMinimum: true,
    recordTypes: ['A', 'AAAA'] as const,
  }));
  return parseTopology({ ...base, clusters });
}

describe('the runtime topology contract', () => {
  test('when the example config is written as parameters and read back, it is the same topology, in the same cluster order', () => {
    // GIVEN
    const topology = parseTopology(toRuntimeTopology(exampleConfig()));
    // WHEN
    const params = topologyToParameters(topology);
    const back = topologyFromParameters(asList(params).reverse());
    // THEN
    expect(back).toEqual(topology);
    expect(Object.keys(params)).toEqual(expect.arrayContaining([`${P}/globals/clusterIds`, `${P}/globals/policy`, `${P}/clusters/eu-north`]));
    // pretty-printed: a diff shows one line per field
    expect(params[`${P}/clusters/eu-north`]).toContain('\n  "baseWeight": ');
  });

  test('when 50 clusters are configured, every parameter stays under the 4 KB of a Standard-tier parameter', () => {
    // GIVEN / WHEN
    const params = topologyToParameters(bigTopology(50));
    // THEN
    const tooBig = Object.entries(params).filter(([, value]) => Buffer.byteLength(value) > TOPOLOGY_PARAMETER_MAX_BYTES);
    expect(tooBig.map(([name]) => name)).toEqual([]);
    // the one that grows with the cluster count is the order list: 50 ids of 44 characters still fit twice over
    expect(Buffer.byteLength(params[`${P}/globals/clusterIds`])).toBeLessThan(TOPOLOGY_PARAMETER_MAX_BYTES * 0.6);
    expect(Object.keys(params)).toHaveLength(50 + 5); // clusters, then clusterIds, dns, siteCidrs, policy, findingPolicy
  });

  test.each([
    {
      condition: 'a cluster parameter breaks the schema',
      edit: (p: Record<string, string>) => (p[`${P}/clusters/eu-north`] = p[`${P}/clusters/eu-north`].replace(/"baseWeight": \d+/, '"baseWeight": 300')),
      message: `${P}/clusters/eu-north: baseWeight: Too big: expected number to be <=255`,
    },
    {
      condition: 'a listed cluster has no parameter',
      edit: (p: Record<string, string>) => delete p[`${P}/clusters/us-east`],
      message: `${P}/clusters/us-east is missing (listed in ${P}/globals/clusterIds)`,
    },
    {
      condition: 'a cluster parameter is not listed',
      edit: (p: Record<string, string>) => (p[`${P}/clusters/old-one`] = p[`${P}/clusters/us-east`]),
      message: `${P}/clusters/old-one: not listed in ${P}/globals/clusterIds`,
    },
    {
      condition: 'a parameter carries a field the schema does not know',
      edit: (p: Record<string, string>) => (p[`${P}/globals/policy`] = JSON.stringify({ ...JSON.parse(p[`${P}/globals/policy`]), cooldownMinuts: 3 })),
      message: 'policy: Unrecognized key: "cooldownMinuts"',
    },
    {
      condition: 'a parameter is not JSON',
      edit: (p: Record<string, string>) => (p[`${P}/globals/dns`] = '{ not json'),
      message: `${P}/globals/dns is not valid JSON`,
    },
  ])('when $condition, reading is refused with an InvalidTopologyError naming the parameter and the field', ({ edit, message }) => {
    // GIVEN
    const params = topologyToParameters(parseTopology(toRuntimeTopology(exampleConfig())));
    edit(params);
    // WHEN
    const read = () => topologyFromParameters(asList(params));
    // THEN
    expect(read).toThrow(InvalidTopologyError);
    expect(read).toThrow(message);
    expect(read).toThrow('redeploy Seedshield-ControlPlane');
  });

  test('when an aws cluster lacks its region, or two clusters share an id, the topology is refused by name', () => {
    // GIVEN
    const topology = toRuntimeTopology(exampleConfig());
    const noRegion = { ...topology, clusters: topology.clusters.map((c, i) => (i === 0 ? { ...c, region: undefined } : c)) };
    const twice = { ...topology, clusters: [...topology.clusters, topology.clusters[0]] };
    // WHEN / THEN
    expect(() => parseTopology(noRegion)).toThrow('clusters.0.region: an aws cluster needs its region and account');
    expect(() => parseTopology(twice)).toThrow(`cluster id "${topology.clusters[0].id}" appears twice`);
  });
});
