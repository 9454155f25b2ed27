/**
 * Operator commands as core events: the one place the CLI and the drill turn `pin eu-north in-service
 * --reason ...` into an `OPERATOR` event, so both go through the same engine and the same safety rules.
 */
import { randomUUID } from 'crypto';
import * as os from 'os';
import { OperatorPin, type OperatorEvent } from '../lambdas/core/types';

/** Pin values as operators type them, and the core's pins. */
export const PIN_VALUES: Readonly<Record<string, OperatorPin>> = {
  'in-service': OperatorPin.FORCED_IN_SERVICE,
  isolated: OperatorPin.FORCED_ISOLATED,
};

/** What an operator asks for. */
export interface OperatorRequest {
  readonly command: OperatorEvent['command'];
  readonly cluster?: string;
  /** `in-service` | `isolated` (pin only). */
  readonly pin?: string;
  readonly reason: string;
  readonly force?: boolean;
  /** @default - $SEEDSHIELD_OPERATOR, else the OS user */
  readonly operator?: string;
  /** @default - `operator:<uuid>` */
  readonly id?: string;
}

/** Who is at the keyboard: `$SEEDSHIELD_OPERATOR`, else the OS user. */
export function currentOperator(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEEDSHIELD_OPERATOR) return env.SEEDSHIELD_OPERATOR;
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? 'unknown-operator';
  }
}

/** Builds the OPERATOR core event (callers validate the cluster against their topology). */
export function operatorEvent(request: OperatorRequest): OperatorEvent {
  const pin = request.pin === undefined ? undefined : PIN_VALUES[request.pin];
  if (request.command === 'pin' && pin === undefined) {
    throw new Error(`pin must be "in-service" or "isolated", got: ${JSON.stringify(request.pin)}`);
  }
  return {
    type: 'OPERATOR',
    id: request.id ?? `operator:${randomUUID()}`,
    command: request.command,
    ...(request.cluster !== undefined ? { clusterId: request.cluster } : {}),
    ...(pin !== undefined ? { pin } : {}),
    reason: request.reason,
    ...(request.force ? { force: true } : {}),
    operator: request.operator ?? currentOperator(),
  };
}
