/** Root and delegation certificates made through a Signer, checked by OpenSSL; GUN and signer names. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import {
  certificatePem,
  createSelfSignedCertificate,
  ecdsaSignatureToDer,
  parseCertificate,
  rootCertificateProblems,
} from '../../src/dct/certificate.js';
import { DerError, readDer } from '../../src/dct/der.js';
import { gunProblem, signerNameProblem } from '../../src/dct/names.js';
import { SoftwareSigner } from '../../src/signer/index.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const GUN = 'docker.io/wikibase/wikibase';
const YEAR = 365 * 24 * 3600 * 1000;

describe('root certificates', () => {
  it('are what notary makes, and OpenSSL verifies them', async () => {
    const signer = new SoftwareSigner(await generateKeyPair('nistp256'));
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const der = await createSelfSignedCertificate(signer, {
      commonName: GUN,
      notBefore: now,
      notAfter: new Date(now.getTime() + 10 * YEAR),
    });
    const dir = await tempDir();
    const file = join(dir, 'root.crt');
    await writeFile(file, certificatePem(der));
    const text = await run('openssl', ['x509', '-in', file, '-noout', '-text']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Version: 3 \(0x2\)/);
    expect(text.stdout).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text.stdout).toMatch(/Issuer: CN ?= ?docker.io\/wikibase\/wikibase\n/);
    expect(text.stdout).toMatch(/Subject: CN ?= ?docker.io\/wikibase\/wikibase\n/);
    expect(text.stdout).toMatch(/ASN1 OID: prime256v1/);
    expect(text.stdout).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    expect(text.stdout).toMatch(/X509v3 Extended Key Usage: \n\s+Code Signing\n/);
    expect(text.stdout).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    const verify = await run('openssl', ['verify', '-check_ss_sig', '-CAfile', file, file]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const serial = /Serial Number:\n\s+([0-9a-f:]+)/.exec(text.stdout)?.[1]?.replace(/:/g, '') ?? '';
    expect(serial.length).toBeLessThanOrEqual(32); // below 2^128, as notary's
    const parsed = parseCertificate(der);
    expect(parsed.commonName).toBe(GUN);
    expect(rootCertificateProblems(parsed, GUN, now)).toEqual([]);
  });

  it("are refused by notary's rules when the CN is wrong, expired or a CA", async () => {
    const signer = new SoftwareSigner(await generateKeyPair('nistp256'));
    const now = new Date();
    const cert = parseCertificate(
      await createSelfSignedCertificate(signer, {
        commonName: 'docker.io/wikibase/wdqs',
        notBefore: now,
        notAfter: new Date(now.getTime() + YEAR),
      }),
    );
    expect(rootCertificateProblems(cert, GUN, now).join('; ')).toMatch(
      /CN is "docker.io\/wikibase\/wdqs", not the GUN/,
    );
    expect(
      rootCertificateProblems(cert, 'docker.io/wikibase/wdqs', new Date(now.getTime() + 2 * YEAR)).join('; '),
    ).toMatch(/expired on/);
    const dir = await tempDir();
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'ca.key')]);
    const ca = await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      join(dir, 'ca.key'),
      '-subj',
      `/CN=${GUN.replace(/\//g, '\\/')}`,
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]);
    expect(ca.code, ca.stderr).toBe(0);
    expect(rootCertificateProblems(parseCertificate(ca.stdout), GUN, now).join('; ')).toMatch(/CA certificate/);
  });

  it('carry a UTF8String CN where PrintableString cannot hold the name, as Go does', async () => {
    const signer = new SoftwareSigner(await generateKeyPair('nistp256'));
    const der = await createSelfSignedCertificate(signer, {
      commonName: 'release_bot',
      notBefore: new Date(),
      notAfter: new Date(Date.now() + YEAR),
    });
    const dir = await tempDir();
    await writeFile(join(dir, 'c.pem'), certificatePem(der));
    const asn1 = await run('openssl', ['asn1parse', '-in', join(dir, 'c.pem')]);
    expect(asn1.stdout).toMatch(/UTF8STRING +:release_bot/);
    expect(parseCertificate(der).commonName).toBe('release_bot');
  });

  it('write any serial as a positive, minimal INTEGER that OpenSSL reads back (property)', async () => {
    const signer = new SoftwareSigner(await generateKeyPair('nistp256'));
    const dir = await tempDir();
    const serials = [
      Uint8Array.of(0x80, 1),
      Uint8Array.of(0, 0x12),
      Uint8Array.of(0, 0, 0x92),
      ...fc.sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), 20),
    ];
    for (const [i, serial] of serials.entries()) {
      if (serial.every((b) => b === 0)) continue;
      const der = await createSelfSignedCertificate(signer, {
        commonName: GUN,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + YEAR),
        serialNumber: serial,
      });
      const file = join(dir, `s${i}.pem`);
      await writeFile(file, certificatePem(der));
      const shown = await run('openssl', ['x509', '-in', file, '-noout', '-serial']);
      expect(BigInt(`0x${shown.stdout.trim().replace('serial=', '')}`)).toBe(
        BigInt(`0x${Buffer.from(serial).toString('hex')}`),
      );
    }
  });

  it('convert raw r‖s to a DER ECDSA-Sig-Value, with sign bytes where needed', () => {
    const raw = new Uint8Array(64);
    raw[0] = 0x80;
    raw[63] = 1;
    expect(Buffer.from(ecdsaSignatureToDer(raw)).toString('hex')).toBe(`3026022100${'80'.padEnd(64, '0')}020101`);
  });

  it('the DER reader rejects garbage with DerError only (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readDer(bytes);
          return true;
        } catch (error) {
          return error instanceof DerError;
        }
      }),
    );
  });
});

describe('names', () => {
  it.each([
    ['docker.io/wikibase/wikibase', undefined],
    ['registry.example.org:5000/team/app', undefined],
    ['localhost:5000/app', undefined],
    ['127.0.0.1:5000/a/b-c/d__e', undefined],
    ['wikibase/wikibase', /registry host/],
    ['docker.io', /no repository path/],
    ['docker.io/wikibase/wikibase:latest', /tag or digest/],
    ['docker.io/wikibase@sha256:abc', /tag or digest/],
    ['docker.io/Wikibase/wikibase', /lower case/],
    ['docker.io/wikibase//wikibase', /invalid path component ""/],
    ['docker.io/../etc', /invalid path component "\.\."/],
    ['docker.io/wiki base', /white space/],
    ['', /empty/],
  ])('GUN %s', (gun, problem) => {
    const found = gunProblem(gun);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it.each([
    ['release-pipeline', undefined],
    ['bot_2', undefined],
    ['0day', undefined],
    ['Release', /must match/],
    ['-x', /must match/],
    ['a b', /must match/],
    ['targets/x', /must match/],
    ['releases', /reserved/],
    ['x'.repeat(65), /at most 64/],
  ])('signer name %s', (name, problem) => {
    const found = signerNameProblem(name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});
