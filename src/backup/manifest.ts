/**
 * `manifest.json` of a backup: what the encrypted archive holds, where every copy went and its SHA-256, and how
 * the passphrase was shared. It sits next to each copy, holds nothing secret, and is what a recovery drill or a
 * restore reads first (the threshold, the custodians, the share set, the expected fingerprints).
 */
import { z } from 'zod';
import { parseJsonFile, serializeJsonFile } from '../util/json-file.js';

const isoTime = z.iso.datetime({ offset: false });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const fingerprint = z.string().regex(/^[0-9A-F]{40}$/);

export const MANIFEST_FILE = 'manifest.json';
export const ARCHIVE_FILE = 'vault.tar.gpg';
export const README_FILE = 'README.txt';
/** Where the signed transcript of the ceremony that made the backup is copied (it records the archive's hash). */
export const TRANSCRIPTS_DIR = 'transcripts';

export const BackupManifest = z.strictObject({
  format: z.literal('keyceremony-backup'),
  version: z.literal(1),
  /** The backup's folder name on every medium. */
  name: z.string().regex(/^backup-[A-Za-z0-9._-]+$/),
  created: isoTime,
  organisation: z.string(),
  rehearsal: z.boolean(),
  ceremony: z.strictObject({ script: z.string(), transcript: z.string() }),
  /** The root whose vault this is. */
  root: fingerprint,
  /**
   * The vault state the archive holds (backup/vault-state.ts), as the vault's inventory records it for this
   * backup: what `status` compares with the vault to tell whether this backup is current. Absent in backups
   * made before keyceremony recorded it.
   */
  vaultState: sha256.optional(),
  /** Every key in the vault's inventory at backup time. */
  keys: z.array(z.strictObject({ id: z.string(), kind: z.string(), label: z.string().optional(), status: z.string() })),
  archive: z.strictObject({
    file: z.literal(ARCHIVE_FILE),
    sha256,
    size: z.number().int().positive(),
    encryption: z.strictObject({
      format: z.string(),
      cipher: z.literal('AES-256'),
      s2k: z.literal('iterated-salted-sha256'),
      s2kCount: z.number().int().positive(),
    }),
    /** Every file in the archive (paths inside it, below `vault/`). */
    files: z.array(z.strictObject({ path: z.string(), sha256, size: z.number().int().nonnegative() })),
  }),
  copies: z
    .array(z.strictObject({ medium: z.number().int().positive(), label: z.string(), path: z.string(), sha256 }))
    .min(1),
  sharing: z.strictObject({
    scheme: z.literal('shamir-gf256'),
    /** Share-set id, four hex digits, also inside every share. */
    set: z.string().regex(/^[0-9A-F]{4}$/),
    threshold: z.number().int().min(2),
    count: z.number().int().min(2),
    passphraseWords: z.number().int().min(1),
    shareWords: z.number().int().positive(),
    shares: z.array(z.strictObject({ number: z.number().int().positive(), custodian: z.string(), title: z.string() })),
  }),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

export function parseManifest(bytes: Uint8Array, where: string): BackupManifest {
  return parseJsonFile(BackupManifest, bytes, where, 'a keyceremony backup manifest', 'INPUT_INVALID');
}

export function serializeManifest(manifest: BackupManifest): string {
  return serializeJsonFile(manifest);
}
