/**
 * An interactive ceremony in a real terminal (tmux): the prompts a person sees, the paper-trail questions,
 * witnesses typing back what they read (a wrong fingerprint refused and asked again), hidden passphrase entry
 * with a mismatch and a retry, a generated passphrase that is cleared from the screen and scrollback, the
 * closing checkpoint after the signed transcript — and Ctrl-C, at a prompt and between prompts, with a second
 * Ctrl-C during the rollback.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectOnlyAbortedRecord } from '../helpers/aborted.js';
import { cliPath, ceremoniesDir } from '../helpers/paths.js';
import {
  closingAtTerminal,
  lastGroupsAfter,
  paperTrailAtTerminal,
  witnessAtTerminal,
} from '../helpers/terminal-ceremony.js';
import { TmuxSession } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(ceremoniesDir, 'openpgp-root.yaml');
const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

async function startCeremony(env = ''): Promise<{ tmux: TmuxSession; base: string }> {
  const base = await tempDir('kc-tty-');
  const tmux = new TmuxSession();
  sessions.push(tmux);
  // The shell traps Ctrl-C (and so survives it) to print the exit status; keyceremony gets the default handling.
  const command = `trap true INT; ${process.execPath} ${cliPath} run ${script} --vault ${base}/vault --public ${base}/public --handoff ${base}/handoff --media ${base}/media --rehearsal; echo "EXIT=$?"; sleep 60`;
  await tmux.start(`env FORCE_COLOR=0 ${env} sh -c '${command}'`);
  return { tmux, base };
}

const ADMIN = 'Ceremony administrator (administrator)';
const W1 = 'Witness (witness-1)';
const W2 = 'Witness (witness-2)';

async function throughPreflight(tmux: TmuxSession): Promise<void> {
  await tmux.waitFor(/The system clock says \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  await tmux.answer('The system clock says', { keys: ['y', 'Enter'] });
  for (let i = 0; i < 4; i++) await tmux.answer('Checklist:', { keys: ['y', 'Enter'] });
  await paperTrailAtTerminal(tmux, script);
  await witnessAtTerminal(tmux, ADMIN, 'AD');
  await witnessAtTerminal(tmux, W1, 'WA');
  await witnessAtTerminal(tmux, W2, 'WB');
}

/** Vault passphrase typed twice; returns it. */
async function typedVaultPassphrase(tmux: TmuxSession): Promise<string> {
  await tmux.answer('Vault passphrase: generate one or type your own?', { keys: ['Down', 'Enter'] });
  const passphrase = 'quartz meadow lantern orbit falcon';
  await tmux.answer('Vault passphrase (hidden):', { text: passphrase });
  await tmux.answer('Vault passphrase again:', { text: passphrase });
  return passphrase;
}

/** The witnesses compare the root fingerprint (as written on the runbook) — witness 1 misreads it first. */
async function readFingerprint(tmux: TmuxSession): Promise<void> {
  await tmux.waitFor(/The operator read the root fingerprint aloud/, 20_000);
  const groups = lastGroupsAfter(await tmux.screen(true), 'Root key fingerprint:');
  const wrong = groups.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await tmux.answer(`${W1}: type the last 4 groups`, { text: wrong });
  await tmux.waitFor(/that is not how the root fingerprint ends: compare the runbook with the screen; look again/);
  await tmux.answer(`${W1}: type the last 4 groups`, { text: groups });
  await tmux.answer(`${W1}: type your initials`, { text: 'WA' });
  await witnessAtTerminal(tmux, W2, 'WB', groups);
}

async function handoffPassphrases(tmux: TmuxSession): Promise<void> {
  for (const signer of ['release-pipeline', 'release-manager']) {
    const label = `Hand-off passphrase for ${signer}`;
    await tmux.answer(`${label}: generate one or type your own?`, { keys: ['Down', 'Enter'] });
    await tmux.answer(`${label} (hidden):`, { text: `${signer} sonnet harbor quiver walnut` });
    await tmux.answer(`${label} again:`, { text: `${signer} sonnet harbor quiver walnut` });
  }
}

describe('interactive ceremony in a terminal', () => {
  it('takes the paper trail, typed passphrases (retrying a mismatch), checked witnesses, and closes after the signed transcript', async () => {
    const { tmux, base } = await startCeremony();
    await throughPreflight(tmux);
    await tmux.answer('Vault passphrase: generate one or type your own?', { keys: ['Down', 'Enter'] });
    const passphrase = 'quartz meadow lantern orbit falcon';
    await tmux.answer('Vault passphrase (hidden):', { text: passphrase });
    await tmux.answer('Vault passphrase again:', { text: `${passphrase} typo` });
    await tmux.waitFor(/do not match; start again/);
    await tmux.answer('Vault passphrase (hidden):', { text: passphrase });
    await tmux.answer('Vault passphrase again:', { text: passphrase });
    const screen = await tmux.waitFor(/Root key fingerprint:[\s\S]*\n\s+([A-Z][a-z]+|[a-z]+)( [A-Za-z]+){4}\n/);
    expect(screen).toMatch(/[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} {2}[0-9A-F]{4}/);
    await readFingerprint(tmux);
    await handoffPassphrases(tmux);
    for (const [n, initials] of ['CA', 'CB', 'CC', 'CD', 'CE'].entries()) {
      await tmux.answer(`Custodian ${n + 1} (custodian-${n + 1}): type your initials`, { text: initials }, 30_000);
    }
    const groups = await closingAtTerminal(tmux, script);
    const end = await tmux.waitFor(/EXIT=\d+/, 30_000);
    expect(end).toMatch(/EXIT=0/);
    expect(end).toMatch(/Ceremony complete/);
    const history = await tmux.screen(true);
    expect(history).not.toContain(passphrase);
    expect(history).not.toContain('sonnet harbor quiver');
    // The closing checkpoint came after the transcript was signed, and showed that file's SHA-256.
    expect(history.indexOf('Closing checkpoint')).toBeGreaterThan(history.indexOf('Transcript signed'));
    const names = await readdir(join(base, 'public', 'transcripts'));
    expect(names).toHaveLength(3);
    const jsonl = names.find((n) => n.endsWith('.jsonl'))!;
    const sha256 = createHash('sha256')
      .update(await readFile(join(base, 'public', 'transcripts', jsonl)))
      .digest('hex')
      .toUpperCase();
    expect(sha256.endsWith(groups.replace(/ /g, ''))).toBe(true);
    expect(history.replace(/\s+/g, '')).toContain(sha256);
    // The witnesses' typed checks and the paper trail are in the transcript.
    const text = await readFile(join(base, 'public', 'transcripts', jsonl), 'utf8');
    expect(text).toMatch(/"event":"record.place".*"place":"Room 4.12, Berlin"/);
    expect(text).toMatch(/"check":\{"lastGroups":"[0-9A-F ]{19}","typed":true,"what":"root fingerprint"\}/);
    expect(await readdir(join(base, 'handoff'))).toEqual(['release-manager', 'release-pipeline']);
    expect(await readdir(join(base, 'media'))).toEqual(['media', 'sheets']);
  });

  it('shows a generated passphrase once, then clears it from screen and scrollback', async () => {
    const { tmux } = await startCeremony();
    await throughPreflight(tmux);
    await tmux.answer('Vault passphrase: generate one or type your own?', { keys: ['Enter'] });
    const shown = await tmux.waitFor(/write it down now[\s\S]*Press Enter when it is written down/);
    const words = /exactly as shown:\s*\n\s*\n\s*([a-z-]+(?: [a-z-]+){7})\s*\n/.exec(shown)?.[1];
    expect(words).toBeDefined();
    await tmux.send('Enter');
    await tmux.waitFor(/Type the vault passphrase back from paper:/);
    expect(await tmux.screen(true)).not.toContain(words!);
    await tmux.type(words!);
    await tmux.waitFor(/Root key fingerprint:/, 20_000);
  });

  it('stops on Ctrl-C at a prompt: rolled back, exit 130, only the aborted record', async () => {
    const { tmux, base } = await startCeremony();
    await throughPreflight(tmux);
    await tmux.waitFor(/generate one or type your own\?/);
    await tmux.send('C-c');
    const end = await tmux.waitFor(/EXIT=\d+/);
    expect(end).toMatch(/interrupted by Ctrl-C \(SIGINT\) at a prompt/);
    expect(end).toMatch(/EXIT=130/);
    expect(end).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const { entries } = await expectOnlyAbortedRecord(base, join(base, 'public'));
    expect(entries.at(-1)?.data).toMatchObject({
      code: 'INTERRUPTED',
      signal: 'SIGINT',
      step: { id: 'generate-root' },
    });
    // The paper trail typed before the stop is in the record.
    expect(entries.filter((e) => e.event === 'record.participant')).toHaveLength(9);
  });

  it('stops on Ctrl-C between prompts, and a second Ctrl-C during the rollback changes nothing', async () => {
    const { tmux, base } = await startCeremony('KEYCEREMONY_TEST_PAUSE_AT=handoff,rollback');
    await throughPreflight(tmux);
    await typedVaultPassphrase(tmux);
    await readFingerprint(tmux);
    await handoffPassphrases(tmux);
    await tmux.waitFor(/paused after step "handoff"/, 30_000);
    await tmux.send('C-c');
    await tmux.waitFor(/Ctrl-C \(SIGINT\): stopping at the next safe point/);
    await tmux.waitFor(/paused during the rollback/);
    await tmux.send('C-c');
    const end = await tmux.waitFor(/EXIT=\d+/);
    expect(end).toMatch(/Ctrl-C \(SIGINT\) ignored: rolling back, which must not stop half-way/);
    expect(end).toMatch(/Aborted-ceremony record kept \(unsigned: hash-chained only\)/);
    expect(end).toMatch(/EXIT=130/);
    const { entries } = await expectOnlyAbortedRecord(base, join(base, 'public'));
    expect(entries.at(-1)?.data).toMatchObject({ code: 'INTERRUPTED', step: { id: 'handoff' } });
  });
});
