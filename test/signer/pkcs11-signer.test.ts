/**
 * Signer v2 on a real SoftHSM2 token: CKM_ECDSA on P-256 and P-384, CKM_EDDSA, CKM_RSA_PKCS and
 * CKM_RSA_PKCS_PSS (SHA-256/384/512, salt = hash length), each signature checked by OpenSSL (through Node)
 * over the message, independently of our verifier; a software key imported onto the token signs for the same
 * public key; closing the signer releases the session it owns and refuses further requests.
 */
import { constants, createHash, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HashAlgorithm, KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { generateKeyPair, publicKeyObject, samePublicKey } from '../../src/crypto/key-material.js';
import { hashLength } from '../../src/crypto/pss.js';
import type { Pkcs11Signer, SignRequest } from '../../src/signer/index.js';
import { closeTokens, tokenSigner } from '../helpers/token-signer.js';

const message = new TextEncoder().encode('a TBSCertificate, say');
const digestOf = (hash: HashAlgorithm): Uint8Array => new Uint8Array(createHash(hash).update(message).digest());

const signers = new Map<KeyAlgorithm, Pkcs11Signer>();
beforeAll(async () => {
  for (const algorithm of ['nistp256', 'nistp384', 'ed25519', 'rsa4096'] as const)
    signers.set(algorithm, await tokenSigner(algorithm));
});
afterAll(async () => {
  for (const signer of signers.values()) await signer.close();
  closeTokens();
});

function opensslVerifies(signer: Pkcs11Signer, request: SignRequest, signature: Uint8Array): boolean {
  const key = publicKeyObject(signer.publicKey);
  if (request.scheme === 'eddsa') return nodeVerify(null, message, key, signature);
  const { hash } = request;
  if (request.scheme === 'ecdsa') return nodeVerify(hash, message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (request.scheme === 'rsa-pkcs1v15') return nodeVerify(hash, message, key, signature);
  return nodeVerify(
    hash,
    message,
    { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength[hash] },
    signature,
  );
}

const cases: [KeyAlgorithm, SignRequest][] = [
  ['nistp256', { digest: digestOf('sha256'), hash: 'sha256', scheme: 'ecdsa' }],
  ['nistp384', { digest: digestOf('sha384'), hash: 'sha384', scheme: 'ecdsa' }],
  ['nistp384', { message, hash: 'sha384', scheme: 'ecdsa' }],
  ['ed25519', { message, scheme: 'eddsa' }],
  ['rsa4096', { digest: digestOf('sha256'), hash: 'sha256', scheme: 'rsa-pkcs1v15' }],
  ['rsa4096', { digest: digestOf('sha256'), hash: 'sha256', scheme: 'rsa-pss' }],
  ['rsa4096', { digest: digestOf('sha384'), hash: 'sha384', scheme: 'rsa-pss' }],
  ['rsa4096', { message, hash: 'sha512', scheme: 'rsa-pss' }],
];

describe('Pkcs11Signer on SoftHSM2', () => {
  for (const [algorithm, request] of cases) {
    const form = 'digest' in request ? `a ${request.hash} digest` : 'a message';
    it(`${algorithm} ${request.scheme} over ${form}: the token signs, OpenSSL verifies`, async () => {
      const signer = signers.get(algorithm)!;
      const result = await signer.sign(request);
      expect(samePublicKey(result.publicKey, signer.publicKey)).toBe(true);
      expect(result.scheme).toBe(request.scheme);
      expect(opensslVerifies(signer, request, result.signature)).toBe(true);
      const other = new TextEncoder().encode('something else');
      const otherRequest: SignRequest =
        request.scheme === 'eddsa'
          ? { message: other, scheme: 'eddsa' }
          : { message: other, hash: request.hash, scheme: request.scheme };
      expect(opensslVerifies(signer, otherRequest, (await signer.sign(otherRequest)).signature)).toBe(false);
    });
  }

  it('a P-384 software key imported onto the token signs for the same public key', async () => {
    const pair = await generateKeyPair('nistp384');
    const signer = await tokenSigner('nistp384', pair);
    expect(samePublicKey(signer.publicKey, pair.publicKey)).toBe(true);
    const result = await signer.sign({ message, hash: 'sha384', scheme: 'ecdsa' });
    expect(
      nodeVerify(
        'sha384',
        message,
        { key: publicKeyObject(pair.publicKey), dsaEncoding: 'ieee-p1363' },
        result.signature,
      ),
    ).toBe(true);
    await signer.close();
  });

  it('refuses a scheme the key cannot make before the token is asked', async () => {
    await expect(signers.get('nistp384')!.sign({ message, hash: 'sha384', scheme: 'rsa-pss' })).rejects.toThrow(
      /ECDSA P-384 key cannot make RSA-PSS/,
    );
  });

  it('close() releases the session the signer owns; signing afterwards is refused', async () => {
    const signer = await tokenSigner('nistp256');
    await signer.close();
    expect(signer.closed).toBe(true);
    await expect(signer.sign({ message, hash: 'sha256', scheme: 'ecdsa' })).rejects.toThrow(/closed/);
  });
});
