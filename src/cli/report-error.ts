/** How errors reach the user: one clear message (plus details), the contract's exit code, no stack trace. */
import chalk from 'chalk';
import { ExitCode, isKeyceremonyError, messageOf } from '../errors.js';

export function reportError(error: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (isKeyceremonyError(error)) {
    write(`${chalk.red('keyceremony: error:')} ${error.message}\n`);
    for (const line of error.details) write(`  ${line}\n`);
    return error.exitCode;
  }
  write(`${chalk.red('keyceremony: internal error:')} ${messageOf(error)}\n`);
  if (process.env['KEYCEREMONY_DEBUG'] && error instanceof Error && error.stack) write(`${error.stack}\n`);
  else write('  (this is a bug in keyceremony; set KEYCEREMONY_DEBUG=1 for details)\n');
  return ExitCode.internal;
}
