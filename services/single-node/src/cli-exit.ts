import type { CommanderError } from 'commander';

/** How the process ends when the command line cannot run: its exit code and what to print. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    /** One line for stderr, if commander printed nothing itself. */
    readonly line?: string,
  ) {
    super(line ?? `exit ${exitCode}`);
  }
}

/** Commander's exits as CliExit: 0 for --help/--version, 2 for usage errors (with a hint). */
export function usageExit(helpCommand: string): (err: CommanderError) => never {
  return (err) => {
    if (err.exitCode === 0) throw new CliExit(0); // --help, --version: printed already
    if (err.code === 'commander.help') throw new CliExit(2); // `huedb` alone: usage on stderr
    const message = oneLine(err.message.replace(/^error: /, ''));
    throw new CliExit(2, `huedb: ${message} (see \`${helpCommand}\`)`);
  };
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
