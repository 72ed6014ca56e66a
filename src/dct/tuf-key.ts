/**
 * TUF public keys as notary writes them into metadata, and their key IDs.
 *
 * A key ID is the lowercase hex SHA-256 of the key's canonical JSON
 * `{"keytype":…,"keyval":{"private":null,"public":"<base64>"}}`:
 *  - `ecdsa` keys carry the DER SubjectPublicKeyInfo; this ID names notary's key files and is what
 *    `notary key list` shows (the "SPKI ID");
 *  - the root key appears in root.json as `ecdsa-x509`, carrying the PEM of its certificate (with the final
 *    newline); that ID is what root.json's root role lists and `docker trust inspect` shows (the "x509 ID").
 * The same root key therefore has one SPKI ID and one x509 ID per certificate (per GUN).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { type PublicKeyMaterial, publicKeyFromObject, spkiDer } from '../crypto/index.js';
import { tufCanonicalJson } from './canonical-json.js';
import { sha256Hex } from '../crypto/index.js';
import { bug } from '../errors.js';

export type TufKeyType = 'ecdsa' | 'ecdsa-x509';

export interface TufPublicKey {
  readonly keytype: TufKeyType;
  /** SPKI DER (`ecdsa`) or the certificate's PEM text as bytes (`ecdsa-x509`). */
  readonly public: Uint8Array;
}

export type TufKeyJson = {
  readonly keytype: TufKeyType;
  readonly keyval: { readonly private: null; readonly public: string };
};

export function tufKeyJson(key: TufPublicKey): TufKeyJson {
  return { keytype: key.keytype, keyval: { private: null, public: Buffer.from(key.public).toString('base64') } };
}

export function tufKeyId(key: TufPublicKey): string {
  return sha256Hex(tufCanonicalJson(tufKeyJson(key)));
}

/** An ECDSA P-256 key as a plain TUF `ecdsa` key (targets, snapshot, timestamp, delegation keys). */
export function ecdsaTufKey(publicKey: PublicKeyMaterial): TufPublicKey {
  if (publicKey.algorithm !== 'nistp256') throw bug(`notary keys are ECDSA P-256, not ${publicKey.algorithm}`);
  return { keytype: 'ecdsa', public: spkiDer(publicKey) };
}

/** The key ID notary's key files are named by and `notary key list` shows. */
export function spkiKeyId(publicKey: PublicKeyMaterial): string {
  return tufKeyId(ecdsaTufKey(publicKey));
}

/** A root key as root.json lists it: its certificate. */
export function x509TufKey(certificatePem: string): TufPublicKey {
  return { keytype: 'ecdsa-x509', public: new TextEncoder().encode(certificatePem) };
}

/**
 * What a key file holds instead of the key asked for, as the end of a sentence ("is not a DER …"): the caller
 * catches it and names the file (only it knows which) in the KeyceremonyError it throws.
 */
export class KeyFileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileProblem';
  }
}

/** Reads an ECDSA P-256 public key from SPKI DER; throws a KeyFileProblem naming what it found otherwise. */
export function p256FromSpki(der: Uint8Array): PublicKeyMaterial {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    throw new KeyFileProblem('is not a DER SubjectPublicKeyInfo');
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new KeyFileProblem(
      `is an ${key.asymmetricKeyType?.toUpperCase() ?? 'unknown'}${curve ? ` ${curve}` : ''} key, not ECDSA P-256`,
    );
  }
  return publicKeyFromObject(key);
}
