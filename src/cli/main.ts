/** Process entry: runs the program, maps every outcome to the contract's exit codes. */
import { CommanderError } from 'commander';
import { buildProgram, commanderExit } from './program.js';
import { reportError } from './report-error.js';

export async function main(argv: readonly string[]): Promise<void> {
  // Output piped into `head` and closed early is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = error instanceof CommanderError ? commanderExit(error) : reportError(error);
  }
}
