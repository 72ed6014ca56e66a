/**
 * A minimal POSIX ustar archive, in memory: what a vault backup needs and nothing more.
 *
 * Why not the `tar` package: a backup is built from a few dozen small files that are already in memory (so that
 * exactly the bytes that were hashed are archived), and a restore must go through OutputTree (exclusive,
 * atomic, read back, rolled back on failure) rather than let an extractor write to disk. Regular files and
 * directories only; modes, sizes and mtimes in octal; names up to 255 bytes via the ustar prefix field. GNU tar
 * and bsdtar extract what this writes (the tests run `tar -x`), and the reader accepts what GNU tar writes in
 * ustar format — but refuses anything that could escape the target directory or is not a plain file/directory.
 *
 * The header encoding and decoding are exported for the offline bundle (src/bundle), which streams archives of
 * a few thousand files and a 100 MB Node.js binary through the same canonical headers.
 */
import { excerpt } from '../util/excerpt.js';

const BLOCK = 512;
export const TAR_BLOCK = BLOCK;

export interface TarEntry {
  /** Path with forward slashes, no leading slash; directories without a trailing slash. */
  readonly path: string;
  readonly type: 'file' | 'directory';
  /** Permission bits (e.g. 0o600). */
  readonly mode: number;
  /** Modification time, whole seconds since the epoch. */
  readonly mtime: number;
  /** File content (empty for directories). */
  readonly data: Uint8Array;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

function checkPath(path: string): void {
  if (
    path === '' ||
    path.startsWith('/') ||
    path.endsWith('/') ||
    path.split('/').some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new TarFormatError(`unsafe or malformed path "${path}"`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new TarFormatError(`path "${path}" contains control characters`);
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  const text = value.toString(8);
  if (text.length > width - 1) throw new TarFormatError(`value ${value} does not fit a ${width}-byte tar field`);
  return `${text.padStart(width - 1, '0')}\0`;
}

function putString(block: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > width) throw new TarFormatError(`${excerpt(text)} does not fit a ${width}-byte tar field`);
  block.set(bytes, offset);
}

/** Splits a long name into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitName(name: string): { prefix: string; name: string } {
  const length = (s: string): number => new TextEncoder().encode(s).length;
  if (length(name) <= 100) return { prefix: '', name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (length(prefix) <= 155 && length(rest) <= 100) return { prefix, name: rest };
  }
  throw new TarFormatError(`path "${name}" is too long for a ustar archive`);
}

/** What a ustar header says about one entry (the data follows the header, padded to whole blocks). */
export interface TarHeader {
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly mode: number;
  readonly mtime: number;
  /** Size of the data in bytes (0 for directories). */
  readonly size: number;
}

/**
 * One 512-byte ustar header: numeric owner and group 0, no owner names, the path split into prefix and name.
 * The same fields always give the same bytes, which is what makes archives reproducible.
 */
export function encodeTarHeader(entry: TarHeader): Uint8Array {
  checkPath(entry.path);
  const block = new Uint8Array(BLOCK);
  const { prefix, name } = splitName(entry.type === 'directory' ? `${entry.path}/` : entry.path);
  putString(block, 0, 100, name);
  putString(block, 100, 8, octal(entry.mode & 0o7777, 8));
  putString(block, 108, 8, octal(0, 8)); // uid
  putString(block, 116, 8, octal(0, 8)); // gid
  putString(block, 124, 12, octal(entry.type === 'file' ? entry.size : 0, 12));
  putString(block, 136, 12, octal(entry.mtime, 12));
  putString(block, 148, 8, '        '); // checksum placeholder: spaces while summing
  block[156] = entry.type === 'file' ? 0x30 : 0x35; // '0' regular file, '5' directory
  putString(block, 257, 6, 'ustar\0');
  putString(block, 263, 2, '00');
  putString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  putString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** The zero padding after `size` bytes of data, up to the next block boundary. */
export function tarPadding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Writes entries in the order given; parents must come before their children (tar -x creates them anyway). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const seen = new Set<string>();
  let size = 2 * BLOCK;
  for (const entry of entries) {
    checkPath(entry.path);
    if (seen.has(entry.path)) throw new TarFormatError(`duplicate path "${entry.path}"`);
    seen.add(entry.path);
    if (entry.type === 'directory' && entry.data.length > 0)
      throw new TarFormatError(`directory "${entry.path}" has content`);
    size += BLOCK + Math.ceil(entry.data.length / BLOCK) * BLOCK;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const entry of entries) {
    out.set(encodeTarHeader({ ...entry, size: entry.data.length }), offset);
    offset += BLOCK;
    out.set(entry.data, offset);
    offset += Math.ceil(entry.data.length / BLOCK) * BLOCK;
  }
  return out; // the two zero blocks that end the archive are already there
}

function readString(block: Uint8Array, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const end = field.indexOf(0);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(end === -1 ? field : field.subarray(0, end));
  } catch {
    throw new TarFormatError(`header field at byte ${offset} is not UTF-8`);
  }
}

function readOctal(block: Uint8Array, offset: number, width: number, what: string): number {
  const text = readString(block, offset, width).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad ${what} field ${excerpt(text)}`);
  return Number.parseInt(text, 8);
}

/**
 * Decodes one header block (`offset`: where it starts in the archive, for messages). Throws TarFormatError for a
 * bad checksum, a header that is not ustar, an entry that is neither a regular file nor a directory (links,
 * devices, GNU/pax extensions), or an unsafe path.
 */
export function decodeTarHeader(block: Uint8Array, offset: number): TarHeader {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  if (readOctal(block, 148, 8, 'checksum') !== sum)
    throw new TarFormatError(`header checksum mismatch at byte ${offset}`);
  if (readString(block, 257, 6) !== 'ustar') throw new TarFormatError(`entry at byte ${offset} is not a ustar header`);
  const prefix = readString(block, 345, 155);
  const name = readString(block, 0, 100);
  const full = prefix ? `${prefix}/${name}` : name;
  const flag = block[156];
  const type = flag === 0x30 || flag === 0 ? 'file' : flag === 0x35 ? 'directory' : undefined;
  if (!type)
    throw new TarFormatError(
      `entry "${full}" is not a regular file or directory (type ${String.fromCharCode(flag ?? 0)})`,
    );
  const path = type === 'directory' ? full.replace(/\/$/, '') : full;
  checkPath(path);
  const size = readOctal(block, 124, 12, 'size');
  if (type === 'directory' && size !== 0) throw new TarFormatError(`directory entry "${path}" has a size`);
  return {
    path,
    type,
    mode: readOctal(block, 100, 8, 'mode') & 0o7777,
    mtime: readOctal(block, 136, 12, 'mtime'),
    size,
  };
}

/**
 * Reads a ustar archive. Throws TarFormatError for a damaged archive (checksum, truncation), for entries that
 * are neither regular files nor directories (links, devices, GNU/pax extensions), and for unsafe paths.
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  if (archive.length % BLOCK !== 0)
    throw new TarFormatError('archive length is not a multiple of 512 bytes (truncated?)');
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > archive.length)
      throw new TarFormatError('archive ends without its end-of-archive blocks (truncated?)');
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) {
      const next = archive.subarray(offset + BLOCK, offset + 2 * BLOCK);
      if (next.length !== BLOCK || !next.every((b) => b === 0))
        throw new TarFormatError('archive ends with a single zero block (truncated?)');
      break;
    }
    const { path, type, mode, mtime, size } = decodeTarHeader(block, offset);
    if (seen.has(path)) throw new TarFormatError(`duplicate entry "${path}"`);
    seen.add(path);
    const start = offset + BLOCK;
    if (start + size > archive.length)
      throw new TarFormatError(`entry "${path}" runs past the end of the archive (truncated?)`);
    entries.push({ path, type, mode, mtime, data: archive.slice(start, start + size) });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
