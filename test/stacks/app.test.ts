import { Stack } from 'aws-cdk-lib';
import { buildApp, normalizedTemplate } from '../support/example';

describe('the seedshield app', () => {
  test('when built from the example, it has one stack per cluster in its own region plus DNS and control plane in the home region', () => {
    // GIVEN / WHEN
    const { stacks } = buildApp();
    // THEN
    expect(stacks.clusters.map((s) => [s.stackName, s.region, s.account])).toEqual([
      ['Seedshield-Cluster-eu-north', 'eu-north-1', '111111111111'],
      ['Seedshield-Cluster-eu-central', 'eu-central-1', '111111111111'],
      ['Seedshield-Cluster-us-east', 'us-east-1', '111111111111'],
    ]);
    expect([stacks.dns.region, stacks.controlPlane.region]).toEqual(['eu-north-1', 'eu-north-1']);
    expect(stacks.dns.dependencies.map((d: Stack) => d.stackName).sort()).toEqual([
      'Seedshield-Cluster-eu-central',
      'Seedshield-Cluster-eu-north',
      'Seedshield-Cluster-us-east',
      'Seedshield-ControlPlane',
    ]);
  });

  test('when synthesized with cdk-nag, no stack has an unacknowledged AwsSolutions or NIST 800-53 R5 error', () => {
    // GIVEN
    const { app } = buildApp(undefined, { nag: true });
    // WHEN
    const synth = () => app.synth();
    // THEN: cdk-nag 3 fails synth with a validation error listing the findings
    expect(synth).not.toThrow();
  });
});

// Refactoring net for `cdk diff`: one snapshot per stack, normalised asset hashes. Never the only assertion.
describe('stack snapshots', () => {
  const { stacks } = buildApp();
  for (const stack of [...stacks.clusters, stacks.dns, stacks.controlPlane]) {
    test(`when the example is synthesized, ${stack.stackName} matches its snapshot`, () => {
      expect(normalizedTemplate(stack)).toMatchSnapshot();
    });
  }
});
