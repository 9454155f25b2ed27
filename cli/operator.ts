/** Who is at the keyboard, for the operator events the CLI sends (the event itself: lambdas/events/operator.ts). */
import * as os from 'os';

/** Who is at the keyboard: `$SEEDSHIELD_OPERATOR`, else the OS user. */
export function currentOperator(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEEDSHIELD_OPERATOR) return env.SEEDSHIELD_OPERATOR;
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? 'unknown-operator';
  }
}
