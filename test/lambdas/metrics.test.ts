import type { RuntimeTopology } from '../../lib/config/topology';
import { ClusterState, ClusterStatus } from '../../lambdas/core/types';
import { effectiveWeights } from '../../lambdas/core/weights';
import { clusterMetricValues } from '../../lambdas/metrics';

const topology = {
  clusters: [
    { id: 'eu-north', kind: 'aws', region: 'eu-north-1', account: '111111111111', baseWeight: 100, countsTowardsMinimum: true },
    { id: 'us-east', kind: 'aws', region: 'us-east-1', account: '111111111111', baseWeight: 50, countsTowardsMinimum: true },
    { id: 'physical', kind: 'external', baseWeight: 50, countsTowardsMinimum: false },
  ],
} as unknown as RuntimeTopology;

const state = (clusterId: string, status: ClusterStatus, servingPercent: number): ClusterState => ({
  clusterId,
  version: 1,
  status,
  servingPercent,
  signals: {},
});

describe('clusterMetricValues', () => {
  test('when nothing was ever recorded, it reports every cluster in service at its base weight', () => {
    // GIVEN / WHEN
    const values = clusterMetricValues(topology, { clusters: {} });
    // THEN
    expect(values).toEqual([
      { clusterId: 'eu-north', servingPercent: 100, dnsWeight: 100, isolated: 0 },
      { clusterId: 'us-east', servingPercent: 100, dnsWeight: 50, isolated: 0 },
      { clusterId: 'physical', servingPercent: 100, dnsWeight: 50, isolated: 0 },
    ]);
  });

  test('when a cluster is isolated, it reports it at 0 and the others with the weights effectiveWeights gives', () => {
    // GIVEN
    const world = { clusters: { 'us-east': state('us-east', ClusterStatus.ISOLATED, 0) } };
    // WHEN
    const values = clusterMetricValues(topology, world);
    // THEN
    const expected = effectiveWeights([
      { id: 'eu-north', baseWeight: 100, servingPercent: 100 },
      { id: 'us-east', baseWeight: 50, servingPercent: 0 },
      { id: 'physical', baseWeight: 50, servingPercent: 100 },
    ]);
    expect(values.map((v) => [v.clusterId, v.dnsWeight, v.isolated])).toEqual([
      ['eu-north', expected['eu-north'], 0],
      ['us-east', 0, 1],
      ['physical', expected.physical, 0],
    ]);
  });

  test('when a cluster is still isolating or ramping back, it is not counted as isolated', () => {
    // GIVEN
    const world = {
      clusters: {
        'eu-north': state('eu-north', ClusterStatus.ISOLATING, 0),
        'us-east': state('us-east', ClusterStatus.RESTORING, 10),
      },
    };
    // WHEN
    const values = clusterMetricValues(topology, world);
    // THEN
    expect(values.map((v) => [v.clusterId, v.servingPercent, v.isolated])).toEqual([
      ['eu-north', 0, 0],
      ['us-east', 10, 0],
      ['physical', 100, 0],
    ]);
  });

  test('when the recorded state would put every record at 0, it reports serving levels without a weight instead of throwing', () => {
    // GIVEN
    const world = {
      clusters: {
        'eu-north': state('eu-north', ClusterStatus.ISOLATED, 0),
        'us-east': state('us-east', ClusterStatus.ISOLATED, 0),
        physical: state('physical', ClusterStatus.ISOLATED, 0),
      },
    };
    // WHEN
    const values = clusterMetricValues(topology, world);
    // THEN
    expect(values.every((v) => v.dnsWeight === undefined && v.isolated === 1 && v.servingPercent === 0)).toBe(true);
  });
});
