/**
 * Signing requests, and signing and verifying them with raw key material.
 *
 * A request says what is signed and how: a digest the caller computed (`{digest, hash, scheme}`), or a message
 * (`{message, hash, scheme}`, hashed here; `{message, scheme: 'eddsa'}` for pure Ed25519). keyceremony signs at
 * the digest level wherever a format allows it, because PKCS#11 tokens sign digests (CKM_ECDSA, CKM_RSA_PKCS
 * with the DigestInfo, CKM_RSA_PKCS_PSS) and because streamed data is hashed as it is read.
 *
 * Signatures are raw: r‖s (each as long as the curve's order) for ECDSA, R‖S for Ed25519, s as long as the
 * modulus for RSA. Format code converts them (OpenPGP MPIs, DER ECDSA-Sig-Value for X.509).
 */
import {
  constants,
  createHash,
  privateEncrypt,
  publicDecrypt,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import {
  describeAlgorithm,
  describeScheme,
  type HashAlgorithm,
  type KeyAlgorithm,
  rawSignatureLength,
  type SignatureScheme,
  schemesOf,
} from './algorithms.js';
import { type KeyPair, type PublicKeyMaterial, privateKeyObject, publicKeyObject } from './key-material.js';
import { emsaPssEncode, emsaPssVerify, hashLength } from './pss.js';
import { bytesEqual, concatBytes, leftPad } from '../util/bytes.js';

/** The schemes that sign a digest (every one but pure EdDSA). */
export type DigestScheme = Exclude<SignatureScheme, 'eddsa'>;

/** Sign a digest the caller computed with `hash`. */
export interface DigestSignRequest {
  readonly digest: Uint8Array;
  readonly hash: HashAlgorithm;
  readonly scheme: DigestScheme;
}

/** Sign a message: hashed with `hash` by the signer, then signed as a digest. */
export interface HashedMessageSignRequest {
  readonly message: Uint8Array;
  readonly hash: HashAlgorithm;
  readonly scheme: DigestScheme;
}

/** Sign a message with pure Ed25519 (RFC 8032: the hash is part of the scheme). */
export interface EdDsaSignRequest {
  readonly message: Uint8Array;
  readonly scheme: 'eddsa';
}

export type SignRequest = DigestSignRequest | HashedMessageSignRequest | EdDsaSignRequest;

/** A request reduced to what a key signs: a digest (with its hash), or the EdDSA message. */
export type PreparedRequest =
  | { readonly scheme: DigestScheme; readonly hash: HashAlgorithm; readonly digest: Uint8Array }
  | { readonly scheme: 'eddsa'; readonly message: Uint8Array };

export const digestLength: Record<HashAlgorithm, number> = hashLength;

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const digestInfoPrefix: Record<HashAlgorithm, Uint8Array> = {
  sha256: Uint8Array.from(Buffer.from('3031300d060960864801650304020105000420', 'hex')),
  sha384: Uint8Array.from(Buffer.from('3041300d060960864801650304020205000430', 'hex')),
  sha512: Uint8Array.from(Buffer.from('3051300d060960864801650304020305000440', 'hex')),
};

export function digestInfo(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
  return concatBytes(digestInfoPrefix[hash], digest);
}

/** Thrown for a request the key cannot serve (a programming error in the format code, never user input). */
export class SignRequestError extends Error {
  override readonly name = 'SignRequestError';
}

/**
 * Checks a request against the key that is to sign it and reduces it to a digest (or the EdDSA message).
 * Throws for a scheme the key's algorithm cannot make and for a digest of the wrong length.
 */
export function prepareRequest(algorithm: KeyAlgorithm, request: SignRequest): PreparedRequest {
  if (!schemesOf[algorithm].includes(request.scheme)) {
    throw new SignRequestError(
      `a ${describeAlgorithm(algorithm)} key cannot make ${describeScheme(request.scheme)} signatures`,
    );
  }
  if (request.scheme === 'eddsa') return { scheme: 'eddsa', message: request.message };
  if ('digest' in request) {
    if (request.digest.length !== digestLength[request.hash])
      throw new SignRequestError(`digest of ${request.digest.length} bytes is not a ${request.hash} digest`);
    return { scheme: request.scheme, hash: request.hash, digest: request.digest };
  }
  const digest = new Uint8Array(createHash(request.hash).update(request.message).digest());
  return { scheme: request.scheme, hash: request.hash, digest };
}

/** The modulus length in bits (from the key, never assumed). */
function modulusBits(key: PublicKeyMaterial & { algorithm: 'rsa4096' }): number {
  const first = key.n[0] ?? 0;
  return (key.n.length - 1) * 8 + (first === 0 ? 0 : Math.floor(Math.log2(first)) + 1);
}

/** Signs a request with a software key pair. */
export function signWithKeyPair(pair: KeyPair, request: SignRequest): Uint8Array {
  const prepared = prepareRequest(pair.publicKey.algorithm, request);
  const { secretKey, publicKey } = pair;
  if (prepared.scheme === 'eddsa') return new Uint8Array(nodeSign(null, prepared.message, privateKeyObject(pair)));
  switch (secretKey.algorithm) {
    case 'nistp256':
    case 'nistp384': {
      // Node can only sign a message it hashes itself; noble signs the digest as CKM_ECDSA does.
      // Hedged (RFC 6979 + fresh randomness) so a faulty RNG alone cannot leak the key.
      const curve = secretKey.algorithm === 'nistp256' ? p256 : p384;
      return curve.sign(prepared.digest, secretKey.d, { prehash: false, extraEntropy: true, lowS: false });
    }
    case 'rsa4096': {
      if (publicKey.algorithm !== 'rsa4096') throw new SignRequestError('public and secret key do not match');
      const key = privateKeyObject(pair);
      if (prepared.scheme === 'rsa-pkcs1v15') {
        return new Uint8Array(
          privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo(prepared.hash, prepared.digest)),
        );
      }
      const encoded = emsaPssEncode(prepared.hash, prepared.digest, modulusBits(publicKey));
      return new Uint8Array(
        privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(encoded, publicKey.n.length)),
      );
    }
    case 'ed25519':
      throw new SignRequestError('Ed25519 keys sign with EdDSA only');
  }
}

/** Verifies a raw signature for a request. Never throws for a bad signature or a mismatched request: false. */
export function verifyRequest(key: PublicKeyMaterial, request: SignRequest, signature: Uint8Array): boolean {
  let prepared: PreparedRequest;
  try {
    prepared = prepareRequest(key.algorithm, request);
  } catch {
    return false;
  }
  try {
    if (prepared.scheme === 'eddsa') {
      return signature.length === 64 && nodeVerify(null, prepared.message, publicKeyObject(key), signature);
    }
    switch (key.algorithm) {
      case 'nistp256':
      case 'nistp384': {
        const curve = key.algorithm === 'nistp256' ? p256 : p384;
        return (
          signature.length === rawSignatureLength[key.algorithm] &&
          curve.verify(signature, prepared.digest, key.point, { prehash: false, lowS: false })
        );
      }
      case 'rsa4096': {
        const modulusLength = key.n.length;
        if (signature.length > modulusLength) return false;
        const padded = leftPad(signature, modulusLength);
        if (prepared.scheme === 'rsa-pkcs1v15') {
          const recovered = publicDecrypt({ key: publicKeyObject(key), padding: constants.RSA_PKCS1_PADDING }, padded);
          return bytesEqual(new Uint8Array(recovered), digestInfo(prepared.hash, prepared.digest));
        }
        const encoded = publicDecrypt({ key: publicKeyObject(key), padding: constants.RSA_NO_PADDING }, padded);
        return emsaPssVerify(prepared.hash, prepared.digest, new Uint8Array(encoded), modulusBits(key));
      }
      case 'ed25519':
        return false;
    }
  } catch {
    return false;
  }
}

/**
 * The request OpenPGP v4 and TUF make for a digest with a key of this algorithm: Ed25519 signs the digest
 * bytes as its message (OpenPGP's legacy EdDSA), ECDSA signs the digest itself (no second hash), RSA uses
 * PKCS#1 v1.5 over the DigestInfo. This is the scheme every signature keyceremony made before Signer v2 used.
 */
export function legacyDigestRequest(algorithm: KeyAlgorithm, digest: Uint8Array, hash: HashAlgorithm): SignRequest {
  switch (algorithm) {
    case 'ed25519':
      return { message: digest, scheme: 'eddsa' };
    case 'nistp256':
    case 'nistp384':
      return { digest, hash, scheme: 'ecdsa' };
    case 'rsa4096':
      return { digest, hash, scheme: 'rsa-pkcs1v15' };
  }
}

/**
 * Verifies a raw digest signature made with {@link legacyDigestRequest}'s scheme (OpenPGP and TUF signatures).
 * Never throws for a bad signature: returns false. A digest of the wrong length for `hash` is refused.
 */
export function verifyDigest(
  key: PublicKeyMaterial,
  digest: Uint8Array,
  hash: HashAlgorithm,
  signature: Uint8Array,
): boolean {
  if (digest.length !== digestLength[hash]) return false;
  return verifyRequest(key, legacyDigestRequest(key.algorithm, digest, hash), signature);
}
