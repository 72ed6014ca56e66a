/**
 * The safe-write module on its own (src/vault/safe-fs.ts): which directories it accepts, tightens or refuses,
 * and that nothing is written or read through a link or blocks on a FIFO.
 */
import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  lchown,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyceremonyError } from '../../src/errors.js';
import { SafeDir } from '../../src/vault/safe-fs.js';
import { tempDir } from '../helpers/tmp.js';
import { ATTACKER_UID, attackerDir, requireRoot } from './harness.js';

beforeAll(() => requireRoot());

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function open(path: string, options: { create?: boolean; base?: string; secret?: boolean } = {}) {
  const notices: string[] = [];
  const { dir, created } = await SafeDir.open(path, {
    what: 'the test directory',
    create: options.create ?? true,
    secret: options.secret ?? true,
    base: options.base,
    notify: (m) => notices.push(m),
  });
  return { dir: dir as SafeDir, created, notices };
}

async function refused(promise: Promise<unknown>, pattern: RegExp): Promise<KeyceremonyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `accepted; expected ${pattern}`).toBeInstanceOf(KeyceremonyError);
  expect((error as Error).message).toMatch(pattern);
  return error as KeyceremonyError;
}

describe('directories keyceremony writes into', () => {
  it('are created 0700 with their missing parents, whatever the umask', async () => {
    const base = await tempDir();
    const old = process.umask(0);
    try {
      const { dir, created } = await open(join(base, 'a', 'b'));
      expect(created).toEqual([join(base, 'a'), join(base, 'a', 'b')]);
      await dir.createFile('c/d.txt', bytes('x'), 0o600);
      for (const d of ['a', 'a/b', 'a/b/c']) expect((await stat(join(base, d))).mode & 0o777, d).toBe(0o700);
      expect((await stat(join(base, 'a/b/c/d.txt'))).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('of ours but open to others are tightened to 0700, and the operator is told', async () => {
    const loose = join(await tempDir(), 'loose');
    await mkdir(loose);
    await chmod(loose, 0o777);
    const { notices } = await open(loose);
    expect((await stat(loose)).mode & 0o777).toBe(0o700);
    expect(notices).toEqual([`${loose} had mode 0777 (open to other users); tightened to 0700`]);
    // A public tree only loses group and world write.
    const pub = join(await tempDir(), 'public');
    await mkdir(pub);
    await chmod(pub, 0o777);
    await open(pub, { secret: false });
    expect((await stat(pub)).mode & 0o777).toBe(0o755);
  });

  it('owned by someone else, or shared (sticky), are refused with exit 3', async () => {
    const foreign = join(await tempDir(), 'foreign');
    await mkdir(foreign, { mode: 0o700 });
    await chown(foreign, ATTACKER_UID, ATTACKER_UID);
    const error = await refused(open(foreign), /owned by uid 65534, not by you \(uid 0\)/);
    expect(error.exitCode).toBe(3);
    const sticky = join(await tempDir(), 'shared');
    await mkdir(sticky);
    await chmod(sticky, 0o1777);
    await refused(open(sticky), /is a shared directory \(mode 01777\)/);
    expect((await stat(sticky)).mode & 0o7777).toBe(0o1777);
  });

  it('that are links are refused at and below the top of the output, even links of our own', async () => {
    const base = await tempDir();
    const elsewhere = join(base, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o755 });
    await symlink(elsewhere, join(base, 'out'));
    await refused(open(join(base, 'out')), /out is a symbolic link: refusing to follow it/);
    // A link inside the output (below `base`), ours or not.
    await mkdir(join(base, 'top'), { mode: 0o700 });
    await symlink(elsewhere, join(base, 'top', 'inner'));
    await refused(open(join(base, 'top', 'inner', 'x'), { base: join(base, 'top') }), /inner is a symbolic link/);
    // Nothing was tightened through the link.
    expect((await stat(elsewhere)).mode & 0o777).toBe(0o755);
  });

  it('may sit behind a link only root or we could have made (e.g. /dev/shm -> /run/shm), not one in a shared directory', async () => {
    const base = await tempDir();
    const real = join(base, 'real');
    await mkdir(real, { mode: 0o700 });
    await symlink(real, join(base, 'alias'));
    const { dir } = await open(join(base, 'alias', 'out'));
    await dir.createFile('f', bytes('ok'), 0o600);
    expect(await readFile(join(real, 'out', 'f'), 'utf8')).toBe('ok');
    // The same link in a world-writable (sticky) directory, owned by another user: never followed.
    const shared = join(base, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    await symlink(real, join(shared, 'alias'));
    await lchown(join(shared, 'alias'), ATTACKER_UID, ATTACKER_UID);
    await refused(open(join(shared, 'alias', 'out2')), /a symbolic link that another user could have planted/);
    expect(await readdir(real)).toEqual(['out']);
  });

  it('that are FIFOs or files are refused without blocking', async () => {
    const base = await tempDir();
    execFileSync('mkfifo', [join(base, 'fifo')]);
    await refused(open(join(base, 'fifo')), /fifo is a FIFO, not a directory/);
    await writeFile(join(base, 'file'), 'x');
    await refused(open(join(base, 'file')), /exists and is not a directory/);
  });
});

describe('files in a checked directory', () => {
  it('are never written through a planted link or FIFO, nor read through one', async () => {
    const { dir } = await open(join(await tempDir(), 'out'));
    const loot = await attackerDir();
    await symlink(join(loot, 'stolen'), join(dir.path, 'key.asc'));
    await refused(dir.createFile('key.asc', bytes('secret'), 0o600), /key\.asc is a symbolic link/);
    await refused(dir.replaceFile('key.asc', bytes('secret'), 0o600), /key\.asc is a symbolic link/);
    await refused(dir.readFile('key.asc'), /key\.asc is a symbolic link: refusing to read/);
    execFileSync('mkfifo', [join(dir.path, 'sheet.html')]);
    await refused(dir.createFile('sheet.html', bytes('secret'), 0o600), /sheet\.html is a FIFO/);
    await refused(dir.readFile('sheet.html'), /sheet\.html is a FIFO, not a file/);
    await refused(dir.hardLink('sheet.html', 'copy'), /not a regular file/);
    expect(await readdir(loot)).toEqual([]);
  });

  it('are created exclusively, replaced atomically, and kept apart from a replaced directory', async () => {
    const parent = await tempDir();
    const { dir } = await open(join(parent, 'out'));
    await dir.createFile('a', bytes('one'), 0o600);
    await refused(dir.createFile('a', bytes('two'), 0o600), /refusing to overwrite/);
    await dir.replaceFile('a', bytes('two'), 0o600);
    expect(new TextDecoder().decode(await dir.readFile('a'))).toBe('two');
    expect((await readdir(dir.path)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await rename(dir.path, join(parent, 'moved'));
    await mkdir(dir.path, { mode: 0o700 });
    await refused(dir.createFile('b', bytes('x'), 0o600), /was replaced while the ceremony ran/);
    expect(await dir.isStillAt()).toBe(false);
    expect(await readdir(dir.path)).toEqual([]);
    expect((await lstat(join(parent, 'moved', 'a'))).isFile()).toBe(true);
  });
});
