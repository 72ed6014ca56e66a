/**
 * EMSA-PSS encoding and verification (RFC 8017 §9.1) over a digest computed by the caller.
 *
 * Node signs RSA-PSS only over a message it hashes itself, but keyceremony signs digests (a PKCS#11 token's
 * CKM_RSA_PKCS_PSS takes the digest too), so the software signer encodes here and applies the raw RSA
 * operation. MGF1 uses the same hash as the message, the salt is as long as the hash: the parameters Notation,
 * Go's crypto/rsa (PSSSaltLengthEqualsHash) and OpenSSL's defaults for certificates agree on.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HashAlgorithm } from './algorithms.js';
import { bytesEqual, concatBytes, u32 } from '../util/bytes.js';
import { bug } from '../errors.js';

export const hashLength: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

function hash(algorithm: HashAlgorithm, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

/** MGF1 (RFC 8017 B.2.1). */
export function mgf1(algorithm: HashAlgorithm, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (let counter = 0; offset < length; counter++) {
    const block = hash(algorithm, seed, u32(counter));
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/** The encoded message for a modulus of `modulusBits` bits (emBits = modulusBits − 1). */
export function emsaPssEncode(
  algorithm: HashAlgorithm,
  digest: Uint8Array,
  modulusBits: number,
  salt: Uint8Array = new Uint8Array(randomBytes(hashLength[algorithm])),
): Uint8Array {
  const hLen = hashLength[algorithm];
  if (digest.length !== hLen) throw bug(`digest of ${digest.length} bytes is not a ${algorithm} digest`);
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw bug('modulus too short for RSA-PSS with this hash');
  const h = hash(algorithm, new Uint8Array(8), digest, salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - salt.length - 1] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = mgf1(algorithm, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >>> (8 * emLen - emBits));
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

/** EMSA-PSS-VERIFY with the salt length equal to the hash length. */
export function emsaPssVerify(
  algorithm: HashAlgorithm,
  digest: Uint8Array,
  encoded: Uint8Array,
  modulusBits: number,
): boolean {
  const hLen = hashLength[algorithm];
  const sLen = hLen;
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // A modulus of 8k+1 bits gives an encoded message one byte shorter than the modulus: drop the zero byte.
  let em = encoded;
  if (em.length === emLen + 1 && em[0] === 0) em = em.subarray(1);
  if (digest.length !== hLen || em.length !== emLen || emLen < hLen + sLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 0xff >>> (8 * emLen - emBits);
  if (((maskedDb[0] ?? 0) & ~topBits & 0xff) !== 0) return false;
  const mask = mgf1(algorithm, h, maskedDb.length);
  const db = new Uint8Array(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (maskedDb[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & topBits;
  const separator = emLen - hLen - sLen - 2;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return bytesEqual(hash(algorithm, new Uint8Array(8), digest, salt), h);
}
