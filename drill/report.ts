/**
 * Renders the drill's timeline for people: sim time, what happened, the decision and why, the actions, and
 * every cluster's weight as moto's Route 53 serves it.
 */
import type { OperatorPin } from '../lambdas/core/types';
import { pinName } from '../lambdas/events/operator';
import type { DrillResult, ScenarioResult, StepRecord } from './timeline';
import type { Scenario } from './scenario';

/** Header line of a scenario. */
export function renderScenarioHeader(scenario: Scenario, index: number, total: number): string {
  return `\n=== scenario ${index + 1}/${total}: ${scenario.name}${scenario.description ? `\n    ${scenario.description}` : ''}`;
}

/** The lines of one step. */
export function renderStep(step: StepRecord): string {
  const time = step.simTime.slice(11, 19);
  const head = `  ${step.at.padEnd(7)} ${time}  #${String(step.index).padEnd(2)} ${step.summary}`;
  const lines = [head];
  const pad = ' '.repeat(20);
  if (step.outcome) lines.push(`${pad}-> ${step.outcome}: ${step.reason}`);
  for (const d of (step.decisions ?? []).slice(1)) lines.push(`${pad}   then ${d.outcome}: ${d.reason}`);
  if (step.actions && step.actions.length > 0) {
    for (const a of step.actions) lines.push(`${pad}   ${a.ok ? 'done  ' : 'FAILED'} ${a.summary}${a.error ? ` -- ${a.error}` : ''}`);
  }
  if (step.kind !== 'expect' && step.kind !== 'fault') {
    const weights = Object.entries(step.clusters)
      .map(([id, c]) => `${id}=${c.weight ?? '-'}${c.status === 'IN_SERVICE' ? '' : ` (${c.status}${c.status === 'RESTORING' ? ` ${c.servingPercent}%` : ''})`}${c.pin ? ` [pin ${pinName(c.pin as OperatorPin)}]` : ''}`)
      .join('  ');
    lines.push(`${pad}   weights: ${weights}${step.automationPaused ? '  [automation PAUSED]' : ''}`);
  }
  if (step.checked) lines.push(`${pad}   ok`);
  for (const f of step.failures) lines.push(`${pad}   FAIL ${f}`);
  return lines.join('\n');
}

/** One scenario's verdict line. */
export function renderScenarioVerdict(result: ScenarioResult): string {
  const lines = [`  => ${result.passed ? 'PASS' : 'FAIL'} ${result.name} (${result.steps.length} step${result.steps.length === 1 ? '' : 's'}, ${(result.wallMs / 1000).toFixed(1)} s)`];
  for (const f of result.failures) lines.push(`     - ${f}`);
  return lines.join('\n');
}

/** The final verdict of a drill run. */
export function renderVerdict(result: DrillResult): string {
  const failed = result.scenarios.filter((s) => !s.passed);
  const steps = result.scenarios.reduce((n, s) => n + s.steps.length, 0);
  const lines = [
    '',
    `verdict: ${result.passed ? 'PASS' : 'FAIL'}: ${result.scenarios.length - failed.length}/${result.scenarios.length} scenarios passed, ${steps} steps, ${(result.wallMs / 1000).toFixed(1)} s`,
  ];
  for (const s of failed) {
    lines.push(`  ${s.name}:`);
    for (const f of s.failures) lines.push(`    - ${f}`);
  }
  return lines.join('\n');
}
