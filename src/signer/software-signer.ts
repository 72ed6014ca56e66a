/** A Signer over a key pair held in memory (decrypted from the vault for one ceremony). */
import type { HashAlgorithm } from '../crypto/algorithms.js';
import { signDigestWithKeyPair } from '../crypto/digest-signature.js';
import { type KeyPair, type PublicKeyMaterial, wipeSecretKey } from '../crypto/key-material.js';
import type { Signer } from './signer.js';

export class SoftwareSigner implements Signer {
  readonly publicKey: PublicKeyMaterial;
  #pair: KeyPair | undefined;

  constructor(pair: KeyPair) {
    this.publicKey = pair.publicKey;
    this.#pair = pair;
  }

  async sign(digest: Uint8Array, hash: HashAlgorithm): Promise<Uint8Array> {
    if (!this.#pair) throw new Error('this signer was disposed');
    return signDigestWithKeyPair(this.#pair, digest, hash);
  }

  /** Overwrites the secret key bytes; the signer refuses to sign afterwards. */
  dispose(): void {
    if (this.#pair) wipeSecretKey(this.#pair.secretKey);
    this.#pair = undefined;
  }
}
