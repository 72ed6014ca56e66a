/** `keyceremony plan SCRIPT`: the runbook as terminal text. */
import chalk from 'chalk';
import { toolVersion } from '../../version.js';
import { describeDefaults } from '../resolved-params.js';
import type { Runbook } from './runbook.js';

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

export function renderRunbookText(runbook: Runbook): string {
  const { script } = runbook.script;
  const out: string[] = [];
  out.push(chalk.bold(`Runbook: ${script.title}`));
  out.push(`  ${script.organisation} — script ${script.name} version ${script.version}`);
  out.push(`  script sha256 ${runbook.script.sha256}`);
  out.push(`  keyceremony ${toolVersion()}`);
  out.push('');
  out.push(chalk.bold('Purpose'));
  out.push(...wrap(script.purpose, 100, '  '));
  out.push('');
  out.push(chalk.bold('Roles'));
  for (const role of script.roles) {
    out.push(`  ${role.id.padEnd(16)} ${role.title}`);
    if (role.duties) out.push(...wrap(role.duties, 82, ' '.repeat(19)));
  }
  out.push('');
  out.push(chalk.bold('Preflight'));
  out.push('  - The machine must be air-gapped: no interface up besides loopback, no default route.');
  out.push('  - Witnesses compare the script and code hashes printed at the start with the published values.');
  if (script.preflight.confirmClock) out.push('  - The operator confirms the system date and time.');
  for (const item of script.preflight.checklist) out.push(`  - ${item}`);
  out.push('');
  if (runbook.script.defaults.length > 0) {
    out.push(chalk.bold('Script settings not given (defaults)'));
    for (const line of describeDefaults(script, runbook.script.defaults)) out.push(`  ${line}`);
    out.push('');
  }
  out.push(chalk.bold('Steps'));
  for (const step of runbook.steps) {
    out.push(
      `  ${String(step.index).padStart(2)}. ${chalk.bold(step.title)}  [${step.role}: ${step.roleTitle}]  (${step.id}, ${step.action})`,
    );
    out.push(...wrap(step.description.summary, 94, '      '));
    for (const d of step.description.details ?? []) out.push(`      • ${d}`);
    if (step.description.changes?.length) {
      out.push('      Expected changes (compare with the screen before the root signs):');
      for (const line of step.description.changes) out.push(`        ${line}`);
    }
    if (step.params.length > 0) {
      out.push('      Parameters (as the step runs them):');
      for (const line of step.params) out.push(`        ${line}`);
    }
    if (step.description.confirmations?.length)
      out.push(`      Confirmed with initials by: ${step.description.confirmations.join(', ')}`);
  }
  out.push('');
  out.push(chalk.bold('What will be created'));
  for (const c of runbook.creates) out.push(`  ${`${c.tree}/${c.path}`.padEnd(48)} ${c.what}`);
  out.push('');
  return out.join('\n');
}
