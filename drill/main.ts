/**
 * `npm run drill` (and `seedshield drill`): runs the built-in scenarios (or the given one) against moto.
 *
 *   npm run drill -- [-c seedshield.config.json] [--scenario FILE.json] [--json [FILE]]
 *
 * Exit 0 when every expectation and invariant held, 1 when one failed, 2 on bad arguments or a bad scenario,
 * 3 when moto_server is not installed (said at once, with the command that installs it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROCESS_IO, type CommandIo } from '../lib/command-io';
import { ConfigError, loadConfig, parseJsonText } from '../lib/config/load';
import type { SeedshieldConfig } from '../lib/config/schema';
import { EXIT_MOTO_MISSING, MotoUnavailableError, startMoto, type MotoServer } from './moto';
import { renderScenarioHeader, renderScenarioVerdict, renderStep, renderVerdict } from './report';
import { runDrill } from './runner';
import { SeedshieldError } from '../lambdas/errors';
import { ScenarioError, type Scenario } from './scenario';
import { configClusterIds, parseScenarioFor } from './scenario-checks';
import type { DrillResult } from './timeline';

/** Folder of the built-in scenarios. */
export const BUILT_IN_SCENARIO_DIR = path.join(__dirname, 'scenarios');

export const DRILL_USAGE = `usage: npm run drill -- [options]        (or: npx seedshield drill [options])

Runs drill scenarios through the real remediation engine against a local moto_server, on a simulated clock.

options:
  -c, --config PATH     seedshield configuration (default: seedshield.config.json)
  --scenario FILE.json  run this scenario file instead of the built-in ones (repeatable)
  --json [FILE]         write the timeline as JSON to FILE, or to stdout (the text timeline is then omitted)
  -h, --help            show this help

exit status: 0 every expectation and invariant held; 1 one failed; 2 bad arguments, config or scenario file;
             3 moto_server is not installed`;

/** Reads and validates one scenario file against the deployment `config` describes. @throws ScenarioError */
export function loadScenarioFile(file: string, config: SeedshieldConfig): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, [`(file): cannot be read (${(err as Error).message})`], { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    throw new ScenarioError(file, [`(file): ${(err as Error).message}`], { cause: err });
  }
  return parseScenarioFor(raw, file, config);
}

/** The built-in scenarios, in file-name order. @throws ScenarioError */
export function builtInScenarios(config: SeedshieldConfig): Scenario[] {
  return fs
    .readdirSync(BUILT_IN_SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadScenarioFile(path.join(BUILT_IN_SCENARIO_DIR, f), config));
}

export { configClusterIds };

interface DrillArgs {
  config: string;
  scenarios: string[];
  json?: string | true;
  help?: boolean;
}

/** A bad drill command line: printed with the usage, exit 2. */
class UsageError extends SeedshieldError {
  readonly code: string = 'DRILL_USAGE';
}

function parseDrillArgs(argv: readonly string[]): DrillArgs {
  const args: DrillArgs = { config: 'seedshield.config.json', scenarios: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-c':
      case '--config':
        args.config = value();
        break;
      case '--scenario':
        args.scenarios.push(value());
        break;
      case '--json':
        if (inline !== undefined) args.json = inline;
        else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) args.json = argv[++i];
        else args.json = true;
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new UsageError(a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${JSON.stringify(a)}`);
    }
  }
  return args;
}

/**
 * Runs the drill as a command. Never calls process.exit: returns the exit status.
 * @param options.moto - reuse this moto server (reset between scenarios) instead of starting one
 */
export async function drillMain(argv: readonly string[], io: CommandIo = PROCESS_IO, options: { moto?: MotoServer } = {}): Promise<number> {
  let args: DrillArgs;
  try {
    args = parseDrillArgs(argv);
  } catch (err) {
    io.stderr(`seedshield drill: ${(err as Error).message}\n\n${DRILL_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(DRILL_USAGE);
    return 0;
  }
  let config: SeedshieldConfig;
  let scenarios: Scenario[];
  try {
    config = loadConfig(args.config);
    scenarios = args.scenarios.length > 0 ? args.scenarios.map((f) => loadScenarioFile(f, config)) : builtInScenarios(config);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ScenarioError) {
      io.stderr(`seedshield drill: ${err.message}`);
      return 2;
    }
    throw err;
  }

  const textOut = args.json !== true;
  let moto: MotoServer;
  try {
    moto = options.moto ?? (await startMoto());
  } catch (err) {
    if (!(err instanceof MotoUnavailableError)) throw err;
    io.stderr(`seedshield drill: ${err.message}`);
    return EXIT_MOTO_MISSING;
  }
  const stopOnSignal = () => {
    void moto.stop().finally(() => process.exit(130));
  };
  if (!options.moto) {
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
  }
  let result: DrillResult;
  try {
    result = await runDrill({
      config,
      scenarios,
      moto,
      onScenario: (s, i) => textOut && io.stdout(renderScenarioHeader(s, i, scenarios.length)),
      onStep: (_s, step) => textOut && io.stdout(renderStep(step)),
    });
  } finally {
    if (!options.moto) {
      process.removeListener('SIGINT', stopOnSignal);
      process.removeListener('SIGTERM', stopOnSignal);
      await moto.stop();
    }
  }
  if (textOut) {
    for (const s of result.scenarios) io.stdout(renderScenarioVerdict(s));
    io.stdout(renderVerdict(result));
  }
  if (args.json !== undefined) {
    const json = JSON.stringify(result, null, 2);
    if (args.json === true) io.stdout(json);
    else fs.writeFileSync(args.json, `${json}\n`);
  }
  if (args.json === true) io.stderr(renderVerdict(result).trim());
  return result.passed ? 0 : 1;
}

if (require.main === module) {
  // As in cli/bin.js: the SDK's notice about its future Node.js support window is noise in a drill's timeline.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  drillMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`seedshield drill: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
