/** Reading the organisation's public certificates back from the vault, as the inventory lists them. */
import { readOpenPgpData } from '../openpgp/armor.js';
import { type Certificate, parseSingleCertificate } from '../openpgp/certificate.js';
import { fingerprintHex } from '../openpgp/key-packet.js';
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
