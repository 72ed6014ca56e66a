/** The ustar writer and reader, checked against GNU tar in both directions. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTar, TarFormatError, writeTar, type TarEntry } from '../../src/backup/tar.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const longDir = `vault/${'d'.repeat(90)}/${'e'.repeat(40)}`;
const entries: TarEntry[] = [
  { path: 'vault', type: 'directory', mode: 0o700, mtime: 1_700_000_000, data: new Uint8Array() },
  { path: 'vault/inventory.json', type: 'file', mode: 0o600, mtime: 1_700_000_001, data: bytes('{"a":1}\n') },
  { path: 'vault/empty', type: 'file', mode: 0o600, mtime: 1_700_000_002, data: new Uint8Array() },
  { path: 'vault/block', type: 'file', mode: 0o600, mtime: 1_700_000_003, data: new Uint8Array(512).fill(7) },
  { path: longDir, type: 'directory', mode: 0o700, mtime: 1_700_000_004, data: new Uint8Array() },
  { path: `${longDir}/${'f'.repeat(99)}`, type: 'file', mode: 0o600, mtime: 1_700_000_005, data: bytes('long name\n') },
];

describe('ustar archives', () => {
  it('are extracted by GNU tar with the same names, contents, modes and times', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.tar'), writeTar(entries));
    const listed = await run('tar', ['-tvf', join(dir, 'a.tar')]);
    expect(listed.code, listed.stderr).toBe(0);
    const out = join(dir, 'x');
    await mkdir(out);
    const extracted = await run('tar', ['-x', '-f', join(dir, 'a.tar'), '-C', out]);
    expect(extracted.code, extracted.stderr).toBe(0);
    expect(extracted.stderr).toBe('');
    for (const entry of entries) {
      const info = await stat(join(out, entry.path));
      expect(info.mode & 0o777, entry.path).toBe(entry.mode);
      expect(Math.floor(info.mtimeMs / 1000), entry.path).toBe(entry.mtime);
      if (entry.type === 'file') expect(new Uint8Array(await readFile(join(out, entry.path)))).toEqual(entry.data);
      else expect(info.isDirectory()).toBe(true);
    }
  });

  it('read back what they wrote, and read what GNU tar writes in ustar format', async () => {
    expect(readTar(writeTar(entries))).toEqual(entries);
    const dir = await tempDir();
    await mkdir(join(dir, 'vault', 'sub'), { recursive: true });
    await writeFile(join(dir, 'vault', 'sub', 'f.txt'), 'from gnu tar\n');
    const made = await run('tar', ['--format=ustar', '-c', '-f', join(dir, 'g.tar'), '-C', dir, 'vault']);
    expect(made.code, made.stderr).toBe(0);
    const read = readTar(new Uint8Array(await readFile(join(dir, 'g.tar'))));
    expect(read.map((e) => `${e.type} ${e.path}`)).toEqual([
      'directory vault',
      'directory vault/sub',
      'file vault/sub/f.txt',
    ]);
    expect(new TextDecoder().decode(read[2]?.data)).toBe('from gnu tar\n');
  });

  it('refuse unsafe paths and anything but files and directories', async () => {
    for (const path of ['../x', '/etc/passwd', 'a/../b', 'a//b', 'a/./b']) {
      expect(() => writeTar([{ path, type: 'file', mode: 0o600, mtime: 0, data: new Uint8Array() }]), path).toThrow(
        TarFormatError,
      );
    }
    const dir = await tempDir();
    await mkdir(join(dir, 'vault'));
    await run('ln', ['-s', '/etc/passwd', join(dir, 'vault', 'link')]);
    await run('tar', ['--format=ustar', '-c', '-f', join(dir, 'l.tar'), '-C', dir, 'vault']);
    const withLink = new Uint8Array(await readFile(join(dir, 'l.tar')));
    expect(() => readTar(withLink)).toThrow(/not a regular file or directory/);
    await writeFile(join(dir, 'x'), 'x');
    const made = await run('tar', [
      '--format=ustar',
      '-c',
      '-f',
      join(dir, 'p.tar'),
      '-C',
      dir,
      '-P',
      '--transform',
      's,^x,../x,',
      'x',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const escaping = new Uint8Array(await readFile(join(dir, 'p.tar')));
    expect(() => readTar(escaping)).toThrow(/unsafe/);
  });

  it('detect any damage to a header or a truncation', () => {
    const archive = writeTar(entries.slice(0, 3));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 511 }), fc.integer({ min: 1, max: 255 }), (offset, flip) => {
        const damaged = archive.slice();
        damaged[512 + offset] = (damaged[512 + offset] as number) ^ flip; // the inventory.json header block
        let result: TarEntry[] | undefined;
        try {
          result = readTar(damaged);
        } catch (error) {
          return error instanceof TarFormatError;
        }
        // Damage to unused header bytes (e.g. uname) is harmless only if every entry still reads the same.
        return JSON.stringify(result) === JSON.stringify(readTar(archive));
      }),
    );
    expect(() => readTar(archive.subarray(0, archive.length - 512))).toThrow(/truncated/);
    expect(() => readTar(archive.subarray(0, 1024))).toThrow(/truncated/);
  });
});
