/**
 * The public tree: what is carried out of the ceremony room and published.
 *
 *   KEYS              every OpenPGP key ever used for releases (revoked and expired ones too, so old releases
 *                     still verify and users see revocations), a gpg-style listing, then one armored keyring
 *   <FPR>.asc         each certificate on its own
 *   fingerprints.txt  the fingerprints to compare with what was read aloud
 *
 * Built only from public certificates and the inventory: this module never sees a secret.
 */
import { armor } from '../openpgp/armor.js';
import { type Certificate, serializeCertificate } from '../openpgp/certificate.js';
import { fingerprintHex } from '../openpgp/key-packet.js';
import { concatBytes } from '../util/bytes.js';
import { isoDate } from '../util/duration.js';
import type { Inventory } from '../vault/inventory.js';
import { publicPath } from '../vault/layout.js';
import { listCertificate } from './key-listing.js';

export interface PublicFile {
  readonly path: string;
  readonly content: string;
  /** Fingerprints of the keys the file carries (for the transcript). */
  readonly fingerprints: readonly string[];
}

export interface BundleInput {
  /** The organisation's root certificates, oldest first. */
  readonly certificates: readonly Certificate[];
  readonly inventory: Inventory;
  readonly now: Date;
  readonly toolVersion: string;
}

function labelsOf(inventory: Inventory): Map<string, string> {
  return new Map(inventory.keys.filter((k) => k.label).map((k) => [k.id, k.label as string] as const));
}

export function keysFile(input: BundleInput): PublicFile {
  const { certificates, inventory, now } = input;
  const labels = labelsOf(inventory);
  const fingerprints = certificates.map((c) => fingerprintHex(c.primary));
  const pin = fingerprints.length === 1 ? ` --root ${fingerprints[0]}` : ' --root FINGERPRINT';
  const lines: string[] = [];
  if (inventory.rehearsal) {
    lines.push('*** REHEARSAL — these keys were made in a rehearsal and must never be trusted. ***', '');
  }
  lines.push(
    `This file holds the OpenPGP keys ${inventory.organisation} uses to sign its releases,`,
    'including retired and revoked keys, so that old releases still verify and revocations are seen.',
    `Made by keyceremony ${input.toolVersion} on ${isoDate(now)}.`,
    '',
    'To verify a release (FILE and its detached signature FILE.asc):',
    '',
    '    gpg --import KEYS',
    '    gpg --verify FILE.asc FILE',
    '',
    'or, pinning the root key so that no other key is accepted:',
    '',
    `    keyceremony verify --keyring KEYS${pin} FILE`,
    '',
    'Compare the root fingerprint below with the one published by the organisation.',
    '',
  );
  for (const cert of certificates) lines.push(...listCertificate(cert, now, labels), '');
  const keyring = armor('publicKey', concatBytes(...certificates.map((c) => serializeCertificate(c))));
  return { path: publicPath.keys, content: `${lines.join('\n')}\n${keyring}`, fingerprints };
}

export function fingerprintsFile(input: BundleInput): PublicFile {
  const { certificates, inventory, now } = input;
  const labels = labelsOf(inventory);
  const lines = [
    `# OpenPGP keys of ${inventory.organisation}${inventory.rehearsal ? ' — REHEARSAL, never trust these' : ''}`,
    '# Compare with the fingerprints read aloud at the key ceremony.',
    '',
  ];
  for (const cert of certificates) lines.push(...listCertificate(cert, now, labels), '');
  return { path: publicPath.fingerprints, content: lines.join('\n'), fingerprints: certificates.map((c) => fingerprintHex(c.primary)) };
}

export function certificateFiles(input: BundleInput): PublicFile[] {
  return input.certificates.map((cert) => {
    const fpr = fingerprintHex(cert.primary);
    return { path: publicPath.certificate(fpr), content: armor('publicKey', serializeCertificate(cert)), fingerprints: [fpr] };
  });
}

export function buildPublicBundle(input: BundleInput): PublicFile[] {
  return [keysFile(input), ...certificateFiles(input), fingerprintsFile(input)];
}
