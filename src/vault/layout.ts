/** Where things live in the vault and the public tree (docs/vault-layout.md describes it for people). */

export const vaultPath = {
  inventory: 'inventory.json',
  /** Root and subkey secrets, encrypted with the vault passphrase. */
  openpgpSecretKey: (fingerprint: string): string => `openpgp/${fingerprint}.sec.asc`,
  /** The public certificate as of the last ceremony (also published). */
  openpgpPublicKey: (fingerprint: string): string => `openpgp/${fingerprint}.pub.asc`,
  /** The revocation certificate made with the root, kept apart from the key. */
  openpgpRevocation: (fingerprint: string): string => `openpgp/${fingerprint}.rev.asc`,
  transcript: (base: string): string => `transcripts/${base}.jsonl`,
  transcriptSignature: (base: string): string => `transcripts/${base}.jsonl.asc`,
};

export const publicPath = {
  keys: 'KEYS',
  certificate: (fingerprint: string): string => `${fingerprint}.asc`,
  fingerprints: 'fingerprints.txt',
  keysPage: 'keys.html',
  checksums: 'SHA256SUMS',
  transcript: (base: string): string => `transcripts/${base}.jsonl`,
  transcriptSignature: (base: string): string => `transcripts/${base}.jsonl.asc`,
  transcriptMarkdown: (base: string): string => `transcripts/${base}.md`,
};
