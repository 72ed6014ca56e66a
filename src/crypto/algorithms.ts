/**
 * The key algorithms keyceremony creates, and the digest each signs with.
 *
 * Three choices cover every target: Ed25519 (default, software), ECDSA P-256 (every PKCS#11 token and the
 * only curve notary/DCT accepts) and RSA-4096 (on request, for old verifiers).
 */
export const keyAlgorithms = ['ed25519', 'nistp256', 'rsa4096'] as const;
export type KeyAlgorithm = (typeof keyAlgorithms)[number];

/** Digests keyceremony signs with (SHA-256, SHA-512) or accepts in signatures it verifies (also SHA-384). */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/**
 * The digest keyceremony uses for signatures by a key of this algorithm. P-256 pairs with SHA-256 (what
 * CKM_ECDSA tokens and TUF expect); Ed25519 and RSA-4096 use SHA-512, as openpgp.js and gpg do for them.
 */
export function signatureHash(algorithm: KeyAlgorithm): HashAlgorithm {
  return algorithm === 'nistp256' ? 'sha256' : 'sha512';
}

export function describeAlgorithm(algorithm: KeyAlgorithm): string {
  switch (algorithm) {
    case 'ed25519':
      return 'Ed25519';
    case 'nistp256':
      return 'ECDSA P-256';
    case 'rsa4096':
      return 'RSA-4096';
  }
}
