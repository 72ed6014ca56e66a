import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli } from '../helpers/run.js';
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
  });

  it('writes a printable HTML runbook with a checkbox and initials line per step and signature lines per role', async () => {
    const file = join(await tempDir(), 'runbook.html');
    const result = await cli(['plan', script, '--html', file]);
    expect(result.code, result.stderr).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html.match(/<section class="step">/g)).toHaveLength(9);
    expect(html.match(/<span class="box"><\/span>\d+\./g)).toHaveLength(9);
    expect(html.match(/<span>Initials \(/g)).toHaveLength(9);
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

  it('reports script problems with exit 2 and no stack trace', async () => {
    const result = await cli(['plan', '/nonexistent.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read ceremony script/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
