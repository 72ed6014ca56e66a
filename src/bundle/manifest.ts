/**
 * `MANIFEST.json`, at the root of every bundle: what the bundle was built from (commit, Node.js), what it needs
 * from the ceremony machine, and every directory and file in it with its mode, size and SHA-256. It lists
 * everything but itself. `SHA256SUMS` beside it repeats the file hashes in coreutils format, so a witness can
 * check an unpacked tree with the live system's own `sha256sum -c` — without running the code being checked.
 *
 * The manifest, together with the tree, determines the archive byte for byte (see archive.ts): the archive's
 * SHA-256 — the bundle hash — is recomputed from an unpacked tree by `keyceremony version`.
 */
import { z } from 'zod';
import { KeyceremonyError } from '../errors.js';
import { parseJsonFile } from '../util/json-file.js';
import { newestVersions } from './elf.js';
import { BUNDLE_FORMAT, MANIFEST_FILE, SUMS_FILE } from './layout.js';
import { comparePaths } from './paths.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const BundleEntry = z.discriminatedUnion('type', [
  z.strictObject({ path: z.string(), type: z.literal('directory') }),
  z.strictObject({
    path: z.string(),
    type: z.literal('file'),
    /** "0755" for executables, "0644" for everything else. */
    mode: z.enum(['0755', '0644']),
    size: z.number().int().nonnegative(),
    sha256,
  }),
]);
export type BundleEntry = z.infer<typeof BundleEntry>;

const ElfNeeds = z.strictObject({
  path: z.string(),
  needed: z.array(z.string()),
  versions: z.record(z.string(), z.array(z.string())),
});

export const BundleManifest = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  name: z.literal('keyceremony'),
  version: z.string().min(1),
  /** The top-level directory of the archive, e.g. keyceremony-0.1.0-1a2b3c4d5e6f-linux-x64. */
  root: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  source: z.strictObject({
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    /** Uncommitted changes were built in (`--allow-dirty`): this bundle is not the commit. */
    dirty: z.boolean(),
    /** The archive's mtimes: the commit date, or SOURCE_DATE_EPOCH. Seconds since the epoch. */
    epoch: z.number().int().nonnegative(),
  }),
  node: z.strictObject({ version: z.string(), platform: z.string(), arch: z.string() }),
  /** What the ELF files in the bundle need from the machine (shared libraries, symbol versions). */
  requires: z.array(ElfNeeds),
  entries: z.array(BundleEntry),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** Pretty JSON, one entry per line: readable, diffable, and the same bytes for the same bundle. */
export function serializeManifest(manifest: BundleManifest): string {
  const { entries, ...head } = manifest;
  const top = JSON.stringify(head, null, 2);
  const lines = entries.map((e) => `    ${JSON.stringify(e)}`);
  return `${top.slice(0, -2)},\n  "entries": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

export function parseManifest(bytes: Uint8Array, where: string): BundleManifest {
  const manifest = parseJsonFile(BundleManifest, bytes, where, 'a keyceremony bundle manifest', 'INPUT_INVALID');
  const problems: string[] = [];
  let previous: string | undefined;
  for (const entry of manifest.entries) {
    const parts = entry.path.split('/');
    // eslint-disable-next-line no-control-regex
    if (parts.some((p) => p === '' || p === '.' || p === '..') || /[\u0000-\u001f\u007f\\]/.test(entry.path))
      problems.push(`unsafe path "${entry.path}"`);
    if (entry.path === MANIFEST_FILE) problems.push(`the manifest lists itself`);
    if (previous !== undefined && comparePaths(previous, entry.path) >= 0)
      problems.push(`"${entry.path}" is out of order or listed twice`);
    previous = entry.path;
  }
  if (problems.length > 0)
    throw new KeyceremonyError('INPUT_INVALID', `${where} is not a keyceremony bundle manifest`, {
      details: problems.slice(0, 20),
    });
  return manifest;
}

/** `SHA256SUMS`: "<sha256>  <path>" for every file but itself and the manifest, as `sha256sum -c` reads it. */
export function renderSums(entries: readonly BundleEntry[]): string {
  return entries
    .filter((e) => e.type === 'file' && e.path !== SUMS_FILE && e.path !== MANIFEST_FILE)
    .map((e) => `${e.type === 'file' ? e.sha256 : ''}  ${e.path}\n`)
    .join('');
}

/**
 * What the bundle's binaries need, one line per ELF file, the newest symbol version of each family over all the
 * libraries it links: "node/bin/node: CXXABI_1.3.9 GCC_3.4 GLIBCXX_3.4.21 GLIBC_2.28".
 */
export function describeRequirements(manifest: BundleManifest): string[] {
  return manifest.requires.map(
    (r) => `${r.path}: ${newestVersions(Object.values(r.versions).flat()).join(' ') || 'no versioned symbols'}`,
  );
}
