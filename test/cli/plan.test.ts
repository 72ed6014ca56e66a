import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(ceremoniesDir, 'openpgp-root.yaml');

describe('keyceremony plan', () => {
  it('prints the runbook: roles, preflight, steps with their roles, what will be created', async () => {
    const result = await cli(['plan', script]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Runbook: Offline OpenPGP root key ceremony/);
    expect(result.stdout).toMatch(/script sha256 [0-9a-f]{64}/);
    for (const role of ['administrator', 'operator', 'witness-1', 'witness-2']) expect(result.stdout).toContain(role);
    expect(result.stdout).toMatch(/2\. Generate the offline OpenPGP root key\s+\[operator: Operator\]/);
    expect(result.stdout).toMatch(/vault\/openpgp\/<FPR>\.sec\.asc/);
    expect(result.stdout).toMatch(/public\/KEYS/);
    expect(result.stdout).toMatch(/air-gapped/);
    // The paper trail: what the room writes and the tool asks (*), the closing checkpoint, what a stop leaves.
    expect(result.stdout).toMatch(/Paper record[^\n]*\n[^\n]*date, start and end time; the code SHA-256 read aloud/);
    expect(result.stdout).toMatch(/place \*; each role's printed name \* and signature/);
    expect(result.stdout).toMatch(/Vault medium 1: serial, bag-sealed \*/);
    expect(result.stdout).toMatch(/Closing checkpoint \(after the transcript is written and signed\)/);
    expect(result.stdout).toMatch(/If the ceremony stops\n.*-ABORTED\.jsonl/s);
  });

  it('writes a printable HTML runbook with a checkbox and initials line per step and signature lines per role', async () => {
    const file = join(await tempDir(), 'runbook.html');
    const result = await cli(['plan', script, '--html', file]);
    expect(result.code, result.stderr).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html.match(/<section class="step">/g)).toHaveLength(8);
    expect(html.match(/<span class="box"><\/span>\d+\./g)).toHaveLength(8);
    // One initials line per step, and one per role at the closing checkpoint.
    expect(html.match(/<span>Initials \(/g)).toHaveLength(8 + 3);
    for (const role of [
      'Ceremony administrator (administrator)',
      'Operator (operator)',
      'Witness (witness-1)',
      'Witness (witness-2)',
    ]) {
      expect(html).toContain(`<div><b>${role}</b>Name, signature, date</div>`);
    }
    expect(html).toContain('@page { size: A4');
    const again = await cli(['plan', script, '--html', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/refusing to overwrite/);
    const nowhere = await cli(['plan', script, '--html', join(file, 'no-such-dir', 'runbook.html')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/cannot write .*runbook\.html: a part of the path is not a directory/);
  });

  it('has fields for everything the room writes by hand and an auditor needs, in the printed PDF', async () => {
    const file = join(await tempDir(), 'runbook.html');
    expect((await cli(['plan', script, '--html', file])).code).toBe(0);
    const html = await readFile(file, 'utf8');
    // Date, place, start and end time.
    for (const field of ['Date', 'Place', 'Start time', 'End time'])
      expect(html).toContain(`<div class="field">${field}</div>`);
    // Every role with a printed name and a signature field.
    expect(html).toMatch(/<th>Printed name<\/th><th>Signature<\/th>/);
    expect(
      html.match(/<td class="write" style="width:48mm"><\/td><td class="write" style="width:40mm"><\/td>/g),
    ).toHaveLength(9);
    // The machine, media (and room for tokens): serial and bag numbers, as the script's record asks.
    for (const item of [
      'Ceremony laptop',
      'Vault medium 1',
      'Vault medium 2',
      'Backup medium 1 (office safe)',
      'Transfer medium (public tree)',
    ])
      expect(html).toContain(`<td class="write">${item}</td>`);
    expect(html).toMatch(/<th>Serial number<\/th><th>Bag opened \(no\.\)<\/th><th>Bag sealed \(no\.\)<\/th>/);
    // Hashes written by hand in the screen's groups: code, previous transcript, this transcript, an aborted record.
    const boxes = [
      ...html.matchAll(/<div class="label">([^<]*)<\/div><div class="groups">((?:<span><\/span>)+)<\/div>/g),
    ];
    expect(boxes.map((b) => b[1]!.split(',')[0]!.split(' — ')[0])).toEqual([
      'Code (or bundle) SHA-256',
      'Previous transcript SHA-256',
      'Transcript SHA-256',
      'Aborted-ceremony record SHA-256',
    ]);
    for (const b of boxes) expect(b[2]!.match(/<span>/g)).toHaveLength(16);
    // The closing checkpoint, with the transcript hash, comes after the last step.
    expect(html.indexOf('Closing checkpoint — after the transcript is written and signed')).toBeGreaterThan(
      html.lastIndexOf('<section class="step">'),
    );
    // As printed: Chromium's PDF has the fields a person fills in.
    const pdf = join(await tempDir(), 'runbook.pdf');
    const printed = await run('chromium', [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      `--print-to-pdf=${pdf}`,
      '--no-pdf-header-footer',
      `file://${file}`,
    ]);
    expect(printed.code, printed.stderr).toBe(0);
    const text = (await run('pdftotext', ['-layout', pdf, '-'])).stdout;
    for (const words of [
      'Printed name',
      'Serial number',
      'Bag sealed',
      'Transcript SHA-256',
      'If the ceremony stops',
      'Start time',
    ])
      expect(text.toUpperCase()).toContain(words.toUpperCase());
  });

  it('reports script problems with exit 2 and no stack trace', async () => {
    const result = await cli(['plan', '/nonexistent.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read ceremony script/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
