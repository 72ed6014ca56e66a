/**
 * `keyceremony plan SCRIPT --html FILE`: a printable, self-contained runbook for the witnesses — a checkbox,
 * time and initials line per step, and signature lines for every role.
 */
import { escapeHtml } from '../../util/html.js';
import { toolVersion } from '../../version.js';
import type { Runbook } from './runbook.js';

const STYLE = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 182mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 1.5px solid #111; padding-bottom: 1mm; }
.meta { color: #333; font-size: 9.5pt; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.8pt; word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1.5mm 2mm; border-bottom: 1px solid #bbb; }
th { font-size: 9pt; text-transform: uppercase; letter-spacing: .03em; color: #444; }
.step { border: 1.2px solid #111; border-radius: 2mm; padding: 2.5mm 3.5mm; margin: 0 0 3mm; page-break-inside: avoid; }
.step h3 { margin: 0 0 1mm; font-size: 11pt; display: flex; gap: 3mm; align-items: baseline; }
.box { display: inline-block; width: 4.5mm; height: 4.5mm; border: 1.5px solid #111; flex: none; transform: translateY(.8mm); }
.who { margin-left: auto; font-weight: normal; font-size: 9pt; color: #333; white-space: nowrap; }
.step ul { margin: 1mm 0 0 4mm; padding: 0; }
.lines { display: flex; gap: 6mm; margin-top: 3mm; font-size: 9pt; color: #333; }
.lines span { flex: 1; border-top: 1px solid #555; padding-top: .8mm; }
.sign { display: grid; grid-template-columns: 1fr 1fr; gap: 9mm 8mm; margin-top: 4mm; page-break-inside: avoid; }
.sign div { border-top: 1px solid #111; padding-top: 1mm; font-size: 9pt; }
.sign div b { display: block; font-size: 9.5pt; }
.params { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.3pt; margin: 1.5mm 0 0; padding: 1.5mm 2mm; background: #f3f3f3; white-space: pre-wrap; }
.rehearsal { border: 2px solid #b00; color: #b00; padding: 2mm; font-weight: bold; }
`;

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
  ${s.params.length ? `<pre class="params">${s.params.map(e).join('\n')}</pre>` : ''}
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
        `<tr><td><b>${e(r.title)}</b><br><span class="mono">${e(r.id)}</span></td><td>${e(r.duties ?? '')}</td><td style="width:45mm">Name:</td></tr>`,
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Runbook: ${e(script.title)}</title><style>${STYLE}</style></head>
<body>
<h1>Runbook: ${e(script.title)}</h1>
<div class="meta">${e(script.organisation)} · script <code>${e(script.name)}</code> version ${e(script.version)} · keyceremony ${e(toolVersion())}</div>
<div class="meta">Script SHA-256 <code>${runbook.script.sha256}</code></div>
<div class="meta">Code SHA-256 (printed by the tool at the start): ________________________________________________</div>
<p>${e(script.purpose)}</p>
<p class="meta">Date: ____________ &nbsp; Place: ______________________ &nbsp; Start: ______ &nbsp; End: ______ &nbsp; Run kind: ☐ real ☐ rehearsal</p>
<h2>Roles</h2>
<table><tr><th>Role</th><th>Duties</th><th>Person</th></tr>
${roles}
</table>
<h2>Before anything is created</h2>
<ul style="list-style:none;padding:0">${checklist}</ul>
<h2>Steps</h2>
${steps}
<h2>What will be created</h2>
<table><tr><th>Where</th><th>What</th></tr>
${creates}
</table>
<h2>Signatures</h2>
<p class="meta">We were present for the whole ceremony and saw every step above carried out as written.</p>
<div class="sign">
${signatures}
</div>
</body></html>
`;
}
