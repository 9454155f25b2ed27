/**
 * Drill scenarios: the file format (README, "The local drill") and its parser.
 *
 * A scenario is data, so on-call can write their own: `{ name, description, steps: [{ at, <one action> }] }`.
 * Every problem in a file is reported with the step index and the field (`steps[3].trigger.kind`), because a
 * drill that silently skips a malformed step would pass for the wrong reason.
 */
import { ClusterStatus, type Effect, type TriggerKind } from '../lambdas/core/types';
import { SeedshieldError, type SeedshieldErrorOptions } from '../lambdas/errors';
import { OPERATOR_COMMANDS, type OperatorCommand } from '../lambdas/events/operator';

/** Trigger kinds a `trigger` step can raise. */
export const TRIGGER_KINDS: readonly TriggerKind[] = ['ddos', 'unhealthy', 'surge', 'lagging', 'compromise'];

export { OPERATOR_COMMANDS, type OperatorCommand };

/** Raise or clear a cluster's trigger: builds the AWS-shaped event and, for alarms, sets the alarm in moto. */
export interface TriggerAction {
  readonly cluster: string;
  readonly kind: TriggerKind;
  /** `compromise` only takes ALARM: a GuardDuty finding has no "OK". INSUFFICIENT_DATA: the alarm's data is missing. */
  readonly state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /**
   * Sim time of the alarm state (`detail.state.timestamp`), to deliver events out of order.
   * @default - the step's `at`
   */
  readonly stateAt?: number;
}

/** An operator command, through the same engine and safety rules as the CLI. */
export interface OperatorAction {
  readonly command: OperatorCommand;
  readonly cluster?: string;
  /** `in-service` | `isolated` (pin only). */
  readonly pin?: 'in-service' | 'isolated';
  readonly reason: string;
  /** @default false */
  readonly force?: boolean;
  /**
   * How long a pin holds (`"for": "2h"`, the CLI's `--for`), ms from the step's time.
   * @default - the policy's pinDefaultMinutes (the core's default)
   */
  readonly for?: number;
}

/** Make the next `times` calls of one AWS API fail (HTTP 400, not retried): a crash between two actions. */
export interface FaultAction {
  /** API name as AWS spells it, e.g. `CreateNetworkAclEntry`, `RevokeSecurityGroupIngress`. */
  readonly api: string;
  /** @default 1 */
  readonly times: number;
  /**
   * Let this many matching calls through first.
   * @default 0
   */
  readonly after: number;
}

/** What an `expect` step checks. Every given field must hold. */
export type Expectation =
  | {
      readonly type: 'cluster';
      readonly cluster: string;
      /** ClusterStatus as recorded in the state table. */
      readonly state?: ClusterStatus;
      /** The cluster's A-record weight as Route 53 (moto) serves it. */
      readonly weight?: number;
      readonly servingPercent?: number;
      /** `in-service` | `isolated` | `none`. */
      readonly pin?: 'in-service' | 'isolated' | 'none';
      /** The isolation record lists every cut the policy asks for (SG ingress revoked, NACL denies added). */
      readonly isolationRecorded?: boolean;
    }
  | { readonly type: 'noChange' }
  | {
      /** The previous step carried out (or tried) an effect of this type: `CUT_BP_PATH`, `NOTIFY`, ... */
      readonly type: 'effect';
      readonly effect: Effect['type'];
      /** Only effects on this cluster (a NOTIFY: whose subject names it; SET_DNS_WEIGHTS: that sets its weight). */
      readonly cluster?: string;
      /** The effect is the first of the step's effects (on that cluster, when `cluster` is given). */
      readonly first?: boolean;
      /** NOTIFY only: the subject contains this text. */
      readonly subjectContains?: string;
      /** NOTIFY only: the message contains this text. */
      readonly messageContains?: string;
      /** NOTIFY only. */
      readonly severity?: 'INFO' | 'WARNING' | 'CRITICAL';
      /** SET_DNS_WEIGHTS with `cluster` only: the weight it sets that cluster to. */
      readonly weight?: number;
    }
  | {
      /** The previous step carried out (or tried) NO effect matching this: `"noEffect": "UNDO_ISOLATION"`. */
      readonly type: 'noEffect';
      readonly effect: Effect['type'];
      readonly cluster?: string;
      /** NOTIFY only: only notifications whose subject contains this text count. */
      readonly subjectContains?: string;
    }
  | {
      readonly type: 'outcome';
      /** A decision outcome of the previous step (any of its decisions), e.g. `ISOLATION_REFUSED`. */
      readonly outcome: string;
      /** The reason of that decision contains this text. @default - not checked */
      readonly reasonContains?: string;
    };

/** One step's action. */
export type StepAction =
  | { readonly kind: 'trigger'; readonly trigger: TriggerAction }
  | { readonly kind: 'event'; readonly event: unknown }
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'operator'; readonly operator: OperatorAction }
  | { readonly kind: 'duplicateLast' }
  | { readonly kind: 'replay'; readonly replay: number }
  | { readonly kind: 'fault'; readonly fault: FaultAction }
  | { readonly kind: 'expect'; readonly expect: Expectation };

/** One step: when (sim time offset from the scenario start, ms) and what. */
export type ScenarioStep = StepAction & {
  readonly index: number;
  /** Offset from the scenario start, ms. */
  readonly at: number;
  /** The offset as written (`+1h30m`). */
  readonly atText: string;
  /**
   * The engine is expected to reject what this step delivers, with this code (`"rejected": "IGNORED_FINDING"`).
   * Without it, a rejected delivery fails the step: an event the engine never saw proves nothing.
   * @default - the delivery must be accepted
   */
  readonly rejected?: string;
};

/** A parsed, validated scenario. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly steps: readonly ScenarioStep[];
  /** Where it came from (file path or `built-in`). */
  readonly source: string;
}

/** A scenario file is malformed; `problems` name the step and field. */
export class ScenarioError extends SeedshieldError {
  readonly code: string = 'INVALID_SCENARIO';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    options?: SeedshieldErrorOptions,
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the scenario:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
  }
}

/** Effect types an `effect`/`noEffect` expectation can name (the compiler keeps it complete). */
export const EFFECT_TYPES = ['SET_DNS_WEIGHTS', 'CUT_INTERNET', 'CUT_BP_PATH', 'UNDO_ISOLATION', 'NOTIFY', 'VERIFY_REACHABILITY', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE'] as const satisfies readonly Effect['type'][];
type MissingEffectType = Exclude<Effect['type'], (typeof EFFECT_TYPES)[number]>;
const EFFECT_TYPES_COMPLETE: [MissingEffectType] extends [never] ? true : never = true;
void EFFECT_TYPES_COMPLETE;

/** Steps that deliver something, and so may carry `"rejected"`. */
const DELIVERY_KEYS = ['trigger', 'event', 'reconcile', 'operator', 'duplicateLast', 'replay'] as const;

/**
 * A check of a parsed step against more than the file itself (the configuration, the SDK): problems as
 * `[field, message]` pairs, reported with the step's index like the parser's own (drill/scenario-checks.ts).
 */
export type StepCheck = (step: ScenarioStep) => readonly (readonly [field: string, message: string])[];

/** The keys that select a step's action; exactly one per step. */
const ACTION_KEYS = ['trigger', 'event', 'reconcile', 'operator', 'duplicateLast', 'replay', 'fault', 'expect'] as const;

/**
 * Parses a sim-time offset: `+0m`, `+90s`, `+1h30m`, `+2h` (the `+` is optional).
 * @returns milliseconds, or undefined when the text is not an offset
 */
export function parseOffset(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\+?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** Renders an offset the way scenarios write it (`+1h30m`, `+90s` stays `+1m30s`). */
export function formatOffset(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return `+${text || '0m'}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a scenario. `clusterIds` are the clusters of the configuration the drill runs against (a step
 * naming another cluster is an error, not a silently rejected event).
 * @throws ScenarioError listing every problem, each with its step index and field
 */
export function parseScenario(raw: unknown, source: string, clusterIds: readonly string[], check?: StepCheck): Scenario {
  const problems: string[] = [];
  if (!isRecord(raw)) throw new ScenarioError(source, ['(root): must be a JSON object { "name", "description", "steps": [...] }']);
  for (const key of Object.keys(raw)) {
    if (!['name', 'description', 'steps', '$schema'].includes(key)) problems.push(`(root).${key}: unknown key; expected "name", "description", "steps"`);
  }
  if (typeof raw.name !== 'string' || raw.name.length === 0) problems.push('name: is required (a non-empty string)');
  if (raw.description !== undefined && typeof raw.description !== 'string') problems.push('description: must be a string');
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
    problems.push('steps: is required (a non-empty array of steps)');
    throw new ScenarioError(source, problems);
  }

  const steps: ScenarioStep[] = [];
  let previousAt = 0;
  raw.steps.forEach((rawStep: unknown, index: number) => {
    const where = `steps[${index}]`;
    const problem = (field: string, message: string): void => {
      problems.push(`${where}${field ? `.${field}` : ''}: ${message}`);
    };
    if (!isRecord(rawStep)) return problem('', 'must be an object { "at": "+0m", <one action> }');
    const at = parseOffset(rawStep.at);
    if (at === undefined) {
      problem('at', `must be a sim-time offset like "+0m", "+90s" or "+1h30m", got: ${JSON.stringify(rawStep.at)}`);
    } else if (at < previousAt) {
      problem('at', `${JSON.stringify(rawStep.at)} is earlier than the previous step (${formatOffset(previousAt)}); the simulated clock never goes back (use trigger.stateAt to deliver an older event)`);
    }
    const actions = ACTION_KEYS.filter((k) => rawStep[k] !== undefined);
    const unknown = Object.keys(rawStep).filter((k) => !['at', 'comment', 'rejected'].includes(k) && !(ACTION_KEYS as readonly string[]).includes(k));
    for (const k of unknown) problem(k, `unknown key; a step has "at" and one of ${ACTION_KEYS.join(', ')} (and "rejected" on a delivering step)`);
    if (actions.length !== 1) {
      return problem('', actions.length === 0 ? `needs one action: ${ACTION_KEYS.join(', ')}` : `has ${actions.join(' and ')}; a step takes exactly one action`);
    }
    let rejected: string | undefined;
    if (rawStep.rejected !== undefined) {
      if (!(DELIVERY_KEYS as readonly string[]).includes(actions[0])) problem('rejected', `only a step that delivers something (${DELIVERY_KEYS.join(', ')}) can expect a rejection; remove "rejected"`);
      else if (typeof rawStep.rejected !== 'string' || !/^[A-Z_]+$/.test(rawStep.rejected)) problem('rejected', `must be the rejection code the engine gives, like "IGNORED_FINDING", got: ${JSON.stringify(rawStep.rejected)}`);
      else rejected = rawStep.rejected;
    }
    const base = { index, at: at ?? previousAt, atText: typeof rawStep.at === 'string' ? rawStep.at : formatOffset(at ?? 0), ...(rejected ? { rejected } : {}) };
    previousAt = at ?? previousAt;
    const action = parseAction(actions[0], rawStep[actions[0]], index, steps, clusterIds, problem);
    if (!action) return undefined;
    const step = { ...base, ...action } as ScenarioStep;
    steps.push(step);
    for (const [field, message] of check?.(step) ?? []) problem(field, message);
    return undefined;
  });
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return { name: raw.name as string, description: (raw.description as string | undefined) ?? '', steps, source };
}

function parseAction(
  key: (typeof ACTION_KEYS)[number],
  value: unknown,
  index: number,
  earlier: readonly ScenarioStep[],
  clusterIds: readonly string[],
  problem: (field: string, message: string) => void,
): StepAction | undefined {
  const before = problemsCounter(problem);
  const cluster = (field: string, v: unknown): string | undefined => {
    if (typeof v !== 'string' || !clusterIds.includes(v)) {
      before.report(field, `must be a cluster id of the configuration (${clusterIds.join(', ')}), got: ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };
  const onlyKeys = (field: string, obj: Record<string, unknown>, allowed: readonly string[]) => {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) before.report(`${field}.${k}`, `unknown key; allowed: ${allowed.join(', ')}`);
  };
  switch (key) {
    case 'trigger': {
      if (!isRecord(value)) return void before.report('trigger', 'must be an object { "cluster", "kind", "state" }');
      onlyKeys('trigger', value, ['cluster', 'kind', 'state', 'stateAt']);
      const c = cluster('trigger.cluster', value.cluster);
      if (!TRIGGER_KINDS.includes(value.kind as TriggerKind)) before.report('trigger.kind', `must be one of ${TRIGGER_KINDS.join(', ')}, got: ${JSON.stringify(value.kind)}`);
      const state = value.state ?? (value.kind === 'compromise' ? 'ALARM' : undefined);
      if (state !== 'ALARM' && state !== 'OK' && state !== 'INSUFFICIENT_DATA') before.report('trigger.state', `must be "ALARM", "OK" or "INSUFFICIENT_DATA", got: ${JSON.stringify(value.state)}`);
      if (value.kind === 'compromise' && state !== 'ALARM') before.report('trigger.state', `a compromise (GuardDuty finding) is only "ALARM", got: ${JSON.stringify(state)}; only an operator restore clears it`);
      let stateAt: number | undefined;
      if (value.stateAt !== undefined) {
        stateAt = parseOffset(value.stateAt);
        if (stateAt === undefined) before.report('trigger.stateAt', `must be a sim-time offset like "+2m", got: ${JSON.stringify(value.stateAt)}`);
      }
      if (before.failed()) return undefined;
      return { kind: 'trigger', trigger: { cluster: c!, kind: value.kind as TriggerKind, state: state as TriggerAction['state'], stateAt } };
    }
    case 'event':
      if (!isRecord(value) || typeof value.source !== 'string') return void before.report('event', 'must be a raw EventBridge event (an object with "id", "source", "detail-type", "detail")');
      return { kind: 'event', event: value };
    case 'reconcile':
      if (value !== true) return void before.report('reconcile', 'must be true');
      return { kind: 'reconcile' };
    case 'duplicateLast':
      if (value !== true) return void before.report('duplicateLast', 'must be true');
      if (!earlier.some(isDelivery)) return void before.report('duplicateLast', 'there is no earlier event step to deliver again');
      return { kind: 'duplicateLast' };
    case 'replay': {
      const target = earlier.find((s) => s.index === value);
      if (typeof value !== 'number' || !Number.isInteger(value) || value >= index) {
        return void before.report('replay', `must be the index of an earlier step, got: ${JSON.stringify(value)}`);
      }
      if (!target || !isDelivery(target)) return void before.report('replay', `step ${value} is not an event step (trigger, event, reconcile or operator), so it cannot be delivered again`);
      return { kind: 'replay', replay: value };
    }
    case 'operator': {
      if (!isRecord(value)) return void before.report('operator', 'must be an object { "command", "cluster", "reason" }');
      onlyKeys('operator', value, ['command', 'cluster', 'pin', 'reason', 'force', 'for']);
      const command = value.command as OperatorCommand;
      if (!OPERATOR_COMMANDS.includes(command)) before.report('operator.command', `must be one of ${OPERATOR_COMMANDS.join(', ')}, got: ${JSON.stringify(value.command)}`);
      const needsCluster = command !== 'pause' && command !== 'resume';
      let c: string | undefined;
      if (needsCluster) c = cluster('operator.cluster', value.cluster);
      else if (value.cluster !== undefined) before.report('operator.cluster', `${command} applies to every cluster; remove "cluster"`);
      if (command === 'pin' && value.pin !== 'in-service' && value.pin !== 'isolated') before.report('operator.pin', `must be "in-service" or "isolated", got: ${JSON.stringify(value.pin)}`);
      if (command !== 'pin' && value.pin !== undefined) before.report('operator.pin', 'only the pin command takes a pin');
      if (typeof value.reason !== 'string' || value.reason.trim().length === 0) before.report('operator.reason', 'is required: every operator command is recorded and notified with its reason');
      if (value.force !== undefined && typeof value.force !== 'boolean') before.report('operator.force', 'must be true or false');
      let pinFor: number | undefined;
      if (value.for !== undefined) {
        pinFor = parseOffset(value.for);
        if (command !== 'pin') before.report('operator.for', 'only the pin command takes "for" (how long the pin holds); remove it');
        else if (pinFor === undefined || pinFor === 0) before.report('operator.for', `must be a duration like "30m" or "4h", got: ${JSON.stringify(value.for)}`);
      }
      if (before.failed()) return undefined;
      return {
        kind: 'operator',
        operator: { command, cluster: c, pin: value.pin as OperatorAction['pin'], reason: value.reason as string, force: value.force as boolean | undefined, ...(pinFor ? { for: pinFor } : {}) },
      };
    }
    case 'fault': {
      if (!isRecord(value)) return void before.report('fault', 'must be an object { "api": "CreateNetworkAclEntry", "times": 1 }');
      onlyKeys('fault', value, ['api', 'times', 'after']);
      if (typeof value.api !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(value.api)) before.report('fault.api', `must be an AWS API name like "CreateNetworkAclEntry", got: ${JSON.stringify(value.api)}`);
      const times = value.times ?? 1;
      const after = value.after ?? 0;
      if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) before.report('fault.times', `must be a whole number >= 1, got: ${JSON.stringify(value.times)}`);
      if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) before.report('fault.after', `must be a whole number >= 0, got: ${JSON.stringify(value.after)}`);
      if (before.failed()) return undefined;
      return { kind: 'fault', fault: { api: value.api as string, times: times as number, after: after as number } };
    }
    case 'expect':
      return parseExpectation(value, cluster, onlyKeys, before);
  }
}

function parseExpectation(
  value: unknown,
  cluster: (field: string, v: unknown) => string | undefined,
  onlyKeys: (field: string, obj: Record<string, unknown>, allowed: readonly string[]) => void,
  p: ReturnType<typeof problemsCounter>,
): StepAction | undefined {
  if (!isRecord(value)) {
    return void p.report('expect', 'must be { "cluster", "state"?, "weight"?, "servingPercent"? }, { "noChange": true }, { "outcome": "..." }, { "effect": "..." } or { "noEffect": "..." }');
  }
  if (value.effect !== undefined || value.noEffect !== undefined) return parseEffectExpectation(value, cluster, onlyKeys, p);
  if (value.noChange !== undefined) {
    onlyKeys('expect', value, ['noChange']);
    if (value.noChange !== true) p.report('expect.noChange', 'must be true');
    return p.failed() ? undefined : { kind: 'expect', expect: { type: 'noChange' } };
  }
  if (value.outcome !== undefined) {
    onlyKeys('expect', value, ['outcome', 'reasonContains']);
    if (typeof value.outcome !== 'string' || !/^[A-Z_]+$/.test(value.outcome)) p.report('expect.outcome', `must be a decision outcome like "ISOLATION_REFUSED", got: ${JSON.stringify(value.outcome)}`);
    if (value.reasonContains !== undefined && typeof value.reasonContains !== 'string') p.report('expect.reasonContains', 'must be a string');
    return p.failed() ? undefined : { kind: 'expect', expect: { type: 'outcome', outcome: value.outcome as string, reasonContains: value.reasonContains as string | undefined } };
  }
  onlyKeys('expect', value, ['cluster', 'state', 'weight', 'servingPercent', 'pin', 'isolationRecorded']);
  const c = cluster('expect.cluster', value.cluster);
  const statuses: readonly string[] = Object.values(ClusterStatus);
  if (value.state !== undefined && !statuses.includes(value.state as string)) p.report('expect.state', `must be one of ${statuses.join(', ')}, got: ${JSON.stringify(value.state)}`);
  for (const [field, max] of [['weight', 255], ['servingPercent', 100]] as const) {
    const v = value[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)) p.report(`expect.${field}`, `must be a whole number from 0 to ${max}, got: ${JSON.stringify(v)}`);
  }
  if (value.pin !== undefined && !['in-service', 'isolated', 'none'].includes(value.pin as string)) p.report('expect.pin', `must be "in-service", "isolated" or "none", got: ${JSON.stringify(value.pin)}`);
  if (value.isolationRecorded !== undefined && value.isolationRecorded !== true) p.report('expect.isolationRecorded', 'must be true');
  if (
    value.state === undefined &&
    value.weight === undefined &&
    value.servingPercent === undefined &&
    value.pin === undefined &&
    value.isolationRecorded === undefined
  ) {
    p.report('expect', 'names a cluster but nothing to check: add "state", "weight", "servingPercent", "pin" or "isolationRecorded"');
  }
  if (p.failed()) return undefined;
  return {
    kind: 'expect',
    expect: {
      type: 'cluster',
      cluster: c!,
      state: value.state as ClusterStatus | undefined,
      weight: value.weight as number | undefined,
      servingPercent: value.servingPercent as number | undefined,
      pin: value.pin as 'in-service' | 'isolated' | 'none' | undefined,
      isolationRecorded: value.isolationRecorded as boolean | undefined,
    },
  };
}

/** `{ "effect": "CUT_BP_PATH", ... }` or `{ "noEffect": "UNDO_ISOLATION", ... }`. */
function parseEffectExpectation(
  value: Record<string, unknown>,
  cluster: (field: string, v: unknown) => string | undefined,
  onlyKeys: (field: string, obj: Record<string, unknown>, allowed: readonly string[]) => void,
  p: ReturnType<typeof problemsCounter>,
): StepAction | undefined {
  const negative = value.noEffect !== undefined;
  const key = negative ? 'noEffect' : 'effect';
  if (value.effect !== undefined && value.noEffect !== undefined) return void p.report('expect', 'has "effect" and "noEffect"; an expectation checks one of them (use two steps)');
  onlyKeys('expect', value, negative ? ['noEffect', 'cluster', 'subjectContains'] : ['effect', 'cluster', 'first', 'subjectContains', 'messageContains', 'severity', 'weight']);
  const type = value[key];
  if (!(EFFECT_TYPES as readonly unknown[]).includes(type)) p.report(`expect.${key}`, `must be an effect type: ${EFFECT_TYPES.join(', ')}, got: ${JSON.stringify(type)}`);
  const c = value.cluster === undefined ? undefined : cluster('expect.cluster', value.cluster);
  for (const field of ['subjectContains', 'messageContains'] as const) {
    if (value[field] === undefined) continue;
    if (typeof value[field] !== 'string' || value[field] === '') p.report(`expect.${field}`, 'must be a non-empty string');
    else if (type !== 'NOTIFY') p.report(`expect.${field}`, `only a NOTIFY has a subject and message; remove it or expect "NOTIFY"`);
  }
  if (value.severity !== undefined) {
    if (!['INFO', 'WARNING', 'CRITICAL'].includes(value.severity as string)) p.report('expect.severity', `must be "INFO", "WARNING" or "CRITICAL", got: ${JSON.stringify(value.severity)}`);
    else if (type !== 'NOTIFY') p.report('expect.severity', 'only a NOTIFY has a severity; remove it or expect "NOTIFY"');
  }
  if (value.first !== undefined && value.first !== true) p.report('expect.first', 'must be true');
  if (value.weight !== undefined) {
    const w = value.weight;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 255) p.report('expect.weight', `must be a whole number from 0 to 255, got: ${JSON.stringify(w)}`);
    else if (type !== 'SET_DNS_WEIGHTS' || value.cluster === undefined) p.report('expect.weight', 'only a SET_DNS_WEIGHTS expectation with a "cluster" checks a weight');
  }
  if (p.failed()) return undefined;
  const effect = type as Effect['type'];
  if (negative) {
    return { kind: 'expect', expect: { type: 'noEffect', effect, ...(c ? { cluster: c } : {}), ...(value.subjectContains ? { subjectContains: value.subjectContains as string } : {}) } };
  }
  return {
    kind: 'expect',
    expect: {
      type: 'effect',
      effect,
      ...(c ? { cluster: c } : {}),
      ...(value.first ? { first: true } : {}),
      ...(value.subjectContains ? { subjectContains: value.subjectContains as string } : {}),
      ...(value.messageContains ? { messageContains: value.messageContains as string } : {}),
      ...(value.severity ? { severity: value.severity as 'INFO' | 'WARNING' | 'CRITICAL' } : {}),
      ...(value.weight !== undefined ? { weight: value.weight as number } : {}),
    },
  };
}

/** Steps that deliver something to the engine (and can be delivered again). */
export function isDelivery(step: ScenarioStep): boolean {
  return step.kind === 'trigger' || step.kind === 'event' || step.kind === 'reconcile' || step.kind === 'operator';
}

/** Counts the problems one step reports, so an action is only built when its fields are all valid. */
function problemsCounter(problem: (field: string, message: string) => void) {
  let n = 0;
  return {
    report: (field: string, message: string) => {
      n++;
      problem(field, message);
    },
    failed: () => n > 0,
  };
}
