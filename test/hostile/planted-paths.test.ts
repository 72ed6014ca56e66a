/**
 * Planted links and FIFOs at every path a ceremony writes (issue 14, item 1).
 *
 * A first rehearsal of the shipped root ceremony (vault, public tree, hand-off, two backup media, five share
 * sheets) lists every directory and file it writes. Then, for each of those paths in turn, a fresh set of
 * output directories gets a link (owned by another user, into a directory that user can read) or a FIFO at
 * that path, and the ceremony runs again. It must stop with exit 2 or 3, deliver no byte to the attacker's
 * directory, never block on the FIFO, and leave every output directory exactly as it was.
 *
 * Then the same with the plant made while the ceremony runs, after its checks (at a prompt): what was checked
 * was pinned, so a path swapped for a link later is refused at the write.
 */
import { lstat, mkdir, readdir, rename, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { walkFiles } from '../helpers/files.js';
import {
  attackerDir,
  fullSnapshot,
  type Outputs,
  outputs,
  plant,
  type Plant,
  rehearseInProcess,
  requireRoot,
  leftWithoutAbortedRecord,
  withoutAbortedRecord,
} from './harness.js';

const CEREMONY = '2026-03-01T10-00-00Z-openpgp-root-REHEARSAL';
let written: { rel: string; directory: boolean }[] = [];

beforeAll(async () => {
  requireRoot();
  const o = await outputs();
  const result = await rehearseInProcess(o);
  expect(result.code, result.message).toBe(0);
  const paths = await walkFiles(o.base, { directories: true });
  written = await Promise.all(
    paths.map(async (p) => ({ rel: relative(o.base, p), directory: (await lstat(p)).isDirectory() })),
  );
  // The first rehearsal wrote where this suite expects it to (so the later runs fail for the right reason).
  expect(written.map((w) => w.rel)).toEqual(
    expect.arrayContaining([
      'vault',
      'vault/inventory.json',
      'public/KEYS',
      'handoff/release-pipeline',
      `media/media/1/backup-${CEREMONY}/vault.tar.gpg`,
      `media/sheets/backup-${CEREMONY}/custodian-3/share-3-custodian-3.html`,
    ]),
  );
}, 120_000);

/** Runs the ceremony with `kind` planted at `rel` (its parents made as plain directories first). */
async function runWithPlant(rel: string, directory: boolean, kind: Plant): Promise<void> {
  const o: Outputs = await outputs();
  const loot = await attackerDir();
  const target = join(o.base, rel);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await plant(target, kind, loot, directory);
  const before = await fullSnapshot(o.base);
  const result = await rehearseInProcess(o);
  const what = `${kind} at ${rel}: exit ${result.code} ${result.message}`;
  expect([2, 3], what).toContain(result.code);
  expect(result.message.length, what).toBeLessThan(400);
  expect(await readdir(loot), what).toEqual([]);
  expect(withoutAbortedRecord(await fullSnapshot(o.base), before), what).toEqual(before);
}

describe('a link or FIFO planted at any path the ceremony writes', () => {
  it('is refused (exit 2 or 3), delivers nothing to the attacker and leaves every output as it was', async () => {
    expect(written.length).toBeGreaterThan(60);
    for (const { rel, directory } of written) {
      for (const kind of ['symlink', 'fifo'] as const) await runWithPlant(rel, directory, kind);
    }
  }, 600_000);
});

describe('a link planted while the ceremony runs, after its checks', () => {
  /**
   * Runs `swap` at prompt `at`: by default when the witnesses read the fingerprint (the vault is written, nothing
   * else yet); `hand-out-shares.custodian-1` comes after the backup (which reads the whole vault).
   */
  async function midCeremony(
    swap: (o: Outputs, loot: string) => Promise<void>,
    at = 'read-fingerprint.witness-1',
  ): Promise<{
    code: number;
    message: string;
    loot: string;
    o: Outputs;
  }> {
    const o = await outputs();
    const loot = await attackerDir();
    const result = await rehearseInProcess(o, new Map([[at, () => swap(o, loot)]]));
    return { code: result.code, message: result.message, loot, o };
  }

  it.each([
    ['a signer’s hand-off folder', `handoff/release-pipeline`, 'symlink', true, undefined],
    ['the backup folder on a medium', `media/media/2/backup-${CEREMONY}`, 'symlink', true, undefined],
    ['a custodian’s sheets folder', `media/sheets/backup-${CEREMONY}/custodian-4`, 'symlink', true, undefined],
    ['the public transcripts folder', 'public/transcripts', 'symlink', true, undefined],
    ['the vault transcripts folder', 'vault/transcripts', 'symlink', true, undefined],
    ['the vault transcript', `vault/transcripts/${CEREMONY}.jsonl`, 'symlink', false, 'hand-out-shares.custodian-1'],
    ['the public transcript signature', `public/transcripts/${CEREMONY}.jsonl.asc`, 'fifo', false, undefined],
  ] as const)(
    '%s is refused at the write, and the ceremony rolls back',
    async (_, rel, kind, directory, at) => {
      const { code, message, loot, o } = await midCeremony(async (out, attacker) => {
        await mkdir(dirname(join(out.base, rel)), { recursive: true, mode: 0o700 });
        await plant(join(out.base, rel), kind, attacker, directory);
      }, at);
      expect([2, 3], message).toContain(code);
      expect(await readdir(loot)).toEqual([]);
      // Rolled back: nothing but the plant (and the directories made to hold it) is left.
      const left = await walkFiles(o.base);
      expect(leftWithoutAbortedRecord(left.map((p) => relative(o.base, p)))).toEqual([rel]);
    },
    120_000,
  );

  it('a checked directory swapped for another directory is noticed (pinned), and the other one gets nothing', async () => {
    const { code, message, o } = await midCeremony(async (out) => {
      await rename(out.vault, `${out.vault}.moved`);
      await mkdir(out.vault, { mode: 0o700 });
    });
    expect(code, message).toBe(3);
    expect(message).toMatch(/vault was replaced while the ceremony ran/);
    expect(await readdir(o.vault)).toEqual([]);
  }, 120_000);

  it('a checked directory swapped for a link is noticed (pinned), and nothing is written through the link', async () => {
    const { code, message, loot, o } = await midCeremony(async (out, attacker) => {
      await rename(out.vault, `${out.vault}.moved`);
      await symlink(attacker, out.vault);
    });
    expect(code, message).toBe(3);
    expect(message).toMatch(/vault .*(replaced|no longer the directory)/);
    expect(await readdir(loot)).toEqual([]);
    // The vault written before the swap stays where it is (it is not followed to be rolled back either).
    expect(await readdir(`${o.vault}.moved`)).toContain('openpgp');
  }, 120_000);
});
