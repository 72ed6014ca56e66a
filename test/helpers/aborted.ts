/** What an aborted ceremony must leave: nothing but its record in the public tree, which verifies as aborted. */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { snapshot, walkFiles } from './files.js';
import { cli } from './run.js';

export interface AbortedRecordFiles {
  readonly name: string;
  readonly entries: { event: string; data: Record<string, unknown> }[];
}

/**
 * Every file under `base` (besides `keep`: files that were there before) belongs to an aborted-ceremony record
 * in `publicDir`/transcripts (.jsonl, .md, and .jsonl.asc when `signed`), and `transcript verify` shows each one
 * as aborted. Returns the records, oldest first.
 */
export async function expectOnlyAbortedRecords(
  base: string,
  publicDir: string,
  options: { signed?: boolean; keep?: readonly string[] } = {},
): Promise<AbortedRecordFiles[]> {
  const keep = new Set(options.keep ?? []);
  const files = (await walkFiles(base)).map((f) => relative(base, f)).filter((f) => !keep.has(f));
  const dir = relative(base, join(publicDir, 'transcripts'));
  const stems = files.filter((f) => f.endsWith('-ABORTED.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));
  expect(stems.length, `no aborted-ceremony record among ${files.join(', ')}`).toBeGreaterThan(0);
  expect(files.sort()).toEqual(
    stems.flatMap((stem) => [`${stem}.jsonl`, `${stem}.md`, ...(options.signed ? [`${stem}.jsonl.asc`] : [])]).sort(),
  );
  for (const stem of stems) expect(relative(dir, stem)).not.toMatch(/\//);
  const verified = await cli(['transcript', 'verify', publicDir, '--json']);
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  const report = JSON.parse(verified.stdout) as {
    transcripts: { name: string; outcome: string; signature: { signed: boolean } }[];
  };
  const records: AbortedRecordFiles[] = [];
  for (const stem of stems.sort()) {
    const name = stem.split('/').at(-1)!;
    expect(report.transcripts.find((t) => t.name === name)).toMatchObject({
      outcome: 'aborted',
      signature: { signed: !!options.signed },
    });
    const text = await readFile(join(base, `${stem}.jsonl`), 'utf8');
    records.push({
      name,
      entries: text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> }),
    });
  }
  return records;
}

/** As expectOnlyAbortedRecords, for exactly one record. */
export async function expectOnlyAbortedRecord(
  base: string,
  publicDir: string,
  options: { signed?: boolean; keep?: readonly string[] } = {},
): Promise<AbortedRecordFiles> {
  const records = await expectOnlyAbortedRecords(base, publicDir, options);
  expect(records).toHaveLength(1);
  return records[0]!;
}

/**
 * `dir` is as `before` (a snapshot with directories) but for aborted-ceremony records added to
 * `public/transcripts` (`records` of them), which verify as aborted: an aborted ceremony on an existing tree.
 */
export async function expectUnchangedButRecords(
  dir: string,
  before: Record<string, string>,
  options: { records?: number; signed?: boolean } = {},
): Promise<AbortedRecordFiles[]> {
  const after = await snapshot(dir, { directories: true });
  for (const [path, hash] of Object.entries(before)) expect(after[path], `${path} changed or vanished`).toBe(hash);
  const added = Object.keys(after).filter((path) => !(path in before));
  for (const path of added) expect(path).toMatch(/^public\/transcripts\/[^/]+-ABORTED\.(jsonl|jsonl\.asc|md)$/);
  const records = await expectOnlyAbortedRecords(dir, join(dir, 'public'), {
    ...(options.signed !== undefined ? { signed: options.signed } : {}),
    keep: Object.keys(before).filter((path) => !path.endsWith('/')),
  });
  expect(records).toHaveLength(options.records ?? 1);
  return records;
}
