/** keyceremony transcript verify DIR [--root FPR] [--json] — exit 0 when everything checks, 1 otherwise. */
import chalk from 'chalk';
import { KeyceremonyError } from '../../errors.js';
import { verifyTranscriptDirectory } from '../../transcript/verify.js';

export async function transcriptVerifyCommand(dir: string, options: { root?: string; json: boolean }): Promise<void> {
  const report = await verifyTranscriptDirectory(dir, {
    ...(options.root ? { root: options.root } : {}),
    now: new Date(),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const mark = (ok: boolean): string => (ok ? chalk.green('✔') : chalk.red('✘'));
    for (const t of report.transcripts) {
      process.stdout.write(`${mark(t.ok)} transcript ${t.name} (${t.entries} entries)\n`);
      if (t.chain)
        process.stdout.write(`    chain: BROKEN at entry ${t.chain.seq} (line ${t.chain.line}): ${t.chain.reason}\n`);
      else process.stdout.write('    chain: intact\n');
      process.stdout.write(`    signature: ${t.signature.ok ? '' : 'BAD — '}${t.signature.detail}\n`);
      process.stdout.write(`    markdown: ${t.markdown}\n`);
    }
    for (const o of report.outputs) {
      if (o.status !== 'ok')
        process.stdout.write(
          `${mark(o.status !== 'mismatch')} ${report.tree}/${o.path}: ${o.status === 'mismatch' ? 'CHANGED since the ceremony' : 'not present'}\n`,
        );
    }
    const checked = report.outputs.filter((o) => o.status === 'ok').length;
    process.stdout.write(
      `${mark(report.ok)} ${checked} recorded output(s) present and unchanged in ${report.tree} tree ${dir}\n`,
    );
  }
  if (!report.ok) throw new KeyceremonyError('TRANSCRIPT_BROKEN', 'transcript verification failed');
}
