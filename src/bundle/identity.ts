/**
 * The bundle hash of an unpacked bundle, recomputed from its files: the SHA-256 of the canonical archive of the
 * tree as it is now, with the top-level directory name and mtime the manifest gives. When nothing was changed
 * since unpacking, it is the SHA-256 of the archive that was carried in — the number printed when the bundle
 * was built, published, and rebuilt independently — so witnesses compare one number everywhere.
 *
 * Light on purpose (no zod, no build code): `src/version.ts` imports this module directly (not through
 * index.ts) because the program loads version.ts for every command, `--help` included.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ArchiveItem, writeArchive } from './archive.js';
import { MANIFEST_FILE } from './layout.js';
import { listTree } from './tree.js';

export interface TreeHash {
  /** The recomputed bundle hash. */
  readonly sha256: string;
  readonly items: readonly ArchiveItem[];
  /** SHA-256 of every file, by path. */
  readonly sha256s: ReadonlyMap<string, string>;
  /** Entries that are neither regular files nor directories (not archived; a verifier reports them). */
  readonly special: readonly string[];
}

/** Is `dir` an unpacked bundle (rather than a git checkout)? */
export function isBundleTree(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE));
}

/** Archives the tree in memory-flat passes of its files, keeping only the hashes. */
export function hashTree(dir: string, root: string, epoch: number): TreeHash {
  const { items, special } = listTree(dir);
  const sha256s = new Map<string, string>();
  const sha256 = writeArchive(items, {
    root,
    epoch,
    sink: () => undefined,
    onFile: (path, hash) => sha256s.set(path, hash),
  });
  return { sha256, items, sha256s, special };
}

/**
 * The bundle hash of the unpacked bundle at `dir`, or undefined when its manifest does not say the root name
 * and epoch (`keyceremony bundle verify` then says what is wrong with it).
 */
export function bundleTreeSha256(dir: string): string | undefined {
  let head: unknown;
  try {
    head = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const { root, source } = (head ?? {}) as { root?: unknown; source?: { epoch?: unknown } };
  const epoch = source?.epoch;
  if (typeof root !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(root)) return undefined;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) return undefined;
  return hashTree(dir, root, epoch).sha256;
}
