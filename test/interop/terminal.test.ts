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
  const command = `${process.execPath} ${cliPath} run ${join(ceremoniesDir, 'openpgp-root.yaml')} --vault ${base}/vault --public ${base}/public --media ${base}/media --rehearsal; echo "EXIT=$?"; sleep 60`;
  await tmux.start(`env FORCE_COLOR=0 ${command}`);
  return { tmux, base };
}

async function throughPreflight(tmux: TmuxSession): Promise<void> {
  await tmux.waitFor(/The system clock says \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  for (let i = 0; i < 5; i++) {
    await tmux.send('y', 'Enter');
    await new Promise((r) => setTimeout(r, 150));
  }
  for (const initials of ['AD', 'WA', 'WB']) {
    await tmux.waitFor(/type your initials to confirm\s*$/m);
    await tmux.type(initials);
  }
}

describe('interactive ceremony in a terminal', () => {
  it('takes a typed passphrase twice (retrying a mismatch) and runs to a verified transcript', async () => {
    const { tmux, base } = await startCeremony();
    await throughPreflight(tmux);
    await tmux.waitFor(/generate one or type your own\?/);
    await tmux.send('Down', 'Enter');
    const passphrase = 'quartz meadow lantern orbit falcon';
    await tmux.waitFor(/Vault passphrase \(hidden\):/);
    await tmux.type(passphrase);
    await tmux.waitFor(/Vault passphrase again:/);
    await tmux.type(`${passphrase} typo`);
    await tmux.waitFor(/do not match; start again/);
    await tmux.type(passphrase);
    await tmux.waitFor(/again:\s*$/m);
    await tmux.type(passphrase);
    const screen = await tmux.waitFor(/Root key fingerprint:[\s\S]*\n\s+([A-Z][a-z]+|[a-z]+)( [A-Za-z]+){4}\n/);
    expect(screen).toMatch(/[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} {2}[0-9A-F]{4}/);
    for (const initials of ['WA', 'WB', 'CA', 'CB', 'CC', 'CD', 'CE', 'AD', 'WA', 'WB']) {
      await tmux.waitFor(/type your initials to confirm\s*$/m, 20_000);
      await tmux.type(initials);
    }
    const end = await tmux.waitFor(/EXIT=\d+/, 30_000);
    expect(end).toMatch(/EXIT=0/);
    expect(end).toMatch(/Ceremony complete/);
    expect(await tmux.screen(true)).not.toContain(passphrase);
    expect(await readdir(join(base, 'public', 'transcripts'))).toHaveLength(3);
    expect(await readdir(join(base, 'media'))).toEqual(['media', 'sheets']);
  });

  it('shows a generated passphrase once, then clears it from screen and scrollback', async () => {
    const { tmux } = await startCeremony();
    await throughPreflight(tmux);
    await tmux.waitFor(/generate one or type your own\?/);
    await tmux.send('Enter');
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
