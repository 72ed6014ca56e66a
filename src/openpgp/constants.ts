/** RFC 4880 numbers used by keyceremony's own v4 packet writer and reader. */
import type { HashAlgorithm, KeyAlgorithm } from '../crypto/index.js';
import { bug } from '../errors.js';

export const PacketTag = {
  signature: 2,
  secretKey: 5,
  publicKey: 6,
  secretSubkey: 7,
  userId: 13,
  publicSubkey: 14,
} as const;

export const PublicKeyAlgorithm = {
  rsaEncryptSign: 1,
  ecdsa: 19,
  eddsaLegacy: 22,
} as const;

export const HashAlgorithmId: Record<HashAlgorithm, number> = { sha256: 8, sha384: 9, sha512: 10 };

/** The hash algorithm with this RFC 4880 id, if it is one keyceremony accepts (SHA-256 or stronger). */
export function acceptedHash(id: number): HashAlgorithm | undefined {
  return id === 8 ? 'sha256' : id === 9 ? 'sha384' : id === 10 ? 'sha512' : undefined;
}

/** Hash algorithms a verifier may meet; only SHA-256 and stronger are accepted by policy. */
export const hashAlgorithmNames: Record<number, string> = {
  1: 'MD5',
  2: 'SHA1',
  3: 'RIPEMD160',
  8: 'SHA256',
  9: 'SHA384',
  10: 'SHA512',
  11: 'SHA224',
};

export const SignatureType = {
  binary: 0x00,
  text: 0x01,
  certGeneric: 0x10,
  certPersona: 0x11,
  certCasual: 0x12,
  certPositive: 0x13,
  subkeyBinding: 0x18,
  primaryKeyBinding: 0x19,
  directKey: 0x1f,
  keyRevocation: 0x20,
  subkeyRevocation: 0x28,
  certificationRevocation: 0x30,
} as const;

export const SubpacketType = {
  creationTime: 2,
  signatureExpirationTime: 3,
  keyExpirationTime: 9,
  preferredSymmetric: 11,
  issuerKeyId: 16,
  notation: 20,
  preferredHash: 21,
  preferredCompression: 22,
  keyServerPreferences: 23,
  primaryUserId: 25,
  keyFlags: 27,
  reasonForRevocation: 29,
  features: 30,
  embeddedSignature: 32,
  issuerFingerprint: 33,
} as const;

export const KeyFlag = {
  certify: 0x01,
  sign: 0x02,
} as const;

/** Reason-for-revocation codes (RFC 4880 §5.2.3.23). */
export const RevocationReason = {
  noReason: 0,
  superseded: 1,
  compromised: 2,
  retired: 3,
} as const;
export type RevocationReasonName = keyof typeof RevocationReason;

/** Curve OIDs (without the DER tag and length), as they appear in v4 key packets. */
export const curveOid = {
  ed25519: Uint8Array.of(0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01),
  nistp256: Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07),
} as const;

export function publicKeyAlgorithmId(algorithm: KeyAlgorithm): number {
  switch (algorithm) {
    case 'ed25519':
      return PublicKeyAlgorithm.eddsaLegacy;
    case 'nistp256':
      return PublicKeyAlgorithm.ecdsa;
    case 'rsa4096':
      return PublicKeyAlgorithm.rsaEncryptSign;
    case 'nistp384':
      throw bug(notOpenPgp(algorithm));
  }
}

/** keyceremony's OpenPGP keys are Ed25519, P-256 or RSA-4096 (src/signer/formats.ts); P-384 is for X.509. */
export function notOpenPgp(algorithm: KeyAlgorithm): string {
  return `keyceremony does not make ${algorithm} OpenPGP keys (Ed25519, P-256 or RSA-4096)`;
}

/**
 * A hashed notation on the binding of the subkey that signs ceremony transcripts. gpg and sqop verify its
 * signatures like any signing subkey's; `keyceremony verify` refuses it for releases, and `transcript verify`
 * accepts only it. (`.invalid` is reserved: the name can never collide with a real domain's notations.)
 */
export const PURPOSE_NOTATION = 'purpose@keyceremony.invalid';
export const TRANSCRIPT_PURPOSE = 'ceremony-transcripts';
