/**
 * One message format for every input parsed at a boundary (EventBridge deliveries, custom resource requests and
 * properties): the field by its path, the rule it breaks and the value received, e.g.
 * `detail.severity must be a number, got: "HIGH"`. The schemas give the rule (`z.number('must be a number')`).
 */
import type * as z from '../zod';

/**
 * The first issue of a failed parse of `input`, as `<path> <rule>, got: <value>`.
 * @param prefix path of `input` inside what the reader knows (`['detail']` for an event's detail)
 * @param root what to call `input` itself when the issue is about it as a whole
 */
export function fieldProblem(error: z.core.$ZodError, input: unknown, prefix: readonly PropertyKey[] = [], root = '(event)'): string {
  const issue = error.issues[0];
  const path = [...prefix, ...issue.path];
  const at = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  const got = issue.path.reduce<unknown>((v, p) => (typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined), input);
  return `${at || root} ${issue.message}, got: ${JSON.stringify(got) ?? 'nothing'}`;
}
