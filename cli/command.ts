/**
 * What a CLI command is: every `seedshield <command>` is one {@link CliCommand}, listed in `CLI_COMMANDS`
 * (cli/main.ts), which builds the usage text and dispatches from that list. To add a command, export a
 * `CliCommand` from its own module and append it to that list.
 */
import { SeedshieldError } from '../lambdas/errors';
import type { CommandIo } from '../lib/command-io';

/** What a command gets from the command line's surroundings. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly io: CommandIo;
  /** The CLI's usage text (every command and the shared options), for `--help`. */
  readonly usage: string;
}

/** One `seedshield <name> ...` command. */
export interface CliCommand {
  readonly name: string;
  /** The command as the usage lists it, e.g. `isolate CLUSTER`. */
  readonly synopsis: string;
  /** One line: what it does. */
  readonly summary: string;
  /**
   * Runs the command with every argument but its name (options included, in the order given).
   * @returns the exit status: 0 done, 1 refused or failed, 2 bad arguments or configuration
   */
  run(args: readonly string[], context: CliContext): Promise<number>;
}

/** A bad command line: the CLI prints it with the usage and exits 2; nothing changed. */
export class CliUsageError extends SeedshieldError {
  readonly code: string = 'CLI_USAGE';
}

/** A command could not finish: AWS answered without a value it must hold, or a step failed unexpectedly. */
export class CommandError extends SeedshieldError {
  readonly code: string = 'COMMAND_FAILED';
}
