/** notary's encrypted key files: our writer and reader against notary's own files and OpenSSL. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair } from '../../src/crypto/key-material.js';
import { decryptNotaryKey, encryptNotaryKey, readNotaryKeyHeaders } from '../../src/dct/key-file.js';
import { decodeSinglePem, decodePemBlocks, encodePem } from '../../src/dct/pem.js';
import { spkiKeyId } from '../../src/dct/tuf-key.js';
import { KeyceremonyError } from '../../src/errors.js';
import { fixturesDir } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const fixture = (name: string): Promise<string> => readFile(join(fixturesDir, 'dct', name), 'utf8');
const stripHeaders = (pem: string): string =>
  pem
    .split('\n')
    .filter((l) => !/^[a-z]+: /.test(l))
    .join('\n')
    .replace(/-----\n\n/, '-----\n');

let pair: KeyPair;
let id: string;
let pem: string;

beforeAll(async () => {
  pair = await generateKeyPair('nistp256');
  id = spkiKeyId(pair.publicKey);
  pem = encryptNotaryKey(pair, 'correct horse battery', {
    role: 'targets',
    gun: 'docker.io/wikibase/wikibase',
    path: id,
  });
});

describe('notary key files', () => {
  it('write the headers as Go does (sorted, blank line) and the PBES2 parameters notary uses', async () => {
    const lines = pem.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '-----BEGIN ENCRYPTED PRIVATE KEY-----',
      'gun: docker.io/wikibase/wikibase',
      `path: ${id}`,
      'role: targets',
      '',
    ]);
    const dir = await tempDir();
    await writeFile(join(dir, 'k.pem'), stripHeaders(pem));
    const parsed = await run('openssl', ['asn1parse', '-in', join(dir, 'k.pem')]);
    expect(parsed.code, parsed.stderr).toBe(0);
    expect(parsed.stdout).toMatch(/:PBES2/);
    expect(parsed.stdout).toMatch(/:PBKDF2/);
    expect(parsed.stdout).toMatch(/prim: OCTET STRING +\[HEX DUMP\]:[0-9A-F]{16}\n.*INTEGER +:0800\n/);
    expect(parsed.stdout).not.toMatch(/hmacWith/); // no PRF field: notary always derives with HMAC-SHA1
    expect(parsed.stdout).toMatch(/:aes-256-cbc/);
  });

  it('round-trip, and name the key as notary does', () => {
    const back = decryptNotaryKey(pem, 'correct horse battery', 'k');
    expect(back.keyId).toBe(id);
    expect(back.headers).toEqual({ role: 'targets', gun: 'docker.io/wikibase/wikibase', path: id });
    expect(back.pair.secretKey).toEqual(pair.secretKey);
  });

  it('refuse a wrong passphrase as PASSPHRASE_WRONG', () => {
    expect(() => decryptNotaryKey(pem, 'correct horse battery!', 'k')).toThrow(
      expect.objectContaining({ code: 'PASSPHRASE_WRONG' }),
    );
  });

  it('read the key files notary itself wrote, under the IDs notary gave them', async () => {
    const root = decryptNotaryKey(await fixture('notary-root.key'), 'rootpass123', 'notary-root.key');
    expect(root.keyId).toBe('f5d59fcc778470f37b9e1afda98065b9ad60752d292324adfae6f3e46e039bd1');
    expect(root.headers).toEqual({ role: 'root' });
    const targets = decryptNotaryKey(await fixture('notary-targets.key'), 'targetspass', 'notary-targets.key');
    expect(targets.keyId).toBe('847f5009e84b0e651b63f763f644d6a0bbbb066ccd51635c7f4ca912171097a8');
    expect(targets.headers).toEqual({ role: 'targets', gun: 'example.org/ref/app' });
  });

  it('decrypt with OpenSSL to the same key, and read what OpenSSL encrypts the notary way', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ours.pem'), stripHeaders(pem));
    const plain = await run('openssl', [
      'pkcs8',
      '-in',
      join(dir, 'ours.pem'),
      '-passin',
      'pass:correct horse battery',
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    const text = await run('openssl', ['ec', '-text', '-noout'], { input: plain.stdout });
    const priv = /priv:\n([\s\S]*?)\npub:/.exec(text.stdout)?.[1]?.replace(/[\s:]/g, '');
    expect(priv).toBe(
      Buffer.from(pair.secretKey.algorithm === 'nistp256' ? pair.secretKey.d : new Uint8Array()).toString('hex'),
    );

    await writeFile(join(dir, 'plain.pem'), plain.stdout);
    const sha1 = await run('openssl', [
      'pkcs8',
      '-topk8',
      '-in',
      join(dir, 'plain.pem'),
      '-v2',
      'aes-256-cbc',
      '-v2prf',
      'hmacWithSHA1',
      '-iter',
      '2048',
      '-passout',
      'pass:from openssl',
    ]);
    expect(sha1.code, sha1.stderr).toBe(0);
    expect(decryptNotaryKey(sha1.stdout, 'from openssl', 'openssl-sha1').keyId).toBe(id);
    // OpenSSL 3's default PRF, HMAC-SHA256: notary would import it and later fail to decrypt; we say so at once.
    const sha256 = await run('openssl', [
      'pkcs8',
      '-topk8',
      '-in',
      join(dir, 'plain.pem'),
      '-v2',
      'aes-256-cbc',
      '-passout',
      'pass:from openssl',
    ]);
    expect(sha256.code, sha256.stderr).toBe(0);
    expect(() => decryptNotaryKey(sha256.stdout, 'from openssl', 'openssl-sha256')).toThrow(
      /notary always derives with HMAC-SHA1/,
    );
  });

  it('refuse keys that are not P-256, naming the problem', async () => {
    const dir = await tempDir();
    const gen = await run('openssl', ['genpkey', '-algorithm', 'ed25519']);
    await writeFile(join(dir, 'ed.pem'), gen.stdout);
    const enc = await run('openssl', [
      'pkcs8',
      '-topk8',
      '-in',
      join(dir, 'ed.pem'),
      '-v2',
      'aes-256-cbc',
      '-v2prf',
      'hmacWithSHA1',
      '-passout',
      'pass:pw',
    ]);
    expect(() => decryptNotaryKey(enc.stdout, 'pw', 'ed25519')).toThrow(/not an EC key/);
  });

  it('read the headers without the passphrase, and refuse a path header that names another key', () => {
    expect(readNotaryKeyHeaders(pem, 'k')).toEqual({ role: 'targets', gun: 'docker.io/wikibase/wikibase', path: id });
    const block = decodeSinglePem(pem, ['ENCRYPTED PRIVATE KEY'], 'k');
    const lying = encodePem({ ...block, headers: { ...block.headers, path: 'f'.repeat(64) } });
    expect(() => decryptNotaryKey(lying, 'correct horse battery', 'k')).toThrow(/path header names key f{64}/);
  });

  it('never return a key from a corrupted file (property)', () => {
    const block = decodeSinglePem(pem, ['ENCRYPTED PRIVATE KEY'], 'k');
    fc.assert(
      fc.property(fc.nat({ max: block.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const bytes = block.bytes.slice();
        bytes[index] = (bytes[index] ?? 0) ^ flip;
        const damaged = encodePem({ ...block, bytes });
        try {
          const back = decryptNotaryKey(damaged, 'correct horse battery', 'k');
          // Only a flip in the IV's last block or padding could survive; it must still be the same key.
          return back.keyId === id;
        } catch (error) {
          return (
            error instanceof KeyceremonyError && (error.code === 'PASSPHRASE_WRONG' || error.code === 'INPUT_INVALID')
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('PEM with headers round-trips through Go-style encoding (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const value = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}[\x21-\x7e]$|^[\x21-\x7e]$/);
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 4 }), fc.uint8Array({ maxLength: 300 }), (headers, bytes) => {
        const [block] = decodePemBlocks(encodePem({ type: 'TEST BLOCK', headers, bytes }));
        const sorted = (h: Record<string, string>): string => JSON.stringify(Object.entries(h).sort());
        return (
          block !== undefined &&
          sorted(block.headers) === sorted(headers) &&
          Buffer.from(block.bytes).equals(Buffer.from(bytes))
        );
      }),
    );
  });
});
