/**
 * The key algorithms keyceremony creates, the digests it signs with, and the signature schemes a key of each
 * algorithm can make.
 *
 * Four choices cover every target: Ed25519 (default for OpenPGP in software), ECDSA P-256 (every PKCS#11
 * token; the only curve notary/DCT accepts), ECDSA P-384 (default for the X.509 container-signing root) and
 * RSA-4096 (on request, for old verifiers; PKCS#1 v1.5 for OpenPGP and certificates, PSS for Notation).
 * Which output format accepts which of them is listed once, in src/signer/formats.ts.
 */
export const keyAlgorithms = ['ed25519', 'nistp256', 'nistp384', 'rsa4096'] as const;
export type KeyAlgorithm = (typeof keyAlgorithms)[number];

/** Digests keyceremony signs with (SHA-256, SHA-384, SHA-512). */
export const hashAlgorithms = ['sha256', 'sha384', 'sha512'] as const;
export type HashAlgorithm = (typeof hashAlgorithms)[number];

/**
 * How a signature is made. `ecdsa` signs a digest (raw r‖s out); `eddsa` is pure Ed25519 over a message;
 * `rsa-pkcs1v15` is RSASSA-PKCS1-v1_5 over the DigestInfo of a digest; `rsa-pss` is RSASSA-PSS with MGF1 over
 * the same hash and a salt as long as the hash (what Notation, Go's crypto/rsa and OpenSSL's defaults expect).
 */
export const signatureSchemes = ['ecdsa', 'eddsa', 'rsa-pkcs1v15', 'rsa-pss'] as const;
export type SignatureScheme = (typeof signatureSchemes)[number];

/** The schemes a key of each algorithm can sign with. */
export const schemesOf: Record<KeyAlgorithm, readonly SignatureScheme[]> = {
  ed25519: ['eddsa'],
  nistp256: ['ecdsa'],
  nistp384: ['ecdsa'],
  rsa4096: ['rsa-pkcs1v15', 'rsa-pss'],
};

/** Bytes of a raw signature: r‖s for the curves, the modulus length for RSA. */
export const rawSignatureLength: Record<KeyAlgorithm, number> = {
  ed25519: 64,
  nistp256: 64,
  nistp384: 96,
  rsa4096: 512,
};

/**
 * The digest keyceremony uses by default for signatures by a key of this algorithm: the hash that matches the
 * curve for ECDSA (SHA-256 for P-256, what CKM_ECDSA tokens and TUF expect; SHA-384 for P-384), SHA-512 for
 * Ed25519 and RSA-4096, as openpgp.js and gpg do for them.
 */
export function signatureHash(algorithm: KeyAlgorithm): HashAlgorithm {
  switch (algorithm) {
    case 'nistp256':
      return 'sha256';
    case 'nistp384':
      return 'sha384';
    case 'ed25519':
    case 'rsa4096':
      return 'sha512';
  }
}

export function describeAlgorithm(algorithm: KeyAlgorithm): string {
  switch (algorithm) {
    case 'ed25519':
      return 'Ed25519';
    case 'nistp256':
      return 'ECDSA P-256';
    case 'nistp384':
      return 'ECDSA P-384';
    case 'rsa4096':
      return 'RSA-4096';
  }
}

export function describeScheme(scheme: SignatureScheme): string {
  switch (scheme) {
    case 'ecdsa':
      return 'ECDSA';
    case 'eddsa':
      return 'EdDSA';
    case 'rsa-pkcs1v15':
      return 'RSA PKCS#1 v1.5';
    case 'rsa-pss':
      return 'RSA-PSS';
  }
}
