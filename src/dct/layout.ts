/**
 * Where DCT material lives in the vault, the public tree and the hand-off directory (docs/dct.md shows it).
 *
 * GUNs become nested directories (`dct/docker.io/wikibase/wikibase/`); a GUN's first component is always a
 * registry host (with a dot, a port or `localhost`), so it never collides with `private` or `delegations`.
 */

export const dctVaultPath = {
  /** notary-format encrypted key files (root, targets, delegation copies), named by SPKI key ID. */
  privateKey: (keyId: string): string => `dct/private/${keyId}.key`,
  /** The GUN's current root certificate (the authoritative copy; also published). */
  rootCertificate: (gun: string): string => `dct/${gun}/root.crt`,
  /** The GUN's current signed root.json and targets.json. */
  metadata: (gun: string, role: 'root' | 'targets'): string => `dct/${gun}/${role}.json`,
};

export const dctPublicPath = {
  rootCertificate: (gun: string): string => `dct/${gun}/root.crt`,
  metadata: (gun: string, role: 'root' | 'targets'): string => `dct/${gun}/${role}.json`,
  /**
   * Every version of root.json ever signed, as notary-server serves them (`<version>.root.json`): a client
   * that trusts version n follows a rotation through n+1, n+2, …, so `dct publish` must upload each one.
   */
  versionedRoot: (gun: string, version: number): string => `dct/${gun}/${versionedRootFile(version)}`,
  /** Key IDs to compare with `docker trust inspect` and `notary` output. */
  keyIds: (gun: string): string => `dct/${gun}/keys.txt`,
  delegationPublicKey: (signer: string): string => `dct/delegations/${signer}.pub`,
  delegationCertificate: (signer: string): string => `dct/delegations/${signer}.crt`,
};

/** `<version>.root.json`, notary-server's name for one version of root.json. */
export const versionedRootFile = (version: number): string => `${version}.root.json`;

export const dctHandoffPath = {
  privateKey: (signer: string, keyId: string): string => `${signer}/${keyId}.key`,
  publicKey: (signer: string): string => `${signer}/${signer}.pub`,
  instructions: (signer: string): string => `${signer}/README-dct.txt`,
};

/** Where server key files are expected under a `serverKeys` directory (what `keyceremony dct fetch-keys` writes). */
export const serverKeyPath = (gun: string, role: 'timestamp' | 'snapshot'): string => `${gun}/${role}.key`;
