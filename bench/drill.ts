/** The drill's total wall time: one spawned `npm run drill`, when the project has a drill script. */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runProcess } from './process';
import { Section } from './report';
import { formatMs } from './stats';

/** Generous: on a machine shared with other jobs the drill takes several times its idle ~20 s. */
const DRILL_TIMEOUT_MS = 300_000;

/** Runs the drill section and returns it. */
export async function benchDrill(log: (msg: string) => void): Promise<Section> {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.drill;
  const title = 'Drill';
  if (!script) {
    log('drill: not measured (no drill script)');
    return { title, method: ['not measured: the drill is not there yet (package.json has no `drill` script).'], rows: [{ metric: '`npm run drill` wall time', measured: 'not measured: the drill is not there yet' }], misses: [] };
  }
  const r = await runProcess('npm', ['run', '--silent', 'drill'], { timeoutMs: DRILL_TIMEOUT_MS });
  const status = r.timedOut ? `timed out after ${formatMs(DRILL_TIMEOUT_MS)}` : r.code === 0 ? 'passed' : `exited ${r.code ?? r.signal}`;
  log(`drill: ${formatMs(r.wallMs)} (${status})`);
  return {
    title,
    method: [`One \`npm run drill\` (\`${script}\`) spawned from the repo root, wall time from spawn to exit, one run, timeout ${formatMs(DRILL_TIMEOUT_MS)}.`],
    rows: [
      { metric: '`npm run drill` wall time', measured: formatMs(r.wallMs) },
      { metric: '`npm run drill` outcome', measured: status, target: 'passes', met: !r.timedOut && r.code === 0 },
    ],
    extra: r.code === 0 && !r.timedOut ? [] : [`Last lines of its output:\n\n\`\`\`\n${(r.stdout + r.stderr).trim().split('\n').slice(-15).join('\n')}\n\`\`\``],
    misses: r.code === 0 && !r.timedOut ? [] : [{ what: `the drill ${status}`, reason: 'see its output above.', fix: 'fix the drill (owned by drill/), then re-run the bench.' }],
  };
}
