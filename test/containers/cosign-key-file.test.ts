/**
 * cosign's encrypted key file: go-securesystemslib's known-answer vectors decrypt; any change to salt, nonce or
 * ciphertext and a wrong passphrase are refused; what go-securesystemslib refuses is refused; and the
 * differential checks both ways with the real cosign 2: key files cosign writes (generate-key-pair,
 * import-key-pair from OpenSSL keys) read back to cosign's public key, and cosign reads and signs with the files
 * we write (P-256, P-384, RSA-4096, Ed25519).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COSIGN_KEY_PEM_TYPE,
  cosignPublicKeyPem,
  decryptSecretBoxJson,
  encryptSecretBoxJson,
  readCosignKeyFile,
  writeCosignKeyFile,
} from '../../src/containers/index.js';
import type { KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { generateKeyPair, type KeyPair, privateKeyObject, samePublicKey } from '../../src/crypto/key-material.js';
import { KeyceremonyError } from '../../src/errors.js';
import { cosign, type ToolHome, toolHome } from '../helpers/container-tools.js';
import { fixturesDir } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

interface Vectors {
  passphrase: string;
  plaintexts: Record<string, string>;
  vectors: Record<string, string>;
  unsupported: string;
}
const kat = JSON.parse(
  await readFile(join(fixturesDir, 'containers', 'securesystemslib-vectors.json'), 'utf8'),
) as Vectors;
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

async function refusal(promise: Promise<unknown>): Promise<KeyceremonyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyceremonyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('go-securesystemslib encrypted JSON', () => {
  for (const [name, vector] of Object.entries(kat.vectors)) {
    it(`decrypts the ${name} known-answer vector`, async () => {
      const plaintext = await decryptSecretBoxJson(encode(vector), kat.passphrase, name);
      expect(new TextDecoder().decode(plaintext)).toBe(kat.plaintexts[name]);
    });
  }

  it('refuses a wrong passphrase as PASSPHRASE_WRONG (exit 2)', async () => {
    const error = await refusal(decryptSecretBoxJson(encode(kat.vectors['legacy']!), 'supersecreT', 'the vector'));
    expect(error.code).toBe('PASSPHRASE_WRONG');
    expect(error.exitCode).toBe(2);
  });

  it('any change to salt, nonce or ciphertext is detected', async () => {
    const original = JSON.parse(kat.vectors['legacy']!) as {
      kdf: { salt: string };
      cipher: { nonce: string };
      ciphertext: string;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('salt', 'nonce', 'ciphertext'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (field, at, bit) => {
          const doc = structuredClone(original);
          const get = (): string =>
            field === 'salt' ? doc.kdf.salt : field === 'nonce' ? doc.cipher.nonce : doc.ciphertext;
          const bytes = Buffer.from(get(), 'base64');
          const i = at % bytes.length;
          bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
          const value = bytes.toString('base64');
          if (field === 'salt') doc.kdf.salt = value;
          else if (field === 'nonce') doc.cipher.nonce = value;
          else doc.ciphertext = value;
          const error = await refusal(decryptSecretBoxJson(encode(JSON.stringify(doc)), kat.passphrase, 'x'));
          return error.code === 'PASSPHRASE_WRONG';
        },
      ),
      { numRuns: 12 },
    );
  });

  it('refuses what go-securesystemslib refuses: other KDFs, ciphers, scrypt parameters, nonce sizes', async () => {
    const base = kat.vectors['legacy']!;
    const variants = [
      base.replace('"scrypt"', '"pbkdf2"'),
      base.replace('"nacl/secretbox"', '"aes-gcm"'),
      base.replace('"N":32768', '"N":16384'),
      base.replace('"r":8', '"r":16'),
      base.replace('tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX', 'tCy7HcTFr4uxv4Nrg/DWmncuZ148'),
      base.replace('"ciphertext":"', '"ciphertext":"!'),
      kat.unsupported,
      '{}',
      'not json',
    ];
    for (const variant of variants) {
      const error = await refusal(decryptSecretBoxJson(encode(variant), kat.passphrase, 'the variant'));
      expect(error.code, variant).toBe('INPUT_INVALID');
    }
  });

  it('our encryption round-trips at every strength, with cosign’s JSON layout', async () => {
    for (const strength of ['legacy', 'standard', 'owasp'] as const) {
      const json = await encryptSecretBoxJson(encode('secret bytes'), 'pass', strength);
      const text = new TextDecoder().decode(json);
      expect(Object.keys(JSON.parse(text) as object)).toEqual(['kdf', 'cipher', 'ciphertext']);
      expect(text).toMatch(
        /^\{"kdf":\{"name":"scrypt","params":\{"N":\d+,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"/,
      );
      expect(new TextDecoder().decode(await decryptSecretBoxJson(json, 'pass', strength))).toBe('secret bytes');
    }
  });
});

describe('cosign key files, checked by cosign 2', () => {
  let home: ToolHome;
  let dir: string;
  const PASS = 'throwaway cosign test passphrase';

  let rsa: KeyPair;

  beforeAll(async () => {
    [home, dir, rsa] = await Promise.all([toolHome(), tempDir('kc-cosign-keys-'), generateKeyPair('rsa4096')]);
  });

  it('reads the key files cosign generate-key-pair and import-key-pair write', async () => {
    const generated = await cosign(home, ['generate-key-pair', '--output-key-prefix', join(dir, 'generated')], {
      COSIGN_PASSWORD: PASS,
    });
    expect(generated.code, generated.stderr).toBe(0);
    const pair = await readCosignKeyFile(await readFile(join(dir, 'generated.key'), 'utf8'), PASS);
    expect(pair.publicKey.algorithm).toBe('nistp256');
    expect(cosignPublicKeyPem(pair.publicKey)).toBe(await readFile(join(dir, 'generated.pub'), 'utf8'));

    for (const [name, args] of [
      ['p384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']],
      ['ed25519', ['-algorithm', 'ed25519']],
    ] as const) {
      expect((await run('openssl', ['genpkey', ...args, '-out', join(dir, `${name}.pem`)])).code).toBe(0);
      const imported = await cosign(
        home,
        ['import-key-pair', '--key', join(dir, `${name}.pem`), '-o', join(dir, `imported-${name}`)],
        {
          COSIGN_PASSWORD: PASS,
        },
      );
      expect(imported.code, imported.stderr).toBe(0);
      const back = await readCosignKeyFile(await readFile(join(dir, `imported-${name}.key`), 'utf8'), PASS);
      expect(cosignPublicKeyPem(back.publicKey)).toBe(await readFile(join(dir, `imported-${name}.pub`), 'utf8'));
    }
    // An RSA-4096 key (made once for this file) as OpenSSL-style PKCS#8 PEM, imported by cosign.
    await writeFile(join(dir, 'rsa.pem'), privateKeyObject(rsa).export({ format: 'pem', type: 'pkcs8' }) as string);
    const imported = await cosign(
      home,
      ['import-key-pair', '--key', join(dir, 'rsa.pem'), '-o', join(dir, 'imported-rsa')],
      {
        COSIGN_PASSWORD: PASS,
      },
    );
    expect(imported.code, imported.stderr).toBe(0);
    const back = await readCosignKeyFile(await readFile(join(dir, 'imported-rsa.key'), 'utf8'), PASS);
    expect(samePublicKey(back.publicKey, rsa.publicKey)).toBe(true);
    const wrong = await refusal(readCosignKeyFile(await readFile(join(dir, 'generated.key'), 'utf8'), 'wrong'));
    expect(wrong.code).toBe('PASSPHRASE_WRONG');
  });

  for (const algorithm of ['nistp256', 'rsa4096'] as KeyAlgorithm[]) {
    it(`cosign reads and signs with our ${algorithm} key file; verify-blob with our cosign.pub`, async () => {
      const pair = algorithm === 'rsa4096' ? rsa : await generateKeyPair(algorithm);
      const keyFile = await writeCosignKeyFile(pair, PASS);
      expect(keyFile.startsWith(`-----BEGIN ${COSIGN_KEY_PEM_TYPE}-----\n`)).toBe(true);
      const back = await readCosignKeyFile(keyFile, PASS);
      expect(samePublicKey(back.publicKey, pair.publicKey)).toBe(true);
      const key = join(dir, `ours-${algorithm}.key`);
      const pub = join(dir, `ours-${algorithm}.pub`);
      const blob = join(dir, `blob-${algorithm}`);
      await writeFile(key, keyFile, { mode: 0o600 });
      await writeFile(pub, cosignPublicKeyPem(pair.publicKey));
      await writeFile(blob, `release ${algorithm}\n`);
      const derived = await cosign(home, ['public-key', '--key', key], { COSIGN_PASSWORD: PASS });
      expect(derived.stdout).toBe(cosignPublicKeyPem(pair.publicKey));
      const signed = await cosign(
        home,
        ['sign-blob', '--key', key, '--tlog-upload=false', '--yes', '--output-signature', `${blob}.sig`, blob],
        { COSIGN_PASSWORD: PASS },
      );
      expect(signed.code, signed.stderr).toBe(0);
      const verified = await cosign(home, [
        'verify-blob',
        '--key',
        pub,
        '--signature',
        `${blob}.sig`,
        '--insecure-ignore-tlog',
        blob,
      ]);
      expect(verified.code, verified.stderr).toBe(0);
      await writeFile(blob, `release ${algorithm} changed\n`);
      const tampered = await cosign(home, [
        'verify-blob',
        '--key',
        pub,
        '--signature',
        `${blob}.sig`,
        '--insecure-ignore-tlog',
        blob,
      ]);
      expect(tampered.code).not.toBe(0);
    });
  }

  it('cosign reads our P-384 and Ed25519 key files too, but its P-384 signatures need a non-default digest to verify', async () => {
    for (const algorithm of ['nistp384', 'ed25519'] as KeyAlgorithm[]) {
      const pair = await generateKeyPair(algorithm);
      const key = join(dir, `read-${algorithm}.key`);
      await writeFile(key, await writeCosignKeyFile(pair, PASS), { mode: 0o600 });
      const derived = await cosign(home, ['public-key', '--key', key], { COSIGN_PASSWORD: PASS });
      expect(derived.stdout).toBe(cosignPublicKeyPem(pair.publicKey));
    }
    // Why cosign's list (src/signer/formats.ts) leaves P-384 out: cosign 2 signs with SHA-384 and verifies with
    // SHA-256 unless told otherwise (and always with SHA-256 for certificates).
    const key = join(dir, 'read-nistp384.key');
    const pub = join(dir, 'read-nistp384.pub');
    const blob = join(dir, 'blob-p384');
    await writeFile(pub, (await cosign(home, ['public-key', '--key', key], { COSIGN_PASSWORD: PASS })).stdout);
    await writeFile(blob, 'p384\n');
    const signed = await cosign(
      home,
      ['sign-blob', '--key', key, '--tlog-upload=false', '--yes', '--output-signature', `${blob}.sig`, blob],
      {
        COSIGN_PASSWORD: PASS,
      },
    );
    expect(signed.code, signed.stderr).toBe(0);
    const verify = (extra: string[]) =>
      cosign(home, [
        'verify-blob',
        '--key',
        pub,
        '--signature',
        `${blob}.sig`,
        '--insecure-ignore-tlog',
        ...extra,
        blob,
      ]);
    expect((await verify([])).code).not.toBe(0);
    expect((await verify(['--signature-digest-algorithm', 'sha384'])).code).toBe(0);
  });

  it('refuses an empty passphrase and a file that is not one cosign key block', async () => {
    const pair = await generateKeyPair('nistp256');
    expect((await refusal(writeCosignKeyFile(pair, ''))).code).toBe('INPUT_INVALID');
    const file = await writeCosignKeyFile(pair, PASS);
    expect((await refusal(readCosignKeyFile(file.replaceAll('SIGSTORE', 'OTHER'), PASS))).code).toBe('INPUT_INVALID');
    expect((await refusal(readCosignKeyFile(file + file, PASS))).code).toBe('INPUT_INVALID');
    // The older cosign PEM type is still read.
    const legacy = await readCosignKeyFile(file.replaceAll('SIGSTORE', 'COSIGN'), PASS);
    expect(samePublicKey(legacy.publicKey, pair.publicKey)).toBe(true);
  });
});
