/**
 * A Signer whose private key lives on a PKCS#11 token. The digest goes to the token; what comes back is the
 * raw signature the Signer interface promises: CKM_ECDSA (P-256, P-384) and CKM_EDDSA return r‖s,
 * CKM_RSA_PKCS signs the DigestInfo built here (the token adds only the PKCS#1 v1.5 padding), and
 * CKM_RSA_PKCS_PSS signs the digest with MGF1 over the same hash and a salt as long as the hash.
 *
 * Every signature is verified against the public key before it is returned, so a token that signs with a
 * different key (or a faulty one) stops the ceremony instead of producing a certificate nobody can verify.
 *
 * Life cycle: the session usually belongs to the ceremony's token broker, which logs out and closes it when the
 * ceremony ends; closing such a signer only stops it from signing. A signer that owns its session (the
 * `onClose` callback, e.g. a test or a one-off tool) releases it on close.
 */
import { rawSignatureLength, type HashAlgorithm } from '../crypto/index.js';
import type { PublicKeyMaterial } from '../crypto/index.js';
import { digestInfo, prepareRequest, type SignRequest } from '../crypto/index.js';
import { bug, KeyceremonyError } from '../errors.js';
import { CKG, CKM, PKCS11JS_PARAMS_RSA_PSS } from '../pkcs11/index.js';
import type { TokenSession } from '../pkcs11/index.js';
import type { Handle, NativeMechanism } from '../pkcs11/index.js';
import { leftPad } from '../util/bytes.js';
import { checkedResult, type SignResult, type Signer } from './signer.js';

const pssHash: Record<HashAlgorithm, { hashAlg: number; mgf: number; saltLen: number }> = {
  sha256: { hashAlg: CKM.sha256, mgf: CKG.mgf1Sha256, saltLen: 32 },
  sha384: { hashAlg: CKM.sha384, mgf: CKG.mgf1Sha384, saltLen: 48 },
  sha512: { hashAlg: CKM.sha512, mgf: CKG.mgf1Sha512, saltLen: 64 },
};

export class Pkcs11Signer implements Signer {
  readonly publicKey: PublicKeyMaterial;
  /** The RFC 7512 URI of the key (for the inventory and the transcript). */
  readonly uri: string;
  readonly #session: TokenSession;
  readonly #key: Handle;
  readonly #onClose: (() => void) | undefined;
  #closed = false;

  constructor(
    session: TokenSession,
    privateKey: Handle,
    publicKey: PublicKeyMaterial,
    uri: string,
    options: { onClose?: () => void } = {},
  ) {
    this.#session = session;
    this.#key = privateKey;
    this.publicKey = publicKey;
    this.uri = uri;
    this.#onClose = options.onClose;
  }

  get location(): string {
    return `token key ${this.uri}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async sign(request: SignRequest): Promise<SignResult> {
    if (this.#closed) throw bug(`the signer for ${this.uri} was closed`);
    const prepared = prepareRequest(this.publicKey.algorithm, request);
    const expected = rawSignatureLength[this.publicKey.algorithm];
    let signature: Uint8Array;
    if (prepared.scheme === 'eddsa') {
      signature = this.#session.sign({ mechanism: CKM.eddsa }, this.#key, prepared.message, expected);
    } else if (prepared.scheme === 'ecdsa') {
      signature = this.#session.sign({ mechanism: CKM.ecdsa }, this.#key, prepared.digest, expected);
    } else if (prepared.scheme === 'rsa-pkcs1v15') {
      const data = digestInfo(prepared.hash, prepared.digest);
      signature = leftPad(this.#session.sign({ mechanism: CKM.rsaPkcs }, this.#key, data, expected), expected);
    } else {
      const mechanism: NativeMechanism = {
        mechanism: CKM.rsaPkcsPss,
        parameter: { type: PKCS11JS_PARAMS_RSA_PSS, ...pssHash[prepared.hash] },
      };
      signature = leftPad(this.#session.sign(mechanism, this.#key, prepared.digest, expected), expected);
    }
    if (signature.length !== expected) {
      throw new KeyceremonyError(
        'TOKEN_UNSUPPORTED',
        `the token returned a ${signature.length}-byte signature; expected a raw ${expected}-byte one`,
      );
    }
    return checkedResult(this.publicKey, request, signature, this.location);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
  }
}
