/**
 * The organisation's own KEYS file as it grows by appending (Apache, MediaWiki): the rehearsal's certificate,
 * then the same certificate again, then a copy in which gpg revoked one signing subkey as compromised. `verify`
 * and `sop verify` must honour the revocation with and without --root, whatever the order of the copies, and
 * keep accepting the other subkey.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newGpg } from '../helpers/gpg.js';
import { rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let work: string;
let root: string;
let keys: Buffer;
let revokedCopy: Buffer;
const signed: Record<string, string> = {};
const release = (): string => join(work, 'wikibase-1.0.0.tar.gz');

beforeAll(async () => {
  const dir = sharedRehearsal();
  root = await rootFingerprint(dir);
  const secrets = await rehearsalSecrets(dir);
  work = await tempDir('kc-orgkeys-');
  keys = await readFile(join(dir, 'public', 'KEYS'));
  await writeFile(release(), 'wikibase release tarball\n');
  // Each hand-off key signs the release.
  const subkeys: Record<string, string> = {};
  for (const signer of ['release-manager', 'release-pipeline']) {
    const folder = join(dir, 'handoff', signer);
    const name = (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!;
    subkeys[signer] = name.slice(0, 40);
    const pass = join(work, `${signer}.pass`);
    await writeFile(pass, `${secrets[`handoff.${signer}.passphrase`]}\n`);
    const copy = join(work, `${signer}.tar.gz`);
    await writeFile(copy, 'wikibase release tarball\n');
    const result = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      join(dir, 'public', 'KEYS'),
      '--key',
      join(folder, name),
      '--passphrase-file',
      pass,
      copy,
    ]);
    expect(result.code, result.stderr).toBe(0);
    signed[signer] = `${copy}.asc`;
  }
  // gpg, holding the root, revokes the release manager's subkey as compromised; its export is the later copy.
  const gpg = await newGpg();
  const vaultPass = join(work, 'vault.pass');
  await writeFile(vaultPass, `${secrets['vault.passphrase']}\n`);
  const base = ['--pinentry-mode', 'loopback', '--passphrase-file', vaultPass];
  const imported = await gpg([...base, '--import', join(dir, 'vault', 'openpgp', `${root}.sec.asc`)]);
  expect(imported.code, imported.stderr).toBe(0);
  const revoke = await gpg(
    [...base, '--command-fd', '0', '--edit-key', root],
    `key ${subkeys['release-manager']}\nrevkey\ny\n1\nleaked\n\ny\nsave\n`,
  );
  expect(revoke.code, revoke.stderr).toBe(0);
  revokedCopy = Buffer.from((await gpg(['--armor', '--export', root])).stdout);
  expect(revokedCopy.length).toBeGreaterThan(0);
}, 120_000);

async function keyring(name: string, ...parts: Buffer[]): Promise<string> {
  const path = join(work, name);
  await writeFile(path, Buffer.concat(parts));
  return path;
}

async function verdicts(keyringPath: string, signature: string): Promise<number[]> {
  const args = ['verify', '--keyring', keyringPath, '--signature', signature, release()];
  const withRoot = await cli([...args, '--root', root]);
  const withoutRoot = await cli(args);
  const sop = await cli(['sop', 'verify', signature, keyringPath], { input: await readFile(release()) });
  for (const r of [withRoot, withoutRoot]) expect(r.stderr).not.toMatch(/several|primary keys; pin one/);
  return [withRoot.code, withoutRoot.code, sop.code];
}

describe("the organisation's KEYS with several copies of its certificate", () => {
  it('verifies with and without --root when the copies are identical', async () => {
    const path = await keyring('KEYS-twice', keys, keys);
    expect(await verdicts(path, signed['release-manager']!)).toEqual([0, 0, 0]);
  });

  it('honours a revocation appended in a later copy, in either order, with and without --root', async () => {
    for (const [name, parts] of [
      ['KEYS-appended', [keys, revokedCopy]],
      ['KEYS-prepended', [revokedCopy, keys, keys]],
    ] as const) {
      const path = await keyring(name, ...parts);
      expect(await verdicts(path, signed['release-manager']!), name).toEqual([1, 1, 3]);
      const why = await cli(['verify', '--keyring', path, '--signature', signed['release-manager']!, release()]);
      expect(why.stdout).toMatch(/subkey was revoked \(compromised\)/);
      // The other signing subkey is untouched.
      expect(await verdicts(path, signed['release-pipeline']!), name).toEqual([0, 0, 0]);
    }
  });
});
