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
  else write('  This is a bug in keyceremony. Run again with KEYCEREMONY_DEBUG=1 for details.\n');
  // Where to: the README's "Reporting problems"; anything that looks like a security problem goes privately.
  write('  Please report it (README.md, "Reporting problems"); security problems privately, as SECURITY.md says.\n');
  return ExitCode.internal;
}
