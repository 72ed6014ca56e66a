/**
 * Aborted ceremonies: a rehearsal stopped at several steps — by SIGINT, SIGTERM and SIGHUP (sent while a test
 * hook holds the ceremony after a step, and at moments measured from a first run), a refused confirmation, a
 * witness who types the wrong fingerprint, an injected step failure — must leave nothing but the
 * aborted-ceremony record, which `transcript verify` shows as aborted. A ceremony on an existing vault leaves
 * the vault and the public tree as they were, plus a signed record. A second signal while rolling back changes
 * nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOnlyAbortedRecord, expectOnlyAbortedRecords } from '../helpers/aborted.js';
import { writeAnswers } from '../helpers/answers.js';
import { snapshot, walkFiles } from '../helpers/files.js';
import { ceremoniesDir, cliPath } from '../helpers/paths.js';
import { copyOfRehearsal } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const rotate = join(ceremoniesDir, 'openpgp-rotate.yaml');

interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number>;
}

/** The CLI with its output readable while it runs, so a test can signal it at a chosen moment. */
function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  void exited.then(() => clearTimeout(timer));
  return {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${text}`);
        if (child.exitCode !== null) throw new Error(`exited before ${pattern}:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('a rehearsal interrupted by a signal', () => {
  for (const [signal, step] of [
    ['SIGINT', 'generate-root'],
    ['SIGTERM', 'backup'],
    ['SIGHUP', 'handoff'],
  ] as const) {
    it(`${signal} after step "${step}": rolled back, exit 130, nothing but the aborted record`, async () => {
      const dir = join(await tempDir('kc-abort-'), 'r');
      const running = start(['rehearse', '--out', dir], { KEYCEREMONY_TEST_PAUSE_AT: step });
      await running.waitFor(new RegExp(`paused after step "${step}"`));
      running.child.kill(signal);
      const code = await running.exited;
      const out = running.output();
      expect(code, out).toBe(130);
      expect(out).toMatch(new RegExp(`${signal}.*stopping at the next safe point`));
      expect(out).toMatch(/Rolling back: removing what this run wrote/);
      expect(out).toMatch(/keyceremony: error: the ceremony was interrupted by/);
      expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/);
      const { entries } = await expectOnlyAbortedRecord(dir, join(dir, 'public'));
      expect(entries.at(-1)).toMatchObject({
        event: 'ceremony.aborted',
        step: null,
        data: {
          code: 'INTERRUPTED',
          signal,
          step: { id: step },
          signed: false,
          unsigned: expect.stringMatching(/made in this ceremony and is gone with the rollback/),
        },
      });
      // What was written before the signal is in the record, marked rolled back.
      expect(entries.some((e) => e.event === 'output.written')).toBe(true);
      expect((entries.at(-1)?.data['rolledBack'] as { files: number }[]).length).toBeGreaterThan(0);
    });
  }

  it('ignores a second signal while rolling back, and says so', async () => {
    const dir = join(await tempDir('kc-abort-'), 'r');
    const running = start(['rehearse', '--out', dir], { KEYCEREMONY_TEST_PAUSE_AT: 'publish,rollback' });
    await running.waitFor(/paused after step "publish"/);
    running.child.kill('SIGINT');
    await running.waitFor(/paused during the rollback/);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(130);
    expect(running.output()).toMatch(/SIGINT\) ignored: rolling back, which must not stop half-way/);
    await expectOnlyAbortedRecord(dir, join(dir, 'public'));
  });

  it('leaves either the finished ceremony or only its record, whenever SIGINT or SIGTERM arrives', async () => {
    // A first run measures how long the rehearsal takes; then signals arrive at fractions of that time.
    const first = join(await tempDir('kc-abort-'), 'r');
    const began = Date.now();
    const whole = start(['rehearse', '--out', first]);
    expect(await whole.exited, whole.output()).toBe(0);
    const took = Date.now() - began;
    const outcomes: string[] = [];
    for (const [i, fraction] of [0.3, 0.5, 0.7, 0.9].entries()) {
      const signal = i % 2 === 0 ? 'SIGINT' : 'SIGTERM';
      const dir = join(await tempDir('kc-abort-'), 'r');
      const running = start(['rehearse', '--out', dir]);
      await new Promise((r) => setTimeout(r, Math.round(took * fraction)));
      running.child.kill(signal);
      const code = await running.exited;
      if (code === 0) {
        outcomes.push('finished');
        expect((await cli(['transcript', 'verify', join(dir, 'public')])).code).toBe(0);
      } else {
        expect(code, running.output()).toBe(130);
        const files = await walkFiles(dir).catch(() => []);
        if (files.length === 0) outcomes.push('nothing (before the first question)');
        else {
          outcomes.push('aborted record');
          await expectOnlyAbortedRecord(dir, join(dir, 'public'));
        }
      }
    }
    // Whatever the machine's speed, the signals did not all miss the ceremony.
    expect(outcomes.filter((o) => o !== 'finished').length, outcomes.join(', ')).toBeGreaterThan(0);
  });
});

describe('a rehearsal that stops for another reason', () => {
  it('a refused checklist item: exit 2, only the record', async () => {
    const dir = join(await tempDir('kc-abort-'), 'r');
    const answers = await writeAnswers({ 'preflight.checklist.2': false });
    const result = await cli(['rehearse', '--out', dir, '--answers', answers]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/checklist item not confirmed: Phones and other networked devices/);
    const { entries } = await expectOnlyAbortedRecord(dir, join(dir, 'public'));
    expect(entries.at(-1)?.data).toMatchObject({
      code: 'ABORTED',
      step: null,
      reason: expect.stringMatching(/checklist item not confirmed/),
      rolledBack: [],
    });
  });

  it('a witness who types the wrong end of the fingerprint: exit 1, only the record', async () => {
    const dir = join(await tempDir('kc-abort-'), 'r');
    const answers = await writeAnswers({ 'read-fingerprint.witness-2.check': '0000 0000 0000 0000' });
    const result = await cli(['rehearse', '--out', dir, '--answers', answers]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /answer to "read-fingerprint\.witness-2\.check": that is not how the root fingerprint ends/,
    );
    const { entries } = await expectOnlyAbortedRecord(dir, join(dir, 'public'));
    expect(entries.at(-1)?.data).toMatchObject({ code: 'CHECK_FAILED', step: { id: 'read-fingerprint' } });
    // Witness 1 typed it right before: that is in the record.
    expect(
      entries.find((e) => e.event === 'witness.confirmed' && e.data['prompt'] === 'read-fingerprint.witness-1')?.data[
        'check'
      ],
    ).toMatchObject({ what: 'root fingerprint', typed: true });
  });

  it('an injected step failure after the backup: media and sheets rolled back too', async () => {
    const dir = join(await tempDir('kc-abort-'), 'r');
    const result = await cli(['rehearse', '--out', dir], { env: { KEYCEREMONY_TEST_FAIL_AT: 'backup' } });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toMatch(/step "backup" failed: injected by KEYCEREMONY_TEST_FAIL_AT/);
    const { entries } = await expectOnlyAbortedRecord(dir, join(dir, 'public'));
    const trees = (entries.at(-1)?.data['rolledBack'] as { tree: string }[]).map((r) => r.tree);
    expect(trees).toEqual(expect.arrayContaining(['vault', 'public', 'handoff', 'media/1', 'media/2']));
    // The next attempt starts in the same directory, and continues the history from the record.
    const again = await cli(['rehearse', '--out', dir]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const verified = await cli(['transcript', 'verify', join(dir, 'public'), '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ completed: 1, aborted: 1, history: { ok: true } });
  });

  it('refuses the test hooks in a real ceremony', async () => {
    const base = await tempDir('kc-abort-');
    const result = await cli(
      ['run', rotate, '--vault', join(base, 'v'), '--public', join(base, 'p'), '--answers', await writeAnswers({})],
      { env: { KEYCEREMONY_TEST_FAIL_AT: 'rotate' } },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/test hooks are for rehearsals only/);
  });
});

describe('an aborted ceremony on an existing vault', () => {
  it('leaves vault and public tree as they were, plus a record signed by the published root', async () => {
    const dir = await copyOfRehearsal();
    const before = await snapshot(dir, { directories: true });
    const running = start(['rehearse', rotate, '--out', dir], { KEYCEREMONY_TEST_PAUSE_AT: 'publish' });
    await running.waitFor(/paused after step "publish"/);
    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toBe(130);
    expect(running.output()).toMatch(
      /Aborted-ceremony record kept \(signed with the root's ceremony-transcripts key\)/,
    );
    const after = await snapshot(dir, { directories: true });
    const added = Object.keys(after).filter((f) => !(f in before));
    expect(Object.keys(before).filter((f) => !(f in after))).toEqual([]);
    for (const [file, hash] of Object.entries(before)) expect(after[file], file).toBe(hash);
    const records = await expectOnlyAbortedRecords(dir, join(dir, 'public'), {
      signed: true,
      keep: Object.keys(before).filter((f) => !f.endsWith('/')),
    });
    expect(added.sort()).toEqual(
      ['.jsonl', '.jsonl.asc', '.md'].map((ext) => `public/transcripts/${records[0]!.name}${ext}`).sort(),
    );
    expect(records[0]!.entries.at(-1)?.data).toMatchObject({
      signal: 'SIGTERM',
      step: { id: 'publish' },
      signed: true,
    });
    // A second opinion: sqop accepts the record's signature against the published KEYS.
    const record = join(dir, 'public', 'transcripts', `${records[0]!.name}.jsonl`);
    const sqop = await run('sqop', ['verify', `${record}.asc`, join(dir, 'public', 'KEYS')], {
      input: await readFile(record),
    });
    expect(sqop.code, sqop.stderr).toBe(0);
  });
});
