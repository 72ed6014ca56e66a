/**
 * Packing a bundle: from the files that go in (anywhere on disk, or in memory) to the manifest and the archive.
 * build.ts collects the files; this module adds their parent directories, hashes every file, writes
 * SHA256SUMS and MANIFEST.json, and writes the archive to its file: to a temporary name beside it first, read
 * back and checked against the manifest, then linked to the final name, which must not exist.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { encodeTarHeader, TarFormatError } from '../backup/index.js';
import { bug, KeyceremonyError } from '../errors.js';
import { type ArchiveItem, sha256OfItem, writeArchive } from './archive.js';
import { BUNDLE_FORMAT, MANIFEST_FILE, SUMS_FILE } from './layout.js';
import { type BundleEntry, type BundleManifest, renderSums, serializeManifest } from './manifest.js';
import { comparePaths } from './paths.js';
import { verifyBundleArchive } from './verify.js';

export interface PackedBundle {
  /** Every entry of the archive below its root, MANIFEST.json and SHA256SUMS included. */
  readonly items: readonly ArchiveItem[];
  readonly manifest: BundleManifest;
}

export type BundleHead = Omit<BundleManifest, 'format' | 'name' | 'entries'>;

export function dataFile(path: string, text: string, executable = false): ArchiveItem {
  const data = new TextEncoder().encode(text);
  return { path, type: 'file', executable, size: data.length, source: { data } };
}

function addParents(items: Map<string, ArchiveItem>): void {
  for (const path of [...items.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!items.has(dir)) items.set(dir, { path: dir, type: 'directory', executable: true, size: 0 });
    }
  }
}

/** Hashes every file and adds the parent directories, SHA256SUMS and MANIFEST.json. */
export function packBundle(files: Iterable<ArchiveItem>, head: BundleHead): PackedBundle {
  const items = new Map<string, ArchiveItem>();
  for (const item of files) {
    if (item.path === MANIFEST_FILE || item.path === SUMS_FILE) throw bug(`${item.path} is written by packBundle`);
    try {
      encodeTarHeader({ path: `${head.root}/${item.path}`, type: item.type, mode: 0o644, mtime: 0, size: item.size });
    } catch (error) {
      if (!(error instanceof TarFormatError)) throw error;
      throw new KeyceremonyError('INPUT_INVALID', `cannot bundle ${item.path}: ${error.message}`);
    }
    items.set(item.path, item);
  }
  addParents(items);
  const entries: BundleEntry[] = [];
  for (const item of [...items.values()].sort((a, b) => comparePaths(a.path, b.path)))
    entries.push(
      item.type === 'directory'
        ? { path: item.path, type: 'directory' }
        : {
            path: item.path,
            type: 'file',
            mode: item.executable ? '0755' : '0644',
            size: item.size,
            sha256: sha256OfItem(item),
          },
    );
  const sums = dataFile(SUMS_FILE, renderSums(entries));
  items.set(SUMS_FILE, sums);
  entries.push({ path: SUMS_FILE, type: 'file', mode: '0644', size: sums.size, sha256: sha256OfItem(sums) });
  entries.sort((a, b) => comparePaths(a.path, b.path));
  const manifest: BundleManifest = { format: BUNDLE_FORMAT, name: 'keyceremony', ...head, entries };
  items.set(MANIFEST_FILE, dataFile(MANIFEST_FILE, serializeManifest(manifest)));
  return { items: [...items.values()], manifest };
}

/** Writes the archive to `out` (which must not exist), read back and checked. */
export function writeBundleFile(bundle: PackedBundle, out: string): { sha256: string; size: number } {
  const temp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (error) {
    throw new KeyceremonyError(
      'OUTPUT_UNWRITABLE',
      `cannot write ${out} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let size = 0;
  try {
    const sha256 = writeArchive(bundle.items, {
      root: bundle.manifest.root,
      epoch: bundle.manifest.source.epoch,
      sink: (bytes) => {
        for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
        size += bytes.length;
      },
    });
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    const check = verifyBundleArchive(temp);
    if (!check.ok || check.sha256 !== sha256)
      throw new KeyceremonyError('CHECK_FAILED', `the archive did not read back as written`, {
        details: check.problems.slice(0, 10).map((p) => `${p.path || '(archive)'}: ${p.detail}`),
      });
    try {
      linkSync(temp, out);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new KeyceremonyError('OUTPUT_EXISTS', `refusing to overwrite ${out}`);
      throw error;
    }
    const dirFd = openSync(dirname(out), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    return { sha256, size };
  } finally {
    if (fd >= 0) closeSync(fd);
    rmSync(temp, { force: true });
  }
}
