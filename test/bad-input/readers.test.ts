/**
 * The readers of what users hand the tool (issue 14, items 4 and 5): the script's SHA-256 is over the bytes
 * read, invalid UTF-8 and alias bombs are input errors (exit 2, not 70), control characters never reach a
 * runbook, and no error quotes more than a short excerpt of what it was given — above all of an answer.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actions } from '../../src/ceremony/actions/index.js';
import { parseScript } from '../../src/ceremony/load-script.js';
import { readAnswersFile } from '../../src/ceremony/prompts/scripted-prompter.js';
import { shareText } from '../../src/ceremony/actions/backup-collect-shares.js';
import { decodeShare } from '../../src/backup/share-code.js';
import { KeyceremonyError } from '../../src/errors.js';
import { excerpt } from '../../src/util/excerpt.js';
import { parseJsonFile } from '../../src/util/json-file.js';
import { z } from 'zod';
import { invalidUtf8Offset } from '../../src/util/utf8.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { expectUnchangedButRecords } from '../helpers/aborted.js';
import { snapshot } from '../helpers/files.js';
import { copyOfRehearsal } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';

const BOMB = `a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]
`;

async function shippedScript(): Promise<string> {
  return readFile(join(ceremoniesDir, 'openpgp-root.yaml'), 'utf8');
}

function refusalOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('accepted');
}

function refusal(run: () => unknown): KeyceremonyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyceremonyError);
    return error as KeyceremonyError;
  }
  throw new Error('accepted');
}

describe('the script reader', () => {
  it('prints the SHA-256 that sha256sum prints for the file, whatever its bytes (BOM, CRLF)', async () => {
    const dir = await tempDir();
    const text = await shippedScript();
    for (const [name, bytes] of [
      ['plain.yaml', Buffer.from(text)],
      ['bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
      ['crlf.yaml', Buffer.from(text.replace(/\n/g, '\r\n'))],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, bytes);
      const result = await cli(['plan', file]);
      expect(result.code, result.stderr).toBe(0);
      const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
      expect(result.stdout).toContain(`script sha256 ${expected}`);
    }
  });

  it('refuses invalid UTF-8 with exit 2 and its position, instead of hashing one text and showing another', async () => {
    const file = join(await tempDir(), 'latin1.yaml');
    const text = await shippedScript();
    await writeFile(file, Buffer.from(text.replace('title: Offline', 'title: Off\u00e9line'), 'latin1'));
    const result = await cli(['plan', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not valid UTF-8: byte \d+ \(line \d+, column \d+\) is 0xe9/);
  });

  it('reports an alias bomb as an input error (exit 2), not an internal error', async () => {
    const file = join(await tempDir(), 'bomb.yaml');
    await writeFile(file, BOMB);
    const result = await cli(['plan', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/uses YAML aliases too much/);
    expect(result.stderr).not.toMatch(/internal error|this is a bug/);
  });

  it('refuses control characters in names and titles, and line breaks in one-line fields', async () => {
    const text = await shippedScript();
    const nul = refusal(() => parseScript(text.replace(/^title: (.*)$/m, 'title: "$1\\0"'), 'nul.yaml', actions));
    expect(nul.exitCode).toBe(2);
    expect(nul.details.join('\n')).toMatch(/^\d+:\d+ title: the value contains the control character \\u\{0\}$/m);
    const bidi = refusal(() =>
      parseScript(text.replace(/^organisation: (.*)$/m, 'organisation: "$1 \\u202e"'), 'bidi.yaml', actions),
    );
    expect(bidi.details.join('\n')).toMatch(/organisation: .*\\u\{202e\}/);
    const escape = refusal(() =>
      parseScript(text.replace(/(- id: operator\n\s+title: )(.*)/, '$1"\\e[31m$2"'), 'esc.yaml', actions),
    );
    expect(escape.details.join('\n')).toMatch(/roles\[\d+\]\.title: .*\\u\{1b\}/);
    const newline = refusal(() =>
      parseScript(text.replace(/^title: (.*)$/m, 'title: "$1\\nsecond line"'), 'nl.yaml', actions),
    );
    expect(newline.details.join('\n')).toMatch(/title: the value contains the control character \\u\{a\}/);
    // Free text keeps its line breaks.
    expect(parseScript(text, 'ok.yaml', actions).script.purpose).toContain('\n');
  });

  it('quotes at most a short excerpt of an unknown key or action, and lists a bounded number of problems', () => {
    const long = 'k'.repeat(100_000);
    const unknown = refusal(() => parseScript(`keyceremony: 1\n? ${long}\n: 1\n`, 'long.yaml', actions));
    const report = [unknown.message, ...unknown.details].join('\n');
    expect(report.length).toBeLessThan(3000);
    expect(report).toContain('(100000 characters in all)');
    const many = `keyceremony: 1\n${Array.from({ length: 500 }, (_, i) => `x${i}: 1`).join('\n')}\n`;
    const crowded = refusal(() => parseScript(many, 'many.yaml', actions));
    expect(crowded.details.length).toBeLessThanOrEqual(26);
    expect(crowded.details.at(-1)).toMatch(/… and \d+ more/);
  });
});

describe('the answers-file reader', () => {
  const SECRET = 'tundra orbit velvet candle mosaic lantern';

  async function answers(content: string | Buffer): Promise<KeyceremonyError> {
    const file = join(await tempDir(), 'answers.yaml');
    await writeFile(file, content);
    try {
      await readAnswersFile(file);
    } catch (error) {
      expect(error).toBeInstanceOf(KeyceremonyError);
      return error as KeyceremonyError;
    }
    throw new Error('accepted');
  }

  it('never quotes a passphrase in a syntax error, and refuses alias bombs, bad UTF-8 and control characters', async () => {
    const syntax = await answers(`vault.passphrase: [${SECRET}\nother: x\n`);
    expect(syntax.code).toBe('ANSWERS_INVALID');
    expect([syntax.message, ...syntax.details].join('\n')).not.toContain('tundra');
    expect((await answers(BOMB)).message).toMatch(/aliases too much/);
    expect((await answers(Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]))).message).toMatch(/not valid UTF-8: byte 3/);
    const control = await answers(`vault.passphrase: "${SECRET}\\0"\n`);
    expect(control.details.join('\n')).toMatch(
      /"vault\.passphrase": the answer contains a control character \(not shown\)/,
    );
    expect([control.message, ...control.details].join('\n')).not.toContain('tundra');
  });
});

describe('the JSON files keyceremony keeps', () => {
  it('are reported broken without quoting their text (rehearsal-secrets.json holds passphrases)', () => {
    const error = refusalOf(() =>
      parseJsonFile(
        z.record(z.string(), z.string()),
        new TextEncoder().encode('tundra orbit velvet'),
        'f',
        'x',
        'INPUT_INVALID',
      ),
    );
    expect(error.message).toBe('f is not valid JSON');
  });
});

describe('share answers', () => {
  it.each([
    ['a file far larger than a share', 'zebra '.repeat(80_000), /too large to be a share file/],
    ['a file of one enormous "word"', 'q'.repeat(60_000), /word 1 is not a share word/],
  ])(
    'in a recovery drill, pointing at %s: exit 2, one short line, nothing written',
    async (_, content, expected) => {
      const dir = await copyOfRehearsal();
      const file = join(await tempDir(), 'share.txt');
      await writeFile(file, content);
      const answers = join(await tempDir(), 'answers.yaml');
      await writeFile(answers, `share.custodian-1: ${file}\n`);
      const before = await snapshot(dir, { directories: true });
      const result = await cli([
        'rehearse',
        join(ceremoniesDir, 'recovery-drill.yaml'),
        '--out',
        dir,
        '--answers',
        answers,
      ]);
      expect(result.code, result.stderr).toBe(2);
      const errors = result.stderr.split('\n').filter(Boolean);
      expect(errors[0]).toMatch(expected);
      for (const line of errors) expect(line.length).toBeLessThan(300);
      expect(result.stdout + result.stderr).not.toContain(content.slice(0, 200));
      // Nothing but the aborted-ceremony record, which must not quote the share file either.
      const [record] = await expectUnchangedButRecords(dir, before, { records: 1, signed: false });
      expect(JSON.stringify(record?.entries)).not.toContain(content.slice(0, 200));
    },
    60_000,
  );

  it('a share file far larger than a share is refused without being read or echoed', async () => {
    const file = join(await tempDir(), 'huge.txt');
    await writeFile(file, 'zebra'.repeat(100_000));
    const error = await shareText(file).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/larger than 64 KiB: too large to be a share file/);
    expect(error!.message.length).toBeLessThan(300);
  });

  it('a share "word" of any size is quoted as a short excerpt, and answered quickly', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200_000, unit: 'grapheme-ascii' }), (junk) => {
        fc.pre(/\S/.test(junk));
        try {
          decodeShare(`${junk.replace(/\s/g, 'x')} acme`, 24);
        } catch (error) {
          expect((error as Error).message.length).toBeLessThan(300);
          return;
        }
      }),
      { numRuns: 25 },
    );
    const start = Date.now();
    const long = refusalOf(() => decodeShare('q'.repeat(400_000), 24));
    expect(Date.now() - start).toBeLessThan(2000);
    expect(long.message).toMatch(/^word 1 is not a share word \(check its spelling against the sheet\)$/);
  });
});

describe('excerpts', () => {
  it('are one line, short, with control characters escaped', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5000, unit: 'binary' }), (value) => {
        const shown = excerpt(value);
        // eslint-disable-next-line no-control-regex -- no control character may be left
        expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
        expect(shown.length).toBeLessThan(24 * 12 + 60);
      }),
    );
  });

  it('UTF-8 validation agrees with a fatal TextDecoder on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let decoderOk = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          decoderOk = false;
        }
        expect(invalidUtf8Offset(bytes) === -1).toBe(decoderOk);
      }),
      { numRuns: 2000 },
    );
  });
});

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
