/**
 * `keyceremony bundle verify`: checks an unpacked bundle, or a bundle archive, against the manifest inside it.
 * Every changed, added, missing or retyped file is named. For a tree, the check also recomputes the archive's
 * SHA-256 (the bundle hash) from the files as they are — the number `keyceremony version` shows and witnesses
 * compare with the published one; for an archive, it is the file's own SHA-256 and the archive must be in the
 * canonical form (so the two numbers agree whenever the check passes).
 *
 * The manifest is inside what it describes: a consistent forgery (files and manifest changed together) passes
 * this check, but not the comparison of the bundle hash with the published value. The check names what an
 * accident or a careless edit changed; the hash is the proof.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { KeyceremonyError, messageOf } from '../errors.js';
import { sha256Hex } from '../crypto/index.js';
import { type FoundEntry, readBundleArchive } from './archive-reader.js';
import { bundleMode } from './archive.js';
import { hashTree } from './identity.js';
import { MANIFEST_FILE, SUMS_FILE } from './layout.js';
import { type BundleManifest, parseManifest, renderSums } from './manifest.js';

export type BundleProblemKind = 'changed' | 'added' | 'missing' | 'mode' | 'type' | 'damaged';

export interface BundleProblem {
  /** Path inside the bundle ("" for the archive or tree as a whole). */
  readonly path: string;
  readonly kind: BundleProblemKind;
  readonly detail: string;
}

export interface BundleCheck {
  readonly kind: 'tree' | 'archive';
  readonly location: string;
  readonly ok: boolean;
  /** The bundle hash: the archive file's SHA-256, or the one recomputed from the tree. */
  readonly sha256: string | undefined;
  readonly manifest: BundleManifest | undefined;
  readonly problems: readonly BundleProblem[];
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/** Names every difference between the manifest and what was found (MANIFEST.json itself not included). */
export function compareWithManifest(manifest: BundleManifest, found: ReadonlyMap<string, FoundEntry>): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const listed = new Set<string>();
  for (const entry of manifest.entries) {
    listed.add(entry.path);
    const actual = found.get(entry.path);
    if (!actual) {
      problems.push({ path: entry.path, kind: 'missing', detail: `missing (the manifest lists a ${entry.type})` });
      continue;
    }
    if (actual.type !== entry.type) {
      problems.push({ path: entry.path, kind: 'type', detail: `is a ${actual.type}, the manifest says ${entry.type}` });
      continue;
    }
    if (entry.type !== 'file') continue;
    if (actual.size !== entry.size || actual.sha256 !== entry.sha256)
      problems.push({
        path: entry.path,
        kind: 'changed',
        detail:
          actual.size !== entry.size
            ? `changed: ${actual.size} bytes, the manifest says ${entry.size}`
            : `changed: SHA-256 ${actual.sha256 ?? '?'}, the manifest says ${entry.sha256}`,
      });
    else if (octal(actual.mode) !== entry.mode)
      problems.push({
        path: entry.path,
        kind: 'mode',
        detail: `mode ${octal(actual.mode)}, the manifest says ${entry.mode}`,
      });
  }
  for (const [path, entry] of found) {
    if (path === MANIFEST_FILE || listed.has(path)) continue;
    problems.push({ path, kind: 'added', detail: `added: a ${entry.type} the manifest does not list` });
  }
  const sums = manifest.entries.find((e) => e.path === SUMS_FILE);
  if (!sums || sums.type !== 'file' || sums.sha256 !== sha256Hex(renderSums(manifest.entries)))
    problems.push({ path: SUMS_FILE, kind: 'damaged', detail: 'does not agree with the manifest' });
  return problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The manifest, or the problem that makes it unreadable. */
function readManifest(bytes: Uint8Array, where: string): BundleManifest | BundleProblem {
  try {
    return parseManifest(bytes, where);
  } catch (error) {
    const details = error instanceof KeyceremonyError ? error.details.map((d) => `; ${d}`).join('') : '';
    return { path: MANIFEST_FILE, kind: 'damaged', detail: `${messageOf(error)}${details}` };
  }
}

const isProblem = (value: BundleManifest | BundleProblem): value is BundleProblem => 'kind' in value;

/** Checks an unpacked bundle and recomputes its bundle hash. */
export function verifyBundleTree(dir: string): BundleCheck {
  const manifestFile = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestFile))
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} is not an unpacked keyceremony bundle (no ${MANIFEST_FILE})`);
  const manifest = readManifest(new Uint8Array(readFileSync(manifestFile)), manifestFile);
  if (isProblem(manifest))
    return { kind: 'tree', location: dir, ok: false, sha256: undefined, manifest: undefined, problems: [manifest] };
  const { sha256, items, sha256s, special } = hashTree(dir, manifest.root, manifest.source.epoch);
  const found = new Map<string, FoundEntry>();
  for (const item of items)
    found.set(item.path, {
      type: item.type,
      mode: bundleMode(item.type, item.executable),
      size: item.size,
      ...(item.type === 'file' ? { sha256: sha256s.get(item.path) ?? '' } : {}),
    });
  const problems = compareWithManifest(manifest, found);
  for (const path of special)
    problems.push({ path, kind: 'type', detail: 'is neither a regular file nor a directory (a link?)' });
  return { kind: 'tree', location: dir, ok: problems.length === 0, sha256, manifest, problems };
}

/** Checks a bundle archive: canonical form, and every entry against the manifest inside it. */
export function verifyBundleArchive(file: string): BundleCheck {
  const contents = readBundleArchive(file);
  const problems: BundleProblem[] = contents.problems.map((detail) => ({ path: '', kind: 'damaged', detail }));
  let manifest: BundleManifest | undefined;
  if (contents.complete) {
    if (!contents.manifest)
      problems.push({ path: MANIFEST_FILE, kind: 'missing', detail: 'the archive has no manifest' });
    else {
      const read = readManifest(contents.manifest, `${basename(file)}:${MANIFEST_FILE}`);
      if (isProblem(read)) problems.push(read);
      else manifest = read;
    }
    if (manifest) {
      if (contents.root !== manifest.root)
        problems.push({
          path: '',
          kind: 'damaged',
          detail: `top-level directory ${contents.root ?? '(none)'}, the manifest says ${manifest.root}`,
        });
      if (contents.epoch !== manifest.source.epoch)
        problems.push({
          path: '',
          kind: 'damaged',
          detail: `mtimes ${contents.epoch ?? '(none)'}, the manifest says ${manifest.source.epoch}`,
        });
      problems.push(...compareWithManifest(manifest, contents.entries));
    }
  }
  return { kind: 'archive', location: file, ok: problems.length === 0, sha256: contents.sha256, manifest, problems };
}

/** A directory is checked as an unpacked bundle, a file as an archive. */
export function verifyBundle(path: string): BundleCheck {
  let info;
  try {
    info = statSync(path);
  } catch {
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${path} does not exist`);
  }
  return info.isDirectory() ? verifyBundleTree(path) : verifyBundleArchive(path);
}
