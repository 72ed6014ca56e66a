/**
 * The X.509 profiles as issued through the Signer seam, judged by zlint (RFC 5280, 5480, 3279, 8813 lints) and
 * OpenSSL (`verify -x509_strict`, `crl -verify`): every root algorithm with every signing-certificate algorithm,
 * with and without the optional extensions, at the name length limits and with non-ASCII names (a property
 * test over subjects); requests that must be refused before anything is signed; the lint gate (a blocking
 * finding means the real key never signs); and the checks after signing (a signer that signs with another key
 * is caught).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { generateKeyPair, type KeyPair, type PublicKeyMaterial } from '../../src/crypto/key-material.js';
import { KeyceremonyError } from '../../src/errors.js';
import { type Signer, SoftwareSigner } from '../../src/signer/index.js';
import {
  addYears,
  createCrl,
  createRootCa,
  type DistinguishedName,
  type IssuedCertificate,
  issueSigningCertificate,
  type Linter,
  readCertificate,
  zlintLinter,
} from '../../src/x509/index.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { toolPath } from '../helpers/tools.js';

const zlint = (): Linter => zlintLinter(toolPath('zlint'));
const org = { country: 'DE', state: 'Berlin', organization: 'Wikimedia Deutschland e.V.' };
const leafSubject: DistinguishedName = {
  ...org,
  organizationalUnit: 'Releases',
  commonName: 'Wikibase release pipeline',
};
const now = new Date('2026-12-04T12:00:00Z');

const pairs = new Map<KeyAlgorithm, KeyPair>();
beforeAll(async () => {
  for (const algorithm of ['nistp384', 'nistp256', 'rsa4096'] as const)
    pairs.set(algorithm, await generateKeyPair(algorithm));
});
const signerFor = (algorithm: KeyAlgorithm): SoftwareSigner => new SoftwareSigner(pairs.get(algorithm)!);

async function root(
  algorithm: KeyAlgorithm,
  options: { linters?: Linter[]; scheme?: 'rsa-pss' } = {},
): Promise<IssuedCertificate> {
  return createRootCa(
    {
      subject: { ...org, commonName: 'Wikibase Container Signing Root' },
      notBefore: now,
      notAfter: addYears(now, 10),
      scheme: options.scheme,
    },
    { signer: signerFor(algorithm), linters: options.linters },
  );
}

async function opensslVerifies(rootPem: string, leafPem: string): Promise<string> {
  const dir = await tempDir('kc-x509-');
  await writeFile(join(dir, 'root.pem'), rootPem);
  await writeFile(join(dir, 'leaf.pem'), leafPem);
  const result = await run('openssl', [
    'verify',
    '-x509_strict',
    '-attime',
    String(now.getTime() / 1000 + 3600),
    '-CAfile',
    join(dir, 'root.pem'),
    join(dir, 'leaf.pem'),
  ]);
  return result.stdout + result.stderr;
}

async function refusal(promise: Promise<unknown>): Promise<KeyceremonyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyceremonyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('profiles pass zlint and OpenSSL', () => {
  for (const rootAlgorithm of ['nistp384', 'nistp256', 'rsa4096'] as const) {
    for (const leafAlgorithm of ['nistp256', 'rsa4096'] as const) {
      it(`${rootAlgorithm} root, ${leafAlgorithm} signing certificate, CRL`, async () => {
        const ca = await root(rootAlgorithm, { linters: [zlint()] });
        expect(ca.lintedBy).toEqual(['keyceremony-profile', 'zlint']);
        const leaf = await issueSigningCertificate(
          {
            subject: leafSubject,
            notBefore: now,
            notAfter: addYears(now, 1),
            identityUri: 'https://github.com/wmde/wikibase-release-pipeline',
            crlDistributionPoint: 'http://keys.wikiba.se/containers/root.crl',
          },
          pairs.get(leafAlgorithm)!.publicKey,
          { certificate: ca.parsed },
          { signer: signerFor(rootAlgorithm), linters: [zlint()] },
        );
        expect(await opensslVerifies(ca.pem, leaf.pem)).toMatch(/leaf\.pem: OK/);
        // Not even a notice or info from zlint.
        expect([...ca.lintFindings, ...leaf.lintFindings]).toEqual([]);
        const crl = await createCrl(
          {
            thisUpdate: now,
            nextUpdate: addYears(now, 1),
            crlNumber: 7,
            revoked: [{ serialHex: leaf.parsed.serialHex, revocationDate: now, reason: 'superseded' }],
          },
          { certificate: ca.parsed },
          { signer: signerFor(rootAlgorithm), linters: [zlint()] },
        );
        const dir = await tempDir('kc-crl-');
        await writeFile(join(dir, 'root.pem'), ca.pem);
        await writeFile(join(dir, 'crl.pem'), crl.pem);
        const checked = await run('openssl', [
          'crl',
          '-in',
          join(dir, 'crl.pem'),
          '-CAfile',
          join(dir, 'root.pem'),
          '-verify',
          '-noout',
          '-text',
        ]);
        expect(checked.stderr + checked.stdout).toMatch(/verify OK/);
        expect(checked.stdout).toMatch(/CRL Number: \s*7/);
        expect(checked.stdout).toMatch(/Superseded/);
        expect(crl.parsed.entries?.[0]?.reason).toBe(4);
        expect(crl.lintFindings).toEqual([]);
      });
    }
  }

  it('an RSA root signing with RSA-PSS passes too', async () => {
    const ca = await root('rsa4096', { linters: [zlint()], scheme: 'rsa-pss' });
    const text = await run('openssl', ['x509', '-noout', '-text'], { input: ca.pem });
    expect(text.stdout).toMatch(/Signature Algorithm: rsassaPss[\s\S]*Hash Algorithm: sha256[\s\S]*Salt Length: 0x20/);
    const leaf = await issueSigningCertificate(
      { subject: leafSubject, notBefore: now, notAfter: addYears(now, 1) },
      pairs.get('nistp256')!.publicKey,
      { certificate: ca.parsed, scheme: 'rsa-pss' },
      { signer: signerFor('rsa4096'), linters: [zlint()] },
    );
    expect(await opensslVerifies(ca.pem, leaf.pem)).toMatch(/leaf\.pem: OK/);
  });

  it('exactly the profile: root and leaf extensions, criticality, path length, serial', async () => {
    const ca = await root('nistp384');
    const ext = ca.parsed.extensions;
    expect(ext.list).toEqual([
      { oid: '2.5.29.19', critical: true },
      { oid: '2.5.29.15', critical: true },
      { oid: '2.5.29.14', critical: false },
      { oid: '2.5.29.35', critical: false },
    ]);
    expect(ext.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(ext.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(ca.parsed.serialHex).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(ca.parsed.notAfter.toISOString()).toBe('2036-12-04T12:00:00.000Z');
    const leaf = await issueSigningCertificate(
      { subject: leafSubject, notBefore: now, notAfter: addYears(now, 1), identityUri: 'https://example.org/signer' },
      pairs.get('nistp256')!.publicKey,
      { certificate: ca.parsed },
      { signer: signerFor('nistp384') },
    );
    expect(leaf.parsed.extensions.list.map((e) => `${e.oid}${e.critical ? '!' : ''}`)).toEqual([
      '2.5.29.19!',
      '2.5.29.15!',
      '2.5.29.37',
      '2.5.29.14',
      '2.5.29.35',
      '2.5.29.17',
    ]);
    expect(leaf.parsed.extensions.keyUsage).toEqual(['digitalSignature']);
    expect(leaf.parsed.extensions.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    expect(leaf.parsed.extensions.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(leaf.parsed.extensions.authorityKeyIdentifier).toEqual(ext.subjectKeyIdentifier);
    // The issuer name is the root's subject byte for byte (Go and Notation compare the encodings).
    expect(AsnConvert.serialize(readCertificate(leaf.pem).issuerName)).toEqual(
      AsnConvert.serialize(ca.parsed.subjectName),
    );
    expect(leaf.parsed.subject).toEqual(leafSubject);
    expect(leaf.parsed.issuer).toEqual(ca.parsed.subject);
  });

  it('any valid subject (length limits, non-ASCII, commas) passes zlint and OpenSSL', async () => {
    const ca = await root('nistp256');
    const text = (max: number) =>
      fc
        .string({ unit: fc.constantFrom(...'abcXYZ019 .,;:()-_äöüßéłΩ東京'.split('')), minLength: 1, maxLength: max })
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          state: text(128),
          locality: fc.option(text(128), { nil: undefined }),
          organization: text(64),
          organizationalUnit: fc.option(text(64), { nil: undefined }),
          commonName: text(64),
        }),
        async (fields) => {
          const leaf = await issueSigningCertificate(
            { subject: { country: 'DE', ...fields }, notBefore: now, notAfter: addYears(now, 1) },
            pairs.get('nistp256')!.publicKey,
            { certificate: ca.parsed },
            { signer: signerFor('nistp256'), linters: [zlint()] },
          );
          expect(leaf.parsed.subject).toEqual(
            Object.fromEntries(Object.entries({ country: 'DE', ...fields }).filter(([, v]) => v !== undefined)),
          );
          expect(await opensslVerifies(ca.pem, leaf.pem)).toMatch(/leaf\.pem: OK/);
          expect(leaf.lintFindings).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('refused before anything is signed', () => {
  /** A signer that records every request and never signs. */
  function watching(publicKey: PublicKeyMaterial): Signer & { calls: number } {
    const signer = {
      publicKey,
      location: 'watched key',
      closed: false,
      calls: 0,
      sign: async () => {
        signer.calls++;
        throw new Error('the real key must not be asked');
      },
      close: async () => undefined,
    };
    return signer;
  }

  it('bad signing-certificate requests: all problems at once, exit 2, the issuer key never asked', async () => {
    const ca = await root('nistp384');
    const signer = watching(pairs.get('nistp384')!.publicKey);
    const error = await refusal(
      issueSigningCertificate(
        {
          subject: { country: 'Germany', organization: 'WMDE', commonName: 'x'.repeat(65) },
          notBefore: new Date(now.getTime() - 1000),
          notAfter: addYears(now, 11),
          crlDistributionPoint: 'https://keys.example.org/root.crl',
          identityUri: 'not a uri',
        },
        (await generateKeyPair('ed25519')).publicKey,
        { certificate: ca.parsed },
        { signer },
      ),
    );
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.exitCode).toBe(2);
    const all = [error.message, ...error.details].join('\n');
    for (const expected of [
      /C must be a two-letter country code/,
      /ST \(state\) is required/,
      /CN is longer than 64/,
      /cannot be Ed25519/,
      /validity must lie within the issuer's/,
      /must be an http:\/\/ URL/,
      /not a URI/,
    ])
      expect(all).toMatch(expected);
    expect(signer.calls).toBe(0);
  });

  it('a leaf cannot be issued by a leaf, nor a root made with an unsupported key or bad serial', async () => {
    const ca = await root('nistp256');
    const leaf = await issueSigningCertificate(
      { subject: leafSubject, notBefore: now, notAfter: addYears(now, 1) },
      pairs.get('nistp256')!.publicKey,
      { certificate: ca.parsed },
      { signer: signerFor('nistp256') },
    );
    const byLeaf = await refusal(
      issueSigningCertificate(
        { subject: leafSubject, notBefore: now, notAfter: addYears(now, 1) },
        pairs.get('nistp256')!.publicKey,
        { certificate: leaf.parsed },
        { signer: signerFor('nistp256') },
      ),
    );
    expect([byLeaf.message, ...byLeaf.details].join('\n')).toMatch(/not a CA certificate/);
    const ed = await refusal(
      createRootCa(
        { subject: { ...org, commonName: 'r' }, notBefore: now, notAfter: addYears(now, 1) },
        { signer: new SoftwareSigner(await generateKeyPair('ed25519')) },
      ),
    );
    expect([ed.message, ...ed.details].join('\n')).toMatch(/cannot be Ed25519/);
    const serial = await refusal(
      createRootCa(
        {
          subject: { ...org, commonName: 'r' },
          notBefore: now,
          notAfter: addYears(now, 1),
          serial: Uint8Array.of(0x80, 1),
        },
        { signer: signerFor('nistp256') },
      ),
    );
    expect(serial.message).toMatch(/positive/);
  });

  it('CRL requests: next update after this update, a positive number, known serials once', async () => {
    const ca = await root('nistp256');
    const error = await refusal(
      createCrl(
        {
          thisUpdate: now,
          nextUpdate: now,
          crlNumber: 0,
          revoked: [
            { serialHex: 'zz', revocationDate: now, reason: 'keyCompromise' },
            { serialHex: '0102', revocationDate: addYears(now, 1), reason: 'keyCompromise' },
            { serialHex: '0102', revocationDate: now, reason: 'keyCompromise' },
          ],
        },
        { certificate: ca.parsed },
        { signer: signerFor('nistp256') },
      ),
    );
    const all = [error.message, ...error.details].join('\n');
    for (const expected of [
      /next update must come after/,
      /CRL number must be a positive/,
      /zz is not hex/,
      /revoked after this update/,
      /listed twice/,
    ])
      expect(all).toMatch(expected);
  });
});

describe('the lint gate and the checks after signing', () => {
  it('a blocking lint finding stops issuance before the real key signs', async () => {
    let realSignatures = 0;
    const real = signerFor('nistp256');
    const counting: Signer = {
      publicKey: real.publicKey,
      location: 'counted key',
      closed: false,
      sign: async (request) => {
        realSignatures++;
        return real.sign(request);
      },
      close: async () => undefined,
    };
    const objecting: Linter = {
      name: 'objector',
      lint: async (subject) => [{ linter: 'objector', lint: `e_${subject.kind}_not_wanted`, level: 'error' }],
    };
    const error = await refusal(
      createRootCa(
        { subject: { ...org, commonName: 'r' }, notBefore: now, notAfter: addYears(now, 1) },
        { signer: counting, linters: [objecting] },
      ),
    );
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toMatch(/failed linting; the real key did not sign it/);
    expect(error.details).toEqual(['objector error: e_certificate_not_wanted']);
    expect(realSignatures).toBe(0);
    const notices: Linter = {
      name: 'chatty',
      lint: async () => [{ linter: 'chatty', lint: 'n_fyi', level: 'notice' }],
    };
    const issued = await createRootCa(
      { subject: { ...org, commonName: 'r' }, notBefore: now, notAfter: addYears(now, 1) },
      { signer: counting, linters: [notices] },
    );
    expect(issued.lintFindings).toEqual([{ linter: 'chatty', lint: 'n_fyi', level: 'notice' }]);
    expect(realSignatures).toBe(1);
  });

  it('a signer that is not the issuer key, or signs with another key, is caught', async () => {
    const ca = await root('nistp256');
    const stranger = new SoftwareSigner(await generateKeyPair('nistp256'));
    const notIssuer = await refusal(
      issueSigningCertificate(
        { subject: leafSubject, notBefore: now, notAfter: addYears(now, 1) },
        pairs.get('nistp256')!.publicKey,
        { certificate: ca.parsed },
        { signer: stranger },
      ),
    );
    expect(notIssuer.message).toMatch(/is not the issuer's key/);
    // Claims the issuer's public key, signs with another: the Signer's own check refuses the signature.
    const liar: Signer = {
      ...stranger,
      publicKey: pairs.get('nistp256')!.publicKey,
      location: 'lying key',
      closed: false,
      sign: (r) => stranger.sign(r),
      close: async () => undefined,
    };
    const lied = await refusal(
      issueSigningCertificate(
        { subject: leafSubject, notBefore: now, notAfter: addYears(now, 1) },
        pairs.get('nistp256')!.publicKey,
        { certificate: ca.parsed },
        { signer: liar },
      ),
    );
    expect(lied.code).toBe('CHECK_FAILED');
  });
});
