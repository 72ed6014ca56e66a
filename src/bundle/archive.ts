/**
 * The bundle archive: an uncompressed POSIX ustar file in one canonical form, so that the same tree always gives
 * the same bytes.
 *
 * - One top-level directory (the manifest's `root`), then every directory and file under it, sorted by the
 *   UTF-8 bytes of their paths (a parent always sorts before its children).
 * - Every header from src/backup/tar.ts: numeric owner and group 0, no owner names, mtime = the manifest's
 *   `source.epoch` (the commit date), mode 0755 for directories and executables, 0644 for other files.
 * - No compression (gzip output depends on the zlib version; the bundle is carried on a USB stick, not
 *   downloaded), no padding to a tar record size: the data, then two zero blocks.
 *
 * Because the bytes follow from the tree, the manifest's root name and its epoch alone, the archive's SHA-256
 * can be recomputed from an unpacked tree (`keyceremony version` does) and compared with `sha256sum` of the
 * archive. Files are streamed in 1 MiB chunks: the 100 MB node binary is never held in memory.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { encodeTarHeader, TAR_BLOCK, tarPadding } from '../backup/index.js';
import { bug, KeyceremonyError } from '../errors.js';
import { comparePaths } from './paths.js';

const CHUNK = 1 << 20;

/** Where an archived file's bytes come from. */
export type ItemSource = { readonly file: string } | { readonly data: Uint8Array };

export interface ArchiveItem {
  /** Path below the root directory, forward slashes. */
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly executable: boolean;
  /** Size in bytes, known before the data is read (tar headers come first). */
  readonly size: number;
  readonly source?: ItemSource;
}

/** The mode a bundle gives an entry: 0755 for directories and executables, 0644 for everything else. */
export function bundleMode(type: 'file' | 'directory', executable: boolean): number {
  return type === 'directory' || executable ? 0o755 : 0o644;
}

/**
 * Calls `chunk` with the bytes of `file`, exactly `size` of them. A file that is shorter or longer than `size`
 * changed after it was listed: that is an error, never a silently different archive.
 */
export function readFileChunks(file: string, size: number, chunk: (bytes: Uint8Array) => void): void {
  const fd = openSync(file, 'r');
  try {
    const buffer = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
    let done = 0;
    while (done < size) {
      const got = readSync(fd, buffer, 0, Math.min(buffer.length, size - done), done);
      if (got === 0) throw new KeyceremonyError('CHECK_FAILED', `${file} changed while it was read (now shorter)`);
      chunk(buffer.subarray(0, got));
      done += got;
    }
    if (readSync(fd, new Uint8Array(1), 0, 1, size) !== 0)
      throw new KeyceremonyError('CHECK_FAILED', `${file} changed while it was read (now longer)`);
  } finally {
    closeSync(fd);
  }
}

function sourceChunks(item: ArchiveItem, chunk: (bytes: Uint8Array) => void): void {
  const source = item.source;
  if (!source) throw bug(`archive item ${item.path} has no source`);
  if ('data' in source) {
    if (source.data.length !== item.size) throw bug(`archive item ${item.path}: size does not match its data`);
    chunk(source.data);
  } else readFileChunks(source.file, item.size, chunk);
}

export interface WriteOptions {
  /** The top-level directory name. */
  readonly root: string;
  /** mtime of every entry, seconds since the epoch. */
  readonly epoch: number;
  /** Receives the archive, in order. */
  readonly sink: (bytes: Uint8Array) => void;
  /** Told each file's SHA-256 as it is written (one pass both archives a tree and checks it). */
  readonly onFile?: (path: string, sha256: string) => void;
}

/** Writes the canonical archive of `items` (any order; they are sorted here) and returns its SHA-256. */
export function writeArchive(items: readonly ArchiveItem[], options: WriteOptions): string {
  const sorted = [...items].sort((a, b) => comparePaths(a.path, b.path));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i - 1]?.path === sorted[i]?.path) throw bug(`archive item ${sorted[i]?.path} is listed twice`);
  const archive = createHash('sha256');
  const emit = (bytes: Uint8Array): void => {
    archive.update(bytes);
    options.sink(bytes);
  };
  const { root, epoch } = options;
  emit(encodeTarHeader({ path: root, type: 'directory', mode: 0o755, mtime: epoch, size: 0 }));
  for (const item of sorted) {
    const size = item.type === 'file' ? item.size : 0;
    const mode = bundleMode(item.type, item.executable);
    emit(encodeTarHeader({ path: `${root}/${item.path}`, type: item.type, mode, mtime: epoch, size }));
    if (item.type !== 'file') continue;
    const hash = createHash('sha256');
    sourceChunks(item, (bytes) => {
      hash.update(bytes);
      emit(bytes);
    });
    options.onFile?.(item.path, hash.digest('hex'));
    const padding = tarPadding(size);
    if (padding > 0) emit(new Uint8Array(padding));
  }
  emit(new Uint8Array(2 * TAR_BLOCK));
  return archive.digest('hex');
}

/** SHA-256 of one source, streamed. */
export function sha256OfItem(item: ArchiveItem): string {
  const hash = createHash('sha256');
  sourceChunks(item, (bytes) => hash.update(bytes));
  return hash.digest('hex');
}
