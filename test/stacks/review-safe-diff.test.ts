/**
 * Review-safe `cdk diff`: what a reviewer sees in a diff is exactly what the change means.
 *
 * - The same config synthesizes to byte-identical templates, asset hashes included (no timestamps, no
 *   random ids, deterministic bundles).
 * - Changing one cluster's weight changes exactly the inputs that carry that weight, in place: the
 *   `BaseWeights` entry of that cluster in every weighted record (each record needs every base weight to
 *   normalise, see the README), that cluster's topology parameter (one line of it) and the topology digest
 *   in the remediation function's environment. No resource is added, removed or
 *   replaced; no other property moves; the cluster stacks do not change at all.
 * - Adding a fourth cluster adds resources and replaces nothing: every logical id of every existing stack is
 *   still there, and its properties are unchanged except a documented list of update-in-place properties.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SeedshieldStacks } from '../../lib/app';
import { SeedshieldConfig } from '../../lib/config/schema';
import { buildApp, configWith, exampleConfig } from '../support/example';

type Templates = Record<string, { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }>;

function templates(config: SeedshieldConfig): Templates {
  const { stacks } = buildApp(config);
  return Object.fromEntries(allStacks(stacks).map((s) => [s.stackName, Template.fromStack(s).toJSON() as Templates[string]]));
}

function allStacks(stacks: SeedshieldStacks): Stack[] {
  return [...stacks.clusters, stacks.dns, stacks.controlPlane];
}

/** One changed property of an existing resource: `<stack>/<logicalId>.<top-level property>`. */
function changedProperties(before: Templates, after: Templates): { changed: string[]; removed: string[]; added: string[] } {
  const changed: string[] = [];
  const removed: string[] = [];
  const added: string[] = [];
  for (const stackName of Object.keys(after)) {
    if (!before[stackName]) added.push(stackName);
  }
  for (const [stackName, template] of Object.entries(before)) {
    const next = after[stackName]?.Resources ?? {};
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const other = next[logicalId];
      if (!other) {
        removed.push(`${stackName}/${logicalId}`);
        continue;
      }
      if (other.Type !== resource.Type) changed.push(`${stackName}/${logicalId}.Type`);
      const keys = new Set([...Object.keys(resource.Properties ?? {}), ...Object.keys(other.Properties ?? {})]);
      for (const key of keys) {
        if (JSON.stringify(resource.Properties?.[key]) !== JSON.stringify(other.Properties?.[key])) changed.push(`${stackName}/${logicalId}.${key}`);
      }
    }
    for (const logicalId of Object.keys(next)) {
      if (!template.Resources[logicalId]) added.push(`${stackName}/${logicalId}`);
    }
  }
  return { changed: changed.sort(), removed, added };
}

/** Logical ids of the weighted-record custom resources of a DNS template. */
function recordIds(template: Templates[string]): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'Custom::SeedshieldWeightedRecord')
    .map(([id]) => id)
    .sort();
}

function logicalIdOf(template: Templates[string], type: string, predicate: (p: Record<string, any>) => boolean): string {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type && predicate(r.Properties ?? {}));
  expect(found).toHaveLength(1);
  return found[0][0];
}

const base = templates(exampleConfig());

describe('review-safe cdk diff', () => {
  test('when the same config is synthesized by two separate apps, every template is byte-identical, asset hashes included', () => {
    // GIVEN / WHEN
    const again = templates(exampleConfig());
    // THEN
    expect(Object.keys(again)).toEqual(Object.keys(base));
    for (const name of Object.keys(base)) expect(JSON.stringify(again[name])).toBe(JSON.stringify(base[name]));
    // the bundles are referenced by content hash: identical text means identical assets
    expect(JSON.stringify(base['Seedshield-ControlPlane'])).toMatch(/[0-9a-f]{64}\.zip/);
  });

  test('when one cluster\'s weight changes, only that weight moves: its BaseWeights entry in each record and the control plane topology, in place', () => {
    // GIVEN
    const after = templates(configWith((raw) => (raw.clusters[1].weight = 80)));
    // WHEN
    const diff = changedProperties(base, after);
    // THEN: nothing added, removed or replaced; the cluster stacks are untouched
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    for (const name of Object.keys(base).filter((n) => n.startsWith('Seedshield-Cluster-'))) expect(after[name]).toEqual(base[name]);
    const dns = base['Seedshield-Dns'];
    const cp = base['Seedshield-ControlPlane'];
    const fn = logicalIdOf(cp, 'AWS::Lambda::Function', (p) => 'SEEDSHIELD_TOPOLOGY_PATH' in (p.Environment?.Variables ?? {}));
    const param = logicalIdOf(cp, 'AWS::SSM::Parameter', (p) => p.Name === '/seedshield/control-plane/topology/clusters/eu-central');
    expect(diff.changed).toEqual(
      [
        ...recordIds(dns).map((id) => `Seedshield-Dns/${id}.BaseWeights`),
        // the cluster's own topology parameter, and the topology digest in the function's environment
        `Seedshield-ControlPlane/${param}.Value`,
        `Seedshield-ControlPlane/${fn}.Environment`,
      ].sort(),
    );
    const variables = (t: Templates) => (t['Seedshield-ControlPlane'].Resources[fn].Properties!.Environment as any).Variables;
    expect(Object.keys(variables(after)).filter((k) => JSON.stringify(variables(after)[k]) !== JSON.stringify(variables(base)[k]))).toEqual(['SEEDSHIELD_TOPOLOGY_DIGEST']);
    // ...and inside BaseWeights, only the eu-central entry
    for (const id of recordIds(dns)) {
      const was = dns.Resources[id].Properties!.BaseWeights as { Id: string; BaseWeight: number }[];
      const now = after['Seedshield-Dns'].Resources[id].Properties!.BaseWeights as { Id: string; BaseWeight: number }[];
      expect(now).toEqual(was.map((w) => (w.Id === 'eu-central' ? { ...w, BaseWeight: 80 } : w)));
    }
    // ...and inside the topology, only that cluster's baseWeight, on one line of its parameter
    const lines = (t: Templates) => String(t['Seedshield-ControlPlane'].Resources[param].Properties!.Value).split('\n');
    const changedLines = lines(after).filter((line, i) => line !== lines(base)[i]);
    expect(changedLines).toEqual(['  "baseWeight": 80,']);
  });

  test('when a fourth cluster is added, it adds resources and replaces nothing: existing ids stay, only documented properties change', () => {
    // GIVEN
    const after = templates(
      configWith((raw) =>
        raw.clusters.push({
          id: 'ap-southeast',
          account: '111111111111',
          region: 'ap-southeast-1',
          availabilityZones: ['ap-southeast-1a', 'ap-southeast-1b'],
          vpcCidr: '10.13.0.0/16',
          seedNodes: { count: 2, instanceType: 'm7i.2xlarge' },
          weight: 100,
        }),
      ),
    );
    // WHEN
    const diff = changedProperties(base, after);
    // THEN: every existing logical id of every existing stack is still present
    expect(diff.removed).toEqual([]);
    expect(diff.added).toEqual(
      expect.arrayContaining([
        'Seedshield-Cluster-ap-southeast',
        expect.stringMatching(/^Seedshield-Dns\/SeedDnsApSoutheastRecord/),
        expect.stringMatching(/^Seedshield-Dns\/SeedDnsApSoutheastHealthCheck/),
        expect.stringMatching(/^Seedshield-ControlPlane\/AlarmsIsolatedTooLongApSoutheast/),
        expect.stringMatching(/^Seedshield-ControlPlane\/ControlPlaneTopologyclustersapsoutheast/),
      ]),
    );
    // ...and the only properties that change are update-in-place inputs that list every cluster
    const cp = base['Seedshield-ControlPlane'];
    const fn = logicalIdOf(cp, 'AWS::Lambda::Function', (p) => 'SEEDSHIELD_TOPOLOGY_PATH' in (p.Environment?.Variables ?? {}));
    const order = logicalIdOf(cp, 'AWS::SSM::Parameter', (p) => p.Name === '/seedshield/control-plane/topology/globals/clusterIds');
    const fnPolicy = logicalIdOf(cp, 'AWS::IAM::Policy', (p) => JSON.stringify(p.Roles).includes('RemediationFunctionServiceRole'));
    const dashboard = logicalIdOf(cp, 'AWS::CloudWatch::Dashboard', () => true);
    const dnsPolicy = logicalIdOf(base['Seedshield-Dns'], 'AWS::IAM::Policy', (p) => JSON.stringify(p.Roles).includes('HandlerRole'));
    expect(diff.changed).toEqual(
      [
        ...recordIds(base['Seedshield-Dns']).map((id) => `Seedshield-Dns/${id}.BaseWeights`),
        `Seedshield-Dns/${dnsPolicy}.PolicyDocument`,
        `Seedshield-ControlPlane/${fn}.Environment`,
        `Seedshield-ControlPlane/${order}.Value`,
        `Seedshield-ControlPlane/${fnPolicy}.PolicyDocument`,
        `Seedshield-ControlPlane/${dashboard}.DashboardBody`,
      ].sort(),
    );
  });
});
