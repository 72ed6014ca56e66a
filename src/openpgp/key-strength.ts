/**
 * What a key is, read from the key itself (algorithm and size), and whether it is strong enough to be trusted.
 *
 * The floor: RSA moduli (and DSA primes) of at least 2048 bits. NIST SP 800-131A Rev. 2 has disallowed smaller
 * RSA and DSA keys for making signatures since 2014, and SP 800-57 Part 1 rates 1024 bits at about 80 bits of
 * security; public factoring records (RSA-768 in 2009, RSA-250 — 829 bits — in 2020) leave no margin for a
 * 1024-bit key an attacker has years to work on. 2048 bits (≈112-bit security) is the smallest size every one
 * of these sources still accepts, and Sequoia's standard policy refuses anything below it too. DSA is refused at
 * every size (see foreign-key.ts), so only RSA is measured here.
 */
import type { KeyPacket } from './key-packet.js';

export const MIN_RSA_BITS = 2048;

/** The bit length of a big-endian unsigned integer (no leading zero bytes expected, but tolerated). */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] ?? 0));
}

/** Key size in bits (the RSA modulus, or the curve's field size). */
export function keyBits(key: KeyPacket): number {
  const material = key.material;
  if (material.algorithm === 'rsa4096') return bitLength(material.n);
  return material.algorithm === 'nistp384' ? 384 : 256;
}

/** "RSA-3072", "Ed25519", "ECDSA P-256": what the key packet holds, never what keyceremony would have made. */
export function describeKey(key: KeyPacket): string {
  switch (key.material.algorithm) {
    case 'ed25519':
      return 'Ed25519';
    case 'nistp256':
      return 'ECDSA P-256';
    case 'nistp384':
      return 'ECDSA P-384';
    case 'rsa4096':
      return `RSA-${keyBits(key)}`;
  }
}

/** Why this key is too weak to trust, or undefined. */
export function weakKeyProblem(key: KeyPacket): string | undefined {
  if (key.material.algorithm !== 'rsa4096') return undefined;
  const bits = keyBits(key);
  return bits < MIN_RSA_BITS ? `${describeKey(key)} is below the ${MIN_RSA_BITS}-bit floor for RSA keys` : undefined;
}
