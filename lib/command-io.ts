/**
 * Where a command's output goes: one interface for every command line tool (the CLI's commands, the drill),
 * so a test captures any of them the same way and a command can hand its IO to another one.
 */

/** Output of a command, one call per line (tests capture it; {@link PROCESS_IO} writes it to the terminal). */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The process's own stdout and stderr, a newline after each call. */
export const PROCESS_IO: CommandIo = {
  stdout: (t) => process.stdout.write(`${t}\n`),
  stderr: (t) => process.stderr.write(`${t}\n`),
};
