/**
 * keyceremony transcript verify DIR [--root FPR] [--newest SHA256] [--json] — exit 0 when everything checks,
 * 1 otherwise.
 */
import chalk from 'chalk';
import { KeyceremonyError } from '../../errors.js';
import { verifyTranscriptDirectory } from '../../transcript/index.js';
import { forTerminal, marks } from '../../util/marks.js';

const write = (text: string): boolean => process.stdout.write(forTerminal(text));

export async function transcriptVerifyCommand(
  dir: string,
  options: { root?: string; newest?: string; json: boolean },
): Promise<void> {
  if (options.newest !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.newest.replace(/\s+/g, ''))) {
    throw new KeyceremonyError('USAGE', '--newest takes a SHA-256: 64 hex digits (spaces allowed)');
  }
  const report = await verifyTranscriptDirectory(dir, {
    ...(options.root ? { root: options.root } : {}),
    ...(options.newest ? { newest: options.newest } : {}),
    now: new Date(),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const mark = (ok: boolean): string => (ok ? chalk.green(marks.ok) : chalk.red(marks.fail));
    for (const t of report.transcripts) {
      const outcome =
        t.outcome === 'aborted'
          ? ` — ${chalk.bold('ABORTED')}${t.aborted?.step ? ` in step "${t.aborted.step}"` : ''}: ${t.aborted?.reason ?? ''}`
          : t.outcome === 'completed'
            ? ' — completed'
            : '';
      write(`${mark(t.ok)} transcript ${t.name} (${t.entries} entries)${outcome}\n`);
      write(`    sha256: ${t.sha256}\n`);
      if (t.chain) write(`    chain: BROKEN at entry ${t.chain.seq} (line ${t.chain.line}): ${t.chain.reason}\n`);
      else write('    chain: intact\n');
      write(`    signature: ${t.signature.ok ? '' : 'BAD — '}${t.signature.detail}\n`);
      write(`    markdown: ${t.markdown}\n`);
    }
    const h = report.history;
    if (report.tree === 'public') {
      for (const problem of h.problems) write(`${mark(false)} history: ${problem}\n`);
      if (h.ok) {
        const legacy = h.legacy.length
          ? `; ${h.legacy.length} older transcript(s) before the chain, not checked for gaps`
          : '';
        write(
          `${mark(true)} history: ${h.chain.length} transcript(s) in one unbroken chain${legacy}; newest ${h.newest?.name ?? '-'}${h.expectedNewest ? ' (the SHA-256 given with --newest)' : ''}\n`,
        );
      }
    } else {
      for (const problem of h.problems) write(`${mark(false)} ${problem}\n`);
    }
    for (const o of report.outputs) {
      if (o.status !== 'ok')
        write(
          `${mark(o.status !== 'mismatch')} ${report.tree}/${o.path}: ${o.status === 'mismatch' ? `CHANGED since ${o.transcript} recorded it (or a later transcript that changed it is missing)` : 'not present'}\n`,
        );
    }
    const checked = report.outputs.filter((o) => o.status === 'ok').length;
    write(
      `${mark(report.ok)} ${report.completed} completed ceremony(ies), ${report.aborted} aborted; ${checked} recorded output(s) present and unchanged in ${report.tree} tree ${dir}\n`,
    );
  }
  if (!report.ok) throw new KeyceremonyError('TRANSCRIPT_BROKEN', 'transcript verification failed');
}
