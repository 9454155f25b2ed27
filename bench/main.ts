/**
 * `npm run bench`: measures synth, the Lambda bundles, the decision core, the engine end to end against moto
 * and the drill, and writes BENCHMARKS.md (figures from this one run, never edited by hand).
 *
 * Robustness: every child process has a timeout; temp dirs are removed and moto is stopped on exit, on
 * error and on SIGINT/SIGTERM. A section that fails is reported as failed; the others still run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { benchChainHealth } from './chain-health';
import { benchCore } from './core';
import { benchDrill } from './drill';
import { benchEndToEnd } from './e2e';
import { benchLambdas } from './lambdas';
import { machineInfo } from './machine';
import { cleanUp, REPO_ROOT } from './process';
import { renderReport, Section } from './report';
import { benchSynth } from './synth';

const OUTPUT = path.join(REPO_ROOT, 'BENCHMARKS.md');

const log = (msg: string) => process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)}s] ${msg}\n`);

async function section(title: string, run: () => Section | Promise<Section>): Promise<Section> {
  log(`${title}...`);
  try {
    return await run();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    log(`${title} FAILED: ${message}`);
    return {
      title,
      method: ['The section failed; see the reason below.'],
      rows: [{ metric: 'section ran', measured: 'failed', target: 'runs', met: false }],
      misses: [{ what: 'the section did not run to the end', reason: message.split('\n').slice(0, 3).join(' '), fix: 'fix the cause and re-run `npm run bench`.' }],
    };
  }
}

async function main(): Promise<void> {
  const machine = machineInfo();
  log(`${machine.cpuModel}, ${machine.cores} cores, Node.js ${machine.node}, load ${machine.loadAverage1m}`);
  const started = performance.now();
  const sections: Section[] = [];
  // Cheap, in-process sections first; the process-spawning ones after.
  sections.push(await section('Decision core', () => benchCore(log)));
  sections.push(await section('Time to drain (chain health)', () => benchChainHealth(log)));
  sections.push(await section('Remediation engine end to end (moto)', () => benchEndToEnd(log)));
  sections.push(await section('Lambda bundles', () => benchLambdas(log)));
  sections.push(await section('CDK synth', () => benchSynth(log)));
  sections.push(await section('Drill', () => benchDrill(log)));
  // The report reads best with synth first, as the issue lists it.
  const order = ['CDK synth', 'Lambda bundles', 'Decision core', 'Time to drain (chain health)', 'Remediation engine end to end (moto)', 'Drill'];
  sections.sort((a, b) => order.indexOf(a.title) - order.indexOf(b.title));
  fs.writeFileSync(OUTPUT, renderReport(machine, sections, performance.now() - started));
  const missed = sections.flatMap((s) => s.misses);
  log(`wrote ${path.relative(process.cwd(), OUTPUT)} (${missed.length} missed target${missed.length === 1 ? '' : 's'}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
