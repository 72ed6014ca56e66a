/**
 * Which key algorithms and signature schemes each output format accepts, in one place.
 *
 * Format code asks {@link schemeFor} how to sign with a key instead of deciding by itself, and a ceremony
 * refuses a key algorithm a format cannot take before any key exists ({@link requireFormatAlgorithm}). The
 * first entry for an algorithm is the one keyceremony signs with; the lists say only what the format and the
 * tools that read it accept (checked against gpg/sqop, notary, OpenSSL/zlint, notation and cosign).
 */
import {
  describeAlgorithm,
  describeScheme,
  type HashAlgorithm,
  type KeyAlgorithm,
  type SignatureScheme,
} from '../crypto/index.js';
import type { SignRequest } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';

export interface SchemeChoice {
  readonly algorithm: KeyAlgorithm;
  readonly scheme: SignatureScheme;
  readonly hash: HashAlgorithm;
}

export const outputFormats = ['openpgp-v4', 'tuf-notary', 'x509', 'notation', 'cosign'] as const;
export type OutputFormat = (typeof outputFormats)[number];

const describeFormat: Record<OutputFormat, string> = {
  'openpgp-v4': 'OpenPGP v4 keys',
  'tuf-notary': 'TUF metadata for notary (Docker Content Trust)',
  x509: 'X.509 certificates and CRLs keyceremony issues',
  notation: 'Notation signing keys',
  cosign: 'cosign signing keys',
};

export const acceptedSchemes: Record<OutputFormat, readonly SchemeChoice[]> = {
  // RFC 4880 v4, the version gpg 2.2 and sqop 0.27 read. Ed25519 is OpenPGP's legacy EdDSA over the digest;
  // the hash is the one openpgp.js and gpg pick for the key.
  'openpgp-v4': [
    { algorithm: 'ed25519', scheme: 'eddsa', hash: 'sha512' },
    { algorithm: 'nistp256', scheme: 'ecdsa', hash: 'sha256' },
    { algorithm: 'rsa4096', scheme: 'rsa-pkcs1v15', hash: 'sha512' },
  ],
  // notary 0.7 verifies ECDSA P-256 over SHA-256 only (method "ecdsa").
  'tuf-notary': [{ algorithm: 'nistp256', scheme: 'ecdsa', hash: 'sha256' }],
  // Certificate and CRL signatures: ecdsa-with-SHA256/384 and sha256WithRSAEncryption (the RSA signature Go's
  // x509, OpenSSL and every Notation and cosign verifier accept; Notation forbids only SHA-1).
  x509: [
    { algorithm: 'nistp384', scheme: 'ecdsa', hash: 'sha384' },
    { algorithm: 'nistp256', scheme: 'ecdsa', hash: 'sha256' },
    { algorithm: 'rsa4096', scheme: 'rsa-pkcs1v15', hash: 'sha256' },
    { algorithm: 'rsa4096', scheme: 'rsa-pss', hash: 'sha256' },
  ],
  // The Notary Project signature specification, "Algorithm Selection": the key decides the scheme, RSA signs
  // with PSS only (SHA-512 for RSA-4096), and Ed25519 is refused.
  notation: [
    { algorithm: 'nistp256', scheme: 'ecdsa', hash: 'sha256' },
    { algorithm: 'nistp384', scheme: 'ecdsa', hash: 'sha384' },
    { algorithm: 'rsa4096', scheme: 'rsa-pss', hash: 'sha512' },
  ],
  // cosign 2 (2.6.5): LoadPrivateKey signs ECDSA with the curve's hash and RSA with PKCS#1 v1.5 SHA-256, but
  // verification loads the key with SHA-256 unless told otherwise (`--signature-digest-algorithm` with --key;
  // hard-wired SHA-256 for certificates): a P-384 signature by cosign 2 does not verify against a certificate
  // (test/containers/cosign-key-file.test.ts and interop.test.ts show both). Ed25519 keys sign as Ed25519ph, a
  // scheme keyceremony does not make, and Notation refuses Ed25519. So: P-256, or RSA-4096.
  cosign: [
    { algorithm: 'nistp256', scheme: 'ecdsa', hash: 'sha256' },
    { algorithm: 'rsa4096', scheme: 'rsa-pkcs1v15', hash: 'sha256' },
  ],
};

/** The key algorithms a format accepts, in the list's order (first: keyceremony's default for it). */
export function formatAlgorithms(format: OutputFormat): KeyAlgorithm[] {
  return [...new Set(acceptedSchemes[format].map((c) => c.algorithm))];
}

/** Refuses (exit 2) a key algorithm the format does not accept, naming the ones it does. */
export function requireFormatAlgorithm(format: OutputFormat, algorithm: KeyAlgorithm, what = 'this key'): void {
  if (acceptedSchemes[format].some((c) => c.algorithm === algorithm)) return;
  throw new KeyceremonyError(
    'INPUT_INVALID',
    `${what} cannot be ${describeAlgorithm(algorithm)}: ${describeFormat[format]} take ${formatAlgorithms(format).map(describeAlgorithm).join(', ')}`,
  );
}

/** How keyceremony signs in `format` with a key of `algorithm` (the first accepted choice; a scheme may be asked for). */
export function schemeFor(format: OutputFormat, algorithm: KeyAlgorithm, scheme?: SignatureScheme): SchemeChoice {
  const choice = acceptedSchemes[format].find(
    (c) => c.algorithm === algorithm && (scheme === undefined || c.scheme === scheme),
  );
  if (!choice) {
    requireFormatAlgorithm(format, algorithm);
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${describeFormat[format]} do not take ${describeScheme(scheme ?? 'ecdsa')} signatures by ${describeAlgorithm(algorithm)} keys`,
    );
  }
  return choice;
}

/**
 * The request that signs a digest (computed with `hash`) with `scheme`. For EdDSA the digest bytes are the
 * message: that is OpenPGP's legacy EdDSA, the only format here that signs digests with Ed25519.
 */
export function digestRequest(scheme: SignatureScheme, hash: HashAlgorithm, digest: Uint8Array): SignRequest {
  return scheme === 'eddsa' ? { message: digest, scheme } : { digest, hash, scheme };
}

/** The key algorithms of OpenPGP roots and subkeys keyceremony makes (for ceremony scripts and tests). */
export const openpgpKeyAlgorithms = ['ed25519', 'nistp256', 'rsa4096'] as const satisfies readonly KeyAlgorithm[];
