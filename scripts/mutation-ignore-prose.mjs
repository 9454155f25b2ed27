/**
 * Stryker ignorer `prose` (stryker.config.json "ignorers"): leaves out mutants of the sentences the core writes
 * for people (decision reasons, pages, guard explanations, error messages). The safety rules live in the
 * logic: which guard refuses, which effects are planned, which status a cluster reaches; the tests pin those,
 * and pin message content only where a message is itself the rule (the guard id in a refusal, the overridden
 * pin named in a page). Mutating every word of every sentence would double the run time (a mutant costs
 * seconds on 2 cores) for mutants that say nothing about safety.
 *
 * Prose is a string literal or template literal with a space in its fixed text, or a `+` of two of them. The
 * SNS `subject` is not prose here: it is what on-call filters on. Identifiers and keys (`rampAbort`,
 * `CUT_BP_PATH`, `guardduty:${id}`, `${event.id}:${n}`) have no space, so they are still mutated.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Whether a node is prose: text for people (see above). */
function isProse(node) {
  if (node === null || node === undefined) return false;
  if (node.type === 'StringLiteral') return /\s/.test(node.value);
  if (node.type === 'TemplateLiteral') return node.quasis.some((q) => /\s/.test(q.value.cooked ?? q.value.raw));
  if (node.type === 'BinaryExpression' && node.operator === '+') return isProse(node.left) && isProse(node.right);
  return false;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'prose', {
    shouldIgnore(path) {
      if (!isProse(path.node)) return undefined;
      const parent = path.parent;
      if (parent?.type === 'ObjectProperty' && parent.key?.type === 'Identifier' && parent.key.name === 'subject') return undefined;
      return 'prose: text for people, not a safety rule (scripts/mutation-ignore-prose.mjs)';
    },
  }),
];
