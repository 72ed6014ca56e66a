/** A Signer over a key pair held in memory (decrypted from the vault for one ceremony, or made for one step). */
import { type KeyPair, type PublicKeyMaterial, wipeSecretKey } from '../crypto/index.js';
import { type SignRequest, signWithKeyPair } from '../crypto/index.js';
import { checkedResult, type SignResult, type Signer } from './signer.js';
import { bug } from '../errors.js';

export class SoftwareSigner implements Signer {
  readonly publicKey: PublicKeyMaterial;
  readonly location = 'software key';
  #pair: KeyPair | undefined;

  constructor(pair: KeyPair) {
    this.publicKey = pair.publicKey;
    this.#pair = pair;
  }

  get closed(): boolean {
    return this.#pair === undefined;
  }

  async sign(request: SignRequest): Promise<SignResult> {
    if (!this.#pair) throw bug('this signer was closed');
    return checkedResult(this.publicKey, request, signWithKeyPair(this.#pair, request), this.location);
  }

  /** Overwrites the secret key bytes; the signer refuses to sign afterwards. */
  async close(): Promise<void> {
    if (this.#pair) wipeSecretKey(this.#pair.secretKey);
    this.#pair = undefined;
  }
}
