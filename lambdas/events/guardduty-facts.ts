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
import * as z from '../zod';

/**
 * An optional field read tolerantly: absent or of another type is "not given" (undefined), never a rejection:
 * GuardDuty adds and reshapes optional blocks across finding types (Runtime Monitoring findings have no
 * `resourceRole`, Malware Protection findings no network action), and none of them decides alone.
 */
const given = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);

/** An object block read tolerantly: anything that is not an object reads as an empty block. */
const block = <T extends z.core.$ZodLooseShape>(shape: T) => {
  const schema = z.object(shape);
  return z.catch(schema, () => schema.parse({}));
};

/** The finding fields the policy reads, as zod reads them (the required ones are checked by parse.ts). */
const FindingFactsSchema = z.object({
  type: z.optional(z.unknown()),
  severity: z.optional(z.unknown()),
  resource: block({ resourceType: given(z.string()) }),
  service: block({
    resourceRole: given(z.string()),
    action: block({
      actionType: given(z.string()),
      networkConnectionAction: block({ connectionDirection: given(z.string()) }),
      portProbeAction: given(z.looseObject({})),
    }),
    additionalInfo: block({ sample: given(z.union([z.boolean(), z.string()])) }),
    archived: given(z.boolean()),
    count: given(z.number().check(z.int(), z.positive())),
    eventLastSeen: given(z.string()),
  }),
});

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
export function findingActivity(detail: Readonly<Record<string, unknown>>): FindingActivity {
  const { type, severity, resource, service } = FindingFactsSchema.parse(detail);
  const { action, additionalInfo } = service;
  const direction =
    action.networkConnectionAction.connectionDirection ?? (action.actionType === 'PORT_PROBE' || action.portProbeAction !== undefined ? 'INBOUND' : undefined);
  return {
    type: String(type),
    severity: typeof severity === 'number' ? severity : Number.NaN,
    resourceType: resource.resourceType ?? '(none)',
    ...(service.resourceRole !== undefined ? { resourceRole: service.resourceRole } : {}),
    ...(direction !== undefined ? { direction } : {}),
    sample: additionalInfo.sample === true || additionalInfo.sample === 'true',
    archived: service.archived === true,
    count: service.count ?? 1,
    ...(service.eventLastSeen !== undefined ? { eventLastSeen: service.eventLastSeen } : {}),
  };
}
