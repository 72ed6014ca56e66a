/**
 * Reads a bundle archive back, streaming, and insists on the canonical form archive.ts writes: every header
 * re-encodes to the same 512 bytes, entries are sorted and under one root directory, modes are 0755/0644, all
 * mtimes are equal, padding is zero, and the archive ends with exactly two zero blocks. An archive that passes
 * and matches its manifest is byte for byte the archive of its unpacked tree — so `sha256sum` of the file and
 * the hash `keyceremony version` recomputes from the tree are the same number.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { decodeTarHeader, encodeTarHeader, TAR_BLOCK, TarFormatError, tarPadding } from '../backup/index.js';
import { MANIFEST_FILE } from './layout.js';
import { comparePaths } from './paths.js';

const CHUNK = 1 << 20;
/** A manifest larger than this is not one of ours (a real one is a few hundred kilobytes). */
const MAX_MANIFEST = 64 << 20;

/** One entry as found in an archive or an unpacked tree. */
export interface FoundEntry {
  readonly type: 'file' | 'directory';
  readonly mode: number;
  readonly size: number;
  /** Files only. */
  readonly sha256?: string;
}

export interface ArchiveContents {
  /** SHA-256 of the whole archive file. */
  readonly sha256: string;
  readonly root: string | undefined;
  readonly epoch: number | undefined;
  /** Every entry below the root, by path (MANIFEST.json included). */
  readonly entries: ReadonlyMap<string, FoundEntry>;
  readonly manifest: Uint8Array | undefined;
  /** The archive was read to its end-of-archive blocks (else `entries` is only a part of it). */
  readonly complete: boolean;
  /** Why the archive is not canonical or cannot be read to its end; empty when it is fine. */
  readonly problems: readonly string[];
}

/** Reads a file sequentially, hashing every byte it hands out. */
class Input {
  private readonly fd: number;
  private readonly buffer = new Uint8Array(CHUNK);
  private start = 0;
  private end = 0;
  private position = 0;
  readonly hash = createHash('sha256');
  /** Offset in the file of the next byte handed out. */
  offset = 0;

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  private fill(): boolean {
    const got = readSync(this.fd, this.buffer, 0, this.buffer.length, this.position);
    this.position += got;
    this.start = 0;
    this.end = got;
    return got > 0;
  }

  /** Hands out up to `length` bytes in pieces; returns how many there were (fewer at the end of the file). */
  take(length: number, piece: (bytes: Uint8Array) => void): number {
    let left = length;
    while (left > 0) {
      if (this.start === this.end && !this.fill()) break;
      const n = Math.min(left, this.end - this.start);
      const bytes = this.buffer.subarray(this.start, this.start + n);
      this.hash.update(bytes);
      piece(bytes);
      this.start += n;
      this.offset += n;
      left -= n;
    }
    return length - left;
  }

  /** Exactly `length` bytes, copied, or undefined at the end of the file. */
  block(length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    let at = 0;
    this.take(length, (bytes) => {
      out.set(bytes, at);
      at += bytes.length;
    });
    return at === length ? out : undefined;
  }

  /** Reads the rest of the file (hashing it); returns how many bytes there were. */
  drain(): number {
    let count = 0;
    this.take(Number.MAX_SAFE_INTEGER, (bytes) => (count += bytes.length));
    return count;
  }

  close(): void {
    closeSync(this.fd);
  }
}

const isZero = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0);

export function readBundleArchive(file: string): ArchiveContents {
  const input = new Input(file);
  const entries = new Map<string, FoundEntry>();
  const problems: string[] = [];
  let root: string | undefined;
  let epoch: number | undefined;
  let manifest: Uint8Array | undefined;
  let previous: string | undefined;
  let complete = false;
  try {
    for (;;) {
      const at = input.offset;
      const block = input.block(TAR_BLOCK);
      if (!block) {
        problems.push('the archive ends without its two end-of-archive blocks (truncated?)');
        break;
      }
      if (isZero(block)) {
        const second = input.block(TAR_BLOCK);
        if (!second || !isZero(second)) problems.push('the archive ends with a single zero block (truncated?)');
        else {
          complete = true;
          if (input.drain() > 0) problems.push('there are bytes after the end of the archive');
        }
        break;
      }
      const header = decodeTarHeader(block, at);
      if (!Buffer.from(encodeTarHeader(header)).equals(block)) {
        problems.push(
          `the header of "${header.path}" is not in the bundle's canonical form (not written by keyceremony)`,
        );
        break;
      }
      if (root === undefined) {
        if (header.type !== 'directory' || header.path.includes('/')) {
          problems.push('the archive does not start with its top-level directory');
          break;
        }
        root = header.path;
        epoch = header.mtime;
      } else {
        if (!header.path.startsWith(`${root}/`)) {
          problems.push(`"${header.path}" is outside the top-level directory ${root}/`);
          break;
        }
        if (previous !== undefined && comparePaths(previous, header.path) >= 0) {
          problems.push(`"${header.path}" is out of order or listed twice`);
          break;
        }
      }
      previous = header.path;
      if (header.mtime !== epoch) problems.push(`"${header.path}" has a different mtime from the rest`);
      if (header.mode !== 0o755 && !(header.type === 'file' && header.mode === 0o644))
        problems.push(`"${header.path}" has mode ${header.mode.toString(8)} (a bundle has 755 and 644 only)`);
      const hash = createHash('sha256');
      const keep = header.path === `${root}/${MANIFEST_FILE}` && header.size <= MAX_MANIFEST;
      const kept: Uint8Array[] = [];
      const got = input.take(header.size, (bytes) => {
        hash.update(bytes);
        if (keep) kept.push(bytes.slice());
      });
      if (got !== header.size) {
        problems.push(`"${header.path}" runs past the end of the archive (truncated?)`);
        break;
      }
      const padding = input.block(tarPadding(header.size));
      if (!padding) {
        problems.push(`"${header.path}" runs past the end of the archive (truncated?)`);
        break;
      }
      if (!isZero(padding)) problems.push(`the padding after "${header.path}" is not zero`);
      if (header.path === root) continue;
      const path = header.path.slice(root.length + 1);
      if (keep) manifest = Buffer.concat(kept);
      entries.set(path, {
        type: header.type,
        mode: header.mode,
        size: header.size,
        ...(header.type === 'file' ? { sha256: hash.digest('hex') } : {}),
      });
    }
  } catch (error) {
    if (!(error instanceof TarFormatError)) throw error;
    problems.push(`not a keyceremony bundle archive: ${error.message}`);
  } finally {
    input.drain(); // the file's hash covers all of it, however far the reading got
    input.close();
  }
  return { sha256: input.hash.digest('hex'), root, epoch, entries, manifest, complete, problems };
}
