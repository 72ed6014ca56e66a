/**
 * Exclusive, atomic, durable writes of single PUBLIC files next to the user's own files (detached signatures
 * beside a release, a printable runbook, a notary server's public keys). Nothing secret is written here: secrets
 * go through output trees and safe-fs.ts, which also check whose directory they land in.
 *
 * A file is written to a temporary name in the same directory (O_CREAT|O_EXCL, which never follows a link),
 * fsynced, then hard-linked to its final name — link(2) fails if the name exists, even as a dangling link, so
 * nothing is ever overwritten or written through a link — and the directory is fsynced. Readers never see a
 * half-written file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KeyceremonyError } from '../errors.js';

/** Why an output directory refuses a new file, for the errors the user can fix (a typo, a read-only medium). */
const unwritable: Readonly<Record<string, string>> = {
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};

async function writeTemp(dir: string, name: string, data: Uint8Array | string, mode: number): Promise<string> {
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temp, 'wx', mode);
  } catch (error) {
    const reason = unwritable[(error as NodeJS.ErrnoException).code ?? ''];
    if (reason) throw new KeyceremonyError('OUTPUT_UNWRITABLE', `cannot write ${join(dir, name)}: ${reason}`);
    throw error;
  }
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed or widened the mode given to open()
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `path` with `data`; fails with OUTPUT_EXISTS if it exists. */
export async function writeFileExclusive(path: string, data: Uint8Array | string, mode: number): Promise<void> {
  const dir = dirname(path);
  const temp = await writeTemp(dir, basename(path), data, mode);
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyceremonyError('OUTPUT_EXISTS', `refusing to overwrite ${path}`);
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await fsyncDirectory(dir);
}

/** Replaces `path` atomically (rename over it). Only for files whose previous version was archived first. */
export async function replaceFileAtomic(path: string, data: Uint8Array | string, mode: number): Promise<void> {
  const dir = dirname(path);
  const temp = await writeTemp(dir, basename(path), data, mode);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dir);
}
