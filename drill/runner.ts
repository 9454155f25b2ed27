/**
 * The drill runner: plays scenarios through the REAL remediation path (the engine over SDK clients pointing
 * at moto, raw EventBridge events into `handleDelivery`, operator commands into `apply`) on a simulated
 * clock, and checks the scenario's expectations and the global invariants after every step.
 *
 * The parts: drill/harness.ts builds a scenario's world and engine and reads it back, drill/events.ts turns a
 * step into a delivery, drill/expectations.ts checks `expect` steps, drill/invariants.ts holds the rules every
 * step must keep, and drill/timeline.ts is what a run reports. This module only moves the clock and the steps.
 */
import type { SeedshieldConfig } from '../lib/config/schema';
import { deliver, prepareDelivery } from './events';
import { checkExpectation, describeExpectation } from './expectations';
import { clusterViews, openScenarioRun, readSnapshot, type ScenarioRun } from './harness';
import { checkInvariants, trackStep } from './invariants';
import { startMoto, type MotoServer } from './moto';
import type { EngineReport } from '../lambdas/engine';
import type { Scenario, ScenarioStep } from './scenario';
import { actionRecord, type DrillResult, type ScenarioResult, type StepRecord } from './timeline';

export type { ActionRecord, ClusterView, DrillResult, ScenarioResult, StepRecord } from './timeline';

/** Options of {@link runDrill}. */
export interface DrillOptions {
  readonly config: SeedshieldConfig;
  readonly scenarios: readonly Scenario[];
  /**
   * A moto server the drill may reset between scenarios.
   * @default - the drill starts its own moto_server and stops it afterwards
   */
  readonly moto?: MotoServer;
  /** Called after each step (live output). @default - nothing */
  readonly onStep?: (scenario: Scenario, step: StepRecord) => void;
  /** Called before each scenario. @default - nothing */
  readonly onScenario?: (scenario: Scenario, index: number) => void;
}

/**
 * Runs every scenario, each on a freshly built world (moto is reset in between), and reports.
 * Starts and stops moto_server itself unless one is given; stops it also when a scenario throws.
 */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const moto = options.moto ?? (await startMoto());
  const results: ScenarioResult[] = [];
  try {
    for (const [i, scenario] of options.scenarios.entries()) {
      options.onScenario?.(scenario, i);
      await moto.reset();
      results.push(await runScenario(options.config, moto.endpoint, scenario, options.onStep));
    }
  } finally {
    if (!options.moto) await moto.stop();
  }
  return { passed: results.every((r) => r.passed), scenarios: results, wallMs: Date.now() - started };
}

type StepHead = Omit<StepRecord, 'clusters' | 'automationPaused' | 'logs' | 'failures'>;

/** Runs one scenario against a fresh world in the (empty) moto at `endpoint`. */
export async function runScenario(
  config: SeedshieldConfig,
  endpoint: string,
  scenario: Scenario,
  onStep?: (scenario: Scenario, step: StepRecord) => void,
): Promise<ScenarioResult> {
  const started = Date.now();
  const run = await openScenarioRun(config, endpoint);
  const { faults } = run;

  const steps: StepRecord[] = [];
  const failures: string[] = [];
  let snapshot = await readSnapshot(run);
  failures.push(...(await checkInvariants(run, snapshot)).map((p) => `scenario start (the world as built): invariant violated: ${p}`));
  for (const step of scenario.steps) {
    run.simNow = run.t0 + step.at;
    run.logs.length = 0;
    const where = `step ${step.index} (${step.atText})`;
    let record: StepHead;
    const stepFailures: string[] = [];
    try {
      if (step.kind === 'expect') {
        const problems = await checkExpectation(run, step.expect, snapshot);
        stepFailures.push(...problems.map((p) => `${where}: ${p}`));
        record = head(run, step, describeExpectation(step.expect));
        if (problems.length === 0) record = { ...record, checked: describeExpectation(step.expect) };
      } else if (step.kind === 'fault') {
        const f = step.fault;
        faults.arm(f.api, f.times, f.after);
        const which = f.times === 1 ? `the next ${f.api} call fails` : `the next ${f.times} ${f.api} calls fail`;
        const after = f.after ? ` (after ${f.after} ${f.after === 1 ? 'call goes' : 'calls go'} through)` : '';
        record = head(run, step, `arm fault: ${which}${after}`);
      } else {
        const before = snapshot;
        const { delivery, summary } = await prepareDelivery(run, step);
        const firedBefore = faults.fired.length;
        const report = await deliver(run.engine, delivery);
        run.deliveries.set(step.index, delivery);
        run.lastDelivery = delivery;
        snapshot = await readSnapshot(run);
        run.lastAction = { step, report, before, after: snapshot };
        const fired = faults.fired.slice(firedBefore);
        trackStep(run, step, report, snapshot);
        stepFailures.push(...rejectionProblems(step, report).map((p) => `${where}: ${p}`));
        record = {
          ...head(run, step, fired.length > 0 ? `${summary} [injected fault: ${fired.join(', ')}]` : summary),
          eventId: report.eventId,
          outcome: report.outcome,
          reason: report.reason,
          decisions: report.decisions.map((d) => ({ eventId: d.eventId, outcome: d.outcome, reason: d.reason })),
          actions: report.executed.map(actionRecord),
        };
      }
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      stepFailures.push(`${where}: the step threw ${message}`);
      record = head(run, step, `(threw) ${message}`);
    }
    // Expect and fault steps change nothing in AWS or the state: the snapshot read (and the invariants checked)
    // after the last delivery still hold for them, so a violation is reported once, at the step that caused it.
    if (step.kind !== 'expect' && step.kind !== 'fault') {
      if (run.lastAction?.step !== step) snapshot = await readSnapshot(run);
      stepFailures.push(...(await checkInvariants(run, snapshot)).map((p) => `${where}: invariant violated: ${p}`));
    }
    const full: StepRecord = {
      ...record,
      clusters: clusterViews(run, snapshot),
      automationPaused: snapshot.state.global.automationPaused,
      logs: [...run.logs],
      failures: stepFailures,
    };
    steps.push(full);
    failures.push(...stepFailures);
    onStep?.(scenario, full);
    if (stepFailures.some((f) => f.includes(': the step threw '))) break;
  }
  const pending = faults.pending();
  if (pending.length > 0) failures.push(`scenario end: armed fault(s) never fired: ${pending.map((p) => `${p.api} x${p.remaining}`).join(', ')}`);
  faults.destroy();
  return {
    name: scenario.name,
    description: scenario.description,
    source: scenario.source,
    passed: failures.length === 0,
    steps,
    failures,
    wallMs: Date.now() - started,
  };
}

/**
 * A delivery the engine rejected changed nothing, so a scenario that goes on as if it had been seen tests
 * nothing: the step fails unless it says the rejection is what it expects (`"rejected": "<code>"`).
 */
export function rejectionProblems(step: ScenarioStep, report: EngineReport): string[] {
  const rejection = report.rejection;
  if (step.rejected === undefined) {
    return rejection
      ? [`the engine rejected the event (${rejection.message}); fix the event, or add "rejected": "${rejection.code}" to the step if the rejection is what the scenario tests`]
      : [];
  }
  if (!rejection) return [`expected the engine to reject the event with ${step.rejected}, but it accepted it (outcome ${report.outcome}); remove "rejected" or fix the event`];
  if (rejection.code !== step.rejected) return [`expected the engine to reject the event with ${step.rejected}, but it rejected it with ${rejection.message}`];
  return [];
}

function head(run: ScenarioRun, step: ScenarioStep, summary: string): StepHead {
  return { index: step.index, at: step.atText, simTime: new Date(run.simNow).toISOString(), kind: step.kind, summary };
}
