/**
 * A custodian's printable share sheet: self-contained HTML (inline CSS and SVG, nothing fetched) laid out for
 * one A4 page. It carries the share as numbered words and as a QR code, everything the custodian needs to know
 * which backup it belongs to, and what to do with it. The same HTML is printed to PDF by chromium.ts.
 */
import QRCode from 'qrcode';
import { groupedHex } from '../util/fingerprint-display.js';
import { escapeHtml } from '../util/html.js';
import { shareQrText } from './share-code.js';

export interface SheetInput {
  /**
   * `backup`: a custodian's share of the backup passphrase (opens the backup copies). `officer`: an officer's
   * share of the quorum secret (unlocks the working vault and its tokens at every ceremony).
   */
  readonly kind?: 'backup' | 'officer';
  /** For officer shares: what the quorum unlocks, e.g. "the working vault and token \"wikibase-root\"". */
  readonly unlocks?: string;
  readonly organisation: string;
  readonly rehearsal: boolean;
  readonly custodian: { readonly id: string; readonly title: string };
  readonly number: number;
  readonly count: number;
  readonly threshold: number;
  readonly set: string;
  readonly words: readonly string[];
  readonly rootFingerprint: string;
  /** The backup (or, for officer shares, the ceremony that made the share set). */
  readonly backupName: string;
  readonly date: Date;
  readonly media: readonly string[];
  readonly ceremony: string;
  readonly toolVersion: string;
}

const STYLE = `
@page { size: A4 portrait; margin: 11mm 13mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; line-height: 1.3; color: #000; background: #fff; }
.page { width: 184mm; }
header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2pt solid #000; padding-bottom: 2.5mm; }
h1 { font-size: 17pt; margin: 0 0 1mm 0; }
.org { font-size: 10pt; }
.purpose { font-size: 10pt; font-weight: bold; margin-top: 1mm; text-transform: uppercase; letter-spacing: 0.3pt; }
.secret { border: 2pt solid #000; padding: 1.5mm 3mm; font-weight: bold; font-size: 11pt; text-align: center; letter-spacing: 0.5pt; }
.rehearsal { border: 2pt dashed #000; background: #eee; padding: 1.5mm; margin-top: 2.5mm; font-weight: bold; text-align: center; font-size: 10pt; }
table.facts { border-collapse: collapse; width: 100%; margin-top: 2.5mm; }
table.facts th { text-align: left; font-weight: normal; color: #333; width: 38mm; padding: 0.6mm 2mm 0.6mm 0; vertical-align: top; }
table.facts td { padding: 0.6mm 0; font-weight: bold; }
.fpr { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 9.5pt; }
.share { display: flex; gap: 5mm; margin-top: 3.5mm; align-items: flex-start; break-inside: avoid; }
.words { flex: 1; display: grid; grid-template-columns: repeat(4, 1fr); border: 1.2pt solid #000; }
.word { border: 0.4pt solid #999; padding: 1.5mm 1.2mm; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 10pt; white-space: nowrap; overflow: hidden; }
.word .n { display: inline-block; width: 5.5mm; color: #555; font-size: 7.5pt; }
.qr { width: 42mm; text-align: center; font-size: 7pt; color: #333; }
.qr svg { width: 42mm; height: 42mm; display: block; }
h2 { font-size: 10.5pt; margin: 3.5mm 0 1mm 0; border-bottom: 0.6pt solid #000; }
p { margin: 0; }
ul { margin: 0; padding-left: 5mm; }
li { margin: 0.4mm 0; }
.receipt { display: flex; gap: 8mm; margin-top: 9mm; }
.receipt div { flex: 1; border-top: 0.8pt solid #000; padding-top: 1mm; font-size: 8pt; color: #333; }
footer { margin-top: 3mm; font-size: 7pt; color: #444; }
`;

/** The QR code of the share words (upper case: QR alphanumeric mode), as inline SVG. */
export async function shareQrSvg(words: readonly string[]): Promise<string> {
  return QRCode.toString(shareQrText(words), { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

export async function renderSheet(input: SheetInput): Promise<string> {
  const { custodian, number, count, threshold } = input;
  const date = input.date.toISOString().slice(0, 10);
  const cells = input.words
    .map((w, i) => `<div class="word"><span class="n">${i + 1}</span>${escapeHtml(w)}</div>`)
    .join('');
  const qr = await shareQrSvg(input.words);
  const officer = input.kind === 'officer';
  const noun = officer ? 'Officer share' : 'Backup share';
  const title = `${noun} ${number} of ${count} — ${custodian.title}`;
  const what = officer
    ? `One of ${count} officer shares of the secret that unlocks ${escapeHtml(input.unlocks ?? 'the working vault')} of ${escapeHtml(input.organisation)}'s offline root signing key. Every ceremony that uses the root needs ${threshold} officers to type their shares; a single share reveals nothing about the secret. This is not a backup share: it opens no backup copy.`
    : `One of ${count} shares of the passphrase that decrypts the backup of ${escapeHtml(input.organisation)}'s offline root signing key.
A single share reveals nothing about the passphrase; ${threshold} shares rebuild it.`;
  const purpose = officer
    ? `officer share — unlocks ${escapeHtml(input.unlocks ?? 'the working vault')}`
    : 'backup share — restores the backup copies';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}${input.rehearsal ? ' — REHEARSAL' : ''}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="page">
<header>
  <div>
    <h1>${noun} ${number} of ${count}</h1>
    <div class="org">${escapeHtml(input.organisation)} — offline OpenPGP root key</div>
    <div class="purpose">${purpose}</div>
  </div>
  <div class="secret">SECRET<br>keep sealed</div>
</header>
${input.rehearsal ? '<div class="rehearsal">REHEARSAL — a throwaway share for practice. It protects nothing; destroy it after the rehearsal.</div>' : ''}
<table class="facts">
  <tr><th>${officer ? 'Officer' : 'Custodian'}</th><td>${escapeHtml(custodian.title)} (<span class="fpr">${escapeHtml(custodian.id)}</span>)</td></tr>
  <tr><th>This share</th><td>number ${number} of ${count}; any ${threshold} shares together ${officer ? 'unlock the root' : 'restore the backup'}, ${threshold - 1} cannot</td></tr>
  <tr><th>Root key fingerprint</th><td class="fpr">${escapeHtml(groupedHex(input.rootFingerprint))}</td></tr>
  <tr><th>${officer ? 'Made in' : 'Backup'}</th><td>${escapeHtml(input.backupName)}, made ${escapeHtml(date)} in ceremony “${escapeHtml(input.ceremony)}”</td></tr>
  <tr><th>Share set</th><td class="fpr">${escapeHtml(input.set)}${officer ? ' (a re-sharing ceremony replaces it; shares of an older set open nothing)' : ''}</td></tr>
  ${officer ? `<tr><th>Unlocks</th><td>${escapeHtml(input.unlocks ?? 'the working vault')}</td></tr>` : `<tr><th>Backup copies</th><td>${input.media.map(escapeHtml).join('; ')}</td></tr>`}
</table>
<div class="share">
  <div class="words">${cells}</div>
  <div class="qr">${qr}<div>The same ${input.words.length} words as a QR code, for a barcode scanner at a restore. Never scan it with a phone.</div></div>
</div>
<h2>What this is</h2>
<p>${what} The words are checked when they are typed:
a mistyped, missing or swapped word is named, so write nothing on this sheet and do not correct it by hand.</p>
<h2>Keep it</h2>
<ul>
  <li>Fold it, seal it in an envelope, sign across the seal, and keep it in a safe or locked drawer that only you open.</li>
  <li>Never photograph, scan, copy or type it, and never let it near a networked computer or phone.</li>
  <li>Keep it apart from the ${officer ? 'vault media, the tokens' : 'backup media'} and from the other ${officer ? 'officers' : 'custodians'}' shares.</li>
  <li>If it is lost, damaged or may have been seen by someone else, tell the ceremony administrator at once: ${officer ? 'a re-sharing ceremony makes a new share set and this one opens nothing any more' : 'a new backup with new shares is made and this one is destroyed'}.</li>
</ul>
<h2>When to come back</h2>
<ul>
${
  officer
    ? `  <li>For every ceremony that uses the root (rotation, new keys, revocation, recovery drill): bring the sealed envelope. You type the words yourself, hidden, at the air-gapped machine.</li>
  <li>When you hand the role over: give the sealed envelope back to the ceremony administrator; your successor receives a share of a new set made by a re-sharing ceremony. Never pass it on yourself.</li>
  <li>When told that this share set is retired (after a re-sharing ceremony): destroy the sheet (shred it) and confirm it in writing.</li>`
    : `  <li>For the yearly recovery drill and for a restore: bring the sealed envelope. You type the words yourself at the air-gapped machine.</li>
  <li>When you hand the role over: give the sealed envelope back to the ceremony administrator, who records it; never pass it on yourself.</li>
  <li>When told that this backup is retired: destroy the sheet (shred it) and confirm it in writing.</li>`
}
</ul>
<div class="receipt">
  <div>Received by (name, signature)</div>
  <div>Date</div>
  <div>Envelope / bag number</div>
</div>
<footer>Made by keyceremony ${escapeHtml(input.toolVersion)}. Share format 1 (PGP words with Reed–Solomon check; Shamir over GF(256)): see docs/share-format.md${officer ? ' and docs/quorum.md' : ' and the restore kit on each backup medium'}.</footer>
</div>
</body>
</html>
`;
}
