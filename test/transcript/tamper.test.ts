import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyceremonyError } from '../../src/errors.js';
import { checkChain, verifyTranscriptDirectory } from '../../src/transcript/verify.js';
import { copyOfRehearsal } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';

let dir: string;
let transcriptFile: string;
let original: string;

beforeAll(async () => {
  dir = join(await copyOfRehearsal(), 'public');
  const name = (await readdir(join(dir, 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
  transcriptFile = join(dir, 'transcripts', name);
  original = await readFile(transcriptFile, 'utf8');
});

async function withTranscript<T>(text: string, check: () => Promise<T>): Promise<T> {
  await writeFile(transcriptFile, text);
  try {
    return await check();
  } finally {
    await writeFile(transcriptFile, original);
  }
}

const verify = () => verifyTranscriptDirectory(dir, { now: new Date() });

describe('transcript verification', () => {
  it('passes on the untouched rehearsal', async () => {
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.outputs.map((o) => [o.path, o.status])).toEqual(
      expect.arrayContaining([
        ['KEYS', 'ok'],
        ['fingerprints.txt', 'ok'],
      ]),
    );
  });

  it('names the first bad entry when one is changed, deleted, inserted or moved', async () => {
    const lines = original.trimEnd().split('\n');
    const changed = [...lines];
    changed[5] = changed[5]!.replace('"event":"', '"event":"x');
    expect(checkChain(`${changed.join('\n')}\n`).problem).toMatchObject({ seq: 5, line: 6 });
    const deleted = lines.filter((_, i) => i !== 7);
    expect(checkChain(`${deleted.join('\n')}\n`).problem).toMatchObject({
      seq: 7,
      reason: expect.stringMatching(/seq 8, expected 7/),
    });
    const inserted = [...lines.slice(0, 4), lines[3]!, ...lines.slice(4)];
    expect(checkChain(`${inserted.join('\n')}\n`).problem).toMatchObject({ seq: 4 });
    const moved = [...lines];
    [moved[9], moved[10]] = [moved[10]!, moved[9]!];
    expect(checkChain(`${moved.join('\n')}\n`).problem).toMatchObject({ seq: 9 });
    const truncated = lines.slice(0, -1);
    expect(checkChain(`${truncated.join('\n')}\n`).problem?.reason).toMatch(/ceremony\.end/);

    const report = await withTranscript(`${changed.join('\n')}\n`, verify);
    expect(report.ok).toBe(false);
    expect(report.transcripts[0]?.chain).toMatchObject({ seq: 5 });
  });

  it('reports a number JSON cannot hold (1e999) as a broken entry, not a crash', async () => {
    const lines = original.trimEnd().split('\n');
    lines[4] = lines[4]!.replace('"data":{', '"data":{"n":1e999,');
    expect(checkChain(`${lines.join('\n')}\n`).problem).toMatchObject({
      seq: 4,
      line: 5,
      reason: expect.stringMatching(/not in canonical form/),
    });
    const result = await withTranscript(`${lines.join('\n')}\n`, () => cli(['transcript', 'verify', dir]));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BROKEN at entry 4 \(line 5\)/);
  });

  it('fails for any one-byte change to any published file the transcript covers', async () => {
    const transcriptName = transcriptFile
      .split('/')
      .pop()!
      .replace(/\.jsonl$/, '');
    const files = [
      'KEYS',
      'fingerprints.txt',
      `transcripts/${transcriptName}.jsonl`,
      `transcripts/${transcriptName}.jsonl.asc`,
      `transcripts/${transcriptName}.md`,
    ];
    const fpr = (await readdir(dir)).find((n) => /^[0-9A-F]{40}\.asc$/.test(n))!;
    files.push(fpr);
    const contents = new Map<string, Buffer>();
    for (const f of files) contents.set(f, await readFile(join(dir, f)));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (file, position, xor) => {
          const bytes = Buffer.from(contents.get(file)!);
          const at = position % bytes.length;
          bytes[at] = bytes[at]! ^ xor;
          await writeFile(join(dir, file), bytes);
          try {
            // Refused means a report that is not ok, or a typed error (a damaged KEYS is bad input, exit 2);
            // anything else — a crash — is a bug, not a detection, and fails the test.
            const verdict = await verify().then(
              (report) => (report.ok ? 'accepted' : 'refused'),
              (error: unknown) => (error instanceof KeyceremonyError ? 'refused' : error),
            );
            expect(verdict).toBe('refused');
          } finally {
            await writeFile(join(dir, file), contents.get(file)!);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('exits 1 from the command line and says where', async () => {
    const lines = original.trimEnd().split('\n');
    lines[3] = lines[3]!.replace(/"time":"(\d)/, (_m, d: string) => `"time":"${d === '1' ? '2' : '1'}`);
    const result = await withTranscript(`${lines.join('\n')}\n`, () => cli(['transcript', 'verify', dir]));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BROKEN at entry 3 \(line 4\)/);
  });
});
