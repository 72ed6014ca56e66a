/** Reading the organisation's public certificates back from the vault, as the inventory lists them. */
import { readOpenPgpData } from '../openpgp/index.js';
import { type Certificate, parseSingleCertificate } from '../openpgp/index.js';
import { evaluateCertificate } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { KeyceremonyError } from '../errors.js';
import type { Inventory } from './inventory.js';
import { vaultPath } from './layout.js';

export interface TreeReader {
  read(rel: string): Promise<Uint8Array>;
}

/** Every OpenPGP root in the inventory (active or not), oldest first, with its current public certificate. */
export async function loadRootCertificates(vault: TreeReader, inventory: Inventory): Promise<Certificate[]> {
  const roots = inventory.keys
    .filter((k) => k.kind === 'openpgp-primary')
    .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  const certificates: Certificate[] = [];
  for (const root of roots) {
    const path = vaultPath.openpgpPublicKey(root.id);
    let cert: Certificate;
    try {
      cert = parseSingleCertificate(await readOpenPgpData(await vault.read(path), ['publicKey']));
    } catch (error) {
      if (error instanceof KeyceremonyError && error.code === 'UNSAFE_PATH') throw error;
      throw new KeyceremonyError('VAULT_INVALID', `vault/${path} cannot be read: ${(error as Error).message}`);
    }
    if (fingerprintHex(cert.primary) !== root.id) {
      throw new KeyceremonyError(
        'VAULT_INVALID',
        `vault/${path} holds ${fingerprintHex(cert.primary)}, not ${root.id}`,
      );
    }
    certificates.push(cert);
  }
  return certificates;
}

/**
 * Every key's expiry as `cert` itself says it at `at` (the primary and each subkey, by fingerprint): ISO time,
 * or null for a key that does not expire. The inventory stores these and `status` reads them again, so neither
 * can show an expiry the certificate does not hold.
 */
export function certificateExpiries(cert: Certificate, at: Date): Map<string, string | null> {
  const state = evaluateCertificate(cert, at);
  return new Map(
    [state.primary, ...state.subkeys].map((k) => [k.fingerprint, k.expires?.toISOString() ?? null] as const),
  );
}

/**
 * The expiries of every OpenPGP key in the inventory, read from the vault's certificates (see above), for
 * `status`: a key missing from its root's certificate gets no entry.
 */
export async function inventoryCertificateExpiries(
  vault: TreeReader,
  inventory: Inventory,
  at: Date,
): Promise<Map<string, string | null>> {
  const expiries = new Map<string, string | null>();
  for (const cert of await loadRootCertificates(vault, inventory)) {
    for (const [fpr, expires] of certificateExpiries(cert, at)) expiries.set(fpr, expires);
  }
  return expiries;
}
