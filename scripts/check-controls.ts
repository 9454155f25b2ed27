/**
 * `npm run check:controls [-- -c CONFIG]`: AWS Control Tower's proactive controls (cfn-guard rules) over the
 * app's templates, built from the config exactly as `npm run synth` builds them. Every finding must be fixed
 * or acknowledged on its resource with a reason (lib/control-tower.ts).
 *
 * Exit 0: no unacknowledged finding. 1: findings (each printed with the rule, the resource and the fix), or
 * the rules could not run. 2: bad arguments or config.
 *
 * A step of its own (CI runs it after `npm run synth`): registered on every synth, the rules nearly doubled it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildSeedshieldApp } from '../lib/app';
import { ConfigError, loadConfig } from '../lib/config/load';
import { checkControls, ControlFinding } from '../lib/control-tower';

const ROOT = path.join(__dirname, '..');
const USAGE = 'usage: npm run check:controls [-- -c CONFIG]   (default seedshield.config.json)';

/** Runs the check; returns the exit status. */
function main(args: string[]): number {
  let configPath = 'seedshield.config.json';
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '-c' || args[i] === '--config') && args[i + 1] !== undefined) configPath = args[++i];
    else if (args[i] === '-h' || args[i] === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`check:controls: unknown argument '${args[i]}'\n${USAGE}\n`);
      return 2;
    }
  }
  let config;
  try {
    config = loadConfig(configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // The same feature flags as `cdk synth` (cdk.json), so the templates checked are the templates deployed.
  const context = (JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const started = Date.now();
  // cdk-nag and CloudFormation's own schema check already ran in `npm run synth`: only the Control Tower rules here.
  process.env.CDK_VALIDATION = 'false';
  // Its own output directory: cdk.out stays what `npm run synth` wrote (lint:cfn and deploy read it).
  const outdir = path.join(ROOT, 'cdk.out.controls');
  fs.rmSync(outdir, { recursive: true, force: true });
  const report = checkControls((app) => buildSeedshieldApp(app, config, { nag: false }), { context, outdir });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  if (report.pluginError) {
    process.stderr.write(`check:controls: the Control Tower rules did not run: ${report.pluginError}\n`);
    return 1;
  }
  for (const f of report.unsuppressed) process.stderr.write(formatFinding(f));
  const byRule = new Map<string, number>();
  for (const f of report.suppressed) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const acknowledged = [...byRule].map(([rule, n]) => `${rule} x${n}`).join(', ');
  const summary =
    `check:controls: ${report.rulesRun} Control Tower rules over ${report.templates} templates in ${seconds} s: ` +
    `${report.unsuppressed.length} unacknowledged finding(s), ${report.suppressed.length} acknowledged with a reason` +
    (acknowledged ? ` (${acknowledged})` : '') +
    `; full report: ${path.relative(process.cwd(), report.reportPath) || report.reportPath}\n`;
  (report.unsuppressed.length > 0 ? process.stderr : process.stdout).write(summary);
  return report.unsuppressed.length > 0 ? 1 : 0;
}

/** One unacknowledged finding, as the operator needs it: rule, resource, what the control wants. */
function formatFinding(f: ControlFinding): string {
  return `FAIL ${f.rule} at ${f.constructPath || '(resource not identified)'}\n  ${f.description}\n  fix: ${f.fix ?? '-'}; or acknowledge it there with acknowledgeControl(scope, '${f.rule}', reason)\n`;
}

process.exitCode = main(process.argv.slice(2));
