/**
 * The reachability model on the moto world the drill builds: the cluster as built has every flow; the cuts
 * the actuator makes in moto drop peer sessions (established included), NAT egress and the BP path while
 * health checks, operator access and the node agent's metrics stay; the undo brings every flow back.
 */
import { buildClusterWorld } from '../../drill/world';
import { evaluateFlows, type FlowKind, type FlowVerdict } from '../../drill/reachability/model';
import { addFlowFixtures, readNetworkSnapshot } from '../../drill/reachability/snapshot';
import { ClusterResourceDiscovery } from '../../lambdas/actuators/discovery';
import { Ec2IsolationActuator } from '../../lambdas/actuators/ec2-isolation';
import { mergeIsolation } from '../../lambdas/core/isolation-record';
import { motoClients, REGION, SITE_CIDRS, topologyOf, uniqueId } from '../lambdas/actuators/helpers';

const sites = [...SITE_CIDRS.ipv4, ...SITE_CIDRS.ipv6];
const kinds = (v: readonly FlowVerdict[], ...k: FlowKind[]) => v.filter((f) => k.includes(f.kind));

test('when the actuator cuts and then restores a moto cluster, the model finds every flow cut as required and then every flow back', async () => {
  // GIVEN
  const clients = motoClients();
  const ec2 = clients.ec2(REGION);
  const world = await buildClusterWorld({ ec2, ssm: clients.ssm(REGION) }, uniqueId('flows'));
  await addFlowFixtures(ec2, world, sites);
  const open = await readNetworkSnapshot(ec2, world, sites);
  const actuator = new Ec2IsolationActuator({
    ec2: (r) => clients.ec2(r),
    discovery: new ClusterResourceDiscovery((r) => clients.ssm(r)),
    topology: topologyOf([world]),
  });

  // WHEN
  const before = evaluateFlows(open);
  const record = mergeIsolation(await actuator.cutInternet(world.clusterId), await actuator.cutBlockProducerPath(world.clusterId, SITE_CIDRS))!;
  const cut = evaluateFlows(await readNetworkSnapshot(ec2, world, sites), open);
  await actuator.undoIsolation(world.clusterId, record);
  const restored = evaluateFlows(await readNetworkSnapshot(ec2, world, sites), open);

  // THEN
  expect(before.filter((v) => !v.reachable)).toEqual([]);
  expect(kinds(cut, 'peer', 'peer-established', 'egress', 'bp').filter((v) => v.reachable)).toEqual([]);
  expect(kinds(cut, 'peer-established').length).toBe(2);
  expect(kinds(cut, 'health-check', 'operator-jumpbox', 'operator-node', 'agent-metrics').filter((v) => !v.reachable)).toEqual([]);
  expect(kinds(cut, 'agent-metrics').length).toBe(2);
  expect(restored.filter((v) => !v.reachable)).toEqual([]);
});
