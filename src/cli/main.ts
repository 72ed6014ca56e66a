/** Process entry: runs the program, maps every outcome to the contract's exit codes. */
import { CommanderError } from 'commander';
import { buildProgram, commanderExit } from './program.js';
import { reportError } from './report-error.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = error instanceof CommanderError ? commanderExit(error) : reportError(error);
  }
}
