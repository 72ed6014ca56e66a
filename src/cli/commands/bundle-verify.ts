/**
 * keyceremony bundle verify DIR-OR-FILE [--json]
 *
 * Checks an unpacked bundle (a directory) or a bundle archive (a file) against the manifest inside it: every
 * changed, added, missing or retyped file is named; exit 0 when all match, 1 otherwise. Prints the bundle
 * hash to compare with the published value (the manifest is inside what it describes: only that comparison
 * proves the bundle is the reviewed one).
 */
import chalk from 'chalk';
import { verifyBundle } from '../../bundle/index.js';
import { KeyceremonyError } from '../../errors.js';
import { marks } from '../../util/marks.js';

export function bundleVerifyCommand(path: string, options: { json: boolean }): void {
  const check = verifyBundle(path);
  const m = check.manifest;
  if (options.json) {
    const report = {
      path,
      kind: check.kind,
      ok: check.ok,
      sha256: check.sha256 ?? null,
      root: m?.root ?? null,
      commit: m?.source.commit ?? null,
      dirty: m?.source.dirty ?? null,
      problems: check.problems,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const what = check.kind === 'tree' ? 'unpacked bundle' : 'bundle archive';
    const entries = m ? m.entries.length + 1 : 0;
    process.stdout.write(
      check.ok
        ? `${chalk.green(marks.ok)} ${path} (${what}): all ${entries} entries match its manifest\n`
        : `${chalk.red(marks.fail)} ${path} (${what}): ${check.problems.length} problem(s)\n`,
    );
    for (const p of check.problems) process.stdout.write(`    ${p.path || '(archive)'}: ${p.detail}\n`);
    if (m) process.stdout.write(`  commit ${m.source.commit}${m.source.dirty ? ' with uncommitted changes' : ''}\n`);
    if (check.sha256)
      process.stdout.write(
        `  bundle sha256 ${check.sha256}${check.kind === 'tree' ? ' (recomputed from the files)' : ''}\n`,
      );
  }
  if (!check.ok)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      check.kind === 'tree'
        ? 'the bundle differs from its manifest: do not use it; unpack the archive again after checking its SHA-256'
        : 'the archive is damaged or not a keyceremony bundle: do not use it',
    );
}
