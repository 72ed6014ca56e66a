/**
 * A Signer whose private key lives on a PKCS#11 token. The digest goes to the token; what comes back is the
 * raw signature the Signer interface promises: CKM_ECDSA and CKM_EDDSA return r‖s, CKM_RSA_PKCS signs the
 * DigestInfo built here (the token adds only the PKCS#1 v1.5 padding).
 *
 * Every signature is verified against the public key before it is returned, so a token that signs with a
 * different key (or a faulty one) stops the ceremony instead of producing a certificate nobody can verify.
 */
import type { HashAlgorithm } from '../crypto/algorithms.js';
import { digestInfo, digestLength, verifyDigest } from '../crypto/digest-signature.js';
import type { PublicKeyMaterial } from '../crypto/key-material.js';
import { KeyceremonyError } from '../errors.js';
import { algorithmMechanisms } from '../pkcs11/keys.js';
import type { TokenSession } from '../pkcs11/module.js';
import type { Handle } from '../pkcs11/native.js';
import { leftPad } from '../util/bytes.js';
import type { Signer } from './signer.js';

export class Pkcs11Signer implements Signer {
  readonly publicKey: PublicKeyMaterial;
  /** The RFC 7512 URI of the key (for the inventory and the transcript). */
  readonly uri: string;
  readonly #session: TokenSession;
  readonly #key: Handle;

  constructor(session: TokenSession, privateKey: Handle, publicKey: PublicKeyMaterial, uri: string) {
    this.#session = session;
    this.#key = privateKey;
    this.publicKey = publicKey;
    this.uri = uri;
  }

  async sign(digest: Uint8Array, hash: HashAlgorithm): Promise<Uint8Array> {
    if (digest.length !== digestLength[hash])
      throw new Error(`digest of ${digest.length} bytes is not a ${hash} digest`);
    const algorithm = this.publicKey.algorithm;
    const mechanism = { mechanism: algorithmMechanisms[algorithm].sign };
    let signature: Uint8Array;
    if (algorithm === 'rsa4096') {
      signature = leftPad(this.#session.sign(mechanism, this.#key, digestInfo(hash, digest), 512), 512);
    } else {
      signature = this.#session.sign(mechanism, this.#key, digest, 64);
      if (signature.length !== 64) {
        throw new KeyceremonyError(
          'TOKEN_UNSUPPORTED',
          `the token returned a ${signature.length}-byte signature; expected raw r‖s (64 bytes)`,
        );
      }
    }
    if (!verifyDigest(this.publicKey, digest, hash, signature)) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the token's signature does not verify with the public key of ${this.uri}`,
      );
    }
    return signature;
  }
}
