/**
 * keyceremony version [--json]
 *
 * From a checkout: the version and the checkout's code hash. From an unpacked offline bundle: the bundle hash
 * (the SHA-256 of the archive, recomputed from the files as they are now), in hex as `sha256sum` prints it and
 * in PGP words for reading aloud, the commit it was built from, and whether the tree still matches its
 * manifest — exit 1 when it does not (`keyceremony bundle verify` names the differences).
 */
import chalk from 'chalk';
import { type BundleCheck, verifyBundleTree } from '../../bundle/index.js';
import { KeyceremonyError } from '../../errors.js';
import { packageRoot } from '../../util/data-files.js';
import { pgpWordLines } from '../../util/fingerprint-display.js';
import { codeSha256, runningFromBundle, toolVersion } from '../../version.js';
import { marks } from '../../util/marks.js';

function bundleInfo(check: BundleCheck): Record<string, unknown> {
  const m = check.manifest;
  return {
    sha256: check.sha256 ?? null,
    root: m?.root ?? null,
    commit: m?.source.commit ?? null,
    dirty: m?.source.dirty ?? null,
    sourceDate: m ? new Date(m.source.epoch * 1000).toISOString() : null,
    matchesManifest: check.ok,
    problems: check.problems.map((p) => ({ path: p.path, kind: p.kind, detail: p.detail })),
  };
}

export function versionCommand(options: { json: boolean }): void {
  const check = runningFromBundle() ? verifyBundleTree(packageRoot) : undefined;
  const sha256 = check?.sha256 ?? codeSha256();
  const info = {
    name: 'keyceremony',
    version: toolVersion(),
    codeSha256: sha256,
    node: process.version,
    ...(check ? { bundle: bundleInfo(check) } : {}),
  };
  if (options.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  else if (!check) process.stdout.write(`keyceremony ${info.version}\ncode sha256 ${sha256}\nnode ${info.node}\n`);
  else {
    const out: string[] = [`keyceremony ${info.version} (offline bundle ${check.manifest?.root ?? '?'})`];
    if (check.sha256) {
      out.push(`bundle sha256 ${check.sha256}`);
      for (const line of pgpWordLines(check.sha256, 8)) out.push(`              ${line}`);
    }
    const m = check.manifest;
    if (m) {
      const date = new Date(m.source.epoch * 1000).toISOString().replace('.000Z', 'Z');
      out.push(
        `commit        ${m.source.commit} (${date})${m.source.dirty ? chalk.yellow(' with uncommitted changes') : ''}`,
      );
    }
    out.push(`node          ${info.node}`);
    out.push(
      check.ok
        ? `${chalk.green(marks.ok)} every file matches the bundle's manifest`
        : `${chalk.red(marks.fail)} ${check.problems.length} difference(s) from the bundle's manifest, e.g. ${check.problems[0]?.path || '(tree)'}: ${check.problems[0]?.detail ?? ''}`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (check && !check.ok)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `this bundle differs from its manifest: run "keyceremony bundle verify ${packageRoot}", and use a fresh copy`,
    );
}
