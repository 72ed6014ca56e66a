/**
 * keys.html: a self-contained page for the organisation's website — root fingerprints to compare, user IDs,
 * every subkey with its expiry or revocation, and copy-paste verification instructions.
 */
import type { Certificate } from '../openpgp/index.js';
import { evaluateCertificate, type KeyStatus } from '../openpgp/index.js';
import { TRANSCRIPT_PURPOSE } from '../openpgp/index.js';
import { describeAlgorithm } from '../crypto/index.js';
import { groupedHex, pgpWordLines } from '../util/fingerprint-display.js';
import { isoDate } from '../util/duration.js';
import { escapeHtml as e } from '../util/html.js';
import type { Inventory } from '../vault/index.js';
import type { VaultAuthority } from '../vault/index.js';
import { formatName } from '../x509/index.js';
import { containersPath, cosignVerifyCommand, exampleImage, notationCommands, trustedIdentity } from './containers.js';

/** The "Verify an image" section: the container-signing root to pin, its signers, and the two commands. */
function imageSection(authorities: readonly VaultAuthority[], asOf: Date): string {
  const active = authorities.filter((a) => a.entry.status === 'active');
  if (active.length === 0) return '';
  return active
    .map((a) => {
      const cert = a.root.parsed;
      const image = exampleImage(a);
      const signers = a.signingCertificates
        .map((c) => {
          const p = c.certificate.parsed;
          const revoked = c.entry.status === 'revoked';
          const expired = p.notAfter.getTime() <= asOf.getTime();
          const status = revoked
            ? {
                label: `revoked ${c.entry.revocation?.date.slice(0, 10) ?? ''} (${c.entry.revocation?.reason ?? ''})`,
                css: 'revoked',
              }
            : expired
              ? { label: `expired ${isoDate(p.notAfter)}`, css: 'expired' }
              : { label: `valid until ${isoDate(p.notAfter)}`, css: 'valid' };
          return `<tr><td class="nowrap">${e(c.entry.label ?? '')}</td><td class="mono">${e((p.extensions.subjectAltNameUris ?? []).join(', '))}</td><td class="mono">${e(p.serialHex)}</td><td class="nowrap">${isoDate(p.notBefore)}</td><td class="${status.css}">${e(status.label)}</td><td><a href="${e(containersPath.signerPublicKey(c.entry.label ?? 'signer', c.entry.id))}">public key</a></td></tr>`;
        })
        .join('\n');
      const crl = a.crl?.parsed;
      return `<section class="key">
<h3>Container signing root CA <code>${e(a.settings.name)}</code></h3>
<div class="fpr">${e(groupedHex(a.entry.id))}</div>
<p class="words">SHA-256 of the certificate. Read aloud: ${e(pgpWordLines(a.entry.id, 32).join(' '))}</p>
<table><tr><th>Subject</th><th>Algorithm</th><th>Valid</th></tr>
<tr><td>${e(formatName(cert.subject))}</td><td class="nowrap">${e(describeAlgorithm(cert.publicKey.algorithm))}</td><td class="nowrap">${isoDate(cert.notBefore)} to ${isoDate(cert.notAfter)}</td></tr></table>
<p>Download: <a href="${e(containersPath.rootCertificate(a.settings.name))}">${e(a.settings.name)}.crt</a> (pin this),
<a href="${e(containersPath.trustPolicy)}">Notation trust policy</a>, ${crl ? `<a href="${e(containersPath.crl(a.settings.name))}">CRL</a> (number ${crl.crlNumber ?? '?'}, next update ${crl.nextUpdate ? isoDate(crl.nextUpdate) : '—'})` : 'no CRL'},
<a href="${e(containersPath.readme)}">containers/README.txt</a>. Repositories: ${a.settings.repositories.map((r) => `<code>${e(r)}</code>`).join(', ')}.</p>
<table><tr><th>Signer</th><th>Identity</th><th>Serial</th><th>Issued</th><th>Status</th><th></th></tr>
${signers}
</table>
<p>In the downloaded <code>containers/</code> folder, verify an image by its digest with cosign:</p>
<pre>${e(cosignVerifyCommand(a, image))}</pre>
<p>or with Notation (its trust policy trusts certificates under this root whose subject has <code>${e(formatName(trustedIdentity(a)))}</code>, for these repositories only${a.settings.crlUrl ? `; it fetches the CRL from <code>${e(a.settings.crlUrl)}</code> and refuses revoked certificates` : ''}):</p>
<pre>${e(notationCommands(a, image))}</pre>
</section>`;
    })
    .join('\n');
}

/** Docker Content Trust is legacy: shown only when the vault has DCT keys. */
function dctNote(inventory: Inventory): string {
  if (!inventory.keys.some((k) => k.kind === 'dct-root')) return '';
  return `<p><strong>Docker Content Trust (legacy).</strong> Docker Hub's notary service shuts down on 2026-12-08 and docker 29
removed <code>docker trust</code>: the DCT keys of this organisation serve only a self-hosted notary server. Use the
cosign or Notation verification above instead of <code>DOCKER_CONTENT_TRUST=1</code>.</p>`;
}

function state(key: KeyStatus, asOf: Date): { label: string; css: string } {
  if (key.revocation && (key.revocation.hard || key.revocation.created <= asOf)) {
    return { label: `revoked ${isoDate(key.revocation.created)} (${key.revocation.reason})`, css: 'revoked' };
  }
  if (key.expires && key.expires <= asOf) return { label: `expired ${isoDate(key.expires)}`, css: 'expired' };
  return { label: key.expires ? `valid until ${isoDate(key.expires)}` : 'valid, no expiry', css: 'valid' };
}

const STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); margin: 0; background: #f6f8fa; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; background: #fff; min-height: 100vh; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.banner { background: #ffebe9; border: 2px solid var(--bad); color: var(--bad); padding: .75rem 1rem; border-radius: 6px; font-weight: 600; }
.fpr { font: 600 1.15rem/1.4 ui-monospace, "DejaVu Sans Mono", monospace; letter-spacing: .02em; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; display: inline-block; }
.words { color: var(--muted); font-size: .9rem; margin: .3rem 0 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .95rem; }
th, td { text-align: left; padding: .45rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; word-break: break-all; }
.valid { color: var(--ok); } .revoked { color: var(--bad); font-weight: 600; } .expired { color: var(--warn); }
pre { background: #0d1117; color: #e6edf3; padding: .9rem 1rem; border-radius: 6px; font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
.key { border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
.key.is-revoked { border-color: var(--bad); }
footer { color: var(--muted); font-size: .85rem; margin-top: 3rem; }
a { color: #0969da; }
@media print { body { background: #fff; } main { padding: 0; } pre { background: #f6f8fa; color: #000; border: 1px solid var(--line); } }
`;

export function renderKeysPage(input: {
  certificates: readonly Certificate[];
  inventory: Inventory;
  asOf: Date;
  toolVersion: string;
  /** The vault's container-signing roots, for the "Verify an image" section. */
  authorities?: readonly VaultAuthority[];
}): string {
  const { certificates, inventory, asOf } = input;
  const images = imageSection(input.authorities ?? [], asOf);
  const labels = new Map(inventory.keys.map((k) => [k.id, k.label] as const));
  const sections = certificates.map((cert) => {
    const status = evaluateCertificate(cert, asOf);
    const root = state(status.primary, asOf);
    const subkeys = status.subkeys
      .map((sub) => {
        // Under a revoked root no subkey signs anything new, whatever its own state.
        const own = state(sub, asOf);
        const s = root.css === 'revoked' && own.css === 'valid' ? { label: 'root revoked', css: 'revoked' } : own;
        const use = sub.purpose === TRANSCRIPT_PURPOSE ? 'ceremony transcripts only' : 'releases';
        return `<tr><td class="nowrap">${e(labels.get(sub.fingerprint) ?? '')}</td><td class="mono">${e(groupedHex(sub.fingerprint))}</td><td>${e(describeAlgorithm(sub.key.material.algorithm))}</td><td>${use}</td><td class="nowrap">${isoDate(sub.key.created)}</td><td class="${s.css}">${e(s.label)}</td></tr>`;
      })
      .join('\n');
    return `<section class="key${root.css === 'revoked' ? ' is-revoked' : ''}">
<h3>Root key ${root.css === 'revoked' ? '<span class="revoked">(revoked)</span>' : ''}</h3>
<div class="fpr">${e(groupedHex(status.primary.fingerprint))}</div>
<p class="words">Read aloud: ${e(pgpWordLines(status.primary.fingerprint, 20).join(' '))}</p>
<table><tr><th>User IDs</th><th>Algorithm</th><th>Created</th><th>Status</th></tr>
<tr><td>${status.userIds
      .filter((u) => u.valid)
      .map((u) => e(u.userId))
      .join(
        '<br>',
      )}</td><td>${e(describeAlgorithm(status.primary.key.material.algorithm))}, certify-only</td><td class="nowrap">${isoDate(status.primary.key.created)}</td><td class="${root.css}">${e(root.label)}</td></tr></table>
<p>Download: <a href="${status.primary.fingerprint}.asc">${status.primary.fingerprint}.asc</a></p>
<table><tr><th>Subkey</th><th>Fingerprint</th><th>Algorithm</th><th>Signs</th><th>Created</th><th>Status</th></tr>
${subkeys}
</table>
</section>`;
  });
  const pin =
    certificates.length === 1 && certificates[0]
      ? evaluateCertificate(certificates[0], asOf).primary.fingerprint
      : 'ROOT_FINGERPRINT';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Release signing keys — ${e(inventory.organisation)}</title><style>${STYLE}</style></head>
<body><main>
${inventory.rehearsal ? '<p class="banner">REHEARSAL — these keys were made in a rehearsal and must never be trusted.</p>' : ''}
<h1>Release signing keys</h1>
<p class="sub">${e(inventory.organisation)} · as of ${isoDate(asOf)}</p>
<p>Every release is signed by a <em>signing subkey</em>. All subkeys are certified by an offline <em>root key</em>, which signs
nothing else. To trust a release, you only need to trust the root key's fingerprint: compare it below with what you were
given through another channel (an announcement, a person, a printed copy).</p>
<h2>Verify a release</h2>
<p>Download <a href="KEYS">KEYS</a> once, then for each release file and its <code>.asc</code> signature:</p>
<pre>gpg --import KEYS
gpg --verify wikibase-X.Y.Z.tar.gz.asc wikibase-X.Y.Z.tar.gz</pre>
<p>Look for <code>Good signature</code> and check that the <code>Primary key fingerprint</code> gpg prints is the root fingerprint
below. With keyceremony, which accepts nothing but signatures through this root:</p>
<pre>keyceremony verify --keyring KEYS --root ${e(pin)} wikibase-X.Y.Z.tar.gz</pre>
<p>gpg can also fetch the key by address (Web Key Directory): <code>gpg --locate-keys ${e(certificates[0]?.userIds.map((u) => /<([^>]+)>/.exec(u.userId)?.[1]).find(Boolean) ?? 'address')}</code>.</p>
${images ? `<h2>Verify an image</h2>\n<p>Container images are signed with cosign and with Notation by signing certificates that an offline root CA\nissued. Trust the root: compare its fingerprint below with the one announced. Verify images by digest.</p>\n${images}\n${dctNote(inventory)}` : dctNote(inventory) ? `<h2>Container images</h2>\n${dctNote(inventory)}` : ''}
<h2>Keys</h2>
${sections.join('\n')}
<p>Revoked and expired keys stay listed: releases signed before an expiry, or before a key was retired or superseded,
still verify; signatures by a key revoked as <em>compromised</em> never do.</p>
<footer>Published with keyceremony ${e(input.toolVersion)}. Checksums of this bundle: <a href="SHA256SUMS">SHA256SUMS</a>.
Ceremony transcripts, signed through the root: <a href="transcripts/">transcripts/</a>.</footer>
</main></body></html>
`;
}
