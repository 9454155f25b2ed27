/**
 * Reads, from a GuardDuty finding in the documented format, what the finding policy classifies on, and what
 * the core needs to tell a re-published update from new activity.
 *
 * Field paths (GuardDuty User Guide "Finding details", API reference `Finding` / `Service` / `Action`):
 * - `resource.resourceType` (`Instance`, `AccessKey`, ...), `service.resourceRole` (`TARGET` | `ACTOR`; absent
 *   for Runtime Monitoring findings);
 * - `service.action.networkConnectionAction.connectionDirection` (`INBOUND` | `OUTBOUND` | `UNKNOWN`); a
 *   PORT_PROBE action is inbound by definition (a remote host probes a local port);
 * - `service.additionalInfo.sample` (sample findings), `service.archived`;
 * - `service.count` (occurrences, aggregated under one finding id) and `service.eventLastSeen`.
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html
 * @see https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Service.html
 */
import type { FindingFacts } from '../core/finding-policy';

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The policy's view of a finding plus its activity counters. */
export interface FindingActivity extends FindingFacts {
  /** `service.count`. @default 1 when absent */
  readonly count: number;
  /** `service.eventLastSeen` as written, or undefined. */
  readonly eventLastSeen?: string;
}

/**
 * Extracts the facts of a finding `detail`. Tolerant by design: a missing optional field is "not given", never
 * a guess; `type` and `severity` are checked by the caller.
 */
export function findingActivity(detail: Record<string, any>): FindingActivity {
  const service = isRecord(detail.service) ? detail.service : {};
  const action = isRecord(service.action) ? service.action : {};
  const connection = isRecord(action.networkConnectionAction) ? action.networkConnectionAction : undefined;
  const direction =
    typeof connection?.connectionDirection === 'string'
      ? connection.connectionDirection
      : action.actionType === 'PORT_PROBE' || isRecord(action.portProbeAction)
        ? 'INBOUND'
        : undefined;
  const additional = isRecord(service.additionalInfo) ? service.additionalInfo : {};
  return {
    type: String(detail.type),
    severity: typeof detail.severity === 'number' ? detail.severity : Number.NaN,
    resourceType: isRecord(detail.resource) && typeof detail.resource.resourceType === 'string' ? detail.resource.resourceType : '(none)',
    ...(typeof service.resourceRole === 'string' ? { resourceRole: service.resourceRole } : {}),
    ...(direction !== undefined ? { direction } : {}),
    sample: additional.sample === true || additional.sample === 'true',
    archived: service.archived === true,
    count: typeof service.count === 'number' && Number.isInteger(service.count) && service.count > 0 ? service.count : 1,
    ...(typeof service.eventLastSeen === 'string' ? { eventLastSeen: service.eventLastSeen } : {}),
  };
}
