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
import { findingActivity } from './guardduty-facts';
import { BadEventError } from '../errors';

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
  ) {
    super(`${code}: ${message}`);
  }
}

const STATE_VALUES: readonly AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

function parseAlarm(raw: Record<string, any>, topology: RuntimeTopology): AlarmEvent {
  const detail = raw.detail;
  if (!isRecord(detail) || typeof detail.alarmName !== 'string' || !isRecord(detail.state)) {
    throw new EventRejectedError('MALFORMED', 'alarm event without detail.alarmName and detail.state');
  }
  const parsed = parseAlarmName(detail.alarmName);
  if (!parsed) {
    throw new EventRejectedError('UNKNOWN_ALARM', `alarm "${detail.alarmName}" is not a seedshield cluster alarm (seedshield.<cluster>.<ddos|unhealthy|surge>.<qualifier>)`);
  }
  knownCluster(topology, parsed.clusterId, `alarm "${detail.alarmName}"`);
  const state = detail.state.value;
  if (!STATE_VALUES.includes(state)) {
    throw new EventRejectedError('MALFORMED', `alarm "${detail.alarmName}" has state "${String(state)}"; expected ALARM, OK or INSUFFICIENT_DATA`);
  }
  const stateTimestamp = parseAwsTimestamp(detail.state.timestamp);
  if (stateTimestamp === undefined) {
    throw new EventRejectedError('BAD_TIMESTAMP', `alarm "${detail.alarmName}" has no parsable detail.state.timestamp`);
  }
  return { type: 'ALARM_STATE', id: raw.id, clusterId: parsed.clusterId, alarmName: detail.alarmName, kind: parsed.kind, state, stateTimestamp };
}

function parseGuardDuty(raw: Record<string, any>, topology: RuntimeTopology): FindingEvent {
  const detail = raw.detail;
  if (!isRecord(detail) || typeof detail.id !== 'string' || typeof detail.type !== 'string' || typeof detail.severity !== 'number') {
    throw new EventRejectedError('MALFORMED', 'GuardDuty event without detail.id, detail.type and a numeric detail.severity');
  }
  const activity = findingActivity(detail);
  // Samples, archived findings, attack sequences and non-instance resources are decided before any tag is
  // read: a non-instance resource has no instance tags, and an attack sequence names no single cluster.
  const ignored = ignoredBeforeRules(activity);
  if (ignored) throw new EventRejectedError('IGNORED_FINDING', `GuardDuty finding ${detail.id} (${detail.type}) is ignored: ${ignored.explanation} [${ignored.ruleId}]`);
  const tags: unknown = detail.resource?.instanceDetails?.tags;
  const clusterTag = Array.isArray(tags) ? tags.find((t) => isRecord(t) && t.key === CLUSTER_TAG_KEY) : undefined;
  if (!clusterTag || typeof clusterTag.value !== 'string') {
    throw new EventRejectedError('NOT_A_CLUSTER_RESOURCE', `GuardDuty finding ${detail.id} concerns a resource without the ${CLUSTER_TAG_KEY} tag`);
  }
  knownCluster(topology, clusterTag.value, `GuardDuty finding ${detail.id}`);
  const at = parseAwsTimestamp(detail.updatedAt) ?? parseAwsTimestamp(raw.time);
  if (at === undefined) throw new EventRejectedError('BAD_TIMESTAMP', `GuardDuty finding ${detail.id} has no parsable updatedAt`);
  const { count, eventLastSeen, ...facts } = activity;
  return {
    type: 'FINDING',
    id: raw.id,
    clusterId: clusterTag.value,
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
export function parseDelivery(raw: unknown, topology: RuntimeTopology): ParsedDelivery {
  if (!isRecord(raw) || typeof raw.id !== 'string' || raw.id.length === 0 || typeof raw.source !== 'string') {
    throw new EventRejectedError('MALFORMED', 'not an EventBridge event (needs string "id" and "source")');
  }
  const detailType = raw['detail-type'];
  if (raw.source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') return parseAlarm(raw, topology);
  if (raw.source === 'aws.guardduty' && detailType === 'GuardDuty Finding') return parseGuardDuty(raw, topology);
  if (raw.source === RECONCILE_SOURCE && detailType === RECONCILE_DETAIL_TYPE) return { type: 'RECONCILE_REQUEST', id: raw.id };
  throw new EventRejectedError('UNSUPPORTED_SOURCE', `source "${raw.source}" / detail-type "${String(detailType)}" is not handled`);
}
