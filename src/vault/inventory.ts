/**
 * `vault/inventory.json`: every key the organisation has, where it lives and what state it is in.
 *
 * The inventory is the vault's table of contents. `status`, `publish` and every later ceremony start from
 * it, so it is validated strictly on every read.
 */
import { z } from 'zod';
import { keyAlgorithms } from '../crypto/index.js';
import { parseJsonFile, serializeJsonFile } from '../util/json-file.js';
import { vaultPath } from './layout.js';

const isoTime = z.iso.datetime({ offset: false });

export const KeyLocation = z.discriminatedUnion('type', [
  /** A file inside the vault (passphrase-encrypted). */
  z.strictObject({ type: z.literal('file'), path: z.string().min(1) }),
  /** A key on a PKCS#11 token (RFC 7512 URI); the vault keeps only public parts. */
  z.strictObject({ type: z.literal('pkcs11'), uri: z.string().startsWith('pkcs11:') }),
]);
export type KeyLocation = z.infer<typeof KeyLocation>;

/**
 * The X.509 kinds (container signing, src/vault/x509-authorities.ts): `x509-root-ca` is the offline root CA
 * (id: its certificate's SHA-256 fingerprint), `x509-signing-cert` a signer's certificate and key (id: the
 * certificate's fingerprint), and `x509-crl` the root's current CRL (id: the CRL's SHA-256), listed so that its
 * next-update deadline shows in `status` like a key's expiry.
 */
export const keyKinds = [
  'openpgp-primary',
  'openpgp-subkey',
  'dct-root',
  'dct-targets',
  'dct-delegation',
  'x509-root-ca',
  'x509-signing-cert',
  'x509-crl',
] as const;
export type KeyKind = (typeof keyKinds)[number];

export const InventoryKey = z.strictObject({
  /**
   * OpenPGP fingerprint (40 hex digits, upper case), notary key ID, or the SHA-256 of an X.509 certificate or
   * CRL (64 hex digits, lower case).
   */
  id: z.string().regex(/^(?:[0-9A-F]{40}|[0-9a-f]{64})$/),
  kind: z.enum(keyKinds),
  /** What the key is for: root, signing, targets, delegation, ... */
  role: z.string().min(1),
  label: z.string().optional(),
  algorithm: z.enum(keyAlgorithms),
  created: isoTime,
  expires: isoTime.nullable(),
  status: z.enum(['active', 'revoked']),
  revocation: z.strictObject({ reason: z.string(), date: isoTime }).optional(),
  location: KeyLocation,
  /** The key this one is bound to or certified by (a subkey's primary). */
  parent: z.string().optional(),
  userIds: z.array(z.string()).optional(),
  /** Signers who received this key as hand-off material. */
  handedOffTo: z.array(z.string()).optional(),
  /** Ceremony (transcript name) that created the key. */
  createdBy: z.string(),
});
export type InventoryKey = z.infer<typeof InventoryKey>;

export const InventoryCeremony = z.strictObject({
  name: z.string(),
  script: z.string(),
  date: isoTime,
  transcript: z.string(),
  rehearsal: z.boolean(),
});

/**
 * A quorum (docs/quorum.md): the vault passphrase — and the user PIN of every token listed, derived from it — is
 * a secret keyceremony generated and split k-of-n among officer roles; nobody knows it whole. Every ceremony
 * that unlocks the vault collects k officers' shares. Written by `quorum.split`, replaced by `quorum.reshare`.
 */
export const InventoryQuorum = z.strictObject({
  scheme: z.literal('shamir-gf256'),
  /** The current share set (four hex digits, printed on every officer sheet). */
  set: z.string().regex(/^[0-9A-F]{4}$/),
  threshold: z.number().int().min(2).max(255),
  count: z.number().int().min(2).max(255),
  /** Diceware words of the quorum secret (the vault passphrase). */
  passphraseWords: z.number().int().min(10).max(24),
  shareWords: z.number().int().min(1),
  /** Who holds which share: role ids as scripts name them, titles as the sheets were printed. */
  officers: z.array(z.strictObject({ number: z.number().int().min(1), role: z.string().min(1), title: z.string() })),
  /** Tokens whose user PIN is derived from the quorum secret (docs/share-format.md), by label and serial. */
  tokens: z.array(
    z.strictObject({ label: z.string(), serial: z.string(), pinLength: z.number().int().min(4).max(255) }),
  ),
  created: isoTime,
  /** The ceremony (transcript name) that made this share set. */
  createdBy: z.string(),
  /** Share sets retired by re-sharing: their shares open nothing any more (named when one is typed). */
  retired: z.array(z.strictObject({ set: z.string().regex(/^[0-9A-F]{4}$/), retired: isoTime, by: z.string() })),
});
export type InventoryQuorum = z.infer<typeof InventoryQuorum>;

/**
 * A backup of this vault, recorded by the ceremony that made it (`backup.create`), so that `status` and the
 * runner's closing check can tell whether the newest backup still holds the vault (backup/vault-state.ts).
 */
export const InventoryBackup = z.strictObject({
  /** The backup's folder on every medium (`backup-<ceremony>`). */
  name: z.string().regex(/^backup-[A-Za-z0-9._-]+$/),
  /** The ceremony (transcript name) that made it. */
  ceremony: z.string(),
  created: isoTime,
  /** The media that received a copy, as the script labels them. */
  media: z.array(z.strictObject({ number: z.number().int().positive(), label: z.string() })).min(1),
  /** SHA-256 of the vault state the backup holds. */
  vaultState: z.string().regex(/^[0-9a-f]{64}$/),
});
export type InventoryBackup = z.infer<typeof InventoryBackup>;

export const Inventory = z.strictObject({
  format: z.literal('keyceremony-inventory'),
  version: z.literal(1),
  organisation: z.string(),
  rehearsal: z.boolean(),
  updated: isoTime,
  keys: z.array(InventoryKey),
  ceremonies: z.array(InventoryCeremony),
  quorum: InventoryQuorum.optional(),
  /** Backups of this vault, oldest first (absent in vaults that were never backed up). */
  backups: z.array(InventoryBackup).optional(),
});
export type Inventory = z.infer<typeof Inventory>;

export const INVENTORY_PATH = vaultPath.inventory;

export function emptyInventory(organisation: string, rehearsal: boolean, now: Date): Inventory {
  return {
    format: 'keyceremony-inventory',
    version: 1,
    organisation,
    rehearsal,
    updated: now.toISOString(),
    keys: [],
    ceremonies: [],
  };
}

export function parseInventory(bytes: Uint8Array, where: string): Inventory {
  return parseJsonFile(Inventory, bytes, where, 'a valid keyceremony inventory', 'VAULT_INVALID');
}

export function serializeInventory(inventory: Inventory): string {
  return serializeJsonFile(inventory);
}
