/**
 * The Lambda's cold start: its environment and the topology it reads from SSM (moto), validated by name.
 */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { toRuntimeTopology, topologyDigest } from '../../lib/config/topology';
import { parseTopology, topologyToParameters } from '../../lambdas/core/topology-schema';
import { InvalidEnvironmentError, InvalidTopologyError } from '../../lambdas/errors';
import { loadTopology, parseRemediationEnvironment } from '../../lambdas/runtime';
import { exampleConfig } from '../support/example';
import { motoClients, REGION, uniqueId } from './actuators/helpers';

async function writeTopology(path: string, edit: (params: Record<string, string>) => void = () => undefined) {
  const topology = parseTopology(toRuntimeTopology(exampleConfig()));
  const params = topologyToParameters(topology, path);
  edit(params);
  const ssm = motoClients().ssm(REGION);
  for (const [Name, Value] of Object.entries(params)) await ssm.send(new PutParameterCommand({ Name, Value, Type: 'String' }));
  return { ssm, topology };
}

describe('the remediation Lambda cold start', () => {
  test('when more parameters than one GetParametersByPath page are written, it reads every page in the listed order, and the digest tells the deployed set from another', async () => {
    // GIVEN: more parameters than one page (10) holds
    const path = `/${uniqueId('t')}/topology`;
    const { ssm, topology } = await writeTopology(path, (p) => {
      const base = JSON.parse(p[`${path}/clusters/eu-north`]);
      const ids: string[] = JSON.parse(p[`${path}/globals/clusterIds`]);
      for (let i = 0; i < 12; i++) {
        p[`${path}/clusters/extra-${i}`] = JSON.stringify({ ...base, id: `extra-${i}`, kind: 'external', region: undefined, account: undefined });
        ids.push(`extra-${i}`);
      }
      p[`${path}/globals/clusterIds`] = JSON.stringify(ids);
    });
    // WHEN
    const read = await loadTopology(ssm, path);
    await expect(loadTopology(ssm, path, topologyDigest(topology))).rejects.toBeInstanceOf(InvalidTopologyError); // 12 clusters more than deployed
    // THEN
    expect(read.clusters.map((c) => c.id)).toEqual([...topology.clusters.map((c) => c.id), ...Array.from({ length: 12 }, (_, i) => `extra-${i}`)]);
    expect(read.policy).toEqual(topology.policy);
  });

  test('when a parameter was edited after the deploy, it refuses the topology with an InvalidTopologyError (digest mismatch)', async () => {
    // GIVEN
    const path = `/${uniqueId('t')}/topology`;
    const original = parseTopology(toRuntimeTopology(exampleConfig()));
    const { ssm } = await writeTopology(path, (p) => (p[`${path}/clusters/eu-north`] = p[`${path}/clusters/eu-north`].replace(/"baseWeight": \d+/, '"baseWeight": 1')));
    // WHEN
    const read = loadTopology(ssm, path, topologyDigest(original));
    // THEN
    await expect(read).rejects.toBeInstanceOf(InvalidTopologyError);
    await expect(loadTopology(ssm, path, topologyDigest(original))).rejects.toThrow('is not the one this function was deployed with');
  });

  test('when the parameters are missing, it refuses by name', async () => {
    // GIVEN
    const ssm = motoClients().ssm(REGION);
    // WHEN / THEN
    await expect(loadTopology(ssm, `/${uniqueId('none')}/topology`)).rejects.toThrow(/globals\/\*: clusterIds: .*redeploy Seedshield-ControlPlane/);
  });

  test('when the environment lacks a variable or holds a malformed one, it fails with an InvalidEnvironmentError naming each', () => {
    // GIVEN
    const env = { AWS_REGION: 'eu-north-1', STATE_TABLE_NAME: 'seedshield-state', NOTIFY_TOPIC_ARN: 'not-an-arn', SEEDSHIELD_TOPOLOGY_PATH: '/seedshield/control-plane/topology' };
    // WHEN
    const parse = () => parseRemediationEnvironment(env);
    // THEN
    expect(parse).toThrow(InvalidEnvironmentError);
    expect(parse).toThrow(/SEEDSHIELD_TOPOLOGY_DIGEST: .*NOTIFY_TOPIC_ARN: an SNS topic ARN|NOTIFY_TOPIC_ARN: an SNS topic ARN.*SEEDSHIELD_TOPOLOGY_DIGEST/);
  });
});
