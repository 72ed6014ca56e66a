/**
 * A recovery drill at a real terminal (tmux), as custodians would do it: asked whether they are here, typing
 * their share from paper hidden, a row at a time, told which word is wrong (by position, never shown) and typing
 * it again; then the vault passphrase, the checks, and
 * a verified transcript. No share or passphrase ever appears on the screen.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ceremoniesDir, cliPath } from '../helpers/paths.js';
import { initialsOf } from '../helpers/answers.js';
import { copyOfRehearsal, rehearsalSecrets, rootFingerprint } from '../helpers/rehearsal.js';
import {
  closingAtTerminal,
  paperTrailAtTerminal,
  typeShareAtTerminal,
  who,
  witnessAtTerminal,
} from '../helpers/terminal-ceremony.js';
import { pgpWordTable } from '../../src/util/pgp-words.js';
import { cli } from '../helpers/run.js';
import { TmuxSession } from '../helpers/tmux.js';

const drill = join(ceremoniesDir, 'recovery-drill.yaml');
const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

describe('recovery drill in a terminal', () => {
  it('takes shares typed hidden, names a mistyped word and lets the custodian retype, and ends verified', async () => {
    const dir = await copyOfRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const tmux = new TmuxSession();
    sessions.push(tmux);
    const command = `${process.execPath} ${cliPath} run ${drill} --public ${dir}/public --media ${dir} --rehearsal; echo "EXIT=$?"; sleep 60`;
    await tmux.start(`env FORCE_COLOR=0 ${command}`, 200, 50);
    await tmux.waitFor(/The system clock says/);
    for (let i = 0; i < 4; i++) {
      await tmux.send('y', 'Enter');
      await new Promise((r) => setTimeout(r, 150));
    }
    await paperTrailAtTerminal(tmux, drill);
    for (const role of ['administrator', 'witness-1', 'witness-2'])
      await witnessAtTerminal(tmux, who(drill, role), initialsOf(role));
    await tmux.waitFor(/Is Custodian 1 \(custodian-1\) here with backup share 1\?/);
    await tmux.send('n', 'Enter');
    for (const n of [2, 3, 4]) {
      await tmux.waitFor(new RegExp(`Is Custodian ${n} \\(custodian-${n}\\) here with backup share ${n}\\?`));
      await tmux.send('y', 'Enter');
      const words = secrets[`share.custodian-${n}`]!.split(' ');
      const { even } = pgpWordTable();
      // Custodian 3 types a word that is none (its row is refused at once) and, later, a wrong share word that
      // the check symbols find (only that word is typed again).
      await typeShareAtTerminal(
        tmux,
        `Backup share ${n} (Custodian ${n}, custodian-${n})`,
        words,
        n === 3
          ? {
              notAWord: { position: 12, typed: `${words[11]}s` },
              mistyped: { position: 21, typed: even.find((w) => w.toLowerCase() !== words[20]!.toLowerCase())! },
            }
          : {},
      );
      await tmux.waitFor(new RegExp(`Backup share ${n} of Custodian ${n} accepted`));
    }
    await tmux.waitFor(/Vault passphrase:/, 20_000);
    await tmux.type(secrets['vault.passphrase']!);
    // The witnesses compare the restored fingerprint with the published one (their runbook of the root ceremony).
    const fingerprint = await rootFingerprint(dir);
    const groups = (fingerprint.slice(-16).match(/.{4}/g) ?? []).join(' ');
    for (const role of ['witness-1', 'witness-2'])
      await witnessAtTerminal(tmux, who(drill, role), initialsOf(role), groups);
    await closingAtTerminal(tmux, drill);
    const end = await tmux.waitFor(/EXIT=\d+/, 30_000);
    expect(end).toMatch(/EXIT=0/);
    const screen = await tmux.screen(true);
    expect(screen).toMatch(/passphrase rebuilt from shares 2, 3, 4 opens the backup/);
    expect(screen).toMatch(/All 4 fingerprints in the backup match public\/KEYS/);
    for (const secret of [
      secrets['share.custodian-2']!,
      secrets['share.custodian-3']!.split(' ').slice(0, 3).join(' '),
      secrets['share.custodian-3']!.split(' ').slice(8, 12).join(' '),
      secrets['vault.passphrase']!,
      secrets['backup.passphrase']!,
    ]) {
      expect(screen).not.toContain(secret);
    }
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout).toBe(0);
  });
});
