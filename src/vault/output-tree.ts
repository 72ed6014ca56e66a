/**
 * An output tree of a ceremony (the vault, the public tree, hand-off, backup media).
 *
 * Every write is exclusive and atomic, read back and compared; directories are 0700, secret files 0600.
 * The tree remembers what it created so a failed ceremony can be rolled back to exactly where it started:
 * a ceremony either completes with a signed transcript or leaves nothing behind.
 */
import { sha256Hex } from '../crypto/hash.js';
import { mkdir, readdir, readFile, rmdir, stat, unlink, link, chmod } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import { replaceFileAtomic, writeFileExclusive } from './atomic-file.js';
import type { SecretGuard } from './secret-guard.js';

export type TreeName = 'vault' | 'public' | 'handoff' | `media/${string}` | `sheets/${string}`;

export interface WrittenFile {
  readonly tree: TreeName;
  /** Path relative to the tree root, with forward slashes. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export const DIRECTORY_MODE = 0o700;
export const SECRET_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

function checkRelative(rel: string): void {
  if (rel === '' || isAbsolute(rel) || rel.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`invalid output path "${rel}"`);
  }
}

async function isEmptyOrMissing(path: string): Promise<'missing' | 'empty' | 'not-empty' | 'not-a-directory'> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'not-a-directory';
    return (await readdir(path)).length === 0 ? 'empty' : 'not-empty';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

export class OutputTree {
  readonly name: TreeName;
  readonly root: string;
  /** Secret trees (vault, hand-off, media) get 0600 files; public trees are scanned by the secret guard. */
  readonly secret: boolean;
  readonly #guard: SecretGuard | undefined;
  readonly #createdFiles: string[] = [];
  readonly #createdDirs: string[] = [];
  readonly #replaced: { path: string; archive: string | Uint8Array }[] = [];
  readonly #written: WrittenFile[] = [];

  private constructor(name: TreeName, root: string, secret: boolean, guard: SecretGuard | undefined) {
    this.name = name;
    this.root = root;
    this.secret = secret;
    this.#guard = guard;
  }

  /**
   * Opens a tree that must be new or empty (a fresh vault, public tree, hand-off or medium). Checks only;
   * nothing is created until the first write, so a refused ceremony leaves no trace.
   */
  static async fresh(
    name: TreeName,
    root: string,
    options: { secret: boolean; guard?: SecretGuard },
  ): Promise<OutputTree> {
    return new OutputTree(name, await assertNewOrEmpty(root, `the ${name} directory`), options.secret, options.guard);
  }

  /** Opens a tree that may already hold files from earlier ceremonies (new files are still never overwritten). */
  static async reusable(
    name: TreeName,
    root: string,
    options: { secret: boolean; guard?: SecretGuard },
  ): Promise<OutputTree> {
    const absolute = resolve(root);
    if ((await isEmptyOrMissing(absolute)) === 'not-a-directory') {
      throw new KeyceremonyError('OUTPUT_NOT_EMPTY', `the ${name} path ${absolute} exists and is not a directory`);
    }
    return new OutputTree(name, absolute, options.secret, options.guard);
  }

  /** Opens an existing tree (a vault for a rotation session, a public tree to republish). */
  static async existing(
    name: TreeName,
    root: string,
    options: { secret: boolean; guard?: SecretGuard },
  ): Promise<OutputTree> {
    const absolute = resolve(root);
    const state = await isEmptyOrMissing(absolute);
    if (state === 'missing' || state === 'not-a-directory') {
      throw new KeyceremonyError('INPUT_NOT_FOUND', `the ${name} directory ${absolute} does not exist`);
    }
    return new OutputTree(name, absolute, options.secret, options.guard);
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
    try {
      await stat(this.path(rel));
      return true;
    } catch {
      return false;
    }
  }

  async read(rel: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.path(rel)));
  }

  async list(relDir: string): Promise<string[]> {
    try {
      return (await readdir(this.path(relDir))).filter((n) => !n.startsWith('.')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async #ensureDir(dir: string): Promise<void> {
    const missing: string[] = [];
    let current = dir;
    while ((await isEmptyOrMissing(current)) === 'missing') {
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
    for (const d of missing) {
      await mkdir(d, { mode: DIRECTORY_MODE });
      await chmod(d, DIRECTORY_MODE);
      this.#createdDirs.push(d);
    }
  }

  #fileMode(): number {
    return this.secret ? SECRET_FILE_MODE : PUBLIC_FILE_MODE;
  }

  async #readBack(rel: string, expected: string, size: number): Promise<WrittenFile> {
    const back = await readFile(this.path(rel));
    const digest = sha256Hex(back);
    if (digest !== expected || back.length !== size) {
      throw new KeyceremonyError('CHECK_FAILED', `read-back of ${this.name}/${rel} does not match what was written`);
    }
    const file: WrittenFile = { tree: this.name, path: rel, sha256: digest, size };
    this.#written.push(file);
    return file;
  }

  /** Creates a new file; never overwrites. */
  async write(rel: string, data: Uint8Array | string): Promise<WrittenFile> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (!this.secret) this.#guard?.assertClean(bytes, `${this.name}/${rel}`);
    const target = this.path(rel);
    await this.#ensureDir(dirname(target));
    await writeFileExclusive(target, bytes, this.#fileMode());
    this.#createdFiles.push(target);
    return this.#readBack(rel, sha256Hex(bytes), bytes.length);
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
    if (!this.secret) this.#guard?.assertClean(bytes, `${this.name}/${rel}`);
    const target = this.path(rel);
    if (this.secret) {
      const archiveRel = `.history/${rel}.${stamp.toISOString().replace(/[:.]/g, '-')}`;
      const archive = join(this.root, ...archiveRel.split('/'));
      await this.#ensureDir(dirname(archive));
      await link(target, archive);
      this.#replaced.push({ path: target, archive });
    } else {
      this.#replaced.push({ path: target, archive: new Uint8Array(await readFile(target)) });
    }
    await replaceFileAtomic(target, bytes, this.#fileMode());
    return this.#readBack(rel, sha256Hex(bytes), bytes.length);
  }

  /** Removes everything this tree created and restores what it replaced. Best effort, never throws. */
  async rollback(): Promise<void> {
    for (const { path, archive } of this.#replaced.reverse()) {
      if (typeof archive === 'string') {
        await unlink(path).catch(() => undefined);
        await link(archive, path).catch(() => undefined);
        await unlink(archive).catch(() => undefined);
      } else {
        await replaceFileAtomic(path, archive, this.#fileMode()).catch(() => undefined);
      }
    }
    for (const file of this.#createdFiles.reverse()) await unlink(file).catch(() => undefined);
    for (const dir of this.#createdDirs.reverse()) await rmdir(dir).catch(() => undefined);
    this.#createdFiles.length = 0;
    this.#createdDirs.length = 0;
    this.#replaced.length = 0;
  }
}

/** Checks that `dir` is missing or an empty directory; returns its absolute path. Creates nothing. */
export async function assertNewOrEmpty(dir: string, what: string): Promise<string> {
  const absolute = resolve(dir);
  const state = await isEmptyOrMissing(absolute);
  if (state === 'not-empty') {
    throw new KeyceremonyError('OUTPUT_NOT_EMPTY', `${what} ${absolute} is not empty; give a new or empty directory`);
  }
  if (state === 'not-a-directory') {
    throw new KeyceremonyError('OUTPUT_NOT_EMPTY', `${what} ${absolute} exists and is not a directory`);
  }
  return absolute;
}

/** True when `inner` is `outer` or lies inside it. */
export function isInside(inner: string, outer: string): boolean {
  const a = resolve(inner);
  const b = resolve(outer);
  return a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
}
