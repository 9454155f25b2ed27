/** Who is at the keyboard, and how long a pin holds, for the operator events the CLI sends (the event itself: lambdas/events/operator.ts). */
import * as os from 'os';
import { SeedshieldError } from '../lambdas/errors';

/** Who is at the keyboard: `$SEEDSHIELD_OPERATOR`, else the OS user. */
export function currentOperator(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEEDSHIELD_OPERATOR) return env.SEEDSHIELD_OPERATOR;
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? 'unknown-operator';
  }
}

/** A bad `--for` / `--until`: the message names the flag and the fix. */
export class PinExpiryError extends SeedshieldError {
  readonly code: string = 'PIN_EXPIRY';
}

const UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 24 * 60 };

/**
 * When a pin expires, from `--for DURATION` (`90m`, `4h`, `2d`) or `--until TIME` (ISO 8601 with a zone, e.g.
 * `2026-12-02T08:00Z`), checked against the policy's maximum. The core checks the same limits again.
 * @returns epoch ms, or undefined when neither is given (the core applies pinDefaultMinutes)
 * @throws PinExpiryError naming the flag
 */
export function pinExpiry(opts: { readonly for?: string; readonly until?: string }, maxMinutes: number, now: number): number | undefined {
  if (opts.for !== undefined && opts.until !== undefined) throw new PinExpiryError('give either --for or --until, not both');
  let until: number | undefined;
  if (opts.for !== undefined) {
    const m = /^(\d+)([mhd])$/.exec(opts.for.trim());
    if (!m || Number(m[1]) === 0) throw new PinExpiryError(`--for must be a positive duration like 90m, 4h or 2d, got: ${JSON.stringify(opts.for)}`);
    until = now + Number(m[1]) * UNIT_MINUTES[m[2]] * 60_000;
  } else if (opts.until !== undefined) {
    // A zone is required: a pin that ends at a different hour depending on the laptop's timezone is a trap.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(opts.until.trim())) {
      throw new PinExpiryError(`--until must be an ISO 8601 time with a zone like 2026-12-02T08:00Z, got: ${JSON.stringify(opts.until)}`);
    }
    until = Date.parse(opts.until.trim());
    if (!Number.isFinite(until)) throw new PinExpiryError(`--until is not a valid time: ${JSON.stringify(opts.until)}`);
    if (until <= now) throw new PinExpiryError(`--until must be in the future, got: ${opts.until} (now is ${new Date(now).toISOString()})`);
  } else {
    return undefined;
  }
  if (until - now > maxMinutes * 60_000) {
    const flag = opts.for !== undefined ? '--for' : '--until';
    throw new PinExpiryError(`${flag} is longer than controlPlane.pins.maxHours (${maxMinutes / 60} h); give a shorter pin, or raise the maximum in the configuration`);
  }
  return until;
}
