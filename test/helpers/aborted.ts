/** What an aborted ceremony must leave: nothing but its record in the public tree, which verifies as aborted. */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { walkFiles } from './files.js';
import { cli } from './run.js';

/**
 * Every file under `base` is part of one aborted-ceremony record in `publicDir`/transcripts (.jsonl, .md, and
 * .asc when `signed`), besides `keep` (files that were there before); `transcript verify` shows it as aborted.
 * Returns the record's transcript entries.
 */
export async function expectOnlyAbortedRecord(
  base: string,
  publicDir: string,
  options: { signed?: boolean; keep?: readonly string[] } = {},
): Promise<{ name: string; entries: { event: string; data: Record<string, unknown> }[] }> {
  const keep = new Set(options.keep ?? []);
  const files = (await walkFiles(base)).map((f) => relative(base, f)).filter((f) => !keep.has(f));
  const prefix = relative(base, publicDir);
  const record = files.find((f) => f.endsWith('-ABORTED.jsonl'));
  expect(record, `no aborted-ceremony record among ${files.join(', ')}`).toBeDefined();
  const stem = record!.slice(0, -'.jsonl'.length);
  expect(stem.startsWith(`${prefix ? `${prefix}/` : ''}transcripts/`), stem).toBe(true);
  expect(files.sort()).toEqual(
    [`${stem}.jsonl`, `${stem}.md`, ...(options.signed ? [`${stem}.jsonl.asc`] : [])].sort(),
  );
  const verified = await cli(['transcript', 'verify', publicDir, '--json']);
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  const report = JSON.parse(verified.stdout) as {
    transcripts: { name: string; outcome: string; signature: { signed: boolean } }[];
  };
  const name = stem.split('/').at(-1)!;
  const mine = report.transcripts.find((t) => t.name === name);
  expect(mine).toMatchObject({ outcome: 'aborted', signature: { signed: !!options.signed } });
  const text = await readFile(join(base, `${stem}.jsonl`), 'utf8');
  return {
    name,
    entries: text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> }),
  };
}
