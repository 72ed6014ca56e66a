/**
 * The vault's X.509 container-signing authorities: where their files live, the settings each root was made with,
 * and reading them all back (certificates, the current CRL, every signing certificate issued) as the inventory
 * lists them. Used by the ceremony actions that make and use a root, and by `publish`, which derives the public
 * `containers/` tree from this and nothing else.
 *
 *   x509/<root-id>/root-ca.crt              the root CA certificate (PEM)
 *   x509/<root-id>/root-ca.key              its key, encrypted PKCS#8 (vault passphrase); absent for a key
 *                                           generated on a token
 *   x509/<root-id>/ca.json                  the root's settings (name, CRL address, repositories it signs for)
 *   x509/<root-id>/crl.pem                  the current CRL (earlier ones in .history/)
 *   x509/<root-id>/signers/<cert-id>.crt    each signing certificate (PEM) ...
 *   x509/<root-id>/signers/<cert-id>.key    ... and its key, encrypted PKCS#8 (vault passphrase)
 *
 * <root-id> and <cert-id> are SHA-256 fingerprints of the certificates, as the inventory names them.
 */
import { z } from 'zod';
import { signatureSchemes } from '../crypto/index.js';
import { inputError, KeyceremonyError } from '../errors.js';
import { parseJsonFile, serializeJsonFile } from '../util/json-file.js';
import {
  certificateFingerprint,
  fromPem,
  type ParsedCertificate,
  type ParsedCrl,
  parseCertificateDer,
  parseCrlDer,
} from '../x509/index.js';
import type { Inventory, InventoryKey } from './inventory.js';
import type { TreeReader } from './vault-certificates.js';

export const x509VaultPath = {
  rootCertificate: (rootId: string): string => `x509/${rootId}/root-ca.crt`,
  rootKey: (rootId: string): string => `x509/${rootId}/root-ca.key`,
  settings: (rootId: string): string => `x509/${rootId}/ca.json`,
  crl: (rootId: string): string => `x509/${rootId}/crl.pem`,
  signerCertificate: (rootId: string, certId: string): string => `x509/${rootId}/signers/${certId}.crt`,
  signerKey: (rootId: string, certId: string): string => `x509/${rootId}/signers/${certId}.key`,
};

/** A name for a root in file names, the Notation trust store and the trust policy. */
export const CA_NAME = /^[a-z0-9][a-z0-9._-]{0,47}$/;

export const CaSettings = z.strictObject({
  format: z.literal('keyceremony-x509-ca'),
  version: z.literal(1),
  /** The root's name: public file names, the Notation trust store name (`ca:<name>`). */
  name: z.string().regex(CA_NAME),
  /** The root certificate's SHA-256 fingerprint. */
  rootId: z.string().regex(/^[0-9a-f]{64}$/),
  /** The http:// address where the root's CRL is published; put into every signing certificate it issues. */
  crlUrl: z.string().nullable(),
  /** The repositories images signed under this root come from (the published Notation trust policy's scopes). */
  repositories: z.array(z.string().min(1)).min(1),
  /** How the root signs (the RSA scheme; ECDSA for EC roots). */
  scheme: z.enum(signatureSchemes),
});
export type CaSettings = z.infer<typeof CaSettings>;

export function serializeCaSettings(settings: CaSettings): string {
  return serializeJsonFile(settings);
}

export function parseCaSettings(bytes: Uint8Array, where: string): CaSettings {
  return parseJsonFile(CaSettings, bytes, where, 'the settings of an X.509 root', 'VAULT_INVALID');
}

export interface VaultCertificate {
  readonly pem: string;
  readonly der: Uint8Array;
  readonly parsed: ParsedCertificate;
}

export interface VaultCrl {
  readonly pem: string;
  readonly der: Uint8Array;
  readonly parsed: ParsedCrl;
}

export interface VaultSigningCertificate {
  readonly entry: InventoryKey;
  readonly certificate: VaultCertificate;
}

export interface VaultAuthority {
  readonly entry: InventoryKey;
  readonly settings: CaSettings;
  readonly root: VaultCertificate;
  /** The current CRL (every root gets one when it is made). */
  readonly crl: VaultCrl | undefined;
  readonly crlEntry: InventoryKey | undefined;
  /** Every signing certificate issued under the root, oldest first (revoked and expired ones too). */
  readonly signingCertificates: readonly VaultSigningCertificate[];
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Reads a PEM certificate from the vault and checks it is the one the inventory names. */
export async function readVaultCertificate(vault: TreeReader, path: string, id: string): Promise<VaultCertificate> {
  let pem: string;
  let der: Uint8Array;
  let parsed: ParsedCertificate;
  try {
    pem = text(await vault.read(path));
    const blocks = fromPem('CERTIFICATE', pem);
    if (blocks.length !== 1) throw inputError('more than one certificate');
    der = blocks[0]!;
    parsed = parseCertificateDer(der);
  } catch (error) {
    throw new KeyceremonyError('VAULT_INVALID', `vault/${path} cannot be read: ${(error as Error).message}`);
  }
  const fingerprint = certificateFingerprint({ der });
  if (fingerprint !== id) throw new KeyceremonyError('VAULT_INVALID', `vault/${path} holds ${fingerprint}, not ${id}`);
  return { pem, der, parsed };
}

export async function readVaultCrl(vault: TreeReader, path: string): Promise<VaultCrl> {
  try {
    const pem = text(await vault.read(path));
    const blocks = fromPem('X509 CRL', pem);
    if (blocks.length !== 1) throw inputError('more than one CRL');
    const der = blocks[0]!;
    return { pem, der, parsed: parseCrlDer(der) };
  } catch (error) {
    throw new KeyceremonyError('VAULT_INVALID', `vault/${path} cannot be read: ${(error as Error).message}`);
  }
}

const byAge = (a: InventoryKey, b: InventoryKey): number =>
  a.created.localeCompare(b.created) || a.id.localeCompare(b.id);

/** One root of the inventory, with everything the vault holds for it. */
export async function loadAuthority(
  vault: TreeReader,
  inventory: Inventory,
  entry: InventoryKey,
): Promise<VaultAuthority> {
  const root = await readVaultCertificate(vault, x509VaultPath.rootCertificate(entry.id), entry.id);
  const settingsPath = x509VaultPath.settings(entry.id);
  const settings = parseCaSettings(await vault.read(settingsPath), `vault/${settingsPath}`);
  if (settings.rootId !== entry.id)
    throw new KeyceremonyError('VAULT_INVALID', `vault/${settingsPath} belongs to root ${settings.rootId}`);
  const crlEntry = inventory.keys.find((k) => k.kind === 'x509-crl' && k.parent === entry.id);
  const crl = crlEntry ? await readVaultCrl(vault, x509VaultPath.crl(entry.id)) : undefined;
  const signingCertificates: VaultSigningCertificate[] = [];
  for (const leaf of inventory.keys
    .filter((k) => k.kind === 'x509-signing-cert' && k.parent === entry.id)
    .sort(byAge)) {
    signingCertificates.push({
      entry: leaf,
      certificate: await readVaultCertificate(vault, x509VaultPath.signerCertificate(entry.id, leaf.id), leaf.id),
    });
  }
  return { entry, settings, root, crl, crlEntry, signingCertificates };
}

/** Every X.509 root of the inventory (active or not), oldest first. */
export async function loadAuthorities(vault: TreeReader, inventory: Inventory): Promise<VaultAuthority[]> {
  const roots = inventory.keys.filter((k) => k.kind === 'x509-root-ca').sort(byAge);
  const out: VaultAuthority[] = [];
  for (const root of roots) out.push(await loadAuthority(vault, inventory, root));
  return out;
}
