import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CLUSTER_TAG_KEY } from '../../lib/config/naming';
import { GuardDutySuppression } from '../../lib/constructs/guardduty-suppression';
import { buildApp, configWith } from '../support/example';
import { guardDutyFindingEvent } from '../support/guardduty-findings';

/**
 * The subset of EventBridge pattern matching the seedshield rules use: arrays of exact values (OR),
 * `{ exists }`, `{ prefix }`, `{ 'anything-but': [...] }` and `$or`; fields AND together; an array in the
 * event matches when any element matches. Modelled on "Event patterns" / "Comparison operators" in the
 * EventBridge User Guide (moto's TestEventPattern answers an empty body, so it cannot be used here).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
function matches(pattern: Record<string, any>, event: any): boolean {
  return Object.entries(pattern).every(([key, spec]) => {
    if (key === '$or') return (spec as Record<string, any>[]).some((alt) => matches(alt, event));
    const value = event === undefined || event === null ? undefined : event[key];
    if (!Array.isArray(spec)) {
      if (Array.isArray(value)) return value.some((v) => matches(spec, v));
      return value !== undefined && typeof value === 'object' && matches(spec, value);
    }
    const values = Array.isArray(value) ? value : [value];
    return spec.some((m: any) => {
      if (m !== null && typeof m === 'object') {
        if ('exists' in m) return m.exists ? value !== undefined : value === undefined;
        if ('prefix' in m) return values.some((v) => typeof v === 'string' && v.startsWith(m.prefix));
        if ('anything-but' in m) return value !== undefined && values.every((v) => !(m['anything-but'] as unknown[]).includes(v));
        throw new Error(`operator not modelled: ${JSON.stringify(m)}`);
      }
      return value !== undefined && values.includes(m);
    });
  });
}

function rulePattern(template: Template, descriptionPart: string): Record<string, any> {
  const rules = template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp(descriptionPart) } });
  const found = Object.values(rules);
  expect(found).toHaveLength(1);
  return found[0].Properties.EventPattern;
}

describe('GuardDuty forwarding rules', () => {
  const { stacks } = buildApp();
  const cluster = Template.fromStack(stacks.clusters[0]);
  const controlPlane = Template.fromStack(stacks.controlPlane);
  const forward = rulePattern(cluster, 'GuardDuty findings on eu-north');
  const remediate = rulePattern(controlPlane, 'GuardDuty findings on cluster instances');
  const real = (over: Parameters<typeof guardDutyFindingEvent>[0]) => guardDutyFindingEvent({ cluster: 'eu-north', ...over });

  test('when the forwarding rule is synthesized, it keeps instances of its cluster, not archived, not samples', () => {
    // GIVEN / WHEN / THEN
    expect(forward).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: {
        resource: { resourceType: ['Instance'], instanceDetails: { tags: { key: [CLUSTER_TAG_KEY], value: ['eu-north'] } } },
        service: { archived: [false], additionalInfo: { $or: [{ sample: [{ exists: false }] }, { sample: [false] }] } },
      },
    });
  });

  test.each([
    { condition: 'a real port probe on the cluster', event: real({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, portProbe: true }), forwarded: true },
    { condition: 'a real C&C finding on the cluster', event: real({ type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }), forwarded: true },
    { condition: 'a sample finding', event: real({ type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, sample: true }), forwarded: false },
    { condition: 'an archived finding', event: real({ type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, archived: true }), forwarded: false },
    { condition: 'a finding on an access key', event: real({ type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', severity: 8, resourceType: 'AccessKey' }), forwarded: false },
    { condition: 'a finding on another cluster', event: guardDutyFindingEvent({ cluster: 'us-east', type: 'Recon:EC2/Portscan', severity: 5 }), forwarded: false },
    { condition: 'an attack sequence (no instance tags)', event: real({ type: 'AttackSequence:EC2/CompromisedInstanceGroup', severity: 9, cluster: null }), forwarded: false },
  ])('when $condition arrives, it is forwarded: $forwarded', ({ event, forwarded }) => {
    // GIVEN the synthesized patterns / WHEN the documented payload is matched / THEN
    expect(matches(forward, event)).toBe(forwarded);
    if (forwarded) expect(matches(remediate, event)).toBe(true);
  });

  test('when suppression is off (the default), no cluster stack has a GuardDuty filter', () => {
    // GIVEN the example config / WHEN / THEN
    for (const s of stacks.clusters) Template.fromStack(s).resourceCountIs('AWS::GuardDuty::Filter', 0);
  });

  test('when a finding spells out sample: false, it is still forwarded', () => {
    // GIVEN
    const event = real({ type: 'Recon:EC2/Portscan', severity: 5 });
    event.detail.service.additionalInfo.sample = false;
    // WHEN / THEN
    expect(matches(forward, event)).toBe(true);
  });

  test('when the config ignores a type outright, both rules drop it', () => {
    // GIVEN
    const config = configWith((raw) => {
      raw.protection.guardDuty = { findingPolicy: [{ type: 'Behavior:EC2/TrafficVolumeUnusual', class: 'ignore', reason: 'block sync traffic' }] };
    });
    const built = buildApp(config).stacks;
    // WHEN
    const fwd = rulePattern(Template.fromStack(built.clusters[0]), 'GuardDuty findings on eu-north');
    const rem = rulePattern(Template.fromStack(built.controlPlane), 'GuardDuty findings on cluster instances');
    // THEN
    for (const p of [fwd, rem]) {
      expect(p.detail.type).toEqual([{ 'anything-but': ['Behavior:EC2/TrafficVolumeUnusual'] }]);
      expect(matches(p, real({ type: 'Behavior:EC2/TrafficVolumeUnusual', severity: 5 }))).toBe(false);
      expect(matches(p, real({ type: 'Recon:EC2/Portscan', severity: 5 }))).toBe(true);
    }
  });
});

describe('GuardDuty suppression', () => {
  const suppressing = (owned: boolean) =>
    configWith((raw) => {
      raw.clusters[2].region = 'eu-north-1';
      raw.clusters[2].availabilityZones = ['eu-north-1a', 'eu-north-1b'];
      raw.protection.guardDuty = {
        suppressExpectedFindings: true,
        detectors: { 'eu-north-1': { detectorId: '12abc34d567e8fa901bc2d34eexample', ownedBySeedshield: owned }, 'eu-central-1': { detectorId: 'abc', ownedBySeedshield: true } },
      };
    });

  test('when seedshield owns the detector, each cluster gets an ARCHIVE filter for the blockchain types on its own tagged instances, with its own rank', () => {
    // GIVEN
    const { stacks } = buildApp(suppressing(true));
    // WHEN
    const first = Template.fromStack(stacks.clusters[0]);
    const third = Template.fromStack(stacks.clusters[2]);
    // THEN
    first.hasResourceProperties('AWS::GuardDuty::Filter', {
      DetectorId: '12abc34d567e8fa901bc2d34eexample',
      Action: 'ARCHIVE',
      Rank: 1,
      Name: 'seedshield-eu-north-expected-blockchain-activity',
      FindingCriteria: {
        Criterion: {
          type: { Eq: ['CryptoCurrency:EC2/BitcoinTool.B', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Impact:EC2/BitcoinDomainRequest.Reputation'] },
          'resource.resourceType': { Eq: ['Instance'] },
          'resource.instanceDetails.tags.key': { Eq: [CLUSTER_TAG_KEY] },
          'resource.instanceDetails.tags.value': { Eq: ['eu-north'] },
        },
      },
    });
    third.hasResourceProperties('AWS::GuardDuty::Filter', { Rank: 2, FindingCriteria: { Criterion: Match.objectLike({ 'resource.instanceDetails.tags.value': { Eq: ['us-east'] } }) } });
  });

  test('when another team owns the detector, it creates no filter and warns with what to ask the owner', () => {
    // GIVEN
    const { stacks } = buildApp(suppressing(false));
    // WHEN
    const stack = stacks.clusters[0];
    // THEN
    Template.fromStack(stack).resourceCountIs('AWS::GuardDuty::Filter', 0);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('protection.guardDuty.detectors.eu-north-1 is not owned by seedshield: no suppression filter is created for cluster eu-north'),
    );
  });

  test.each([
    { props: { clusterId: 'a', detectorId: 'not a detector!', findingTypes: ['x'] }, error: 'detectorId must be a GuardDuty detector id (letters and digits), got: not a detector!' },
    { props: { clusterId: 'a', detectorId: 'abc', findingTypes: [] }, error: 'findingTypes must name at least one finding type to archive, got: []' },
    { props: { clusterId: 'a', detectorId: 'abc', findingTypes: ['Trojan:EC2/*'] }, error: 'findingTypes must be exact finding types (a GuardDuty filter has no prefix match), got: Trojan:EC2/*' },
    { props: { clusterId: 'a', detectorId: 'abc', findingTypes: ['x'], rank: 101 }, error: 'rank must be a whole number from 1 to 100, got: 101' },
  ])('when the props are bad ($error), it throws naming the prop', ({ props, error }) => {
    // GIVEN
    const stack = new Stack(new App(), 'S');
    // WHEN / THEN
    expect(() => new GuardDutySuppression(stack, 'G', props)).toThrow(error);
  });
});
