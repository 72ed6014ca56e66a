/**
 * Checking one v4 signature against one key: hash policy (SHA-256 or stronger), algorithm match, no unknown
 * critical subpackets, then the cryptographic check of the digest over what the signature covers.
 */
import { createHash, type Hash } from 'node:crypto';
import type { HashAlgorithm } from '../crypto/index.js';
import { verifyDigest } from '../crypto/index.js';
import { acceptedHash, hashAlgorithmNames, publicKeyAlgorithmId } from './constants.js';
import type { KeyPacket } from './key-packet.js';
import { type ParsedSignature, rawSignature, trailer } from './signature-packet.js';

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Checks what can be checked before hashing the covered data; returns the hash to use, or why not. */
export function precheck(sig: ParsedSignature, issuer: KeyPacket): { hash: HashAlgorithm } | { reason: string } {
  const hash = acceptedHash(sig.hashAlgorithm);
  if (!hash) {
    const name = hashAlgorithmNames[sig.hashAlgorithm] ?? `hash algorithm ${sig.hashAlgorithm}`;
    return { reason: `${name} is not accepted (SHA-256 or stronger is required)` };
  }
  if (sig.publicKeyAlgorithm !== publicKeyAlgorithmId(issuer.material.algorithm)) {
    return { reason: 'signature algorithm does not match the key' };
  }
  if (sig.unknownCritical !== undefined) return { reason: `unknown critical ${sig.unknownCritical}` };
  if (!sig.created) return { reason: 'signature has no creation time' };
  return { hash };
}

/** Finishes a check whose covered data was already fed into `hash` (streaming verification). */
export function finishCheck(
  sig: ParsedSignature,
  issuer: KeyPacket,
  hashAlgorithm: HashAlgorithm,
  hash: Hash,
): SignatureCheck {
  hash.update(sig.hashedPart);
  hash.update(trailer(sig.hashedPart.length));
  const digest = new Uint8Array(hash.digest());
  if (digest[0] !== sig.left16[0] || digest[1] !== sig.left16[1]) return { ok: false, reason: 'digest does not match' };
  if (!verifyDigest(issuer.material, digest, hashAlgorithm, rawSignature(sig))) {
    return { ok: false, reason: 'signature does not verify' };
  }
  return { ok: true };
}

/** Checks a signature over data given in memory (certifications, small documents). */
export function checkSignature(
  sig: ParsedSignature,
  issuer: KeyPacket,
  covered: readonly Uint8Array[],
): SignatureCheck {
  const pre = precheck(sig, issuer);
  if ('reason' in pre) return { ok: false, reason: pre.reason };
  const hash = createHash(pre.hash);
  for (const part of covered) hash.update(part);
  return finishCheck(sig, issuer, pre.hash, hash);
}
