/**
 * The one signing seam (Signer v2).
 *
 * Every private-key operation in keyceremony goes through a Signer: a software key held in memory for the
 * length of a ceremony step, or a key on a PKCS#11 token. Code that builds OpenPGP certifications, TUF
 * metadata, X.509 certificates, CRLs or transcript signatures receives a Signer and never learns where the
 * key lives.
 *
 * A request says what is signed and how ({@link SignRequest}: a digest or a message, the hash, the scheme); the
 * result carries the signature and the public key it was made with (as sigstore-js's Signer does), so the
 * caller can check it was the key it meant. A Signer never returns a signature that does not verify with its
 * public key. Its life cycle is part of the interface: {@link Signer.close} ends it (a software signer
 * overwrites its secret, a token signer lets go of its session), and a closed signer refuses to sign.
 */
import type { HashAlgorithm, SignatureScheme } from '../crypto/index.js';
import type { PublicKeyMaterial } from '../crypto/index.js';
import { prepareRequest, type SignRequest, verifyRequest } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';

export type {
  DigestScheme,
  DigestSignRequest,
  EdDsaSignRequest,
  HashedMessageSignRequest,
  SignRequest,
} from '../crypto/index.js';

export interface SignResult {
  /** Raw signature: r‖s for ECDSA (each as long as the curve order), R‖S for Ed25519, s for RSA (modulus length). */
  readonly signature: Uint8Array;
  /** The public key the signature was made with. */
  readonly publicKey: PublicKeyMaterial;
  readonly scheme: SignatureScheme;
  /** The hash of the digest that was signed; undefined for pure EdDSA. */
  readonly hash: HashAlgorithm | undefined;
}

export interface Signer {
  /** The public key this signer signs for. */
  readonly publicKey: PublicKeyMaterial;
  /** Where the key lives, for messages and transcripts: "software key" or the key's RFC 7512 URI. */
  readonly location: string;
  /** Signs as the request says; the signature is verified against {@link publicKey} before it is returned. */
  sign(request: SignRequest): Promise<SignResult>;
  /** Ends this signer (idempotent). Signing afterwards throws. */
  close(): Promise<void>;
  /** True once {@link close} ran. */
  readonly closed: boolean;
}

/**
 * Wraps a raw signature into a result after checking it verifies for the request with the signer's public key:
 * a token that signed with another key, or a faulty one, stops the caller instead of producing a certificate
 * or signature nobody can verify.
 */
export function checkedResult(
  publicKey: PublicKeyMaterial,
  request: SignRequest,
  signature: Uint8Array,
  location: string,
): SignResult {
  if (!verifyRequest(publicKey, request, signature)) {
    throw new KeyceremonyError('CHECK_FAILED', `the signature by the ${location} does not verify with its public key`);
  }
  const prepared = prepareRequest(publicKey.algorithm, request);
  return {
    signature,
    publicKey,
    scheme: request.scheme,
    hash: prepared.scheme === 'eddsa' ? undefined : prepared.hash,
  };
}
