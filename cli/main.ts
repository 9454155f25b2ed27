/**
 * The operator CLI: `npx seedshield <command>`. Commands are listed in {@link CLI_COMMANDS}; each parses its
 * own arguments (cli/command.ts). The control commands (status and the operator commands) live in
 * cli/control.ts, the drill in drill/main.ts.
 *
 * Exit status: 0 done (or, with --dry-run, would be done); 1 refused by a safety rule, or an effect failed;
 * 2 bad arguments or configuration.
 */
import { parseArgs } from 'util';
import { PROCESS_IO, type CommandIo } from '../lib/command-io';
import { drillMain } from '../drill/main';
import { CliUsageError, type CliCommand } from './command';
import { CONTROL_COMMANDS, CONTROL_OPTIONS_USAGE, CONTROL_PARSE_OPTIONS } from './control';
import { COST_COMMAND } from './cost';
import { PREFLIGHT_COMMAND } from './preflight';
import { REVIEW_COMMAND } from './review';
import { SANDBOX_COMMAND } from './sandbox';
import { PARAMS_COMMAND } from './params';

/** The drill: it parses its own options (see `seedshield drill --help`). */
const DRILL_COMMAND: CliCommand = {
  name: 'drill',
  synopsis: 'drill [drill options]',
  summary: 'run the local drill against moto (see: seedshield drill --help)',
  run: (args, { io }) => drillMain(args, io),
};

/** Every command, in the order the usage lists them. Add a command here. */
export const CLI_COMMANDS: readonly CliCommand[] = [
  ...CONTROL_COMMANDS,
  DRILL_COMMAND,
  SANDBOX_COMMAND,
  REVIEW_COMMAND,
  PARAMS_COMMAND,
  PREFLIGHT_COMMAND,
  COST_COMMAND,
];

/** The usage text, built from {@link CLI_COMMANDS}. */
export const USAGE = `usage: seedshield <command> [arguments] [options]

commands:
${CLI_COMMANDS.map((c) => `  ${c.synopsis.padEnd(32)}${c.summary}`).join('\n')}

${CONTROL_OPTIONS_USAGE}

environment: AWS credentials and region come from the standard chain; AWS_ENDPOINT_URL points every client
elsewhere (moto); SEEDSHIELD_OPERATOR names the operator (default: the OS user).`;

/** Runs one CLI invocation and returns its exit status (never calls process.exit). */
export async function cliMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  const context = { env, io, usage: USAGE };
  try {
    const { command, args } = locateCommand(argv);
    if (command === undefined) {
      io.stdout(USAGE);
      return 0;
    }
    return await command.run(args, context);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr(`seedshield: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

/**
 * Finds the command and its arguments (every other token). The command is the first argument, or, for the
 * control commands, the first positional after their options (`seedshield -c prod.json status`).
 * @returns no command when help was asked for
 * @throws CliUsageError when there is no command or an unknown one
 */
function locateCommand(argv: readonly string[]): { command?: CliCommand; args: readonly string[] } {
  const first = CLI_COMMANDS.find((c) => c.name === argv[0]);
  if (first) return { command: first, args: argv.slice(1) };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, tokens: true, options: CONTROL_PARSE_OPTIONS });
  } catch (err) {
    throw new CliUsageError((err as Error).message, { cause: err });
  }
  if (parsed.values.help) return { args: [] };
  const token = parsed.tokens.find((t) => t.kind === 'positional');
  if (token === undefined) throw new CliUsageError('no command given');
  const command = CONTROL_COMMANDS.find((c) => c.name === token.value);
  if (command) return { command, args: argv.filter((_, i) => i !== token.index) };
  if (CLI_COMMANDS.some((c) => c.name === token.value)) throw new CliUsageError(`${token.value} must come first: seedshield ${token.value} [its options]`);
  throw new CliUsageError(`unknown command ${JSON.stringify(token.value)}`);
}

/** Entry point of cli/bin.js. */
export function run(): void {
  cliMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`seedshield: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) run();
