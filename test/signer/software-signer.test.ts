/**
 * Signer v2 in software: every algorithm and scheme it makes, each checked by an independent verifier
 * (Node's OpenSSL over the message, not our own verify), corruption always detected, requests a key cannot
 * serve refused, the life cycle (close wipes and refuses), and the per-format scheme lists.
 */
import { constants, createHash, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HashAlgorithm, KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { generateKeyPair, type KeyPair, privateKeyObject, publicKeyObject } from '../../src/crypto/key-material.js';
import { hashLength } from '../../src/crypto/pss.js';
import { verifyRequest } from '../../src/crypto/signature-schemes.js';
import { KeyceremonyError } from '../../src/errors.js';
import {
  acceptedSchemes,
  formatAlgorithms,
  openpgpKeyAlgorithms,
  requireFormatAlgorithm,
  schemeFor,
  type SignRequest,
  SoftwareSigner,
} from '../../src/signer/index.js';

const message = new TextEncoder().encode('keyceremony signs what the request says');
const digestOf = (hash: HashAlgorithm): Uint8Array => new Uint8Array(createHash(hash).update(message).digest());

const pairs = new Map<KeyAlgorithm, KeyPair>();
beforeAll(async () => {
  for (const algorithm of ['ed25519', 'nistp256', 'nistp384', 'rsa4096'] as const)
    pairs.set(algorithm, await generateKeyPair(algorithm));
});
const pair = (algorithm: KeyAlgorithm): KeyPair => {
  const p = pairs.get(algorithm);
  if (!p) throw new Error(algorithm);
  return p;
};

/** What OpenSSL (through Node) says about a raw signature over `message`, independently of our verifier. */
function opensslVerifies(algorithm: KeyAlgorithm, scheme: string, hash: HashAlgorithm, signature: Uint8Array): boolean {
  const key = publicKeyObject(pair(algorithm).publicKey);
  switch (scheme) {
    case 'eddsa':
      return nodeVerify(null, message, key, signature);
    case 'ecdsa':
      return nodeVerify(hash, message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'rsa-pkcs1v15':
      return nodeVerify(hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'rsa-pss':
      return nodeVerify(
        hash,
        message,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength[hash] },
        signature,
      );
    default:
      throw new Error(scheme);
  }
}

const cases: { algorithm: KeyAlgorithm; scheme: 'ecdsa' | 'rsa-pkcs1v15' | 'rsa-pss'; hash: HashAlgorithm }[] = [
  { algorithm: 'nistp256', scheme: 'ecdsa', hash: 'sha256' },
  { algorithm: 'nistp384', scheme: 'ecdsa', hash: 'sha384' },
  { algorithm: 'nistp384', scheme: 'ecdsa', hash: 'sha256' },
  { algorithm: 'rsa4096', scheme: 'rsa-pkcs1v15', hash: 'sha256' },
  { algorithm: 'rsa4096', scheme: 'rsa-pkcs1v15', hash: 'sha512' },
  { algorithm: 'rsa4096', scheme: 'rsa-pss', hash: 'sha256' },
  { algorithm: 'rsa4096', scheme: 'rsa-pss', hash: 'sha384' },
  { algorithm: 'rsa4096', scheme: 'rsa-pss', hash: 'sha512' },
];

describe('SoftwareSigner', () => {
  for (const { algorithm, scheme, hash } of cases) {
    it(`${algorithm} ${scheme} over a ${hash} digest and over a message: OpenSSL verifies both`, async () => {
      const signer = new SoftwareSigner(pair(algorithm));
      for (const request of [
        { digest: digestOf(hash), hash, scheme },
        { message, hash, scheme },
      ] satisfies SignRequest[]) {
        const result = await signer.sign(request);
        expect(result.publicKey).toBe(signer.publicKey);
        expect(result.scheme).toBe(scheme);
        expect(result.hash).toBe(hash);
        expect(opensslVerifies(algorithm, scheme, hash, result.signature)).toBe(true);
        expect(verifyRequest(signer.publicKey, request, result.signature)).toBe(true);
      }
    });
  }

  it('Ed25519 signs a message with pure EdDSA; OpenSSL verifies it', async () => {
    const signer = new SoftwareSigner(pair('ed25519'));
    const result = await signer.sign({ message, scheme: 'eddsa' });
    expect(result.hash).toBeUndefined();
    expect(opensslVerifies('ed25519', 'eddsa', 'sha512', result.signature)).toBe(true);
  });

  it('our RSA-PSS verifier accepts what OpenSSL signs (salt = hash length) and refuses other salt lengths', () => {
    const key = privateKeyObject(pair('rsa4096'));
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      const good = nodeSign(hash, message, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: hashLength[hash],
      });
      expect(verifyRequest(pair('rsa4096').publicKey, { message, hash, scheme: 'rsa-pss' }, good)).toBe(true);
      const otherSalt = nodeSign(hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
      expect(verifyRequest(pair('rsa4096').publicKey, { message, hash, scheme: 'rsa-pss' }, otherSalt)).toBe(false);
    }
  });

  it('any corruption of the signature or of the digest is detected', async () => {
    for (const { algorithm, scheme, hash } of cases.slice(0, 6)) {
      const digest = digestOf(hash);
      const { signature } = await new SoftwareSigner(pair(algorithm)).sign({ digest, hash, scheme });
      fc.assert(
        fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 }), (inSignature, index, bit) => {
          const sig = signature.slice();
          const dig = digest.slice();
          const target = inSignature ? sig : dig;
          const i = index % target.length;
          target[i] = (target[i] ?? 0) ^ (1 << bit);
          return !verifyRequest(pair(algorithm).publicKey, { digest: dig, hash, scheme }, sig);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('refuses a scheme the key cannot make and a digest of the wrong length', async () => {
    await expect(new SoftwareSigner(pair('nistp256')).sign({ message, scheme: 'eddsa' })).rejects.toThrow(
      /ECDSA P-256 key cannot make EdDSA/,
    );
    await expect(
      new SoftwareSigner(pair('ed25519')).sign({ digest: digestOf('sha256'), hash: 'sha256', scheme: 'ecdsa' }),
    ).rejects.toThrow(/Ed25519 key cannot make ECDSA/);
    await expect(
      new SoftwareSigner(pair('nistp384')).sign({ digest: digestOf('sha256'), hash: 'sha384', scheme: 'ecdsa' }),
    ).rejects.toThrow(/not a sha384 digest/);
  });

  it('close() wipes the secret key and the signer refuses to sign afterwards', async () => {
    const fresh = await generateKeyPair('nistp384');
    const signer = new SoftwareSigner(fresh);
    expect(signer.closed).toBe(false);
    await signer.close();
    await signer.close(); // idempotent
    expect(signer.closed).toBe(true);
    expect(fresh.secretKey.algorithm === 'nistp384' && fresh.secretKey.d.every((b) => b === 0)).toBe(true);
    await expect(signer.sign({ message, hash: 'sha384', scheme: 'ecdsa' })).rejects.toThrow(/closed/);
  });
});

describe('the per-format lists', () => {
  it('OpenPGP scripts accept exactly the OpenPGP v4 list; Notation and cosign never take Ed25519', () => {
    expect([...openpgpKeyAlgorithms]).toEqual(formatAlgorithms('openpgp-v4'));
    expect(formatAlgorithms('tuf-notary')).toEqual(['nistp256']);
    expect(formatAlgorithms('notation')).not.toContain('ed25519');
    expect(formatAlgorithms('cosign')).not.toContain('ed25519');
    expect(schemeFor('notation', 'rsa4096')).toEqual({ algorithm: 'rsa4096', scheme: 'rsa-pss', hash: 'sha512' });
    expect(schemeFor('x509', 'nistp384')).toEqual({ algorithm: 'nistp384', scheme: 'ecdsa', hash: 'sha384' });
    expect(schemeFor('x509', 'rsa4096', 'rsa-pss').hash).toBe('sha256');
  });

  it('refuses an algorithm a format does not take, naming the ones it does (exit 2)', () => {
    let error: unknown;
    try {
      requireFormatAlgorithm('notation', 'ed25519', 'the signing key');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyceremonyError);
    expect((error as KeyceremonyError).exitCode).toBe(2);
    expect((error as KeyceremonyError).message).toMatch(/cannot be Ed25519: Notation signing keys take ECDSA P-256/);
    expect(() => schemeFor('openpgp-v4', 'nistp384')).toThrow(KeyceremonyError);
  });

  it('every listed choice is a scheme the algorithm can make', async () => {
    for (const choices of Object.values(acceptedSchemes)) {
      for (const { algorithm, scheme, hash } of choices) {
        const request: SignRequest = scheme === 'eddsa' ? { message, scheme } : { message, hash, scheme };
        await expect(new SoftwareSigner(pair(algorithm)).sign(request)).resolves.toBeTruthy();
      }
    }
  });
});
