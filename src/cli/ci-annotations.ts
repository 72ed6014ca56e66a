/**
 * Warnings a person must see even in a CI log nobody reads line by line. On GitHub Actions (GITHUB_ACTIONS is
 * "true") a warning is also written as a workflow command, `::warning title=…::…`, which the runner turns into
 * an annotation on the run's summary page; the runner reads workflow commands from standard error as well as
 * standard output, so standard output stays what scripts parse.
 */
import chalk from 'chalk';
import { forTerminal, marks } from '../util/marks.js';

/** Workflow-command escaping (actions/toolkit's escapeData / escapeProperty). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function onGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['GITHUB_ACTIONS'] === 'true';
}

/** `::warning title=…::message` with the runner's escaping. */
export function workflowCommand(kind: 'warning' | 'error', title: string, message: string): string {
  return `::${kind} title=${escapeProperty(title)}::${escapeData(message)}`;
}

/** Writes a warning to standard error (and as a GitHub Actions annotation there). */
export function warn(title: string, message: string, env: NodeJS.ProcessEnv = process.env): void {
  process.stderr.write(forTerminal(`${chalk.yellow(`${marks.warn} warning: ${message}`)}\n`, env));
  if (onGitHubActions(env)) process.stderr.write(`${workflowCommand('warning', title, message)}\n`);
}
