/**
 * Reading files the user named (scripts, keys, keyrings, signatures, passphrase, answers and share files,
 * public trees). A file that cannot be read is INPUT_NOT_FOUND naming it and the reason, never an internal
 * error. Only regular files are read (a FIFO or device named by mistake — or planted — cannot make the tool hang
 * or read forever), and never more than the caller's limit: a file too large to be what it should be is refused
 * before it is read.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { type ErrorCode, KeyceremonyError } from '../errors.js';

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/** The default limit: far above any key, keyring, signature or transcript keyceremony reads whole. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export interface InputFileOptions {
  /** Refuse files larger than this (default MAX_INPUT_BYTES). */
  readonly maxBytes?: number;
  /** Error code for an unreadable file (default INPUT_NOT_FOUND) and for one refused (default INPUT_INVALID). */
  readonly code?: ErrorCode;
  /** Also read a pipe (`--passphrase-file <(pass show x)`), up to maxBytes. */
  readonly allowPipe?: boolean;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(1)} MiB`
    : n >= 1024
      ? `${Math.ceil(n / 1024)} KiB`
      : `${n} bytes`;
}

async function readBounded(handle: FileHandle, max: number, tooLarge: () => never): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > max) tooLarge();
    chunks.push(buffer.subarray(0, bytesRead));
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/** The bytes of `path`; `what` says what it is ("key file", "keyring"). */
export async function readInputFile(path: string, what: string, options: InputFileOptions = {}): Promise<Uint8Array> {
  const max = options.maxBytes ?? MAX_INPUT_BYTES;
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO without a writer must not hang; regular files ignore it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new KeyceremonyError(options.code ?? 'INPUT_NOT_FOUND', `cannot read ${what} ${path} (${reason(error)})`);
  }
  const refused = (why: string): never => {
    throw new KeyceremonyError(options.code ?? 'INPUT_INVALID', `${what} ${path} ${why}`);
  };
  try {
    const info = await handle.stat();
    const tooLarge = (): never => refused(`is larger than ${formatBytes(max)}: too large to be a ${what}`);
    if (info.isFIFO() && options.allowPipe) {
      // Read the pipe blocking, as a shell redirection would.
      await handle.close();
      handle = await open(path, constants.O_RDONLY);
      return await readBounded(handle, max, tooLarge);
    }
    if (info.isDirectory()) refused('is a directory');
    if (!info.isFile()) refused('is not a regular file');
    if (info.size > max) tooLarge();
    return await readBounded(handle, max, tooLarge);
  } catch (error) {
    if (error instanceof KeyceremonyError) throw error;
    throw new KeyceremonyError(options.code ?? 'INPUT_NOT_FOUND', `cannot read ${what} ${path} (${reason(error)})`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The bytes of `path`, or undefined when there is no such file (any other failure is an error). */
export async function readOptionalFile(path: string, what = 'file'): Promise<Uint8Array | undefined> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyceremonyError('INPUT_NOT_FOUND', `cannot read ${path} (${reason(error)})`);
  }
  return readInputFile(path, what);
}
