/**
 * An interactive ceremony in a real terminal (tmux): the prompts a person sees, hidden passphrase entry with
 * a mismatch and a retry, a generated passphrase that is cleared from the screen and scrollback, and Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, ceremoniesDir } from '../helpers/paths.js';
import { TmuxSession } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

async function startCeremony(): Promise<{ tmux: TmuxSession; base: string }> {
  const base = await tempDir('kc-tty-');
  const tmux = new TmuxSession();
  sessions.push(tmux);
  const command = `${process.execPath} ${cliPath} run ${join(ceremoniesDir, 'openpgp-root.yaml')} --vault ${base}/vault --public ${base}/public --handoff ${base}/handoff --media ${base}/media --rehearsal; echo "EXIT=$?"; sleep 60`;
  await tmux.start(`env FORCE_COLOR=0 ${command}`);
  return { tmux, base };
}

const ADMIN = 'Ceremony administrator (administrator): type your initials';
const W1 = 'Witness (witness-1): type your initials';
const W2 = 'Witness (witness-2): type your initials';

async function throughPreflight(tmux: TmuxSession): Promise<void> {
  await tmux.waitFor(/The system clock says \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  await tmux.answer('The system clock says', { keys: ['y', 'Enter'] });
  for (let i = 0; i < 4; i++) await tmux.answer('Checklist:', { keys: ['y', 'Enter'] });
  await tmux.answer(ADMIN, { text: 'AD' });
  await tmux.answer(W1, { text: 'WA' });
  await tmux.answer(W2, { text: 'WB' });
}

describe('interactive ceremony in a terminal', () => {
  it('takes typed passphrases twice (retrying a mismatch) and runs to a verified transcript', async () => {
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
    await tmux.answer(W1, { text: 'WA' });
    await tmux.answer(W2, { text: 'WB' });
    for (const signer of ['release-pipeline', 'release-manager']) {
      const label = `Hand-off passphrase for ${signer}`;
      await tmux.answer(`${label}: generate one or type your own?`, { keys: ['Down', 'Enter'] });
      await tmux.answer(`${label} (hidden):`, { text: `${signer} sonnet harbor quiver walnut` });
      await tmux.answer(`${label} again:`, { text: `${signer} sonnet harbor quiver walnut` });
    }
    for (const [n, initials] of ['CA', 'CB', 'CC', 'CD', 'CE'].entries()) {
      await tmux.answer(`Custodian ${n + 1} (custodian-${n + 1}): type your initials`, { text: initials }, 30_000);
    }
    await tmux.answer(ADMIN, { text: 'AD' });
    await tmux.answer(W1, { text: 'WA' });
    await tmux.answer(W2, { text: 'WB' });
    const end = await tmux.waitFor(/EXIT=\d+/, 30_000);
    expect(end).toMatch(/EXIT=0/);
    expect(end).toMatch(/Ceremony complete/);
    const history = await tmux.screen(true);
    expect(history).not.toContain(passphrase);
    expect(history).not.toContain('sonnet harbor quiver');
    expect(await readdir(join(base, 'public', 'transcripts'))).toHaveLength(3);
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

  it('stops cleanly on Ctrl-C and leaves nothing behind', async () => {
    const { tmux, base } = await startCeremony();
    await throughPreflight(tmux);
    await tmux.waitFor(/generate one or type your own\?/);
    await tmux.send('C-c');
    const end = await tmux.waitFor(/EXIT=\d+/);
    expect(end).toMatch(/interrupted at a prompt/);
    expect(end).toMatch(/EXIT=2/);
    expect(end).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(existsSync(join(base, 'vault'))).toBe(false);
    expect(existsSync(join(base, 'public'))).toBe(false);
  });
});
