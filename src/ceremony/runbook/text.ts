/** `keyceremony plan SCRIPT`: the runbook as terminal text. */
import chalk from 'chalk';
import { toolVersion } from '../../version.js';
import { describeDefaults } from '../resolved-params.js';
import { quorumLines, type Runbook } from './runbook.js';

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
    out.push(
      `  ${role.id.padEnd(16)} ${role.title}${role.officer ? (runbook.quorum ? ' (officer of the quorum)' : ' (only when the vault has a quorum)') : ''}`,
    );
    if (role.duties) out.push(...wrap(role.duties, 82, ' '.repeat(19)));
  }
  out.push('');
  const quorum = quorumLines(runbook);
  if (quorum.length > 0) {
    out.push(chalk.bold('Who must be present: the quorum'));
    for (const line of quorum) out.push(...wrap(line, 100, '  '));
    out.push('');
  }
  out.push(chalk.bold('Preflight'));
  out.push('  - The machine must be air-gapped: no interface up besides loopback, no default route.');
  out.push('  - Witnesses compare the script and code hashes printed at the start with the published values.');
  if (script.preflight.confirmClock) out.push('  - The operator confirms the system date and time.');
  for (const item of script.preflight.checklist) out.push(`  - ${item}`);
  if (script.preflight.codeHashBy.length)
    out.push(
      `  - ${script.preflight.codeHashBy.join(', ')}: type the last four groups of the code SHA-256 read aloud (preflight.code-hash.<role>)`,
    );
  out.push('');
  if (runbook.script.defaults.length > 0) {
    out.push(chalk.bold('Script settings not given (defaults)'));
    for (const line of describeDefaults(script, runbook.script.defaults)) out.push(`  ${line}`);
    out.push('');
  }
  out.push(chalk.bold('Paper record (written on the runbook; typed into the transcript where marked *)'));
  out.push(
    '  - date, start and end time; the code SHA-256 read aloud; the previous transcript SHA-256 shown at the start',
  );
  out.push(
    `  - place${script.record.place ? ' *' : ''}; each role's printed name${script.record.names ? ' *' : ''} and signature`,
  );
  for (const item of script.record.items) out.push(`  - ${item.what}: ${item.record.join(', ')} *`);
  out.push('  - the transcript SHA-256, shown at the closing checkpoint');
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
  out.push(chalk.bold('Closing checkpoint (after the transcript is written and signed)'));
  out.push('  The transcript SHA-256 is shown in hex and PGP words, for the runbook.');
  if (script.closing) {
    out.push(...wrap(script.closing.statement, 94, '  '));
    out.push(`  Confirmed with the last four groups of the hash and initials by: ${script.closing.roles.join(', ')}`);
  }
  out.push('');
  out.push(chalk.bold('If the ceremony stops'));
  out.push(
    ...wrap(
      'Ctrl-C, SIGTERM or SIGHUP, a refused confirmation, a failed step or a lost token: everything this run wrote is removed (keys made on tokens too) and an aborted-ceremony record is kept in public/transcripts/<date>-<name>-ABORTED.jsonl; write its SHA-256, shown on screen, on the runbook with the reason.',
      94,
      '  ',
    ),
  );
  out.push('');
  out.push(chalk.bold('What will be created'));
  for (const c of runbook.creates) out.push(`  ${`${c.tree}/${c.path}`.padEnd(48)} ${c.what}`);
  out.push('');
  return out.join('\n');
}
