/**
 * keyceremony bundle --out FILE [--allow-dirty]
 *
 * Builds the reproducible offline bundle from this checkout (src/bundle/build.ts) and prints its SHA-256 in
 * hex (as `sha256sum` prints it) and in PGP words, for two builders — and later the witnesses — to compare.
 */
import chalk from 'chalk';
import { buildBundle, describeRequirements } from '../../bundle/index.js';
import { packageRoot } from '../../util/data-files.js';
import { pgpWordLines } from '../../util/fingerprint-display.js';

export function bundleCommand(options: { out: string; allowDirty: boolean }): void {
  const built = buildBundle({
    checkout: packageRoot,
    out: options.out,
    allowDirty: options.allowDirty,
    log: (line) => process.stderr.write(`${chalk.dim(`bundle: ${line}`)}\n`),
  });
  const m = built.manifest;
  const files = m.entries.filter((e) => e.type === 'file').length + 1;
  const date = new Date(m.source.epoch * 1000).toISOString().replace('.000Z', 'Z');
  const needs = describeRequirements(m);
  const out = [
    `bundle   ${built.file}`,
    `         ${m.root}/: ${files} files, ${(built.size / 1e6).toFixed(1)} MB`,
    `commit   ${m.source.commit} (${date})${m.source.dirty ? chalk.yellow(' WITH UNCOMMITTED CHANGES (--allow-dirty)') : ''}`,
    `node     ${m.node.version} ${m.node.platform}-${m.node.arch}`,
    `tools    ${built.toolchain.join('; ')}`,
    ...needs.map((line, i) => `${i === 0 ? 'needs' : '     '}    ${line}`),
    `sha256   ${built.sha256}`,
    ...pgpWordLines(built.sha256, 8).map((line) => `         ${line}`),
    '',
    'Compare this SHA-256 with an independent build of the same commit, and with `sha256sum` of the copy you',
    'carry in; on the ceremony machine `keyceremony version` recomputes it from the unpacked files (docs/bundle.md).',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
