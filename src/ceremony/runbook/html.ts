/**
 * `keyceremony plan SCRIPT --html FILE`: a printable, self-contained runbook for the room — the paper record
 * an auditor later lays beside the transcript. It has fields for everything the room writes by hand: date,
 * place, start and end time; every participant's printed name and signature with their role; the serial and
 * tamper-bag numbers of the machine, media and tokens; the code SHA-256 read aloud; the previous transcript's
 * SHA-256; a checkbox, time and initials per step; the transcript SHA-256 shown at the closing checkpoint;
 * and what to note when the ceremony stops.
 */
import { escapeHtml } from '../../util/html.js';
import { toolVersion } from '../../version.js';
import type { ItemField } from '../script-schema.js';
import { quorumLines, type Runbook } from './runbook.js';

const STYLE = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 182mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 1.5px solid #111; padding-bottom: 1mm; page-break-after: avoid; }
.meta { color: #333; font-size: 9.5pt; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.8pt; word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1.5mm 2mm; border-bottom: 1px solid #bbb; }
th { font-size: 9pt; text-transform: uppercase; letter-spacing: .03em; color: #444; }
td.write { height: 9mm; border-bottom: 1px solid #555; border-left: 1px solid #ccc; }
td.duties { font-size: 8.5pt; color: #333; }
.fields { display: grid; grid-template-columns: 1fr 2fr 1fr 1fr; gap: 3mm 5mm; margin: 2mm 0; }
.field { border-bottom: 1px solid #555; height: 11mm; font-size: 8.5pt; color: #444; padding-top: .5mm; }
.hash { margin: 2.5mm 0 3mm; page-break-inside: avoid; }
.hash .label { font-size: 9pt; color: #333; margin-bottom: 1mm; }
.groups { display: grid; grid-template-columns: repeat(8, 1fr); gap: 1.6mm 2.2mm; }
.groups span { border: 1px solid #555; height: 7.5mm; }
.step { border: 1.2px solid #111; border-radius: 2mm; padding: 2.5mm 3.5mm; margin: 0 0 3mm; page-break-inside: avoid; }
.step h3 { margin: 0 0 1mm; font-size: 11pt; display: flex; gap: 3mm; align-items: baseline; }
.box { display: inline-block; width: 4.5mm; height: 4.5mm; border: 1.5px solid #111; flex: none; transform: translateY(.8mm); }
.who { margin-left: auto; font-weight: normal; font-size: 9pt; color: #333; white-space: nowrap; }
.step ul { margin: 1mm 0 0 4mm; padding: 0; }
.lines { display: flex; gap: 6mm; margin-top: 3mm; font-size: 9pt; color: #333; }
.lines span { flex: 1; border-top: 1px solid #555; padding-top: .8mm; }
.closing { border: 2px solid #111; border-radius: 2mm; padding: 3mm 4mm; page-break-inside: avoid; }
.stopped { border: 1.2px dashed #111; border-radius: 2mm; padding: 3mm 4mm; page-break-inside: avoid; }
.sign { display: grid; grid-template-columns: 1fr 1fr; gap: 9mm 8mm; margin-top: 4mm; page-break-inside: avoid; }
.sign div { border-top: 1px solid #111; padding-top: 1mm; font-size: 9pt; }
.sign div b { display: block; font-size: 9.5pt; }
.params { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.3pt; margin: 1.5mm 0 0; padding: 1.5mm 2mm; background: #f3f3f3; white-space: pre-wrap; }
.rehearsal { border: 2px solid #b00; color: #b00; padding: 2mm; font-weight: bold; }
`;

const FIELD_TITLES: Record<ItemField, string> = {
  serial: 'Serial number',
  'bag-opened': 'Bag opened (no.)',
  'bag-sealed': 'Bag sealed (no.)',
};

/** Sixteen boxes of four hex digits: a SHA-256 written by hand, in the groups the screen shows. */
function hashBoxes(label: string): string {
  return `<div class="hash"><div class="label">${label}</div><div class="groups">${'<span></span>'.repeat(16)}</div></div>`;
}

export function renderRunbookHtml(runbook: Runbook): string {
  const { script } = runbook.script;
  const e = escapeHtml;
  const steps = runbook.steps
    .map(
      (s) => `<section class="step">
  <h3><span class="box"></span>${s.index}. ${e(s.title)}<span class="who">${e(s.roleTitle)} (${e(s.role)})</span></h3>
  <div>${e(s.description.summary)}</div>
  ${s.description.details?.length ? `<ul>${s.description.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : ''}
  ${s.description.changes?.length ? `<div class="meta">Expected changes (compare with the screen before the root signs):</div><pre class="params">${s.description.changes.map(e).join('\n')}</pre>` : ''}
  ${s.params.length ? `<div class="meta">Parameters (as the step runs them; <code># default</code>: not written in the script):</div><pre class="params">${s.params.map(e).join('\n')}</pre>` : ''}
  ${s.description.confirmations?.length ? `<div class="meta">Initials in the tool by: ${s.description.confirmations.map(e).join(', ')}</div>` : ''}
  <div class="lines"><span>Time</span><span>Initials (${e(s.role)})</span><span>Witness initials</span></div>
</section>`,
    )
    .join('\n');
  const creates = runbook.creates
    .map((c) => `<tr><td class="mono">${e(c.tree)}/${e(c.path)}</td><td>${e(c.what)}</td></tr>`)
    .join('\n');
  const roles = script.roles
    .map(
      (r) =>
        `<tr><td style="width:38mm"><b>${e(r.title)}</b><br><span class="mono">${e(r.id)}</span>${r.officer ? (runbook.quorum ? '<br><span class="meta">officer of the quorum</span>' : '<br><span class="meta">(only when the vault has a quorum)</span>') : ''}</td><td class="duties">${e(r.duties ?? '')}</td><td class="write" style="width:48mm"></td><td class="write" style="width:40mm"></td></tr>`,
    )
    .join('\n');
  const items = [
    ...script.record.items.map((item) => ({ what: e(item.what), fields: new Set<ItemField>(item.record) })),
    // Room for what the script does not name (a spare medium, a token, the printer).
    ...Array.from({ length: 3 }, () => ({ what: '', fields: undefined })),
  ]
    .map(
      (item) =>
        `<tr><td class="write">${item.what}</td>${(['serial', 'bag-opened', 'bag-sealed'] as const)
          .map((f) => `<td class="write"${item.fields && !item.fields.has(f) ? ' style="background:#eee"' : ''}></td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const signatures = script.roles
    .map((r) => `<div><b>${e(r.title)} (${e(r.id)})</b>Name, signature, date</div>`)
    .join('\n');
  const checklist = [
    'The machine is air-gapped: no interface up besides loopback, no default route.',
    'The script and code SHA-256 printed by the tool match the published values.',
    ...(script.preflight.confirmClock ? ['The system date and time are correct.'] : []),
    ...script.preflight.checklist,
  ]
    .map((item) => `<li><span class="box"></span> ${e(item)}</li>`)
    .join('\n');
  const typed = [
    ...(script.record.place ? ['the place'] : []),
    ...(script.record.names ? ["every role's printed name"] : []),
    ...(script.record.items.length ? ['the serial and bag numbers of the items below'] : []),
  ];
  const codeHashBy = script.preflight.codeHashBy;
  const closing = script.closing;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Runbook: ${e(script.title)}</title><style>${STYLE}</style></head>
<body>
<h1>Runbook: ${e(script.title)}</h1>
<div class="meta">${e(script.organisation)} · script <code>${e(script.name)}</code> version ${e(script.version)} · keyceremony ${e(toolVersion())}</div>
<div class="meta">Script SHA-256 <code>${runbook.script.sha256}</code> — compare it with the screen at the start.</div>
<p>${e(script.purpose)}</p>

<h2>Ceremony record</h2>
<div class="fields">
  <div class="field">Date</div><div class="field">Place</div><div class="field">Start time</div><div class="field">End time</div>
</div>
<p class="meta">Run kind: ☐ real ceremony ☐ rehearsal ${typed.length ? `· The tool also asks for ${typed.join(', ')} and keeps the answers in the transcript: write the same here.` : ''}</p>
${hashBoxes(`Code (or bundle) SHA-256, as the operator reads it aloud from the screen — compare it with the published value${codeHashBy.length ? `; ${codeHashBy.map(e).join(' and ')} type its last four groups into the tool` : ''}`)}
${hashBoxes('Previous transcript SHA-256, shown at the start (“Previous transcript …”) — compare it with the transcript SHA-256 on the runbook of the last ceremony')}

<h2>People</h2>
${quorumLines(runbook)
  .map((line) => `<p class="quorum"><b>Quorum.</b> ${e(line)}</p>`)
  .join('\n')}
<table><tr><th>Role</th><th>Duties</th><th>Printed name</th><th>Signature</th></tr>
${roles}
</table>

<h2>Machine, media and tokens</h2>
<p class="meta">Serial numbers, the tamper-evident bags opened at the start (compare with the last runbook) and those the items are sealed in at the end. Grey: not asked for by the tool.</p>
<table><tr><th>Item</th><th>${FIELD_TITLES.serial}</th><th>${FIELD_TITLES['bag-opened']}</th><th>${FIELD_TITLES['bag-sealed']}</th></tr>
${items}
</table>

<h2>Before anything is created</h2>
<ul style="list-style:none;padding:0">${checklist}</ul>

<h2>Steps</h2>
${steps}

<h2>Closing checkpoint — after the transcript is written and signed</h2>
<div class="closing">
<p>The tool shows the transcript's SHA-256 (hex and PGP words). Write it here${closing ? `; ${closing.roles.map(e).join(', ')} each type its last four groups from this page, then their initials` : ''}. Then copy and seal as recorded.</p>
${closing ? `<p><b>${e(closing.statement)}</b></p>` : ''}
<div class="fields" style="grid-template-columns: 3fr 1fr"><div class="field">Transcript name (transcripts/….jsonl)</div><div class="field">Time</div></div>
${hashBoxes('Transcript SHA-256')}
<div class="lines">${(closing?.roles ?? ['administrator']).map((r) => `<span>Initials (${e(r)})</span>`).join('')}</div>
</div>

<h2>If the ceremony stops</h2>
<div class="stopped">
<p class="meta">Ctrl-C, a refused confirmation, a failed step or a lost token: the tool removes everything the run wrote and keeps an aborted-ceremony record (<code>public/transcripts/…-ABORTED.jsonl</code>), whose SHA-256 it shows. Note it here; the next attempt starts with the same directories.</p>
<div class="fields" style="grid-template-columns: 1fr 1fr 3fr"><div class="field">Time</div><div class="field">Step</div><div class="field">Reason</div></div>
${hashBoxes('Aborted-ceremony record SHA-256')}
</div>

<h2>What will be created</h2>
<table><tr><th>Where</th><th>What</th></tr>
${creates}
</table>

<h2>Signatures</h2>
<p class="meta">We were present for the whole ceremony and saw every step above carried out as written; the numbers and hashes on this runbook are the ones we saw.</p>
<div class="sign">
${signatures}
</div>
</body></html>
`;
}
