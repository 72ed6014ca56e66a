/** What `dct publish` refuses to take online. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPrivateMaterial } from '../../src/dct/online/private-material.js';
import { tempDir } from '../helpers/tmp.js';

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('kc-pub-');
  await writeFile(join(dir, 'root.json'), '{"signed":{}}');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('finding private key material', () => {
  it('passes a directory of public metadata', async () => {
    expect(
      await findPrivateMaterial(await dirWith({ 'targets.json': '{}', 'root.crt': '-----BEGIN CERTIFICATE-----\n' })),
    ).toBeUndefined();
  });

  it.each([
    [
      'a PEM private key anywhere in a file',
      { 'notes.txt': 'x\n-----BEGIN EC PRIVATE KEY-----\n' },
      /contains a private key/,
    ],
    ["notary's encrypted key", { 'sub/a.txt': '-----BEGIN ENCRYPTED PRIVATE KEY-----' }, /contains a private key/],
    ['an OpenPGP secret key', { 'k.asc': '-----BEGIN PGP PRIVATE KEY BLOCK-----' }, /contains a private key/],
    ['a key file name', { 'abc.key': 'nothing' }, /name is that of a key/],
    ["a rehearsal's secrets", { 'rehearsal-secrets.json': '{}' }, /name is that of a key, secrets or vault file/],
    ["a vault's inventory", { 'inventory.json': '{}' }, /vault file/],
    ['a private directory', { 'private/x': '' }, /"private" directory/],
  ])('refuses %s', async (_what, files, reason) => {
    expect((await findPrivateMaterial(await dirWith(files)))?.reason).toMatch(reason);
  });

  it('follows symbolic links to files', async () => {
    const outside = await dirWith({ 'secret.pem': '-----BEGIN PRIVATE KEY-----' });
    const dir = await dirWith({});
    await symlink(join(outside, 'secret.pem'), join(dir, 'innocent.txt'));
    expect(await findPrivateMaterial(dir)).toEqual({ path: 'innocent.txt', reason: 'it contains a private key' });
  });
});
