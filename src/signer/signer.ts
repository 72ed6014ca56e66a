/**
 * The one signing seam.
 *
 * Every private-key operation in keyceremony goes through a Signer: a software key held in memory for the
 * length of a ceremony step, or a key on a PKCS#11 token. Code that builds OpenPGP certifications, TUF
 * metadata or transcript signatures receives a Signer and never learns where the key lives.
 */
import type { HashAlgorithm } from '../crypto/algorithms.js';
import type { PublicKeyMaterial } from '../crypto/key-material.js';

export interface Signer {
  /** The public key this signer signs for. */
  readonly publicKey: PublicKeyMaterial;
  /**
   * Signs a message digest computed by the caller. Returns the raw signature: r‖s (32 bytes each) for
   * Ed25519 and P-256, the signature integer s for RSA (PKCS#1 v1.5 over the DigestInfo of `digest`).
   */
  sign(digest: Uint8Array, hash: HashAlgorithm): Promise<Uint8Array>;
}
