/**
 * Turns raw EventBridge deliveries into core events, or rejects them with a named reason.
 *
 * A rejected event changes nothing: the handler logs the rejection (one structured line) and returns.
 * Shapes: CloudWatch "Alarm State Change" (AWS-NOTES: alarm ARN in resources[0], order by
 * detail.state.timestamp), GuardDuty "GuardDuty Finding" (instance tags carry the cluster id), and the
 * reconcile schedule's own payload.
 */
import { CLUSTER_TAG_KEY, parseAlarmName } from '../../lib/config/naming';
import type { RuntimeTopology } from '../../lib/config/topology';
import { ignoredBeforeRules } from '../core/finding-policy';
import type { AlarmEvent, AlarmStateValue, FindingEvent } from '../core/types';
import { fieldProblem } from './field-problem';
import { findingActivity } from './guardduty-facts';
import { BadEventError, type SeedshieldErrorOptions } from '../errors';
import * as z from '../zod';

/** Source and detail-type of the reconcile schedule's payload (see the control-plane stack). */
export const RECONCILE_SOURCE = 'seedshield.scheduler';
export const RECONCILE_DETAIL_TYPE = 'Reconcile';

/** A parsed delivery: a cluster event, or a request to reconcile. */
export type ParsedDelivery = AlarmEvent | FindingEvent | { readonly type: 'RECONCILE_REQUEST'; readonly id: string };

/** Why an event was rejected; stable codes for logs and metrics. */
export type RejectionCode = 'IGNORED_FINDING' | 'MALFORMED' | 'UNSUPPORTED_SOURCE' | 'UNKNOWN_ALARM' | 'UNKNOWN_CLUSTER' | 'NOT_A_CLUSTER_RESOURCE' | 'BAD_TIMESTAMP';

/** A delivery the control plane refuses to act on. */
export class EventRejectedError extends BadEventError {
  constructor(
    readonly code: RejectionCode,
    message: string,
    options?: SeedshieldErrorOptions,
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** The states of a CloudWatch alarm. */
const AlarmStateValueSchema = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const satisfies readonly AlarmStateValue[]);

/**
 * The EventBridge envelope fields a delivery must carry. Only these: the reconcile schedule's payload is an
 * EventBridge Scheduler input template with `id`, `source`, `detail-type` and `time` alone (see
 * RemediationControlPlane), so Powertools' EventBridgeSchema (which also requires `version`, `account`,
 * `region` and `resources`) would reject it.
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
const EnvelopeSchema = z.object(
  {
    'id': z.string('must be a non-empty string').check(z.minLength(1, 'must be a non-empty string')),
    'source': z.string('must be a string'),
    'detail-type': z.optional(z.unknown()),
    'time': z.optional(z.unknown()),
    'detail': z.optional(z.unknown()),
  },
  'must be an object',
);

/**
 * The `detail` of a CloudWatch "Alarm State Change" (AWS-NOTES): the alarm's name and its new state. The state's
 * value and timestamp are checked after the name, so an alarm that is not ours is UNKNOWN_ALARM whatever it holds.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 */
const AlarmDetailSchema = z.object(
  {
    alarmName: z.string('must be a string'),
    state: z.object({ value: z.optional(z.unknown()), timestamp: z.optional(z.unknown()) }, 'must be an object'),
  },
  'must be an object',
);

/**
 * The `detail` of a "GuardDuty Finding": the finding itself (GuardDuty API reference `Finding`). Its id, type and
 * severity are required (an unknown severity is not good news); the rest is read tolerantly (guardduty-facts.ts).
 * @see https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html
 */
const FindingDetailSchema = z.looseObject(
  {
    id: z.string('must be a string'),
    type: z.string('must be a string'),
    severity: z.number('must be a number'),
  },
  'must be an object',
);

/** One instance tag in a finding (`resource.instanceDetails.tags[]`). */
const TagSchema = z.object({ key: z.string(), value: z.string() });

/** Where a finding's instance tags are; anything else reads as "no tags" (NOT_A_CLUSTER_RESOURCE). */
const FindingTagsSchema = z.object({
  resource: z.object({ instanceDetails: z.object({ tags: z.array(z.unknown()) }) }),
});

/** CloudWatch writes `2026-11-24T03:00:00.000+0000`; Date.parse wants `+00:00`. */
export function parseAwsTimestamp(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  return Number.isFinite(ms) ? ms : undefined;
}

function knownCluster(topology: RuntimeTopology, clusterId: string, what: string): void {
  if (!topology.clusters.some((c) => c.id === clusterId && c.kind === 'aws')) {
    throw new EventRejectedError('UNKNOWN_CLUSTER', `${what} names cluster "${clusterId}", which is not a cloud cluster of this deployment`);
  }
}

type Envelope = z.infer<typeof EnvelopeSchema>;

function parseAlarm(raw: Envelope, topology: RuntimeTopology): AlarmEvent {
  const parsed = AlarmDetailSchema.safeParse(raw.detail);
  if (!parsed.success) throw new EventRejectedError('MALFORMED', `alarm event: ${fieldProblem(parsed.error, raw.detail, ['detail'])}`, { cause: parsed.error });
  const { alarmName, state: { value, timestamp } } = parsed.data;
  const name = parseAlarmName(alarmName);
  if (!name) {
    throw new EventRejectedError('UNKNOWN_ALARM', `alarm "${alarmName}" is not a seedshield cluster alarm (seedshield.<cluster>.<ddos|unhealthy|surge>.<qualifier>)`);
  }
  knownCluster(topology, name.clusterId, `alarm "${alarmName}"`);
  const state = AlarmStateValueSchema.safeParse(value);
  if (!state.success) {
    throw new EventRejectedError('MALFORMED', `alarm "${alarmName}" has detail.state.value ${JSON.stringify(value) ?? 'nothing'}; expected ALARM, OK or INSUFFICIENT_DATA`, {
      cause: state.error,
    });
  }
  const stateTimestamp = parseAwsTimestamp(timestamp);
  if (stateTimestamp === undefined) {
    throw new EventRejectedError('BAD_TIMESTAMP', `alarm "${alarmName}" has no parsable detail.state.timestamp, got: ${JSON.stringify(timestamp) ?? 'nothing'}`);
  }
  return { type: 'ALARM_STATE', id: raw.id, clusterId: name.clusterId, alarmName, kind: name.kind, state: state.data, stateTimestamp };
}

/** The value of the instance's seedshield:cluster tag, or undefined when the finding has none. */
function clusterTag(detail: unknown): string | undefined {
  const tags = FindingTagsSchema.safeParse(detail);
  if (!tags.success) return undefined;
  for (const t of tags.data.resource.instanceDetails.tags) {
    const tag = TagSchema.safeParse(t);
    if (tag.success && tag.data.key === CLUSTER_TAG_KEY) return tag.data.value;
  }
  return undefined;
}

function parseGuardDuty(raw: Envelope, topology: RuntimeTopology): FindingEvent {
  const parsed = FindingDetailSchema.safeParse(raw.detail);
  if (!parsed.success) throw new EventRejectedError('MALFORMED', `GuardDuty event: ${fieldProblem(parsed.error, raw.detail, ['detail'])}`, { cause: parsed.error });
  const detail = parsed.data;
  const activity = findingActivity(detail);
  // Samples, archived findings, attack sequences and non-instance resources are decided before any tag is
  // read: a non-instance resource has no instance tags, and an attack sequence names no single cluster.
  const ignored = ignoredBeforeRules(activity);
  if (ignored) throw new EventRejectedError('IGNORED_FINDING', `GuardDuty finding ${detail.id} (${detail.type}) is ignored: ${ignored.explanation} [${ignored.ruleId}]`);
  const clusterId = clusterTag(detail);
  if (clusterId === undefined) {
    throw new EventRejectedError('NOT_A_CLUSTER_RESOURCE', `GuardDuty finding ${detail.id} concerns a resource without the ${CLUSTER_TAG_KEY} tag`);
  }
  knownCluster(topology, clusterId, `GuardDuty finding ${detail.id}`);
  const at = parseAwsTimestamp(detail.updatedAt) ?? parseAwsTimestamp(raw.time);
  if (at === undefined) throw new EventRejectedError('BAD_TIMESTAMP', `GuardDuty finding ${detail.id} has no parsable updatedAt`);
  const { count, eventLastSeen, ...facts } = activity;
  return {
    type: 'FINDING',
    id: raw.id,
    clusterId,
    findingId: detail.id,
    facts,
    count,
    // Without eventLastSeen the publication time is the best bound on the activity (never earlier than it).
    lastSeen: parseAwsTimestamp(eventLastSeen) ?? at,
    at,
  };
}

/**
 * Parses one EventBridge delivery.
 * @throws EventRejectedError with a stable code when the event cannot or must not be acted on
 */
export function parseDelivery(input: unknown, topology: RuntimeTopology): ParsedDelivery {
  const envelope = EnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    throw new EventRejectedError('MALFORMED', `not an EventBridge event: ${fieldProblem(envelope.error, input)}`, { cause: envelope.error });
  }
  const raw = envelope.data;
  const detailType = raw['detail-type'];
  if (raw.source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') return parseAlarm(raw, topology);
  if (raw.source === 'aws.guardduty' && detailType === 'GuardDuty Finding') return parseGuardDuty(raw, topology);
  if (raw.source === RECONCILE_SOURCE && detailType === RECONCILE_DETAIL_TYPE) return { type: 'RECONCILE_REQUEST', id: raw.id };
  throw new EventRejectedError('UNSUPPORTED_SOURCE', `source "${raw.source}" / detail-type "${String(detailType)}" is not handled`);
}
