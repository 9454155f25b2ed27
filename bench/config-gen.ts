/**
 * Generates seedshield configurations of N clusters from the example, for the synth benchmark.
 *
 * Each generated cluster gets a unique id and its own real region (two real AZs of it), a non-overlapping
 * `10.x.0.0/16`, and `minHealthyClusters` is set so that half the clusters can be isolated. Everything else
 * (sites, DNS, nodeos, control plane tunables) is the example's, so only the cluster count changes.
 */
import { BenchError } from './errors';

/**
 * Real commercial regions with two of their AZ names (checked against the AWS AZ lists: ap-northeast-1 has
 * no `b` zone for new accounts, hence `c`). Enough for 24 clusters.
 */
export const BENCH_REGIONS: readonly { readonly region: string; readonly zones: readonly [string, string] }[] = [
  ['eu-north-1', 'a', 'b'],
  ['eu-central-1', 'a', 'b'],
  ['us-east-1', 'a', 'b'],
  ['us-east-2', 'a', 'b'],
  ['us-west-2', 'a', 'b'],
  ['eu-west-1', 'a', 'b'],
  ['eu-west-2', 'a', 'b'],
  ['eu-west-3', 'a', 'b'],
  ['eu-south-1', 'a', 'b'],
  ['eu-south-2', 'a', 'b'],
  ['eu-central-2', 'a', 'b'],
  ['ap-south-1', 'a', 'b'],
  ['ap-southeast-1', 'a', 'b'],
  ['ap-southeast-2', 'a', 'b'],
  ['ap-northeast-1', 'a', 'c'],
  ['ap-northeast-2', 'a', 'b'],
  ['ap-northeast-3', 'a', 'b'],
  ['ca-central-1', 'a', 'b'],
  ['sa-east-1', 'a', 'b'],
  ['af-south-1', 'a', 'b'],
  ['me-south-1', 'a', 'b'],
  ['me-central-1', 'a', 'b'],
  ['il-central-1', 'a', 'b'],
  ['ap-east-1', 'a', 'b'],
].map(([region, a, b]) => ({ region, zones: [`${region}${a}`, `${region}${b}`] as const }));

/** Second octet of the first generated VPC (`10.20.0.0/16`); the example's sites use 10.200 and 10.210. */
const FIRST_VPC_OCTET = 20;

/**
 * A raw (unvalidated) configuration with `clusterCount` clusters, derived from `exampleRaw` (not modified).
 * @throws RangeError when `clusterCount` is below 1 or above the number of {@link BENCH_REGIONS}
 */
export function generateConfig(exampleRaw: unknown, clusterCount: number): Record<string, any> {
  if (!Number.isInteger(clusterCount) || clusterCount < 1 || clusterCount > BENCH_REGIONS.length) {
    throw new BenchError(`clusterCount must be an integer from 1 to ${BENCH_REGIONS.length}, got: ${clusterCount}`);
  }
  const raw = JSON.parse(JSON.stringify(exampleRaw)) as Record<string, any>;
  const template = raw.clusters[0];
  raw.clusters = BENCH_REGIONS.slice(0, clusterCount).map(({ region, zones }, i) => ({
    ...template,
    id: `seed-${region}`,
    region,
    availabilityZones: [...zones],
    vpcCidr: `10.${FIRST_VPC_OCTET + i}.0.0/16`,
    seedNodes: { ...template.seedNodes, count: 2 },
    weight: 100,
  }));
  raw.controlPlane = { ...raw.controlPlane, minHealthyClusters: Math.max(1, Math.floor(clusterCount / 2)) };
  return raw;
}
