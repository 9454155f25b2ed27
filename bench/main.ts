/**
 * `npm run bench`: measures synth, the Lambda bundles, the decision core, the engine end to end against moto
 * and the drill, and writes BENCHMARKS.md (figures from this one run, never edited by hand).
 *
 * Robustness: every child process has a timeout; temp dirs are removed and moto is stopped on exit, on
 * error and on SIGINT/SIGTERM. A section that fails is reported as failed; the others still run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { benchChainHealth } from './chain-health';
import { benchCore } from './core';
import { benchDrill } from './drill';
import { benchEndToEnd } from './e2e';
import { BenchError } from './errors';
import { benchLambdas } from './lambdas';
import { machineInfo } from './machine';
import { cleanUp, REPO_ROOT } from './process';
import { renderReport, Section } from './report';
import { benchSynth } from './synth';
import { benchTimeToCut, type TimeToCutFigures } from './time-to-cut';
import { benchTimeToMitigation } from './time-to-mitigation';

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

/** The report reads best with synth first, as the issue lists it; sections run in a cheaper order (below). */
const ORDER = [
  'CDK synth',
  'Lambda bundles',
  'Decision core',
  'Time to drain (chain health)',
  'Remediation engine end to end (moto)',
  'Time to cut',
  'Time to mitigation',
  'Drill',
];

/**
 * `npm run bench` runs every section and writes BENCHMARKS.md. `npm run bench -- --only <text>` runs the
 * sections whose title contains <text> (case-insensitive; repeatable) and prints their report to stdout,
 * leaving BENCHMARKS.md alone: its figures always come from one whole run.
 */
function parseArgs(argv: readonly string[]): { only: string[] } {
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only' && argv[i + 1] !== undefined) only.push(argv[++i].toLowerCase());
    else throw new BenchError(`unknown argument: ${argv[i]}. Usage: npm run bench [-- --only <section title text> ...]`);
  }
  return { only };
}

async function main(): Promise<void> {
  const { only } = parseArgs(process.argv.slice(2));
  const wanted = (title: string) => only.length === 0 || only.some((o) => title.toLowerCase().includes(o));
  if (!ORDER.some(wanted)) throw new BenchError(`--only ${only.join(', ')} matches no section; sections: ${ORDER.join(', ')}`);
  const machine = machineInfo();
  log(`${machine.cpuModel}, ${machine.cores} cores, Node.js ${machine.node}, load ${machine.loadAverage1m}`);
  const started = performance.now();
  const sections: Section[] = [];
  const add = async (title: string, run: () => Section | Promise<Section>) => {
    if (wanted(title)) sections.push(await section(title, run));
  };
  // Cheap, in-process sections first; the process-spawning ones after.
  await add('Decision core', () => benchCore(log));
  await add('Time to drain (chain health)', () => benchChainHealth(log));
  await add('Remediation engine end to end (moto)', () => benchEndToEnd(log));
  let cut: TimeToCutFigures | undefined;
  await add('Time to cut', async () => {
    const measured = await benchTimeToCut(log);
    cut = measured.figures;
    return measured.section;
  });
  // The budget reads the control plane's figures from Time to cut (n/a when that did not run).
  await add('Time to mitigation', () => benchTimeToMitigation(cut));
  await add('Lambda bundles', () => benchLambdas(log));
  await add('CDK synth', () => benchSynth(log));
  await add('Drill', () => benchDrill(log));
  sections.sort((a, b) => ORDER.indexOf(a.title) - ORDER.indexOf(b.title));
  const report = renderReport(machine, sections, performance.now() - started, Math.round(os.loadavg()[0] * 100) / 100);
  const missed = sections.flatMap((s) => s.misses);
  const summary = `${missed.length} missed target${missed.length === 1 ? '' : 's'}, ${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (only.length > 0) {
    process.stdout.write(report);
    log(`printed ${sections.length} section${sections.length === 1 ? '' : 's'} (${summary}); BENCHMARKS.md left as it is`);
    return;
  }
  fs.writeFileSync(OUTPUT, report);
  log(`wrote ${path.relative(process.cwd(), OUTPUT)} (${summary})`);
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
