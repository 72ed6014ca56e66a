/** How errors reach the user: one clear message (plus details), the contract's exit code, no stack trace. */
import chalk from 'chalk';
import { ExitCode, isKeyceremonyError, messageOf } from '../errors.js';
import { shorten } from '../util/excerpt.js';
import { forTerminal } from '../util/marks.js';
import { onGitHubActions, workflowCommand } from './ci-annotations.js';

/**
 * A backstop behind the excerpts each message makes of what it quotes: no line longer than this, no control
 * characters (a terminal escape in a file name), and a bounded number of detail lines.
 */
const MAX_LINE = 400;
const MAX_DETAILS = 40;

export function reportError(
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(forTerminal(t)),
): number {
  if (isKeyceremonyError(error)) {
    write(`${chalk.red('keyceremony: error:')} ${shorten(error.message, MAX_LINE)}\n`);
    for (const line of error.details.slice(0, MAX_DETAILS)) write(`  ${shorten(line, MAX_LINE)}\n`);
    if (error.details.length > MAX_DETAILS) write(`  … and ${error.details.length - MAX_DETAILS} more\n`);
    // In a GitHub Actions log the error also becomes an annotation on the run's summary page.
    if (onGitHubActions()) write(`${workflowCommand('error', 'keyceremony', shorten(error.message, MAX_LINE))}\n`);
    return error.exitCode;
  }
  write(`${chalk.red('keyceremony: internal error:')} ${shorten(messageOf(error), MAX_LINE)}\n`);
  if (process.env['KEYCEREMONY_DEBUG'] && error instanceof Error && error.stack) write(`${error.stack}\n`);
  else write('  This is a bug in keyceremony. Run again with KEYCEREMONY_DEBUG=1 for details.\n');
  // Where to: the README's "Reporting problems"; anything that looks like a security problem goes privately.
  write('  Please report it (README.md, "Reporting problems"); security problems privately, as SECURITY.md says.\n');
  return ExitCode.internal;
}
