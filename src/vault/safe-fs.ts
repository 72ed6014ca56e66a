/**
 * The one way keyceremony writes files that may hold a secret, and reads them back.
 *
 * Threat: another local account (or anything that ran before the ceremony) plants a symbolic link, a FIFO or a
 * directory of its own where keyceremony will write, so that a share sheet or a key lands where the attacker
 * can read it, or the ceremony hangs. The rules, enforced here and nowhere else:
 *
 * - Every directory keyceremony writes into is one it created itself (mkdir, which never follows a link and
 *   fails if anything is there) or one it checked: a real directory (not a link), owned by the user running
 *   the ceremony, not writable by others. Secret trees must be 0700: a looser one of our own is tightened and
 *   the operator is told; a shared (sticky) directory, one owned by someone else, or one whose mode cannot be
 *   changed (a FAT medium mounted with umask=000) is refused.
 * - A checked directory is pinned by device and inode. Every later operation opens it again (O_NOFOLLOW |
 *   O_DIRECTORY), compares the pin and walks down one component at a time relative to the open descriptor, so
 *   swapping a path component for a link between the check and the write cannot redirect a write. Node has no
 *   openat(2); `/proc/self/fd/N/name` is its exact equivalent on Linux (the kernel resolves the magic link to
 *   the open directory itself, whatever its path is by then), and keyceremony runs on Linux only.
 * - Files are created with O_CREAT | O_EXCL | O_NOFOLLOW (a planted link, FIFO or file makes the open fail) and
 *   read with O_NOFOLLOW | O_NONBLOCK, refusing anything that is not a regular file (a FIFO cannot block a read).
 * - Links on the way to a tree are followed only when they cannot have been planted: owned by root or by us,
 *   inside a directory owned by root or by us that nobody else can write (or a sticky one). A link at or below
 *   the top of an output tree is always refused.
 */
import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import {
  type FileHandle,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readlink,
  rename,
  rmdir,
  unlink,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { bug, KeyceremonyError } from '../errors.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK;
const STICKY = 0o1000;
const MAX_LINKS = 40;

export const PRIVATE_DIRECTORY_MODE = 0o700;

/** Names of the temporary files of atomic replacements: never part of what a tree holds. */
export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** What a directory's checks ask for: secret trees 0700, public ones merely not writable by others. */
export interface DirectoryPolicy {
  readonly secret: boolean;
  /** Told when a directory of ours had to be tightened (the operator must hear about it). */
  readonly notify?: ((message: string) => void) | undefined;
}

/** Why an output directory refuses a new file, for the errors the user can fix (a typo, a read-only medium). */
const unwritable: Readonly<Record<string, string>> = {
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file is too large for the file system',
  EIO: 'an input/output error (the medium may be failing)',
};

const errnoOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? '';

function mapWriteError(error: unknown, path: string): unknown {
  const reason = unwritable[errnoOf(error)];
  return reason ? new KeyceremonyError('OUTPUT_UNWRITABLE', `cannot write ${path}: ${reason}`) : error;
}

function unsafe(message: string): KeyceremonyError {
  return new KeyceremonyError('UNSAFE_PATH', message);
}

function uid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : -1;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a directory';
  return 'a file';
}

let procChecked = false;
function requireProc(): void {
  if (procChecked) return;
  if (!existsSync('/proc/self/fd')) {
    throw new KeyceremonyError(
      'ENVIRONMENT',
      'keyceremony needs /proc (Linux) to write files safely; /proc is not mounted',
    );
  }
  procChecked = true;
}

/** The path of `name` inside the directory open as `handle`, resolved by the kernel relative to the descriptor. */
function at(handle: FileHandle, name = ''): string {
  return name ? `/proc/self/fd/${handle.fd}/${name}` : `/proc/self/fd/${handle.fd}`;
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function splitRelative(rel: string): string[] {
  if (rel === '') return [];
  const parts = rel.split('/');
  if (isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw bug(`invalid relative path "${rel}"`);
  }
  return parts;
}

/**
 * Checks a directory we are about to write into (or created): ours, and not open to others. A secret one must
 * be 0700, a public one not group/world writable; a looser one of ours is tightened and the operator told.
 */
async function checkOwnDirectory(
  handle: FileHandle,
  path: string,
  policy: DirectoryPolicy,
  created: boolean,
): Promise<void> {
  const info = await handle.stat();
  if (info.uid !== uid()) {
    throw unsafe(`${path} is owned by uid ${info.uid}, not by you (uid ${uid()}): refusing to write into it`);
  }
  if (created) {
    // mkdir's mode was narrowed (or not) by the umask; a directory we created is exactly 0700.
    if ((info.mode & 0o7777) !== PRIVATE_DIRECTORY_MODE) await handle.chmod(PRIVATE_DIRECTORY_MODE);
    return;
  }
  const loose = info.mode & (policy.secret ? 0o077 : 0o022);
  if (loose === 0) return;
  if (info.mode & STICKY) {
    throw unsafe(`${path} is a shared directory (mode ${octal(info.mode)}): give a directory of its own`);
  }
  const wanted = policy.secret ? PRIVATE_DIRECTORY_MODE : info.mode & 0o7777 & ~0o022;
  try {
    await handle.chmod(wanted);
  } catch {
    /* judged below */
  }
  const after = await handle.stat();
  if ((after.mode & 0o7777) !== wanted) {
    throw unsafe(
      `${path} has mode ${octal(info.mode)} (open to other users) and it cannot be changed to ${octal(wanted)} (a medium mounted without owner and umask options?): mount it with uid=${uid()},umask=077 or give another directory`,
    );
  }
  (policy.notify ?? warnOnStderr)(
    `${path} had mode ${octal(info.mode)} (open to other users); tightened to ${octal(wanted)}`,
  );
}

function warnOnStderr(message: string): void {
  process.stderr.write(`keyceremony: warning: ${message}\n`);
}

/** A link on the way to an output tree is followed only if nobody but root or we could have put it there. */
function trustedLink(linkInfo: Stats, parentInfo: Stats): boolean {
  const me = uid();
  const ownedByUs = (owner: number): boolean => owner === 0 || owner === me;
  const parentClosed = (parentInfo.mode & 0o022) === 0 || (parentInfo.mode & STICKY) !== 0;
  return ownedByUs(linkInfo.uid) && ownedByUs(parentInfo.uid) && parentClosed;
}

export interface OpenDirectoryOptions extends DirectoryPolicy {
  /** Create the directory (and missing parents, 0700) when it does not exist. */
  readonly create: boolean;
  /**
   * The top of what belongs to the output (itself `path` or an ancestor of it): from there down every directory
   * must be ours and is never a link. Above it only trusted links are followed. Defaults to `path`.
   */
  readonly base?: string;
  /** What the directory is, for messages ("the vault directory"). */
  readonly what: string;
}

/**
 * Opens (creating it if asked) the directory at `path` by walking from `/` one component at a time, checking
 * each as described above. Undefined when it does not exist and `create` is false; nothing is created then.
 */
async function walkToDirectory(
  path: string,
  options: OpenDirectoryOptions,
  created: string[],
): Promise<SafeDir | undefined> {
  requireProc();
  let parts = resolve(path).split('/').filter(Boolean);
  let baseDepth = resolve(options.base ?? path)
    .split('/')
    .filter(Boolean).length;
  if (baseDepth > parts.length) throw bug('the base of a directory must be the directory or an ancestor');
  let links = 0;
  restart: for (;;) {
    let current = await open('/', DIR_FLAGS);
    let currentInfo = await current.stat();
    let currentPath = '/';
    try {
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i] as string;
        const childPath = join(currentPath, name);
        const inside = i + 1 >= baseDepth;
        let justCreated = false;
        let info = await lstatOrUndefined(at(current, name));
        if (!info) {
          if (!options.create) return undefined;
          try {
            await mkdir(at(current, name), { mode: PRIVATE_DIRECTORY_MODE });
            created.push(childPath);
            justCreated = true;
          } catch (error) {
            if (errnoOf(error) !== 'EEXIST') throw mapWriteError(error, childPath);
          }
          info = await lstat(at(current, name));
        }
        if (info.isSymbolicLink()) {
          if (inside) {
            throw unsafe(
              `${childPath} is a symbolic link: refusing to follow it for ${options.what} (give the directory itself)`,
            );
          }
          if (!trustedLink(info, currentInfo)) {
            throw unsafe(
              `${childPath} is a symbolic link that another user could have planted (owned by uid ${info.uid} in ${currentPath}): refusing to follow it`,
            );
          }
          if (++links > MAX_LINKS) throw unsafe(`too many symbolic links on the way to ${path}`);
          const target = resolve(currentPath, await readlink(at(current, name)));
          const targetParts = target.split('/').filter(Boolean);
          baseDepth = baseDepth - (i + 1) + targetParts.length;
          parts = [...targetParts, ...parts.slice(i + 1)];
          await current.close();
          continue restart;
        }
        if (info.isFile()) {
          throw new KeyceremonyError(
            'OUTPUT_NOT_EMPTY',
            `${childPath} exists and is not a directory (${options.what})`,
          );
        }
        if (!info.isDirectory()) {
          throw unsafe(`${childPath} is ${kindOf(info)}, not a directory: refusing it for ${options.what}`);
        }
        const child = await open(at(current, name), DIR_FLAGS);
        const childInfo = await child.stat();
        if (childInfo.dev !== info.dev || childInfo.ino !== info.ino) {
          await child.close();
          throw unsafe(`${childPath} changed while it was being checked: refusing it`);
        }
        if (inside) {
          try {
            await checkOwnDirectory(child, childPath, options, justCreated);
          } catch (error) {
            await child.close();
            throw error;
          }
        }
        await current.close();
        current = child;
        currentInfo = await child.stat();
        currentPath = childPath;
      }
      return new SafeDir(resolve(path), currentInfo.dev, currentInfo.ino, options);
    } finally {
      await current.close().catch(() => undefined);
    }
  }
}

/**
 * A directory keyceremony created or checked, pinned by device and inode. Paths given to its methods are
 * relative to it, with forward slashes; every operation walks them without following links.
 */
export class SafeDir {
  readonly path: string;
  readonly #dev: number;
  readonly #ino: number;
  readonly #policy: DirectoryPolicy;

  constructor(path: string, dev: number, ino: number, policy: DirectoryPolicy) {
    this.path = path;
    this.#dev = dev;
    this.#ino = ino;
    this.#policy = { secret: policy.secret, notify: policy.notify };
  }

  /** Opens the directory at `path` (see walkToDirectory); undefined when missing and not to be created. */
  static async open(
    path: string,
    options: OpenDirectoryOptions,
  ): Promise<{ dir: SafeDir | undefined; created: string[] }> {
    const created: string[] = [];
    try {
      return { dir: await walkToDirectory(path, options, created), created };
    } catch (error) {
      // A refused walk leaves nothing behind: remove what it created, deepest first.
      for (const dir of [...created].reverse()) await rmdir(dir).catch(() => undefined);
      throw error;
    }
  }

  /** True when `path` (not following a link) is still this directory. */
  async isStillAt(path = this.path): Promise<boolean> {
    const info = await lstatOrUndefined(path);
    return info !== undefined && info.isDirectory() && info.dev === this.#dev && info.ino === this.#ino;
  }

  /** The same directory, or an error if it was replaced since it was checked. */
  async #open(): Promise<FileHandle> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, DIR_FLAGS);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') throw unsafe(`${this.path} disappeared while the ceremony ran`);
      throw unsafe(`${this.path} is no longer the directory that was checked (${errnoOf(error) || 'changed'})`);
    }
    const info = await handle.stat();
    if (info.dev !== this.#dev || info.ino !== this.#ino) {
      await handle.close();
      throw unsafe(`${this.path} was replaced while the ceremony ran: refusing to write into it`);
    }
    return handle;
  }

  /** Opens `parts` below this directory; creates missing ones (0700) when `created` is given, recording them. */
  async #walk(root: FileHandle, parts: readonly string[], created?: string[]): Promise<FileHandle | undefined> {
    let current = root;
    let rel = '';
    for (const name of parts) {
      rel = rel ? `${rel}/${name}` : name;
      const shown = join(this.path, rel);
      let justCreated = false;
      let child: FileHandle | undefined;
      try {
        child = await open(at(current, name), DIR_FLAGS);
      } catch (error) {
        const code = errnoOf(error);
        if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') {
          if (current !== root) await current.close();
          throw mapWriteError(error, shown);
        }
        if (code === 'ENOENT' && created) {
          try {
            await mkdir(at(current, name), { mode: PRIVATE_DIRECTORY_MODE });
            created.push(rel);
            justCreated = true;
          } catch (mkdirError) {
            if (errnoOf(mkdirError) !== 'EEXIST') {
              if (current !== root) await current.close();
              throw mapWriteError(mkdirError, shown);
            }
          }
          child = await open(at(current, name), DIR_FLAGS).catch(() => undefined);
        }
        if (!child) {
          const info = await lstatOrUndefined(at(current, name));
          if (current !== root) await current.close();
          if (!info) return undefined;
          throw unsafe(`${shown} is ${kindOf(info)}, not a directory made by keyceremony: refusing to use it`);
        }
      }
      if (current !== root) await current.close();
      try {
        await checkOwnDirectory(child, shown, this.#policy, justCreated);
      } catch (error) {
        await child.close();
        throw error;
      }
      current = child;
    }
    return current;
  }

  /** Runs `fn` with the open directory holding `rel` and the file's name in it. */
  async #inParent<T>(
    rel: string,
    created: string[] | undefined,
    fn: (dir: FileHandle, name: string) => Promise<T>,
  ): Promise<T> {
    const parts = splitRelative(rel);
    const name = parts.pop();
    if (name === undefined) throw bug('a file path is needed');
    const root = await this.#open();
    try {
      const dir = await this.#walk(root, parts, created);
      if (!dir) {
        // An errno-shaped error, as fs would throw: callers test `code === 'ENOENT'` like any other fs error.
        // eslint-disable-next-line no-restricted-syntax
        const error = new Error(`ENOENT: no such directory, ${join(this.path, ...parts)}`) as NodeJS.ErrnoException;
        error.code = 'ENOENT';
        throw error;
      }
      try {
        return await fn(dir, name);
      } finally {
        if (dir !== root) await dir.close();
      }
    } finally {
      await root.close();
    }
  }

  /** Why an existing entry refuses a new file: a planted link or FIFO is unsafe, a file is an existing output. */
  async #refuseExisting(dir: FileHandle, name: string, shown: string): Promise<never> {
    const info = await lstatOrUndefined(at(dir, name));
    if (info && !info.isFile()) throw unsafe(`${shown} is ${kindOf(info)} that keyceremony did not make: refusing it`);
    throw new KeyceremonyError('OUTPUT_EXISTS', `refusing to overwrite ${shown}`);
  }

  /**
   * Creates `rel` with `data` (O_CREAT|O_EXCL|O_NOFOLLOW, then fsync, file and directory); missing directories
   * on the way are made 0700 and pushed onto `created`. Never overwrites; a failed write leaves no file.
   */
  async createFile(rel: string, data: Uint8Array, mode: number, created: string[] = []): Promise<void> {
    const shown = join(this.path, rel);
    await this.#inParent(rel, created, async (dir, name) => {
      let handle: FileHandle;
      try {
        handle = await open(at(dir, name), CREATE_FLAGS, mode);
      } catch (error) {
        if (errnoOf(error) === 'EEXIST') return this.#refuseExisting(dir, name, shown);
        throw mapWriteError(error, shown);
      }
      try {
        await handle.writeFile(data);
        await handle.chmod(mode); // the umask may have narrowed or widened the mode given to open()
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(at(dir, name)).catch(() => undefined);
        throw mapWriteError(error, shown);
      }
      await handle.close();
      await dir.sync().catch(() => undefined);
    });
  }

  /**
   * Replaces the regular file `rel` atomically: a temporary file beside it (created exclusively), fsynced, then
   * renamed over it. A link or FIFO in its place is refused, not replaced.
   */
  async replaceFile(rel: string, data: Uint8Array, mode: number): Promise<void> {
    const shown = join(this.path, rel);
    await this.#inParent(rel, undefined, async (dir, name) => {
      const existing = await lstatOrUndefined(at(dir, name));
      if (existing && !existing.isFile()) throw unsafe(`${shown} is ${kindOf(existing)}: refusing to replace it`);
      const temp = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
      let handle: FileHandle;
      try {
        handle = await open(at(dir, temp), CREATE_FLAGS, mode);
      } catch (error) {
        throw mapWriteError(error, shown);
      }
      try {
        await handle.writeFile(data);
        await handle.chmod(mode);
        await handle.sync();
        await handle.close();
        await rename(at(dir, temp), at(dir, name));
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(at(dir, temp)).catch(() => undefined);
        throw mapWriteError(error, shown);
      }
      await dir.sync().catch(() => undefined);
    });
  }

  /** Reads the regular file `rel` (never through a link, never blocking on a FIFO). */
  async readFile(rel: string): Promise<Uint8Array> {
    const shown = join(this.path, rel);
    return this.#inParent(rel, undefined, async (dir, name) => {
      let handle: FileHandle;
      try {
        handle = await open(at(dir, name), READ_FLAGS);
      } catch (error) {
        if (errnoOf(error) === 'ELOOP') throw unsafe(`${shown} is a symbolic link: refusing to read through it`);
        throw error;
      }
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw unsafe(`${shown} is ${kindOf(info)}, not a file: refusing to read it`);
        return new Uint8Array(await handle.readFile());
      } finally {
        await handle.close();
      }
    });
  }

  /** The entry `rel` itself (a link is not followed), or undefined when there is none. */
  async lstat(rel: string): Promise<Stats | undefined> {
    try {
      return await this.#inParent(rel, undefined, (dir, name) => lstatOrUndefined(at(dir, name)));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The names in directory `rel` ('' for this one); [] when it does not exist. */
  async list(rel = ''): Promise<string[]> {
    const root = await this.#open();
    try {
      const dir = await this.#walk(root, splitRelative(rel));
      if (!dir) return [];
      try {
        return await readdir(at(dir));
      } finally {
        if (dir !== root) await dir.close();
      }
    } finally {
      await root.close();
    }
  }

  /** Hard-links the regular file `from` to the new name `to` (both relative; `to`'s directories are made). */
  async hardLink(from: string, to: string, created: string[] = []): Promise<void> {
    await this.#inParent(from, undefined, async (fromDir, fromName) => {
      const info = await lstatOrUndefined(at(fromDir, fromName));
      if (!info?.isFile()) throw unsafe(`${join(this.path, from)} is not a regular file: refusing to link it`);
      await this.#inParent(to, created, async (toDir, toName) => {
        try {
          await link(at(fromDir, fromName), at(toDir, toName));
        } catch (error) {
          if (errnoOf(error) === 'EEXIST') return this.#refuseExisting(toDir, toName, join(this.path, to));
          throw mapWriteError(error, join(this.path, to));
        }
      });
    });
  }

  /** Removes the file `rel` (a link is removed, not followed). Missing is fine. */
  async remove(rel: string): Promise<void> {
    await this.#inParent(rel, undefined, (dir, name) => unlink(at(dir, name))).catch((error: unknown) => {
      if (errnoOf(error) !== 'ENOENT') throw error;
    });
  }

  /** Removes the empty directory `rel`. Missing is fine. */
  async removeDirectory(rel: string): Promise<void> {
    await this.#inParent(rel, undefined, (dir, name) => rmdir(at(dir, name))).catch((error: unknown) => {
      if (errnoOf(error) !== 'ENOENT') throw error;
    });
  }
}

/**
 * A fresh private temporary directory (mkdtemp: unpredictable name, 0700), checked to be ours and private
 * before anything goes into it.
 */
export async function privateTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const info = await lstat(dir);
  if (!info.isDirectory() || info.uid !== uid() || (info.mode & 0o077) !== 0) {
    await rmdir(dir).catch(() => undefined);
    throw unsafe(`the temporary directory ${dir} is not a private directory of ours: refusing it`);
  }
  return dir;
}
