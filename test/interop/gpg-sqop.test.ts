/**
 * The rehearsal's outputs against the real peers: GnuPG 2.2 and Sequoia's sqop.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { armor } from '../../src/openpgp/armor.js';
import { serializeCertificate } from '../../src/openpgp/certificate.js';
import { signDetached } from '../../src/openpgp/detached-signature.js';
import { fingerprintHex } from '../../src/openpgp/key-packet.js';
import { createRoot, generateSoftwareKey } from '../../src/openpgp/root-key.js';
import { decryptSecretKey } from '../../src/openpgp/secret-key-file.js';
import { SoftwareSigner } from '../../src/signer/index.js';
import { newGpg, parseColons } from '../helpers/gpg.js';
import { rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
let fpr: string;
let passphrase: string;

beforeAll(async () => {
  dir = sharedRehearsal();
  fpr = await rootFingerprint(dir);
  passphrase = (await rehearsalSecrets(dir))['vault.passphrase']!;
});

const years = (from: number, n: number): number => {
  const d = new Date(from * 1000);
  d.setUTCFullYear(d.getUTCFullYear() + n);
  return d.getTime() / 1000;
};

describe('GnuPG 2.2', () => {
  it("imports public/KEYS as a [C] primary with [S] subkeys and the script's expiries", async () => {
    const gpg = await newGpg();
    const imported = await gpg(['--import', join(dir, 'public', 'KEYS')]);
    expect(imported.code, imported.stderr).toBe(0);
    const listing = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout);
    const [pub, ...subs] = listing.keys;
    expect(pub?.type).toBe('pub');
    expect(pub?.fingerprint).toBe(fpr);
    expect(pub?.capabilities.replace(/[A-Z]/g, '')).toBe('c');
    expect(pub?.algorithm).toBe('22');
    expect(pub?.expires).toBe(years(pub!.created, 5));
    expect(subs.map((s) => s.capabilities)).toEqual(['s', 's', 's']);
    expect(subs.map((s) => s.expires)).toEqual([
      years(pub!.created, 1),
      years(pub!.created, 2),
      years(pub!.created, 5),
    ]);
    expect(listing.uids[0]).toBe(
      'Wikibase Release Signing Key (REHEARSAL; Wikimedia Deutschland) <wikibase-releases@wikimedia.de>',
    );
  });

  it('imports the vault secret key with the vault passphrase and signs with a subkey', async () => {
    const gpg = await newGpg();
    const ppFile = join(await tempDir(), 'pp');
    await writeFile(ppFile, passphrase);
    const imported = await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      ppFile,
      '--import',
      join(dir, 'vault', 'openpgp', `${fpr}.sec.asc`),
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/secret keys imported: 1/);
    const secret = parseColons((await gpg(['--with-colons', '--list-secret-keys'])).stdout);
    expect(secret.keys.map((k) => k.type)).toEqual(['sec', 'ssb', 'ssb', 'ssb']);
    const subFpr = secret.keys[1]!.fingerprint;
    const data = join(await tempDir(), 'release.tar.gz');
    await writeFile(data, 'release\n');
    const signed = await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      ppFile,
      '-u',
      `${subFpr}!`,
      '--armor',
      '--detach-sign',
      data,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const verified = await run('sqop', ['verify', `${data}.asc`, join(dir, 'public', 'KEYS')], {
      input: await readFile(data),
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(subFpr);
  });

  it('cannot use the vault secret key without the vault passphrase', async () => {
    const gpg = await newGpg();
    const ppFile = join(await tempDir(), 'pp');
    await writeFile(ppFile, 'not the passphrase');
    // gpg 2.2 keeps keys it cannot unprotect in their OpenPGP protection, so the import itself may succeed;
    // what matters is that nothing can be signed with them.
    await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      ppFile,
      '--import',
      join(dir, 'vault', 'openpgp', `${fpr}.sec.asc`),
    ]);
    const subFpr = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys[1]!.fingerprint;
    const data = join(await tempDir(), 'file');
    await writeFile(data, 'x\n');
    const signed = await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      ppFile,
      '-u',
      `${subFpr}!`,
      '--detach-sign',
      data,
    ]);
    expect(signed.code).not.toBe(0);
    expect(signed.stderr).toMatch(/Bad passphrase|bad passphrase|No secret key/i);
  });

  it("verifies the transcript signature, made by the root's transcripts subkey", async () => {
    const gpg = await newGpg();
    await gpg(['--import', join(dir, 'public', 'KEYS')]);
    const name = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    const file = join(dir, 'public', 'transcripts', name);
    const result = await gpg(['--status-fd', '1', '--verify', `${file}.asc`, file]);
    expect(result.code, result.stderr).toBe(0);
    // VALIDSIG <signing key> ... <primary key>: the signer is a subkey of the root.
    expect(result.stdout).toMatch(new RegExp(`VALIDSIG [0-9A-F]{40} .* ${fpr}\n`));
  });

  it('refuses document signatures by the certify-only root primary ("wrong key usage")', async () => {
    const unlocked = await decryptSecretKey(
      await readFile(join(dir, 'vault', 'openpgp', `${fpr}.sec.asc`)),
      passphrase,
    );
    const primary = unlocked.certificate.primary;
    const signer = new SoftwareSigner({ publicKey: primary.material, secretKey: unlocked.secrets.get(fpr)! });
    const work = await tempDir();
    const data = new TextEncoder().encode('not a release\n');
    await writeFile(join(work, 'data'), data);
    await writeFile(
      join(work, 'data.asc'),
      armor('signature', await signDetached(data, { key: primary, signer }, new Date())),
    );
    const gpg = await newGpg();
    await gpg(['--import', join(dir, 'public', 'KEYS')]);
    const result = await gpg(['--verify', join(work, 'data.asc'), join(work, 'data')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Wrong key usage/);
    const sqop = await run('sqop', ['verify', join(work, 'data.asc'), join(dir, 'public', 'KEYS')], { input: data });
    expect(sqop.code).not.toBe(0);
  });

  it('accepts the revocation certificate for the root', async () => {
    const gpg = await newGpg();
    await gpg(['--import', join(dir, 'public', 'KEYS')]);
    const result = await gpg(['--import', join(dir, 'vault', 'openpgp', `${fpr}.rev.asc`)]);
    expect(result.code, result.stderr).toBe(0);
    expect(parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys[0]?.validity).toBe('r');
  });
});

describe('sqop (Sequoia)', () => {
  it('verifies test signatures made by each vault subkey', async () => {
    const unlocked = await decryptSecretKey(
      await readFile(join(dir, 'vault', 'openpgp', `${fpr}.sec.asc`)),
      passphrase,
    );
    const data = new TextEncoder().encode('payload\n');
    const work = await tempDir();
    await writeFile(join(work, 'data'), data);
    for (const sub of unlocked.certificate.subkeys) {
      const secret = unlocked.secrets.get(fingerprintHex(sub.key))!;
      const sig = await signDetached(
        data,
        { key: sub.key, signer: new SoftwareSigner({ publicKey: sub.key.material, secretKey: secret }) },
        new Date(),
      );
      await writeFile(join(work, 'data.asc'), armor('signature', sig));
      const result = await run('sqop', ['verify', join(work, 'data.asc'), join(dir, 'public', 'KEYS')], {
        input: data,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(fingerprintHex(sub.key));
    }
  });

  it('verifies the transcript signature against public/KEYS', async () => {
    const name = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    const file = join(dir, 'public', 'transcripts', name);
    const result = await run('sqop', ['verify', `${file}.asc`, join(dir, 'public', 'KEYS')], {
      input: await readFile(file),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(fpr);
  });
});

describe('other root algorithms', () => {
  it.each(['nistp256', 'rsa4096'] as const)(
    'gpg imports a %s root (armor with CRC) and sqop verifies its subkey signatures',
    async (algorithm) => {
      const created = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      const root = await createRoot(
        {
          userIds: ['Alg Test <alg@example.org>'],
          created,
          expires: new Date(created.getTime() + 86400e3 * 365),
          subkeys: [{ algorithm, expires: new Date(created.getTime() + 86400e3 * 30), purpose: 'release' }],
        },
        await generateSoftwareKey(algorithm),
      );
      const work = await tempDir();
      await writeFile(join(work, 'cert.asc'), armor('publicKey', serializeCertificate(root.certificate)));
      const gpg = await newGpg();
      const imported = await gpg(['--import', join(work, 'cert.asc')]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).not.toMatch(/invalid radix64/);
      const listing = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout);
      expect(listing.keys.map((k) => k.capabilities.replace(/[A-Z]/g, ''))).toEqual(['c', 's']);
      const data = new TextEncoder().encode('data\n');
      await writeFile(
        join(work, 'data.asc'),
        armor('signature', await signDetached(data, root.subkeys[0]!, new Date())),
      );
      const result = await run('sqop', ['verify', join(work, 'data.asc'), join(work, 'cert.asc')], { input: data });
      expect(result.code, result.stderr).toBe(0);
      await writeFile(join(work, 'data'), data);
      expect((await gpg(['--verify', join(work, 'data.asc'), join(work, 'data')])).code).toBe(0);
    },
  );
});
