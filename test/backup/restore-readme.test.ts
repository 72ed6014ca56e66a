/**
 * The README.txt beside every backup copy tells a person how to restore without keyceremony. Its commands are
 * run here exactly as written, on a clean machine: a fresh HOME (no GnuPG home, no restore directory), a shell
 * in the backup folder, the custodians' shares on standard input. The vault must come back whole, with the
 * signed transcript in vault/transcripts, and verify. Running them again must refuse rather than overwrite.
 * The restore kit names a mistyped word by its position and never shows it.
 */
import { appendFile, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pgpWordTable } from '../../src/util/pgp-words.js';
import { snapshot } from '../helpers/files.js';
import { rehearsalSecrets, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { TmuxSession } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

/** A copy of the first backup medium's backup folder, as if the medium were mounted here. */
async function mediumCopy(): Promise<string> {
  const medium = join(sharedRehearsal(), 'media', '1');
  const name = (await readdir(medium)).find((n) => n.startsWith('backup-'))!;
  const copy = join(await tempDir('kc-medium-'), name);
  await cp(join(medium, name), copy, { recursive: true });
  return copy;
}

/** The shell lines of README.txt's "Restore without keyceremony" section, as written. */
function restoreCommands(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Restore without keyceremony'));
  const commands: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('(')) break;
    if (line.startsWith('  ')) commands.push(line.slice(2));
  }
  return commands;
}

describe('the restore README of a backup', () => {
  it('runs as written on a clean machine and rebuilds the whole vault, transcripts included', async () => {
    const folder = await mediumCopy();
    const secrets = await rehearsalSecrets(sharedRehearsal());
    const commands = restoreCommands(await readFile(join(folder, 'README.txt'), 'utf8'));
    expect(commands).toHaveLength(3);
    const home = await tempDir('kc-clean-home-');
    const shares = ['share.custodian-2', 'share.custodian-4', 'share.custodian-5'].map((id) => secrets[id]).join('\n');
    const env = { HOME: home, GNUPGHOME: '' };
    const script = `set -e\nunset GNUPGHOME\n${commands.join('\n')}\n`;
    const restored = await run('bash', ['-c', script], { cwd: folder, input: `${shares}\n`, env });
    expect(restored.code, restored.stderr).toBe(0);
    const vault = join(home, 'keyceremony-restore', 'vault');
    const transcripts = await readdir(join(vault, 'transcripts'));
    for (const name of await readdir(join(folder, 'transcripts'))) expect(transcripts).toContain(name);
    const verified = await cli(['transcript', 'verify', vault]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    // The medium is untouched: nothing was extracted onto it.
    expect(await readdir(folder)).not.toContain('vault');

    // Again, stopping at the first error (set -e) and typed line by line regardless of errors: the restore
    // directory exists, so the run fails, the restored vault stays as it was and nothing lands on the medium.
    // Mark a file from the archive and a copied transcript, so an overwrite with the same bytes would show.
    const marked = [
      join(vault, 'openpgp', (await readdir(join(vault, 'openpgp')))[0]!),
      join(vault, 'transcripts', transcripts[0]!),
    ];
    for (const path of marked) await appendFile(path, 'marked by the test\n');
    const before = await snapshot(join(home, 'keyceremony-restore'));
    const medium = await snapshot(folder);
    const again = await run('bash', ['-c', script], { cwd: folder, input: `${shares}\n`, env });
    expect(again.code).not.toBe(0);
    const careless = await run('bash', ['-c', `unset GNUPGHOME\n${commands.join('\n')}\n`], {
      cwd: folder,
      input: `${shares}\n`,
      env,
    });
    expect(careless.code).not.toBe(0);
    expect(await snapshot(join(home, 'keyceremony-restore'))).toEqual(before);
    expect(await snapshot(folder)).toEqual(medium);
  });

  it('is quoted word for word where the docs show a restore without keyceremony', async () => {
    const commands = restoreCommands(await readFile(join(await mediumCopy(), 'README.txt'), 'utf8'));
    for (const doc of ['docs/backup-and-recovery.md', 'docs/share-format.md']) {
      const text = await readFile(doc, 'utf8');
      expect(text, doc).toContain(['```sh', ...commands, '```'].join('\n'));
    }
  });

  it('has a restore kit that names a mistyped word by position and never shows it', async () => {
    const folder = await mediumCopy();
    const secrets = await rehearsalSecrets(sharedRehearsal());
    const words = secrets['share.custodian-2']!.split(' ');
    const { even } = pgpWordTable();
    const wrong = even.find((w) => w.toLowerCase() !== words[14]!.toLowerCase())!;
    words[14] = wrong;
    const result = await run('python3', [join(folder, 'restore-kit', 'recover-passphrase.py')], {
      input: `${secrets['share.custodian-1']}\n${words.join(' ')}\n${secrets['share.custodian-3']}\n`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/share 2: word 15 is mistyped: the checksum points at it/);
    expect(result.stderr).not.toContain(wrong);
  });

  it('at a terminal: the custodians type their shares hidden, a mistyped share is named and typed again', async () => {
    const folder = await mediumCopy();
    const secrets = await rehearsalSecrets(sharedRehearsal());
    const commands = restoreCommands(await readFile(join(folder, 'README.txt'), 'utf8'));
    const home = await tempDir('kc-clean-home-');
    const script = join(await tempDir('kc-restore-lines-'), 'lines.sh');
    await writeFile(script, `unset GNUPGHOME\n${commands.join('\n')}\necho "EXIT=$?"\nsleep 60\n`);
    const tmux = new TmuxSession();
    sessions.push(tmux);
    await tmux.start(`cd ${folder} && env HOME=${home} bash ${script}`, 200, 50);
    const one = secrets['share.custodian-1']!.split(' ');
    const { odd } = pgpWordTable();
    const typo = [...one];
    typo[9] = odd.find((w) => w.toLowerCase() !== one[9]!.toLowerCase())!;
    /** Waits until the restore kit has shown its prompt for share `n` the `times`-th time. */
    const prompt = async (n: number, times = 1): Promise<void> => {
      const deadline = Date.now() + 20_000;
      const count = async () => (await tmux.screen(true)).split(`Share ${n} (words, hidden):`).length - 1;
      while ((await count()) < times) {
        if (Date.now() > deadline) throw new Error(`no prompt for share ${n}; screen:\n${await tmux.screen()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await prompt(1);
    await tmux.type(typo.join(' '));
    await tmux.waitFor(/share 1: word 10 is mistyped: the checksum points at it; type this share again \(2 left\)/);
    await prompt(1, 2);
    await tmux.type(one.join(' '));
    await prompt(2);
    await tmux.type(secrets['share.custodian-3']!);
    await prompt(3);
    await tmux.type(secrets['share.custodian-5']!);
    const end = await tmux.waitFor(/EXIT=\d+/, 60_000);
    expect(end).toMatch(/EXIT=0/);
    const screen = await tmux.screen(true);
    for (const id of ['share.custodian-1', 'share.custodian-3', 'share.custodian-5']) {
      const words = secrets[id]!.split(' ');
      for (let i = 0; i + 2 <= words.length; i += 2) expect(screen).not.toContain(words.slice(i, i + 2).join(' '));
    }
    expect(screen).not.toContain(typo[9]);
    expect(screen).not.toContain(secrets['backup.passphrase']);
    const verified = await cli(['transcript', 'verify', join(home, 'keyceremony-restore', 'vault')]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});
