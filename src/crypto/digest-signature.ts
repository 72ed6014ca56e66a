/**
 * Signing and verifying a message digest with raw key material.
 *
 * OpenPGP signatures, TUF metadata and PKCS#11 tokens all work on a digest computed by the caller, so this is
 * the level keyceremony signs at: Ed25519 signs the digest bytes as its message (OpenPGP's legacy EdDSA),
 * ECDSA P-256 signs the digest itself (no second hash, as CKM_ECDSA does), RSA uses PKCS#1 v1.5 with the
 * DigestInfo prefix (as CKM_RSA_PKCS needs it). Signatures are raw: r‖s for the curves, s for RSA.
 */
import { constants, privateEncrypt, publicDecrypt, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import type { HashAlgorithm } from './algorithms.js';
import { type KeyPair, type PublicKeyMaterial, privateKeyObject, publicKeyObject } from './key-material.js';
import { bytesEqual, concatBytes, leftPad } from '../util/bytes.js';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const digestInfoPrefix: Record<HashAlgorithm, Uint8Array> = {
  sha256: Uint8Array.from(Buffer.from('3031300d060960864801650304020105000420', 'hex')),
  sha384: Uint8Array.from(Buffer.from('3041300d060960864801650304020205000430', 'hex')),
  sha512: Uint8Array.from(Buffer.from('3051300d060960864801650304020305000440', 'hex')),
};

export const digestLength: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

export function digestInfo(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
  return concatBytes(digestInfoPrefix[hash], digest);
}

function checkDigest(digest: Uint8Array, hash: HashAlgorithm): void {
  if (digest.length !== digestLength[hash]) {
    throw new Error(`digest of ${digest.length} bytes is not a ${hash} digest`);
  }
}

/** Signs a digest with a software key pair. */
export function signDigestWithKeyPair(pair: KeyPair, digest: Uint8Array, hash: HashAlgorithm): Uint8Array {
  checkDigest(digest, hash);
  const { secretKey } = pair;
  switch (secretKey.algorithm) {
    case 'ed25519':
      return new Uint8Array(nodeSign(null, digest, privateKeyObject(pair)));
    case 'nistp256':
      // Node can only sign a message it hashes itself; noble signs the digest as CKM_ECDSA does.
      // Hedged (RFC 6979 + fresh randomness) so a faulty RNG alone cannot leak the key.
      return p256.sign(digest, secretKey.d, { prehash: false, extraEntropy: true, lowS: false });
    case 'rsa4096':
      return new Uint8Array(
        privateEncrypt({ key: privateKeyObject(pair), padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, digest)),
      );
  }
}

/** Verifies a raw digest signature. Never throws for a bad signature: returns false. */
export function verifyDigest(
  key: PublicKeyMaterial,
  digest: Uint8Array,
  hash: HashAlgorithm,
  signature: Uint8Array,
): boolean {
  if (digest.length !== digestLength[hash]) return false;
  try {
    switch (key.algorithm) {
      case 'ed25519':
        return signature.length === 64 && nodeVerify(null, digest, publicKeyObject(key), signature);
      case 'nistp256':
        return signature.length === 64 && p256.verify(signature, digest, key.point, { prehash: false, lowS: false });
      case 'rsa4096': {
        const modulusLength = key.n.length;
        if (signature.length > modulusLength) return false;
        const recovered = publicDecrypt(
          { key: publicKeyObject(key), padding: constants.RSA_PKCS1_PADDING },
          leftPad(signature, modulusLength),
        );
        return bytesEqual(new Uint8Array(recovered), digestInfo(hash, digest));
      }
    }
  } catch {
    return false;
  }
}
