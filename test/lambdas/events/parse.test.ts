/**
 * parseDelivery at the boundary: every delivery is parsed with a schema, and a bad one is rejected with a
 * stable code and a message that names the field, the rule and the value received (exact texts: operators and
 * alarms read them).
 */
import { $ZodError } from 'zod/v4/core';
import { EventRejectedError, parseDelivery, RECONCILE_DETAIL_TYPE, RECONCILE_SOURCE } from '../../../lambdas/events/parse';
import { BadEventError } from '../../../lambdas/errors';
import { FINDING_T0, guardDutyFindingEvent } from '../../support/guardduty-findings';
import { topology } from '../core/fixtures';

const topo = topology(3);
const TS = '2026-11-24T03:00:00.000+0000';

function alarm(detail: unknown): Record<string, unknown> {
  return {
    'version': '0',
    'id': 'e-1',
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': '111111111111',
    'time': '2026-11-24T03:00:00Z',
    'region': 'eu-west-1',
    'resources': ['arn:aws:cloudwatch:eu-west-1:111111111111:alarm:seedshield.a.ddos.eip-1'],
    detail,
  };
}

function rejected(raw: unknown): EventRejectedError {
  try {
    parseDelivery(raw, topo);
  } catch (err) {
    expect(err).toBeInstanceOf(EventRejectedError);
    return err as EventRejectedError;
  }
  throw new Error('expected a rejection');
}

describe('parseDelivery: the EventBridge envelope', () => {
  test.each([
    { condition: 'not an object', raw: 'hello', message: 'MALFORMED: not an EventBridge event: (event) must be an object, got: "hello"' },
    { condition: 'no id', raw: { source: 'aws.cloudwatch' }, message: 'MALFORMED: not an EventBridge event: id must be a non-empty string, got: nothing' },
    { condition: 'an empty id', raw: { id: '', source: 'aws.cloudwatch' }, message: 'MALFORMED: not an EventBridge event: id must be a non-empty string, got: ""' },
    { condition: 'a numeric source', raw: { id: 'e-1', source: 42 }, message: 'MALFORMED: not an EventBridge event: source must be a string, got: 42' },
  ])('when the event has $condition, it is rejected as MALFORMED naming the field', ({ raw, message }) => {
    // GIVEN: raw
    // WHEN
    const err = rejected(raw);
    // THEN
    expect(err.message).toBe(message);
    expect(err.code).toBe('MALFORMED');
    expect(err).toBeInstanceOf(BadEventError);
  });

  test('when the envelope is malformed, the zod error is kept as the cause', () => {
    // GIVEN / WHEN
    const err = rejected({ id: 7, source: 'aws.cloudwatch' });
    // THEN
    // zod/mini's error is a $ZodError (classic's subclass is named ZodError): the class, not the name, is the contract
    expect(err.cause).toBeInstanceOf($ZodError);
  });

  test('when the reconcile schedule delivers its payload (no version, account, region or resources), it is a reconcile request', () => {
    // GIVEN: what the Scheduler's input template sends
    const raw = { 'id': 'reconcile:abc', 'source': RECONCILE_SOURCE, 'detail-type': RECONCILE_DETAIL_TYPE, 'time': '2026-11-24T03:00:00Z' };
    // WHEN / THEN
    expect(parseDelivery(raw, topo)).toEqual({ type: 'RECONCILE_REQUEST', id: 'reconcile:abc' });
  });

  test('when the source is not one the control plane handles, it is rejected as UNSUPPORTED_SOURCE', () => {
    // GIVEN / WHEN
    const err = rejected({ 'id': 'e-1', 'source': 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' });
    // THEN
    expect(err.message).toBe('UNSUPPORTED_SOURCE: source "aws.ec2" / detail-type "EC2 Instance State-change Notification" is not handled');
  });
});

describe('parseDelivery: CloudWatch alarm state changes', () => {
  test('when a well-formed alarm of a known cluster arrives, it becomes an ALARM_STATE event', () => {
    // GIVEN
    const raw = alarm({ alarmName: 'seedshield.a.ddos.eip-1', state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: TS } });
    // WHEN / THEN
    expect(parseDelivery(raw, topo)).toEqual({
      type: 'ALARM_STATE',
      id: 'e-1',
      clusterId: 'a',
      alarmName: 'seedshield.a.ddos.eip-1',
      kind: 'ddos',
      state: 'ALARM',
      stateTimestamp: Date.UTC(2026, 10, 24, 3, 0, 0),
    });
  });

  test.each([
    { condition: 'no detail', detail: undefined, message: 'MALFORMED: alarm event: detail must be an object, got: nothing' },
    { condition: 'no alarm name', detail: { state: { value: 'ALARM', timestamp: TS } }, message: 'MALFORMED: alarm event: detail.alarmName must be a string, got: nothing' },
    { condition: 'a state that is a string', detail: { alarmName: 'seedshield.a.ddos.eip-1', state: 'ALARM' }, message: 'MALFORMED: alarm event: detail.state must be an object, got: "ALARM"' },
    {
      condition: 'an unknown state value',
      detail: { alarmName: 'seedshield.a.ddos.eip-1', state: { value: 'ON_FIRE', timestamp: TS } },
      message: 'MALFORMED: alarm "seedshield.a.ddos.eip-1" has detail.state.value "ON_FIRE"; expected ALARM, OK or INSUFFICIENT_DATA',
    },
    {
      condition: 'a timestamp that is not a date',
      detail: { alarmName: 'seedshield.a.ddos.eip-1', state: { value: 'OK', timestamp: 'yesterday' } },
      message: 'BAD_TIMESTAMP: alarm "seedshield.a.ddos.eip-1" has no parsable detail.state.timestamp, got: "yesterday"',
    },
    {
      condition: 'an alarm that is not a seedshield alarm',
      detail: { alarmName: 'someone-elses-alarm', state: { value: 'ALARM', timestamp: TS } },
      message: 'UNKNOWN_ALARM: alarm "someone-elses-alarm" is not a seedshield cluster alarm (seedshield.<cluster>.<ddos|unhealthy|surge>.<qualifier>)',
    },
    {
      condition: 'an alarm of a cluster this deployment does not have',
      detail: { alarmName: 'seedshield.zz.ddos.eip-1', state: { value: 'ON_FIRE', timestamp: TS } },
      message: 'UNKNOWN_CLUSTER: alarm "seedshield.zz.ddos.eip-1" names cluster "zz", which is not a cloud cluster of this deployment',
    },
  ])('when an alarm event has $condition, it is rejected with a message naming the field', ({ detail, message }) => {
    // GIVEN
    const raw = alarm(detail);
    // WHEN
    const err = rejected(raw);
    // THEN
    expect(err.message).toBe(message);
  });
});

describe('parseDelivery: GuardDuty findings', () => {
  test.each([
    { condition: 'no severity', change: { severity: undefined }, message: 'MALFORMED: GuardDuty event: detail.severity must be a number, got: nothing' },
    { condition: 'a severity that is a word', change: { severity: 'HIGH' }, message: 'MALFORMED: GuardDuty event: detail.severity must be a number, got: "HIGH"' },
    { condition: 'no finding id', change: { id: undefined }, message: 'MALFORMED: GuardDuty event: detail.id must be a string, got: nothing' },
    { condition: 'a numeric type', change: { type: 7 }, message: 'MALFORMED: GuardDuty event: detail.type must be a string, got: 7' },
  ])('when a finding has $condition, it is rejected as MALFORMED naming the field', ({ change, message }) => {
    // GIVEN
    const raw = guardDutyFindingEvent({ type: 'Backdoor:EC2/C&CActivity.B', severity: 8 });
    const detail: Record<string, unknown> = { ...raw.detail, ...change };
    // WHEN
    const err = rejected({ ...raw, detail });
    // THEN
    expect(err.message).toBe(message);
  });

  test('when optional blocks have unexpected shapes, the finding is still read and they count as not given', () => {
    // GIVEN: a finding whose service block GuardDuty reshaped (count a string, action a list)
    const raw = guardDutyFindingEvent({ type: 'Backdoor:EC2/C&CActivity.B', severity: 8 });
    const detail = { ...raw.detail, service: { ...raw.detail.service, count: 'many', action: ['?'], resourceRole: 5 } };
    // WHEN
    const parsed = parseDelivery({ ...raw, detail }, topo);
    // THEN
    expect(parsed).toEqual(expect.objectContaining({ type: 'FINDING', clusterId: 'a', count: 1, at: FINDING_T0 }));
    expect(parsed.type === 'FINDING' && parsed.facts).toEqual({
      type: 'Backdoor:EC2/C&CActivity.B',
      severity: 8,
      resourceType: 'Instance',
      sample: false,
      archived: false,
    });
  });

  test('when the tags are not a list, the finding is rejected as NOT_A_CLUSTER_RESOURCE, not read as any cluster', () => {
    // GIVEN
    const raw = guardDutyFindingEvent({ type: 'Backdoor:EC2/C&CActivity.B', severity: 8 });
    const detail = { ...raw.detail, resource: { ...raw.detail.resource, instanceDetails: { ...raw.detail.resource.instanceDetails, tags: { 'seedshield:cluster': 'a' } } } };
    // WHEN
    const err = rejected({ ...raw, detail });
    // THEN
    expect(err.message).toBe(`NOT_A_CLUSTER_RESOURCE: GuardDuty finding ${raw.detail.id} concerns a resource without the seedshield:cluster tag`);
  });
});
