/** The ELF requirements reader against binutils' readelf, on the real node binary and the compiled pkcs11js. */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFormatError, elfRequirements, newestVersions } from '../../src/bundle/elf.js';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

/** What readelf says: DT_NEEDED in order, and per library (File:) the version names (Name:) required. */
async function readelf(file: string): Promise<{ needed: string[]; versions: Record<string, string[]> }> {
  const dynamic = await run('readelf', ['-d', '-W', file]);
  expect(dynamic.code, dynamic.stderr).toBe(0);
  const needed = [...dynamic.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1] as string);
  const versions = await run('readelf', ['-V', '-W', file]);
  expect(versions.code, versions.stderr).toBe(0);
  const section = versions.stdout.slice(versions.stdout.indexOf('.gnu.version_r'));
  const byLibrary: Record<string, string[]> = {};
  let library = '';
  for (const line of section.split('\n')) {
    const file = /File: (\S+)/.exec(line);
    if (file) library = file[1] as string;
    const name = /Name: (\S+)/.exec(line);
    if (name && library) (byLibrary[library] ??= []).push(name[1] as string);
  }
  const newest: Record<string, string[]> = {};
  for (const key of Object.keys(byLibrary).sort()) newest[key] = newestVersions(byLibrary[key] ?? []);
  return { needed, versions: newest };
}

describe('ELF requirements', () => {
  const binaries = [process.execPath, join(repoRoot, 'node_modules/pkcs11js/build/Release/pkcs11.node')];
  for (const file of binaries) {
    it(`match readelf for ${file.replace(repoRoot, '.')}`, async () => {
      expect(existsSync(file), `${file} (npm ci builds pkcs11js)`).toBe(true);
      const ours = elfRequirements(file);
      const theirs = await readelf(file);
      expect(ours.needed).toEqual(theirs.needed);
      expect(ours.versions).toEqual(theirs.versions);
      expect(ours.versions['libc.so.6']?.some((v) => v.startsWith('GLIBC_2.'))).toBe(true);
    });
  }

  it('keep the newest version of each family', () => {
    expect(newestVersions(['GLIBC_2.2.5', 'GLIBC_2.34', 'GLIBC_2.14', 'GLIBCXX_3.4.9', 'GLIBCXX_3.4.21'])).toEqual([
      'GLIBCXX_3.4.21',
      'GLIBC_2.34',
    ]);
    expect(newestVersions(['GLIBC_2.3', 'GLIBC_2.3.4', 'GLIBC_PRIVATE'])).toEqual(['GLIBC_2.3.4', 'GLIBC_PRIVATE']);
  });

  it('refuse a file that is not ELF', async () => {
    const file = join(await tempDir(), 'script.sh');
    await writeFile(file, '#!/bin/sh\n'.repeat(20));
    expect(() => elfRequirements(file)).toThrow(ElfFormatError);
  });
});
