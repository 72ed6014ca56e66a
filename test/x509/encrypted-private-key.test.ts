/**
 * Encrypted PKCS#8 with scrypt (the vault's X.509 keys, a signer's notation.key): OpenSSL opens what we write,
 * we open what `openssl pkcs8 -topk8 -scrypt` writes, with the right passphrase only; anything but that exact
 * structure is refused; and, read the way the ceremony reads its keys (checked against the certificate's public
 * key and by a test signature), a corrupted file never gives a different key: it is refused, or (for a change
 * OpenSSL tolerates in the decrypted structure) gives exactly the same key.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { generateKeyPair, type KeyPair, pkcs8Der, samePublicKey, spkiDer } from '../../src/crypto/key-material.js';
import { KeyceremonyError } from '../../src/errors.js';
import { readEncryptedKey } from '../../src/ceremony/x509/authority.js';
import { decryptPrivateKeyPem, encryptPrivateKeyPem, PKCS8_SCRYPT_COST } from '../../src/x509/index.js';
import { objectIdentifier, octetString, sequence, smallInteger } from '../../src/dct/der.js';
import { run } from '../helpers/run.js';
import { rejected } from '../helpers/thrown.js';
import { tempDir } from '../helpers/tmp.js';

const PASSPHRASE = 'throwaway test passphrase for an encrypted PKCS#8 key';
const spkiPem = (pair: KeyPair): string => {
  const body = Buffer.from(spkiDer(pair.publicKey)).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
};

const pemOf = (der: Uint8Array): string =>
  `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${Buffer.from(der).toString('base64')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;

let dir: string;
const pairs = new Map<KeyAlgorithm, KeyPair>();

beforeAll(async () => {
  dir = await tempDir('kc-pkcs8-');
  for (const algorithm of ['nistp256', 'nistp384', 'rsa4096'] as const)
    pairs.set(algorithm, await generateKeyPair(algorithm));
});

async function code(promise: Promise<unknown>): Promise<string> {
  const error = await rejected(promise);
  expect(error).toBeInstanceOf(KeyceremonyError);
  return (error as KeyceremonyError).code;
}

describe('encrypted PKCS#8 with scrypt, against OpenSSL', () => {
  it('OpenSSL opens what we write, with the passphrase only; the structure is PBES2/scrypt/AES-256-CBC', async () => {
    for (const [algorithm, pair] of pairs) {
      const file = join(dir, `ours-${algorithm}.pem`);
      await writeFile(file, await encryptPrivateKeyPem(pair, PASSPHRASE));
      const opened = await run('openssl', ['pkey', '-in', file, '-passin', `pass:${PASSPHRASE}`, '-pubout']);
      expect(opened.code, opened.stderr).toBe(0);
      expect(opened.stdout).toBe(spkiPem(pair));
      const wrong = await run('openssl', ['pkey', '-in', file, '-passin', 'pass:not the passphrase', '-noout']);
      expect(wrong.code).not.toBe(0);
    }
    const parsed = await run('openssl', ['asn1parse', '-in', join(dir, 'ours-nistp256.pem')]);
    expect(parsed.stdout).toMatch(/:PBES2\n[\s\S]*:scrypt\n[\s\S]*:4000\n[\s\S]*:08\n[\s\S]*:01\n[\s\S]*:aes-256-cbc/);
    expect(PKCS8_SCRYPT_COST.N).toBe(0x4000);
  });

  it('we open what openssl pkcs8 -topk8 -scrypt writes, to the key OpenSSL reads', async () => {
    for (const curve of ['P-256', 'P-384']) {
      const plain = join(dir, `openssl-${curve}.pem`);
      const encrypted = join(dir, `openssl-${curve}.enc.pem`);
      expect(
        (await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', plain]))
          .code,
      ).toBe(0);
      const topk8 = await run('openssl', [
        'pkcs8',
        '-topk8',
        '-scrypt',
        '-in',
        plain,
        '-passout',
        `pass:${PASSPHRASE}`,
        '-out',
        encrypted,
      ]);
      expect(topk8.code, topk8.stderr).toBe(0);
      const pair = await decryptPrivateKeyPem(await readFile(encrypted, 'utf8'), PASSPHRASE, curve);
      const pub = await run('openssl', ['pkey', '-in', plain, '-pubout']);
      expect(spkiPem(pair)).toBe(pub.stdout);
      expect(await code(decryptPrivateKeyPem(await readFile(encrypted, 'utf8'), 'wrong', curve))).toBe(
        'PASSPHRASE_WRONG',
      );
    }
  });

  it('refuses what is not scrypt-encrypted PKCS#8: PBKDF2, unencrypted, another PEM, an absurd scrypt cost', async () => {
    const plain = join(dir, 'openssl-P-256.pem');
    const pbkdf2 = await run('openssl', [
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      plain,
      '-passout',
      `pass:${PASSPHRASE}`,
    ]);
    expect(await code(decryptPrivateKeyPem(pbkdf2.stdout, PASSPHRASE, 'pbkdf2'))).toBe('INPUT_INVALID');
    expect(await code(decryptPrivateKeyPem(await readFile(plain, 'utf8'), PASSPHRASE, 'plain'))).toBe('INPUT_INVALID');
    // OpenSSL will not even write a file this costly; made by hand, structurally what openssl writes.
    const costly = pemOf(
      sequence(
        sequence(
          objectIdentifier('1.2.840.113549.1.5.13'),
          sequence(
            sequence(
              objectIdentifier('1.3.6.1.4.1.11591.4.11'),
              sequence(octetString(new Uint8Array(16)), smallInteger(1 << 22), smallInteger(8), smallInteger(1)),
            ),
            sequence(objectIdentifier('2.16.840.1.101.3.4.1.42'), octetString(new Uint8Array(16))),
          ),
        ),
        octetString(new Uint8Array(48)),
      ),
    );
    const error = await rejected(decryptPrivateKeyPem(costly, PASSPHRASE, 'costly'));
    expect((error as KeyceremonyError).code).toBe('INPUT_INVALID');
    expect((error as Error).message).toMatch(/scrypt cost 4194304/);
    expect(await code(encryptPrivateKeyPem(pairs.get('nistp256')!, ''))).toBe('INPUT_INVALID');
  });

  it('read as the ceremony reads it, any corrupted byte is refused — never a different key', async () => {
    const pair = pairs.get('nistp256')!;
    const pem = await encryptPrivateKeyPem(pair, PASSPHRASE);
    const body = pem
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('');
    const der = Buffer.from(body, 'base64');
    const tree = (bytes: Uint8Array) => ({
      name: 'vault',
      read: async () =>
        new TextEncoder().encode(
          `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${Buffer.from(bytes).toString('base64')}\n-----END ENCRYPTED PRIVATE KEY-----\n`,
        ),
    });
    expect(
      samePublicKey((await readEncryptedKey(tree(der), 'k', PASSPHRASE, pair.publicKey)).publicKey, pair.publicKey),
    ).toBe(true);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, mask) => {
          const damaged = Uint8Array.from(der);
          damaged[at] = (damaged[at] ?? 0) ^ mask;
          let read: KeyPair;
          try {
            read = await readEncryptedKey(tree(damaged), 'k', PASSPHRASE, pair.publicKey);
          } catch (error) {
            expect(error).toBeInstanceOf(KeyceremonyError);
            expect(['INPUT_INVALID', 'PASSPHRASE_WRONG', 'CHECK_FAILED']).toContain((error as KeyceremonyError).code);
            return;
          }
          // A change OpenSSL tolerates in the decrypted PKCS#8 (its version 0 read as 1, through an IV bit) may
          // still give the key: then it must be exactly the same key, secret included.
          expect(pkcs8Der(read)).toEqual(pkcs8Der(pair));
        },
      ),
      {
        numRuns: 120,
        examples: [
          [84, 1],
          [146, 1],
        ],
      },
    );
  });
});
