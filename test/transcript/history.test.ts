/**
 * The transcript history of a public tree: each ceremony names the transcript before it, so deleting any one
 * transcript of a root + rotation + revocation tree is reported — the newest through the files it changed and,
 * from the runbook, `--newest` — and so is deleting the only one. Old trees start the chain at the first
 * transcript that names a previous one.
 */
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseHistory, type HistoryNode } from '../../src/transcript/history.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { copyOfRehearsal } from '../helpers/rehearsal.js';
import { writeAnswers } from '../helpers/answers.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256File } from '../helpers/files.js';

let tree: string;
let names: string[];
/** The public tree as it was before the revocation ceremony. */
let beforeRevocation: string;

beforeAll(async () => {
  const dir = await copyOfRehearsal();
  beforeRevocation = join(await tempDir('kc-history-'), 'public');
  for (const script of ['openpgp-rotate.yaml', 'openpgp-revoke.yaml']) {
    if (script === 'openpgp-revoke.yaml') await cp(join(dir, 'public'), beforeRevocation, { recursive: true });
    const result = await cli(['rehearse', join(ceremoniesDir, script), '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }
  tree = join(dir, 'public');
  names = (await readdir(join(tree, 'transcripts')))
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .sort();
}, 120_000);

async function copyOfTree(): Promise<string> {
  const copy = join(await tempDir('kc-history-'), 'public');
  await cp(tree, copy, { recursive: true });
  return copy;
}

async function deleteTranscript(dir: string, name: string): Promise<void> {
  for (const ext of ['.jsonl', '.jsonl.asc', '.md']) await rm(join(dir, 'transcripts', `${name}${ext}`));
}

describe('the history of a root + rotation + revocation tree', () => {
  it('is one unbroken chain, root ceremony first', async () => {
    expect(names.map((n) => n.replace(/^.*Z-/, ''))).toEqual([
      'openpgp-root-REHEARSAL',
      'openpgp-rotate-REHEARSAL',
      'openpgp-revoke-REHEARSAL',
    ]);
    const result = await cli(['transcript', 'verify', tree, '--json']);
    expect(result.code, result.stdout).toBe(0);
    const report = JSON.parse(result.stdout) as { history: { ok: boolean; chain: string[]; newest: { name: string } } };
    expect(report.history).toMatchObject({ ok: true, chain: names, newest: { name: names[2] } });
    // Each transcript names the one before it by the SHA-256 of its file.
    for (const [i, name] of names.entries()) {
      const start = JSON.parse(
        (await readFile(join(tree, 'transcripts', `${name}.jsonl`), 'utf8')).split('\n')[0]!,
      ) as {
        data: { previous: unknown };
      };
      expect(start.data.previous).toEqual(
        i === 0
          ? null
          : { name: names[i - 1], sha256: await sha256File(join(tree, 'transcripts', `${names[i - 1]}.jsonl`)) },
      );
    }
  });

  it('reports each transcript deleted in turn', async () => {
    for (const [i, name] of names.entries()) {
      const dir = await copyOfTree();
      await deleteTranscript(dir, name);
      const result = await cli(['transcript', 'verify', dir]);
      expect(result.code, `${name}\n${result.stdout}`).toBe(1);
      if (i < names.length - 1) {
        // The next ceremony names it.
        expect(result.stdout).toContain(`history: ${names[i + 1]} continues from ${name} (SHA-256 `);
        expect(result.stdout).toMatch(/which is missing: a transcript was deleted/);
      } else {
        // The newest: the revocation changed KEYS, which no remaining transcript recorded.
        expect(result.stdout).toMatch(
          /public\/KEYS: CHANGED since .* \(or a later transcript that changed it is missing\)/,
        );
      }
    }
  });

  it('reports the newest deleted together with the files it changed, given the hash from the runbook', async () => {
    const newest = names.at(-1)!;
    const sha256 = await sha256File(join(tree, 'transcripts', `${newest}.jsonl`));
    expect((await cli(['transcript', 'verify', tree, '--newest', sha256])).code).toBe(0);
    // The tree rolled back to before the revocation — its transcript gone, KEYS & co. as the rotation left them —
    // is a consistent earlier history: only the hash on the last runbook shows that something is missing.
    expect((await cli(['transcript', 'verify', beforeRevocation])).code).toBe(0);
    const pinned = await cli(['transcript', 'verify', beforeRevocation, '--newest', sha256]);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(
      new RegExp(
        `the newest transcript is ${names.at(-2)!} with SHA-256 [0-9a-f]{64}, not ${sha256}: a later transcript is missing`,
      ),
    );
    const bad = await cli(['transcript', 'verify', tree, '--newest', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--newest takes a SHA-256/);
  });

  it('reports the only transcript deleted', async () => {
    const dir = await copyOfTree();
    for (const name of names) await deleteTranscript(dir, name);
    const result = await cli(['transcript', 'verify', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/no transcript, although the tree holds KEYS/);
  });

  it('reports a transcript replaced by another file of the same name', async () => {
    const dir = await copyOfTree();
    const [root, rotation] = names;
    // The rotation's transcript, put where the root ceremony's was: the chain names the root's hash.
    for (const ext of ['.jsonl', '.jsonl.asc', '.md'])
      await writeFile(
        join(dir, 'transcripts', `${root}${ext}`),
        await readFile(join(tree, 'transcripts', `${rotation}${ext}`)),
      );
    const result = await cli(['transcript', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/it was altered or replaced/);
  });
});

describe('a ceremony on a tree whose history has a gap', () => {
  it('asks before going on, records the gap, and the gap stays reported', async () => {
    const dir = await copyOfRehearsal();
    const root = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    await deleteTranscript(join(dir, 'public'), root.slice(0, -'.jsonl'.length));
    const refused = await cli([
      'rehearse',
      join(ceremoniesDir, 'openpgp-rotate.yaml'),
      '--out',
      dir,
      '--answers',
      await writeAnswers({ 'preflight.history': false }),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      /Transcript history of the public tree: the public tree holds no transcript, although this ceremony \(vault: existing\) continues an earlier one/,
    );
    expect(refused.stderr).toMatch(/the gaps in the transcript history were not accepted/);
    const accepted = await cli(['rehearse', join(ceremoniesDir, 'openpgp-rotate.yaml'), '--out', dir]);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    const rotation = (await readdir(join(dir, 'public', 'transcripts'))).find((n) =>
      /openpgp-rotate-REHEARSAL(-\d+)?\.jsonl$/.test(n),
    )!;
    const text = await readFile(join(dir, 'public', 'transcripts', rotation), 'utf8');
    expect(text).toMatch(/"event":"preflight.history"/);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(
      /names no previous transcript, although its ceremony continues an existing vault or tree \(vault: existing\)/,
    );
  });
});

describe('the vault', () => {
  it('reports a transcript its inventory lists but that is missing', async () => {
    const dir = await copyOfRehearsal();
    const name = (await readdir(join(dir, 'vault', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    expect((await cli(['transcript', 'verify', join(dir, 'vault')])).code).toBe(0);
    await rm(join(dir, 'vault', 'transcripts', name));
    await rm(join(dir, 'vault', 'transcripts', `${name}.asc`));
    const result = await cli(['transcript', 'verify', join(dir, 'vault')]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain(
      `the inventory lists ceremony ${name.slice(0, -'.jsonl'.length)}, but its transcript transcripts/${name} is missing`,
    );
  });
});

describe('analyseHistory', () => {
  const node = (i: number, previous: HistoryNode['previous']): HistoryNode => ({
    name: `t${i}`,
    sha256: i.toString(16).padStart(64, '0'),
    started: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
    previous,
  });
  /** `legacy` old transcripts without the field, then `chained` that each name the one before. */
  const history = (legacy: number, chained: number): HistoryNode[] => {
    const nodes: HistoryNode[] = [];
    for (let i = 0; i < legacy + chained; i++) {
      const before = nodes[i - 1];
      nodes.push(node(i, i < legacy ? undefined : before ? { name: before.name, sha256: before.sha256 } : null));
    }
    return nodes;
  };

  it('accepts any unbroken history, and reports any transcript of the chain but the newest deleted', () => {
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (legacy, chained, pick) => {
        const nodes = history(legacy, chained);
        const whole = analyseHistory(nodes);
        expect(whole.ok).toBe(true);
        // The order the files are read in does not matter.
        expect(analyseHistory([...nodes].reverse())).toEqual(whole);
        expect(whole.newest?.name).toBe(nodes.at(-1)?.name);
        expect(whole.chain).toEqual(nodes.slice(legacy).map((n) => n.name));
        expect(whole.legacy).toEqual(nodes.slice(0, legacy).map((n) => n.name));
        // Delete one that a later chained transcript names: the last legacy one, or any chained one but the newest.
        const deletable = nodes.slice(Math.max(0, legacy - 1), -1);
        if (deletable.length === 0) return;
        const gone = deletable[pick % deletable.length]!;
        const report = analyseHistory(nodes.filter((n) => n !== gone));
        expect(report.ok).toBe(false);
        expect(report.problems.join('\n')).toContain(`continues from ${gone.name}`);
      }),
    );
  });

  it('lets only a ceremony that makes or restores a vault start a history', () => {
    const start = (vault: string): HistoryNode => ({ ...node(0, null), vault });
    expect(analyseHistory([start('new')]).ok).toBe(true);
    expect(analyseHistory([start('restore')]).ok).toBe(true);
    for (const vault of ['existing', 'none'])
      expect(analyseHistory([start(vault)]).problems.join('\n')).toMatch(/t0 names no previous transcript/);
  });

  it('reports forks and a second start', () => {
    const nodes = history(0, 3);
    const fork = { ...node(9, { name: 't1', sha256: nodes[1]!.sha256 }) };
    expect(analyseHistory([...nodes, fork]).problems.join('\n')).toMatch(
      /the history forks: t2 and t9 both continue from t1/,
    );
    expect(analyseHistory([...nodes, node(9, null)]).problems.join('\n')).toMatch(
      /more than one transcript starts a new history/,
    );
    expect(analyseHistory([...history(2, 0), node(9, null)]).problems.join('\n')).toMatch(
      /t9 starts a new history although older transcripts are present/,
    );
  });
});
