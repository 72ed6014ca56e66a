/**
 * The public tree: what is carried out of the ceremony room and published.
 *
 *   KEYS              every OpenPGP key ever used for releases (revoked and expired ones too, so old releases
 *                     still verify and users see revocations), a gpg-style listing, then one armored keyring
 *   <FPR>.asc         each root certificate on its own
 *   fingerprints.txt  the fingerprints to compare with what was read aloud
 *   keys.html         a self-contained keys page with verification instructions
 *   wkd/              Web Key Directory trees (direct and advanced layouts) for every user ID's domain
 *   containers/       the container-signing root CA, its CRL, a Notation trust store and trust policy, the
 *                     signing certificates in use and how to verify an image (src/publish/containers.ts)
 *   SHA256SUMS        checksums of all of the above
 *
 * Built only from public certificates, the X.509 roots' public files and the inventory — this module never sees
 * a secret — and only from
 * them: the same vault always gives the same bytes, so `keyceremony publish` reproduces exactly what a
 * ceremony published (and its transcript recorded).
 */
import { armor } from '../openpgp/index.js';
import { type Certificate, newestSignatureTime, serializeCertificate } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { concatBytes } from '../util/bytes.js';
import { isoDate } from '../util/duration.js';
import type { Inventory } from '../vault/index.js';
import type { VaultAuthority } from '../vault/index.js';
import { containerFiles } from './containers.js';
import type { PublicFile } from './public-file.js';
import { publicPath } from '../vault/index.js';
import { listCertificate } from './key-listing.js';
import { renderKeysPage } from './keys-page.js';
import { wkdFiles } from './wkd.js';
import { sha256Hex } from '../crypto/index.js';

export type { PublicFile } from './public-file.js';

export interface BundleInput {
  /** The organisation's root certificates, oldest first. */
  readonly certificates: readonly Certificate[];
  readonly inventory: Inventory;
  readonly toolVersion: string;
  /** The vault's X.509 container-signing roots (none: no containers/ tree). */
  readonly authorities?: readonly VaultAuthority[];
}

/**
 * The time the bundle describes: the inventory's last update or the newest signature in any certificate,
 * whichever is later. Deterministic, so republishing an unchanged vault gives identical files.
 */
export function bundleTime(certificates: readonly Certificate[], inventory: Inventory): Date {
  let latest = Date.parse(inventory.updated);
  for (const cert of certificates) latest = Math.max(latest, newestSignatureTime(cert));
  return new Date(latest);
}

function labelsOf(inventory: Inventory): Map<string, string> {
  return new Map(inventory.keys.filter((k) => k.label).map((k) => [k.id, k.label as string] as const));
}

export function keysFile(input: BundleInput, asOf: Date): PublicFile {
  const { certificates, inventory } = input;
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
    `Published with keyceremony ${input.toolVersion}; keys as of ${isoDate(asOf)}.`,
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
  for (const cert of certificates) lines.push(...listCertificate(cert, asOf, labels), '');
  const keyring = armor('publicKey', concatBytes(...certificates.map((c) => serializeCertificate(c))));
  return { path: publicPath.keys, content: `${lines.join('\n')}\n${keyring}`, fingerprints };
}

export function fingerprintsFile(input: BundleInput, asOf: Date): PublicFile {
  const { certificates, inventory } = input;
  const labels = labelsOf(inventory);
  const lines = [
    `# OpenPGP keys of ${inventory.organisation}${inventory.rehearsal ? ' — REHEARSAL, never trust these' : ''}, as of ${isoDate(asOf)}`,
    '# Compare with the fingerprints read aloud at the key ceremony.',
    '',
  ];
  for (const cert of certificates) lines.push(...listCertificate(cert, asOf, labels), '');
  return {
    path: publicPath.fingerprints,
    content: lines.join('\n'),
    fingerprints: certificates.map((c) => fingerprintHex(c.primary)),
  };
}

export function certificateFiles(input: BundleInput): PublicFile[] {
  return input.certificates.map((cert) => {
    const fpr = fingerprintHex(cert.primary);
    return {
      path: publicPath.certificate(fpr),
      content: armor('publicKey', serializeCertificate(cert)),
      fingerprints: [fpr],
    };
  });
}

export function checksumsFile(files: readonly PublicFile[]): PublicFile {
  const lines = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${sha256Hex(f.content)}  ${f.path}\n`);
  return { path: publicPath.checksums, content: lines.join(''), fingerprints: [] };
}

export function buildPublicBundle(input: BundleInput): PublicFile[] {
  const asOf = bundleTime(input.certificates, input.inventory);
  const fingerprints = input.certificates.map((c) => fingerprintHex(c.primary));
  const files: PublicFile[] = [
    keysFile(input, asOf),
    ...certificateFiles(input),
    fingerprintsFile(input, asOf),
    {
      path: publicPath.keysPage,
      content: renderKeysPage({
        certificates: input.certificates,
        inventory: input.inventory,
        asOf,
        toolVersion: input.toolVersion,
        authorities: input.authorities ?? [],
      }),
      fingerprints,
    },
    ...wkdFiles(input.certificates).map((f) => ({ ...f, fingerprints })),
    ...containerFiles(input.authorities ?? [], {
      organisation: input.inventory.organisation,
      rehearsal: input.inventory.rehearsal,
      asOf,
    }),
  ];
  return [...files, checksumsFile(files)];
}
