/**
 * An output tree of a ceremony (the vault, the public tree, hand-off, backup media, share sheets).
 *
 * Every write is exclusive, read back and compared; directories are 0700, secret files 0600. All of it goes
 * through safe-fs.ts: the tree's directory is one keyceremony created or checked (ours, not a link, not open to
 * other users), pinned, and nothing is ever written or read through a link. The tree remembers what it created
 * so a failed ceremony can be rolled back to exactly where it started: a ceremony either completes with a
 * signed transcript or leaves nothing behind.
 */
import { sha256Hex } from '../crypto/index.js';
import { rmdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { bug, KeyceremonyError } from '../errors.js';
import { PRIVATE_DIRECTORY_MODE, SafeDir } from './safe-fs.js';
import type { SecretGuard } from './secret-guard.js';

export type TreeName = 'vault' | 'public' | 'handoff' | `media/${string}` | `sheets/${string}`;

export interface WrittenFile {
  readonly tree: TreeName;
  /** Path relative to the tree root, with forward slashes. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export const DIRECTORY_MODE = PRIVATE_DIRECTORY_MODE;
export const SECRET_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

function checkRelative(rel: string): void {
  if (rel === '' || isAbsolute(rel) || rel.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw bug(`invalid output path "${rel}"`);
  }
}

export interface TreeOptions {
  /** Secret trees (vault, hand-off, media, sheets) get 0600 files in 0700 directories. */
  readonly secret: boolean;
  /** Public trees are scanned by the secret guard before every write. */
  readonly guard?: SecretGuard | undefined;
  /**
   * The top of what belongs to this output, if above the tree (the share-sheet folder above one custodian's
   * sheets): from there down everything must be ours and private. Defaults to the tree's own directory.
   */
  readonly base?: string | undefined;
  /**
   * Each first-level folder (a signer's hand-off folder) must be made by this ceremony: one that exists
   * already is refused, as every other existing output is.
   */
  readonly newFolders?: boolean | undefined;
  /** Told when an existing directory of ours was open to other users and had to be tightened. */
  readonly notify?: ((message: string) => void) | undefined;
}

/** Checks an existing tree directory (or finds it missing), refusing links and others' directories. */
async function inspect(name: string, root: string, options: TreeOptions): Promise<SafeDir | undefined> {
  const { dir } = await SafeDir.open(root, {
    what: `the ${name} directory`,
    create: false,
    secret: options.secret,
    base: options.base,
    notify: options.notify,
  });
  return dir;
}

export class OutputTree {
  readonly name: TreeName;
  readonly root: string;
  readonly secret: boolean;
  readonly #options: TreeOptions;
  #dir: SafeDir | undefined;
  /** Directories made on the way to the tree (and the tree's own), absolute, parents first. */
  readonly #createdOutside: string[] = [];
  readonly #createdDirs: string[] = [];
  readonly #createdFiles: string[] = [];
  readonly #replaced: { rel: string; archive: string | Uint8Array }[] = [];
  readonly #written: WrittenFile[] = [];

  private constructor(name: TreeName, root: string, dir: SafeDir | undefined, options: TreeOptions) {
    this.name = name;
    this.root = root;
    this.secret = options.secret;
    this.#dir = dir;
    this.#options = options;
  }

  /**
   * Opens a tree that must be new or empty (a fresh vault, public tree, hand-off or medium). Checks only;
   * nothing is created until the first write, so a refused ceremony leaves no trace.
   */
  static async fresh(name: TreeName, root: string, options: TreeOptions): Promise<OutputTree> {
    const absolute = resolve(root);
    const dir = await inspect(name, absolute, options);
    if (dir && (await dir.list()).length > 0) {
      throw new KeyceremonyError(
        'OUTPUT_NOT_EMPTY',
        `the ${name} directory ${absolute} is not empty; give a new or empty directory`,
      );
    }
    return new OutputTree(name, absolute, dir, options);
  }

  /** Opens a tree that may already hold files from earlier ceremonies (new files are still never overwritten). */
  static async reusable(name: TreeName, root: string, options: TreeOptions): Promise<OutputTree> {
    const absolute = resolve(root);
    return new OutputTree(name, absolute, await inspect(name, absolute, options), options);
  }

  /** Opens an existing tree (a vault for a rotation session, a public tree to republish). */
  static async existing(name: TreeName, root: string, options: TreeOptions): Promise<OutputTree> {
    const absolute = resolve(root);
    const dir = await inspect(name, absolute, options);
    if (!dir) throw new KeyceremonyError('INPUT_NOT_FOUND', `the ${name} directory ${absolute} does not exist`);
    return new OutputTree(name, absolute, dir, options);
  }

  path(rel: string): string {
    checkRelative(rel);
    return join(this.root, ...rel.split('/'));
  }

  /** Every file written (or replaced) through this tree, in order. */
  get written(): readonly WrittenFile[] {
    return this.#written;
  }

  async exists(rel: string): Promise<boolean> {
    checkRelative(rel);
    return (await this.#dir?.lstat(rel)) !== undefined;
  }

  /** A file of the tree, read without following links (a link or FIFO in the tree is refused). */
  async read(rel: string): Promise<Uint8Array> {
    checkRelative(rel);
    if (!this.#dir) {
      // An errno-shaped error, as fs would throw: callers test `code === 'ENOENT'` like any other fs error.
      // eslint-disable-next-line no-restricted-syntax
      const error = new Error(`ENOENT: no such file, ${this.path(rel)}`) as NodeJS.ErrnoException;
      error.code = 'ENOENT';
      throw error;
    }
    return this.#dir.readFile(rel);
  }

  async list(relDir: string): Promise<string[]> {
    checkRelative(relDir);
    return ((await this.#dir?.list(relDir)) ?? []).filter((n) => !n.startsWith('.')).sort();
  }

  /** The tree's directory, created (with missing parents) on the first write. */
  async #directory(): Promise<SafeDir> {
    if (this.#dir) return this.#dir;
    const { dir, created } = await SafeDir.open(this.root, {
      what: `the ${this.name} directory`,
      create: true,
      secret: this.secret,
      base: this.#options.base,
      notify: this.#options.notify,
    });
    this.#createdOutside.push(...created);
    if (!dir) throw bug(`${this.root} was not created`);
    this.#dir = dir;
    return dir;
  }

  #fileMode(): number {
    return this.secret ? SECRET_FILE_MODE : PUBLIC_FILE_MODE;
  }

  async #readBack(dir: SafeDir, rel: string, expected: string, size: number): Promise<WrittenFile> {
    const back = await dir.readFile(rel);
    const digest = sha256Hex(back);
    if (digest !== expected || back.length !== size) {
      throw new KeyceremonyError('CHECK_FAILED', `read-back of ${this.name}/${rel} does not match what was written`);
    }
    const file: WrittenFile = { tree: this.name, path: rel, sha256: digest, size };
    this.#written.push(file);
    return file;
  }

  /** A signer's hand-off folder (first-level folder of a `newFolders` tree) must be made by this ceremony. */
  async #checkNewFolder(dir: SafeDir, rel: string): Promise<void> {
    const parts = rel.split('/');
    if (!this.#options.newFolders || parts.length < 2) return;
    const folder = parts[0] as string;
    if (this.#createdDirs.includes(folder)) return;
    if ((await dir.lstat(folder)) !== undefined) {
      throw new KeyceremonyError(
        'OUTPUT_EXISTS',
        `${this.path(folder)} exists already: a ${this.name} folder is made new by each ceremony (move the old one away or give another directory)`,
      );
    }
  }

  /** Creates a new file; never overwrites. */
  async write(rel: string, data: Uint8Array | string): Promise<WrittenFile> {
    checkRelative(rel);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (!this.secret) this.#options.guard?.assertClean(bytes, `${this.name}/${rel}`);
    const dir = await this.#directory();
    await this.#checkNewFolder(dir, rel);
    await dir.createFile(rel, bytes, this.#fileMode(), this.#createdDirs);
    this.#createdFiles.push(rel);
    return this.#readBack(dir, rel, sha256Hex(bytes), bytes.length);
  }

  /**
   * Replaces a file that changes from ceremony to ceremony (inventory, secret key files, KEYS). In secret
   * trees the previous version is kept under `.history/` with a timestamp, so nothing secret is ever lost; in
   * the public tree (derived from the vault, every version's hash in a transcript) it is kept in memory only,
   * to be restored if the ceremony fails.
   */
  async replace(rel: string, data: Uint8Array | string, stamp: Date): Promise<WrittenFile> {
    if (!(await this.exists(rel))) return this.write(rel, data);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (!this.secret) this.#options.guard?.assertClean(bytes, `${this.name}/${rel}`);
    const dir = await this.#directory();
    if (this.secret) {
      const archive = `.history/${rel}.${stamp.toISOString().replace(/[:.]/g, '-')}`;
      await dir.hardLink(rel, archive, this.#createdDirs);
      this.#replaced.push({ rel, archive });
    } else {
      this.#replaced.push({ rel, archive: await dir.readFile(rel) });
    }
    await dir.replaceFile(rel, bytes, this.#fileMode());
    return this.#readBack(dir, rel, sha256Hex(bytes), bytes.length);
  }

  /** Removes everything this tree created and restores what it replaced. Best effort, never throws. */
  async rollback(): Promise<void> {
    const dir = this.#dir;
    if (dir) {
      for (const { rel, archive } of this.#replaced.reverse()) {
        if (typeof archive === 'string') {
          await dir.remove(rel).catch(() => undefined);
          await dir.hardLink(archive, rel).catch(() => undefined);
          await dir.remove(archive).catch(() => undefined);
        } else {
          await dir.replaceFile(rel, archive, this.#fileMode()).catch(() => undefined);
        }
      }
      for (const file of this.#createdFiles.reverse()) await dir.remove(file).catch(() => undefined);
      for (const sub of this.#createdDirs.reverse()) await dir.removeDirectory(sub).catch(() => undefined);
    }
    // The tree's own directory goes only if it is still the one made (a replaced one is not ours to remove).
    const keepRoot = dir !== undefined && !(await dir.isStillAt().catch(() => false));
    for (const outside of this.#createdOutside.reverse()) {
      if (keepRoot && outside === this.root) continue;
      await rmdir(outside).catch(() => undefined);
    }
    if (this.#createdOutside.length > 0) this.#dir = undefined;
    this.#createdFiles.length = 0;
    this.#createdDirs.length = 0;
    this.#createdOutside.length = 0;
    this.#replaced.length = 0;
  }
}

/**
 * Checks that `dir` is missing or an empty directory of ours (not a link); returns its absolute path. Creates
 * nothing.
 */
export async function assertNewOrEmpty(dir: string, what: string, options: Partial<TreeOptions> = {}): Promise<string> {
  const absolute = resolve(dir);
  const { dir: found } = await SafeDir.open(absolute, {
    what,
    create: false,
    secret: options.secret ?? true,
    base: options.base,
    notify: options.notify,
  });
  if (found && (await found.list()).length > 0) {
    throw new KeyceremonyError('OUTPUT_NOT_EMPTY', `${what} ${absolute} is not empty; give a new or empty directory`);
  }
  return absolute;
}

/** True when `inner` is `outer` or lies inside it. */
export function isInside(inner: string, outer: string): boolean {
  const a = resolve(inner);
  const b = resolve(outer);
  return a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
}

/**
 * Checks that `path` does not exist yet (a backup's folder on a medium, made new by each ceremony), and that
 * the directories above it, from `base` down, are ours and private. Creates nothing.
 */
export async function assertAbsent(path: string, what: string, options: Partial<TreeOptions> = {}): Promise<void> {
  const absolute = resolve(path);
  const { dir } = await SafeDir.open(dirname(absolute), {
    what,
    create: false,
    secret: options.secret ?? true,
    base: options.base,
    notify: options.notify,
  });
  if (dir && (await dir.lstat(basename(absolute))) !== undefined) {
    throw new KeyceremonyError('OUTPUT_EXISTS', `${what} ${absolute} exists already; it is made new by each ceremony`);
  }
}
