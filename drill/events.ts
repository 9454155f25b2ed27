/**
 * What a drill step delivers to the engine: the AWS-shaped EventBridge event of a trigger (CloudWatch alarm
 * state change, GuardDuty finding), a raw event from the scenario, the reconcile schedule's payload, an
 * operator command, or an earlier delivery again (duplicate, replay).
 *
 * For alarms it also sets the alarm in moto, so the reconcile's DescribeAlarms agrees with what was delivered.
 */
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { randomUUID } from 'crypto';
import { CLUSTER_TAG_KEY } from '../lib/config/naming';
import type { SeedshieldConfig } from '../lib/config/schema';
import type { CoreEvent } from '../lambdas/core/types';
import type { EngineReport, RemediationEngine } from '../lambdas/engine';
import { operatorEvent } from '../lambdas/events/operator';
import { RECONCILE_DETAIL_TYPE, RECONCILE_SOURCE } from '../lambdas/events/parse';
import { DrillError } from './errors';
import { motoClientConfig } from './moto';
import { formatOffset, parseOffset, type ScenarioStep } from './scenario';
import type { DrillWorld } from './setup';

/** What the drill remembers of a delivery so it can deliver it again: a raw EventBridge event or a core event. */
export type Delivery = { readonly raw: unknown } | { readonly core: CoreEvent };

/** The alarm state the drill last set in moto, per alarm name. */
export interface AlarmRecord {
  readonly value: string;
  readonly timestamp: number;
}

/** What building a delivery reads and remembers (a scenario run holds it). */
export interface EventContext {
  readonly config: SeedshieldConfig;
  readonly world: DrillWorld;
  /** Simulated start of the scenario (epoch ms). */
  readonly t0: number;
  /** Simulated time of the current step (epoch ms). */
  readonly simNow: number;
  readonly alarmStates: Map<string, AlarmRecord>;
  /** Every delivery so far, by step index (for `replay`). */
  readonly deliveries: Map<number, Delivery>;
  /** The last delivery (for `duplicateLast`). */
  readonly lastDelivery?: Delivery;
}

/** A step that delivers something. */
export type DeliveryStep = Extract<ScenarioStep, { kind: 'trigger' | 'event' | 'reconcile' | 'operator' | 'duplicateLast' | 'replay' }>;

/** The operator name the drill's operator commands carry. */
export const DRILL_OPERATOR = 'drill-operator';

/** Builds what `step` delivers, and says what it is in words (the timeline's summary). */
export async function prepareDelivery(ctx: EventContext, step: DeliveryStep): Promise<{ delivery: Delivery; summary: string }> {
  switch (step.kind) {
    case 'trigger':
      return triggerDelivery(ctx, step);
    case 'event': {
      const raw = substituteTimes(step.event, ctx);
      const r = raw as { id?: unknown; source?: unknown; 'detail-type'?: unknown };
      const what = describeRawDetail(raw, ctx.simNow);
      return { delivery: { raw }, summary: `event ${String(r.source)} "${String(r['detail-type'])}" id ${String(r.id)}${what ? `: ${what}` : ''}` };
    }
    case 'reconcile':
      return {
        delivery: { raw: { id: `reconcile:drill-${step.index}`, source: RECONCILE_SOURCE, 'detail-type': RECONCILE_DETAIL_TYPE, time: new Date(ctx.simNow).toISOString() } },
        summary: 'reconcile (scheduler)',
      };
    case 'operator': {
      const o = step.operator;
      const { for: pinFor, ...request } = o;
      const event = operatorEvent({
        ...request,
        operator: DRILL_OPERATOR,
        id: `operator:drill-${step.index}`,
        ...(pinFor !== undefined ? { pinUntil: ctx.simNow + pinFor } : {}),
      });
      const forText = pinFor !== undefined ? ` --for ${formatOffset(pinFor).slice(1)}` : '';
      return {
        delivery: { core: event },
        summary: `operator ${o.command}${o.cluster ? ` ${o.cluster}` : ''}${o.pin ? ` ${o.pin}` : ''}${forText}${o.force ? ' --force' : ''} --reason "${o.reason}"`,
      };
    }
    case 'duplicateLast':
      // The scenario parser refuses duplicateLast before the first delivering step.
      return { delivery: ctx.lastDelivery!, summary: `deliver the last event again (${deliveryId(ctx.lastDelivery!)})` };
    case 'replay': {
      const delivery = ctx.deliveries.get(step.replay);
      if (!delivery) throw new DrillError(`step ${step.replay} delivered nothing to replay`);
      return { delivery, summary: `replay step ${step.replay} (${deliveryId(delivery)})` };
    }
  }
}

/** Hands a delivery to the engine the way the Lambda (raw events) or the CLI (operator events) does. */
export async function deliver(engine: RemediationEngine, delivery: Delivery): Promise<EngineReport> {
  return 'core' in delivery ? engine.apply(delivery.core) : engine.handleDelivery(delivery.raw);
}

function deliveryId(d: Delivery): string {
  return 'core' in d ? d.core.id : String((d.raw as { id?: unknown }).id);
}

/** CloudWatch's timestamp format: `2026-11-24T03:00:00.000+0000`. */
function cloudWatchTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/**
 * Builds the AWS-shaped event of a trigger; for alarms also sets the alarm in moto, so the reconcile's
 * DescribeAlarms agrees with what was delivered.
 */
async function triggerDelivery(ctx: EventContext, step: Extract<ScenarioStep, { kind: 'trigger' }>) {
  const t = step.trigger;
  const cluster = ctx.config.clusters.find((c) => c.id === t.cluster);
  if (!cluster) throw new DrillError(`trigger.cluster ${t.cluster} is not a cloud cluster; only cloud clusters have alarms and GuardDuty findings`);
  const stateAt = ctx.t0 + (t.stateAt ?? step.at);
  const id = `drill-${step.index}-${randomUUID()}`;
  if (t.kind === 'compromise') {
    const findingId = `drill-finding-${t.cluster}-${step.index}`;
    const raw = {
      version: '0',
      id,
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      account: cluster.account,
      time: new Date(stateAt).toISOString(),
      region: cluster.region,
      resources: [],
      detail: {
        schemaVersion: '2.0',
        accountId: cluster.account,
        region: cluster.region,
        partition: 'aws',
        id: findingId,
        arn: `arn:aws:guardduty:${cluster.region}:${cluster.account}:detector/drill/finding/${findingId}`,
        type: 'Backdoor:EC2/C&CActivity.B!DNS',
        severity: 8,
        createdAt: new Date(stateAt).toISOString(),
        updatedAt: new Date(stateAt).toISOString(),
        title: `EC2 instance of ${t.cluster} is querying a domain name associated with a known command and control server.`,
        description: 'drill',
        resource: {
          resourceType: 'Instance',
          instanceDetails: {
            instanceId: 'i-0drill0000000000',
            tags: [
              { key: CLUSTER_TAG_KEY, value: t.cluster },
              { key: 'Name', value: `${t.cluster}-seed` },
            ],
          },
        },
      },
    };
    return { delivery: { raw }, summary: `trigger compromise on ${t.cluster} (GuardDuty finding ${findingId})` };
  }
  const names = ctx.world.alarms[t.cluster]?.[t.kind] ?? [];
  if (names.length === 0) {
    throw new DrillError(`cluster ${t.cluster} has no ${t.kind} alarm${t.kind === 'ddos' ? ' (ddos alarms exist only with protection.shieldAdvanced)' : ''}`);
  }
  const name = names[0];
  const previous = ctx.alarmStates.get(name) ?? { value: 'OK', timestamp: ctx.t0 - 60_000 };
  // moto holds the alarm's newest state: a late (older) event is delivered but does not rewind the alarm.
  if (stateAt >= previous.timestamp) {
    const cw = new CloudWatchClient(motoClientConfig(ctx.world.endpoint, cluster.region));
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: t.state, StateReason: `drill step ${step.index}` }));
    cw.destroy();
    ctx.alarmStates.set(name, { value: t.state, timestamp: stateAt });
  }
  const raw = {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: cluster.account,
    time: new Date(ctx.simNow).toISOString(),
    region: cluster.region,
    resources: [`arn:aws:cloudwatch:${cluster.region}:${cluster.account}:alarm:${name}`],
    detail: {
      alarmName: name,
      state: { value: t.state, reason: `drill step ${step.index}`, timestamp: cloudWatchTime(stateAt) },
      previousState: { value: previous.value, reason: 'drill', timestamp: cloudWatchTime(previous.timestamp) },
      configuration: { metrics: [], description: `seedshield drill alarm of ${t.cluster}` },
    },
  };
  return { delivery: { raw }, summary: `trigger ${t.kind} ${t.state} on ${t.cluster} (alarm ${name}, ${describeAge(ctx.simNow - stateAt)}, was ${previous.value})` };
}

/** How old a state is when delivered, as on-call reads it: `state set now`, `state 5m old`, `state dated 2m ahead`. */
export function describeAge(ms: number): string {
  if (Math.abs(ms) < 1000) return 'state set now';
  return ms > 0 ? `state ${formatOffset(ms).slice(1)} old` : `state dated ${formatOffset(-ms).slice(1)} ahead`;
}

/**
 * What a raw event says, in a few words: an alarm's state, its age and the state before; a finding's type and
 * severity and how long ago its activity was last seen. Undefined for anything else (or a malformed event:
 * the engine's rejection then says what is wrong).
 */
export function describeRawDetail(raw: unknown, now: number): string | undefined {
  interface RawDetail {
    alarmName?: unknown;
    state?: { value?: unknown; timestamp?: unknown };
    previousState?: { value?: unknown };
    type?: unknown;
    severity?: unknown;
    updatedAt?: unknown;
    service?: { eventLastSeen?: unknown };
  }
  const r = raw as { 'detail-type'?: unknown; detail?: RawDetail } | undefined;
  const detail = r?.detail;
  if (typeof detail !== 'object' || detail === null) return undefined;
  if (r!['detail-type'] === 'CloudWatch Alarm State Change') {
    const state = detail.state;
    const at = typeof state?.timestamp === 'string' ? Date.parse(state.timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
    const age = Number.isNaN(at) ? 'state time unreadable' : describeAge(now - at);
    const was = typeof detail.previousState?.value === 'string' ? `, was ${detail.previousState.value}` : '';
    return `alarm ${String(detail.alarmName)} ${String(state?.value)} (${age}${was})`;
  }
  if (r!['detail-type'] === 'GuardDuty Finding') {
    const lastSeen = Date.parse(String(detail.service?.eventLastSeen ?? detail.updatedAt));
    const gap = Math.abs(now - lastSeen);
    const when = gap < 1000 ? 'now' : `${formatOffset(gap).slice(1)} ${now >= lastSeen ? 'ago' : 'ahead'}`;
    const seen = Number.isNaN(lastSeen) ? '' : `, activity last seen ${when}`;
    return `finding ${String(detail.type)} severity ${String(detail.severity)}${seen}`;
  }
  return undefined;
}

/** In raw `event` steps, `"{{+5m}}"` becomes the ISO time of that sim offset and `"{{now}}"` the step's time. */
function substituteTimes(value: unknown, ctx: EventContext): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(now|\+?[0-9hms]+)\}\}/g, (_, what: string) => {
      const ms = what === 'now' ? ctx.simNow : ctx.t0 + (parseOffset(what) ?? 0);
      return new Date(ms).toISOString();
    });
  }
  if (Array.isArray(value)) return value.map((v) => substituteTimes(v, ctx));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteTimes(v, ctx)]));
  }
  return value;
}
