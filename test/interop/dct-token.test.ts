/**
 * The DCT root on a PKCS#11 token (ceremonies/dct-root-token.yaml, rehearsed on a throwaway SoftHSM2 token):
 * root.json and the root certificates are signed by the token; OpenSSL verifies root.json's signature with the
 * public key of the root certificate; a real notary-server accepts the metadata and a fresh notary client
 * trusts it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSigned, parseMetadata } from '../../src/dct/metadata.js';
import { rootCertificates } from '../../src/dct/verify.js';
import { GUNS } from '../helpers/dct.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { startNotaryStack, type NotaryStack } from '../helpers/notary-stack.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { copyOfRehearsal, rehearsalSecrets } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const GUN = GUNS[0];

let stack: NotaryStack;
let dir: string;
let stdout: string;

beforeAll(async () => {
  stack = await startNotaryStack();
  dir = await copyOfRehearsal();
  const fetched = await cli([
    'dct',
    'fetch-keys',
    '--server',
    stack.serverUrl,
    '--tlscacert',
    stack.caFile,
    '--out',
    join(dir, 'server-keys'),
    ...GUNS,
  ]);
  expect(fetched.code, fetched.stderr).toBe(0);
  const result = await cli(['rehearse', join(ceremoniesDir, 'dct-root-token.yaml'), '--out', dir]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  stdout = result.stdout;
});

afterAll(async () => {
  await stack?.stop();
});

/** DER ECDSA-Sig-Value from raw r‖s, for openssl dgst -verify. */
function derSignature(raw: Buffer): Buffer {
  const integer = (bytes: Buffer): Buffer => {
    let v = bytes;
    while (v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0) v = v.subarray(1);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.of(0), v]);
    return Buffer.concat([Buffer.of(0x02, v.length), v]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.of(0x30, body.length), body]);
}

describe('DCT root on a token', () => {
  it('is made on the token: the inventory points at it and the vault holds no root key file', async () => {
    expect(stdout).toMatch(/DCT root key on token wikibase-dct-root \(generated there, non-extractable\)/);
    const keys = await inventoryKeys(dir);
    const root = keys.find((k) => k.kind === 'dct-root')!;
    expect(root.location.type).toBe('pkcs11');
    expect(root.location.uri).toMatch(
      /^pkcs11:token=wikibase-dct-root;serial=[0-9a-f]+;object=dct-root;type=private;id=/,
    );
    await expect(readFile(join(dir, 'vault', 'dct', 'private', `${root.id}.key`))).rejects.toThrow();
    for (const other of keys.filter((k) => k.kind === 'dct-targets' || k.kind === 'dct-delegation'))
      expect(other.location.type).toBe('file');
    const name = (await readdir(join(dir, 'public', 'transcripts'))).find(
      (n) => n.includes('dct-root-token') && n.endsWith('.jsonl'),
    )!;
    const log = await readFile(join(dir, 'public', 'transcripts', name), 'utf8');
    expect(log).toMatch(/"event":"token.key-created"/);
    expect(log).not.toContain((await rehearsalSecrets(dir))['token.wikibase-dct-root.pin']);
  });

  it("signs root.json so that OpenSSL verifies it with the root certificate's public key", async () => {
    const root = parseMetadata(await readFile(join(dir, 'public', 'dct', GUN, 'root.json')), 'root');
    const [keyId, cert] = [...rootCertificates(root.signed)][0]!;
    expect(cert.commonName).toBe(GUN);
    const signature = root.signatures.find((s) => s.keyid === keyId)!;
    const work = await tempDir();
    await writeFile(join(work, 'root.crt'), await readFile(join(dir, 'public', 'dct', GUN, 'root.crt')));
    const pubkey = await run('openssl', ['x509', '-in', join(work, 'root.crt'), '-noout', '-pubkey']);
    expect(pubkey.code, pubkey.stderr).toBe(0);
    await writeFile(join(work, 'pub.pem'), pubkey.stdout);
    await writeFile(join(work, 'signed.json'), canonicalSigned(root.signed));
    await writeFile(join(work, 'sig.der'), derSignature(Buffer.from(signature.sig, 'base64')));
    const verified = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(work, 'pub.pem'),
      '-signature',
      join(work, 'sig.der'),
      join(work, 'signed.json'),
    ]);
    expect(verified.stdout.trim(), verified.stderr).toBe('Verified OK');
    // The self-signed root certificate too.
    const self = await run('openssl', [
      'verify',
      '-check_ss_sig',
      '-partial_chain',
      '-CAfile',
      join(work, 'root.crt'),
      join(work, 'root.crt'),
    ]);
    expect(self.stdout, self.stderr).toMatch(/OK/);
    await writeFile(join(work, 'signed.json'), `${canonicalSigned(root.signed)} `);
    expect(
      (
        await run('openssl', [
          'dgst',
          '-sha256',
          '-verify',
          join(work, 'pub.pem'),
          '-signature',
          join(work, 'sig.der'),
          join(work, 'signed.json'),
        ])
      ).stdout,
    ).not.toMatch(/Verified OK/);
  });

  it('publishes to a real notary-server, and a fresh notary client trusts it', async () => {
    const published = await cli([
      'dct',
      'publish',
      '--server',
      stack.serverUrl,
      '--tlscacert',
      stack.caFile,
      '--gun',
      GUN,
      join(dir, 'public', 'dct', GUN),
    ]);
    expect(published.code, published.stdout + published.stderr).toBe(0);
    const client = await tempDir('kc-client-');
    const home = await tempDir('kc-home-');
    const list = await run('notary', ['-s', stack.serverUrl, '--tlscacert', stack.caFile, '-d', client, 'list', GUN], {
      env: { HOME: home },
    });
    expect(list.code, list.stderr).toBe(0);
    const cached = await readFile(join(client, 'tuf', GUN, 'metadata', 'root.json'));
    expect(cached.equals(await readFile(join(dir, 'public', 'dct', GUN, 'root.json')))).toBe(true);
  });

  it('transcript verify accepts the ceremony', async () => {
    const result = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(result.code, result.stdout).toBe(0);
  });
});
