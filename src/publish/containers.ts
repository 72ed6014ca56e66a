/**
 * The public `containers/` tree: what users need to verify the organisation's container images with cosign and
 * Notation, derived from the vault's X.509 roots alone (src/vault/x509-authorities.ts) so that republishing an
 * unchanged vault gives the same bytes.
 *
 *   containers/README.txt                                    how to verify, with the exact commands
 *   containers/<root>.crt                                    the root CA certificate (PEM): what users pin
 *   containers/<root>.crl                                    the root's current CRL (DER), to be served at the
 *                                                            CRL address the signing certificates name
 *   containers/notation/truststore/x509/ca/<root>/<root>.crt a Notation trust store ...
 *   containers/notation/trustpolicy.json                     ... and trust policy, scoped to the root's repositories
 *   containers/signers/<signer>-<id>.crt|.pub                every signing certificate the root issued (revoked
 *                                                            ones too, as KEYS keeps revoked keys: a file once
 *                                                            published is never left stale) and its public key
 *                                                            (for `cosign verify --key`)
 */
import { cosignPublicKeyPem, notationTrustPolicy, notationTrustStoreFiles } from '../containers/index.js';
import { isoDate, isoSeconds } from '../util/duration.js';
import { groupedHex, pgpWordLines } from '../util/fingerprint-display.js';
import type { VaultAuthority, VaultSigningCertificate } from '../vault/index.js';
import { type DistinguishedName, formatName } from '../x509/index.js';
import type { PublicFile } from './public-file.js';

export const CONTAINERS_DIR = 'containers';

export const containersPath = {
  readme: `${CONTAINERS_DIR}/README.txt`,
  rootCertificate: (name: string): string => `${CONTAINERS_DIR}/${name}.crt`,
  crl: (name: string): string => `${CONTAINERS_DIR}/${name}.crl`,
  notationDir: `${CONTAINERS_DIR}/notation`,
  trustPolicy: `${CONTAINERS_DIR}/notation/trustpolicy.json`,
  signerCertificate: (signer: string, id: string): string =>
    `${CONTAINERS_DIR}/signers/${signer}-${id.slice(0, 16)}.crt`,
  signerPublicKey: (signer: string, id: string): string => `${CONTAINERS_DIR}/signers/${signer}-${id.slice(0, 16)}.pub`,
};

/** Roots users should trust now: active in the inventory. */
const activeAuthorities = (all: readonly VaultAuthority[]): VaultAuthority[] =>
  all.filter((a) => a.entry.status === 'active');

/** Signing certificates in use: not revoked (expired ones stay listed with their dates). */
export const signingCertificatesInUse = (a: VaultAuthority): VaultSigningCertificate[] =>
  a.signingCertificates.filter((c) => c.entry.status === 'active');

/** What every signing certificate of the root carries: the root subject's C, ST, L and O (Notation's identity). */
export function trustedIdentity(a: VaultAuthority): DistinguishedName {
  const s = a.root.parsed.subject;
  return { country: s.country, state: s.state, locality: s.locality, organization: s.organization };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The identities (SAN URIs) of the signing certificates in use, sorted. */
export function signerIdentities(a: VaultAuthority): string[] {
  const ids = signingCertificatesInUse(a).flatMap((c) => c.certificate.parsed.extensions.subjectAltNameUris ?? []);
  return [...new Set(ids)].sort();
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The cosign identity flag pinning every signer in use (one exact identity, or an anchored alternation). */
export function cosignIdentityFlag(a: VaultAuthority): string {
  const ids = signerIdentities(a);
  if (ids.length === 1) return `--certificate-identity ${quote(ids[0]!)}`;
  if (ids.length === 0) return `--certificate-identity-regexp '^$'`;
  return `--certificate-identity-regexp ${quote(`^(${ids.map(escapeRegex).join('|')})$`)}`;
}

/** `cosign verify` anchored in the published root certificate (run in containers/). */
export function cosignVerifyCommand(a: VaultAuthority, image: string): string {
  return [
    `cosign verify --certificate-chain ${a.settings.name}.crt \\`,
    `  ${cosignIdentityFlag(a)} \\`,
    `  --certificate-oidc-issuer-regexp '.*' --insecure-ignore-sct --insecure-ignore-tlog \\`,
    `  ${image}`,
  ].join('\n');
}

/** The Notation commands with the published files (run in containers/). */
export function notationCommands(a: VaultAuthority, image: string): string {
  return [
    `notation cert add --type ca --store ${a.settings.name} ${a.settings.name}.crt`,
    'notation policy import notation/trustpolicy.json',
    `notation verify ${image}`,
  ].join('\n');
}

/** An example image reference for the commands. */
export function exampleImage(a: VaultAuthority): string {
  return `${a.settings.repositories[0] ?? 'docker.io/<org>/<image>'}@sha256:DIGEST`;
}

function readme(authorities: readonly VaultAuthority[], organisation: string, rehearsal: boolean, asOf: Date): string {
  const lines: string[] = [];
  if (rehearsal)
    lines.push('*** REHEARSAL — these certificates were made in a rehearsal and must never be trusted. ***', '');
  lines.push(
    `Container image signing — ${organisation}, as of ${isoDate(asOf)}`,
    '',
    'Images are signed twice: with cosign and with Notation, by signing certificates that an offline root CA',
    'issued at a key ceremony. Pin the root: its certificate is the one thing to trust. Compare its SHA-256',
    'fingerprint below with the one the organisation announced (or `openssl x509 -noout -fingerprint -sha256`).',
    'A new signing certificate (a rotation) changes nothing for you; a new root would be announced.',
    '',
    'Verify an image by its digest, in this directory (containers/):',
  );
  for (const a of activeAuthorities(authorities)) {
    const image = exampleImage(a);
    lines.push(
      '',
      `Root CA ${a.settings.name}: ${formatName(a.root.parsed.subject)}`,
      `  SHA-256 ${groupedHex(a.entry.id)}`,
      ...pgpWordLines(a.entry.id, 8).map((l) => `          ${l}`),
      `  valid ${isoSeconds(a.root.parsed.notBefore)} to ${isoSeconds(a.root.parsed.notAfter)}`,
      `  repositories: ${a.settings.repositories.join(', ')}`,
      '',
      "With cosign (pins the root certificate and the signers' identities; works offline):",
      '',
      ...cosignVerifyCommand(a, image)
        .split('\n')
        .map((l) => `    ${l}`),
      '',
      'With Notation (the trust store holds the root; the trust policy trusts, for these repositories only,',
      `certificates whose subject has ${formatName(trustedIdentity(a))}):`,
      '',
      ...notationCommands(a, image)
        .split('\n')
        .map((l) => `    ${l}`),
      '',
      '  (or copy notation/ to ~/.config/notation/ on a machine where Notation has no other trust policy)',
    );
    if (a.crl) {
      const next = a.crl.parsed.nextUpdate;
      lines.push(
        '',
        `Revocation: ${a.settings.name}.crl is CRL number ${a.crl.parsed.crlNumber ?? '?'}, next update ${next ? isoSeconds(next) : 'none'}.`,
        a.settings.crlUrl
          ? `Notation fetches it from ${a.settings.crlUrl} at every verification and refuses images signed by a`
          : 'The signing certificates name no CRL address: Notation does not check revocation.',
        ...(a.settings.crlUrl
          ? ['revoked certificate. cosign 2 does not check CRLs: check the list below and announcements.']
          : []),
      );
    }
    lines.push('', 'Signing certificates in use:');
    for (const c of signingCertificatesInUse(a)) {
      const p = c.certificate.parsed;
      lines.push(
        `  ${c.entry.label ?? ''}: ${formatName(p.subject)}`,
        `    identity ${(p.extensions.subjectAltNameUris ?? []).join(', ') || 'none'}; serial ${p.serialHex}`,
        `    valid ${isoSeconds(p.notBefore)} to ${isoSeconds(p.notAfter)}; public key ${containersPath.signerPublicKey(c.entry.label ?? '', c.entry.id).slice(CONTAINERS_DIR.length + 1)}`,
      );
    }
    const revoked = a.signingCertificates.filter((c) => c.entry.status === 'revoked');
    if (revoked.length) {
      lines.push('', 'Revoked signing certificates (images they signed must not be trusted):');
      for (const c of revoked)
        lines.push(
          `  ${c.entry.label ?? ''}: serial ${c.certificate.parsed.serialHex}, revoked ${c.entry.revocation?.date.slice(0, 10) ?? ''} (${c.entry.revocation?.reason ?? ''})`,
        );
    }
  }
  lines.push(
    '',
    "With a signer's public key instead of the root (cosign only; the key changes at every rotation):",
    '',
    '    cosign verify --key signers/SIGNER-ID.pub --insecure-ignore-tlog IMAGE@sha256:DIGEST',
    '',
  );
  return lines.join('\n');
}

/** Every file of the public containers/ tree, in a fixed order. */
export function containerFiles(
  authorities: readonly VaultAuthority[],
  input: { readonly organisation: string; readonly rehearsal: boolean; readonly asOf: Date },
): PublicFile[] {
  if (authorities.length === 0) return [];
  const files: PublicFile[] = [
    {
      path: containersPath.readme,
      content: readme(authorities, input.organisation, input.rehearsal, input.asOf),
      fingerprints: [],
    },
  ];
  for (const a of authorities) {
    const ids = [a.entry.id];
    files.push({ path: containersPath.rootCertificate(a.settings.name), content: a.root.pem, fingerprints: ids });
    if (a.crl) files.push({ path: containersPath.crl(a.settings.name), content: a.crl.der, fingerprints: ids });
    for (const c of a.signingCertificates) {
      const signer = c.entry.label ?? 'signer';
      files.push(
        {
          path: containersPath.signerCertificate(signer, c.entry.id),
          content: c.certificate.pem,
          fingerprints: [c.entry.id],
        },
        {
          path: containersPath.signerPublicKey(signer, c.entry.id),
          content: cosignPublicKeyPem(c.certificate.parsed.publicKey),
          fingerprints: [c.entry.id],
        },
      );
    }
  }
  const active = activeAuthorities(authorities);
  if (active.length > 0) {
    for (const a of active)
      for (const f of notationTrustStoreFiles(a.settings.name, [{ name: a.settings.name, certificate: a.root }]))
        files.push({ path: `${containersPath.notationDir}/${f.path}`, content: f.content, fingerprints: [a.entry.id] });
    // One statement: a repository scope may appear in one statement only, and every active root's certificates
    // carry the same organisation.
    const identities = new Map(active.map((a) => [formatName(trustedIdentity(a)), trustedIdentity(a)] as const));
    files.push({
      path: containersPath.trustPolicy,
      content: notationTrustPolicy([
        {
          name: active[0]!.settings.name,
          registryScopes: [...new Set(active.flatMap((a) => a.settings.repositories))],
          trustStores: active.map((a) => a.settings.name),
          trustedIdentities: [...identities.values()],
        },
      ]),
      fingerprints: active.map((a) => a.entry.id),
    });
  }
  return files;
}
