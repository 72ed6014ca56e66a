/**
 * Officers unlocking a quorum vault at a real terminal (tmux): asked whether they are here, typing their officer
 * shares hidden a row at a time, told which word is wrong by position (a word that is none, and a wrong share
 * word the check symbols find), typing only that again. Nothing of a share reaches the screen, the transcript or
 * the public tree.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgpWordTable } from '../../src/util/pgp-words.js';
import { cliPath, fixturesDir } from '../helpers/paths.js';
import { cli } from '../helpers/run.js';
import { typeShareAtTerminal } from '../helpers/terminal-ceremony.js';
import { TmuxSession } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';
import { expectNowhere, quorumRootScript, rehearse, secretsOf, transcriptEntries } from './helpers.js';

const script = join(fixturesDir, 'ceremonies', 'quorum-unlock-publish.yaml');
const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

let dir: string;
beforeAll(async () => {
  dir = join(await tempDir('kc-quorum-tty-'), 'rehearsal');
  const result = await rehearse(quorumRootScript, dir);
  expect(result.code, result.stdout + result.stderr).toBe(0);
});

describe('officers at the terminal', () => {
  it('type their shares hidden; a wrong word is named by position and typed again; nothing of a share shows', async () => {
    const secrets = await secretsOf(dir);
    const tmux = new TmuxSession();
    sessions.push(tmux);
    const command = `${process.execPath} ${cliPath} run ${script} --vault ${dir}/vault --public ${dir}/public --rehearsal; echo "EXIT=$?"; sleep 60`;
    await tmux.start(`env FORCE_COLOR=0 ${command}`, 200, 50);
    await tmux.waitFor(/Quorum: 2 of 3 officers must type their shares/, 20_000);
    await tmux.answer('Is Officer 1 (officer-1) here with officer share 1?', { keys: ['n', 'Enter'] });
    await tmux.answer('Is Officer 2 (officer-2) here with officer share 2?', { keys: ['y', 'Enter'] });
    const two = secrets['quorum.share.officer-2']!.split(' ');
    const { odd } = pgpWordTable();
    await typeShareAtTerminal(tmux, 'Officer share 2 (Officer 2, officer-2)', two, {
      notAWord: { position: 6, typed: `${two[5]}x` },
      // Word 10 (an even-numbered position): another three-syllable word.
      mistyped: { position: 10, typed: odd.find((w) => w.toLowerCase() !== two[9]!.toLowerCase())! },
    });
    await tmux.waitFor(/Officer share 2 of Officer 2 accepted/);
    await tmux.answer('Is Officer 3 (officer-3) here with officer share 3?', { keys: ['y', 'Enter'] });
    const three = secrets['quorum.share.officer-3']!.split(' ');
    await typeShareAtTerminal(tmux, 'Officer share 3 (Officer 3, officer-3)', three);
    const end = await tmux.waitFor(/EXIT=\d+/, 60_000);
    expect(end).toMatch(/EXIT=0/);
    const screen = await tmux.screen(true);
    expect(screen).toMatch(/2 officer shares \(officer-2, officer-3\) rebuild the vault passphrase/);
    expect(screen).toMatch(/word 6 is not a share word/);
    expect(screen).toMatch(/word 10 is mistyped: the checksum points at it/);
    const needles = [
      secrets['vault.passphrase']!,
      ...[two, three].flatMap((w) => [
        w.join(' '),
        ...[0, 4, 8, 12, 16, 20, 24].map((i) => w.slice(i, i + 3).join(' ')),
      ]),
    ];
    for (const needle of needles) expect(screen).not.toContain(needle);
    const log = await transcriptEntries(join(dir, 'public'), (n) => n.includes('quorum-unlock-test'));
    expect(log.find((e) => e.event === 'quorum.unlocked')?.data).toMatchObject({
      officers: ['officer-2', 'officer-3'],
    });
    expect(log.filter((e) => e.event === 'officer.present').map((e) => [e.data['officer'], e.data['present']])).toEqual(
      [
        ['officer-1', false],
        ['officer-2', true],
        ['officer-3', true],
      ],
    );
    await expectNowhere(join(dir, 'public'), needles);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout).toBe(0);
  });
});
