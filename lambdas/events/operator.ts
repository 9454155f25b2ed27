/**
 * Operator commands as core events: the one place the CLI and the drill turn `pin eu-north in-service
 * --reason ...` into an `OPERATOR` event, so both go through the same engine and the same safety rules.
 *
 * It lives beside the other event builders, below both the CLI and the drill, so neither imports the other
 * for it (the CLI runs the drill; the drill never imports the CLI).
 */
import { randomUUID } from 'crypto';
import { OperatorPin, type OperatorEvent } from '../core/types';
import { BadEventError } from '../errors';

/** Every operator command (the CLI's mutating commands, a drill's `operator` steps). */
export const OPERATOR_COMMANDS = ['isolate', 'restore', 'pin', 'unpin', 'pause', 'resume'] as const satisfies readonly OperatorEvent['command'][];
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];

/** Pin values as operators type them, and the core's pins. */
export const PIN_VALUES: Readonly<Record<string, OperatorPin>> = {
  'in-service': OperatorPin.FORCED_IN_SERVICE,
  isolated: OperatorPin.FORCED_ISOLATED,
};

/** The name an operator types for a core pin (`in-service` | `isolated`): the inverse of {@link PIN_VALUES}. */
export function pinName(pin: OperatorPin): string {
  const name = Object.entries(PIN_VALUES).find(([, value]) => value === pin)?.[0];
  // Unreachable while PIN_VALUES lists every OperatorPin; a new pin without a name must not print as "undefined".
  return name ?? pin;
}

/** What an operator asks for. */
export interface OperatorRequest {
  readonly command: OperatorEvent['command'];
  readonly cluster?: string;
  /** `in-service` | `isolated` (pin only). */
  readonly pin?: string;
  readonly reason: string;
  readonly force?: boolean;
  /** When the pin expires, epoch ms (pin only). @default - the policy's pinDefaultMinutes */
  readonly pinUntil?: number;
  /** Who asks: the CLI's `currentOperator()`, or the drill's fixed name. */
  readonly operator: string;
  /** @default - `operator:<uuid>` */
  readonly id?: string;
}

/** A pin value that is neither `in-service` nor `isolated`. */
export class UnknownPinError extends BadEventError {
  override readonly code: string = 'UNKNOWN_PIN';
  constructor(readonly value: unknown) {
    super(`pin must be "in-service" or "isolated", got: ${JSON.stringify(value)}`);
  }
}

/** Builds the OPERATOR core event (callers validate the cluster against their topology). @throws UnknownPinError */
export function operatorEvent(request: OperatorRequest): OperatorEvent {
  const pin = request.pin === undefined ? undefined : PIN_VALUES[request.pin];
  if (request.command === 'pin' && pin === undefined) throw new UnknownPinError(request.pin);
  return {
    type: 'OPERATOR',
    id: request.id ?? `operator:${randomUUID()}`,
    command: request.command,
    ...(request.cluster !== undefined ? { clusterId: request.cluster } : {}),
    ...(pin !== undefined ? { pin } : {}),
    reason: request.reason,
    ...(request.force ? { force: true } : {}),
    ...(request.pinUntil !== undefined ? { pinUntil: request.pinUntil } : {}),
    operator: request.operator,
  };
}
