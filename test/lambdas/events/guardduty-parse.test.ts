import { EventRejectedError, parseDelivery } from '../../../lambdas/events/parse';
import { guardDutyFindingEvent, FINDING_T0 } from '../../support/guardduty-findings';
import { topology } from '../core/fixtures';

const topo = topology(3);

function rejection(raw: unknown): string {
  try {
    parseDelivery(raw, topo);
  } catch (err) {
    expect(err).toBeInstanceOf(EventRejectedError);
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('parseDelivery: GuardDuty findings in the documented format', () => {
  test('when a port probe on a cluster instance arrives, it becomes a FINDING with the facts the policy reads', () => {
    // GIVEN
    const raw = guardDutyFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, portProbe: true, count: 66, eventLastSeen: FINDING_T0 - 60_000 });
    // WHEN
    const parsed = parseDelivery(raw, topo);
    // THEN
    expect(parsed).toEqual({
      type: 'FINDING',
      id: raw.id,
      clusterId: 'a',
      findingId: raw.detail.id,
      facts: { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, resourceType: 'Instance', resourceRole: 'TARGET', direction: 'INBOUND', sample: false, archived: false },
      count: 66,
      lastSeen: FINDING_T0 - 60_000,
      at: FINDING_T0,
    });
  });

  test.each([
    { condition: 'a sample finding', spec: { sample: true }, rule: 'SAMPLE' },
    { condition: 'an archived finding', spec: { archived: true }, rule: 'ARCHIVED' },
    { condition: 'a finding on an access key', spec: { resourceType: 'AccessKey' }, rule: 'NOT_AN_INSTANCE' },
    { condition: 'an attack sequence', spec: { type: 'AttackSequence:EC2/CompromisedInstanceGroup', cluster: null }, rule: 'ATTACK_SEQUENCE' },
  ])('when $condition arrives, it is rejected as IGNORED_FINDING by $rule before any tag is read', ({ spec, rule }) => {
    // GIVEN
    const raw = guardDutyFindingEvent({ type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND', ...spec });
    // WHEN
    const message = rejection(raw);
    // THEN
    expect(message).toMatch(new RegExp(`^IGNORED_FINDING: GuardDuty finding \\S+ \\(.+\\) is ignored: .+ \\[${rule}\\]$`));
  });

  test('when an instance finding has no seedshield tag, it is rejected as NOT_A_CLUSTER_RESOURCE', () => {
    // GIVEN
    const raw = guardDutyFindingEvent({ type: 'Recon:EC2/Portscan', severity: 5, cluster: null });
    // WHEN / THEN
    expect(rejection(raw)).toMatch(/^NOT_A_CLUSTER_RESOURCE: /);
  });

  test('when severity is missing, it is rejected as MALFORMED (an unknown severity is not good news)', () => {
    // GIVEN
    const raw = guardDutyFindingEvent({ type: 'Recon:EC2/Portscan', severity: 5 });
    delete raw.detail.severity;
    // WHEN / THEN
    expect(rejection(raw)).toBe('MALFORMED: GuardDuty event: detail.severity must be a number, got: nothing');
  });
});
