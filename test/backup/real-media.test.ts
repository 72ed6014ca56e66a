/**
 * The default root ceremony as a real (not rehearsal) ceremony, with the backup media where the script says:
 * in a user, mount and network namespace, RAM disks are mounted at /media/keyceremony-backup-1 and -2 and
 * over /dev/shm (the sheets directory), so nothing reaches the host's /media. Also: media that are not
 * mounted, or are one device twice, are refused before any key exists.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootCeremonyAnswers, writeAnswers } from '../helpers/answers.js';
import { ceremoniesDir, cliPath } from '../helpers/paths.js';
import { type RunResult, run, shellQuote } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(ceremoniesDir, 'openpgp-root.yaml');

/** Runs `setup`, then the shell `commands`, as root of a fresh user, mount and network namespace. */
function inRoom(setup: string, commands: string): Promise<RunResult> {
  return run('unshare', [
    '--user',
    '--map-root-user',
    '--mount',
    '--net',
    'sh',
    '-c',
    `set -e; mount -t tmpfs tmpfs /media; mkdir /media/keyceremony-backup-1 /media/keyceremony-backup-2; mount -t tmpfs tmpfs /dev/shm; ${setup}\n${commands}`,
  ]);
}

const keyceremony = (args: string): string => `${shellQuote(process.execPath)} ${shellQuote(cliPath)} ${args}`;

describe('backup media in a real ceremony', () => {
  it('writes both copies to the mounted media and the sheets to the RAM disk; backup verify passes on each medium', async () => {
    const base = await tempDir('kc-room-');
    const answers = await writeAnswers(rootCeremonyAnswers());
    const out = join(base, 'carried-out');
    const result = await inRoom(
      // Mounted so that only the ceremony's user can write them (a medium open to all is refused).
      'mount -t tmpfs -o mode=0700 tmpfs /media/keyceremony-backup-1; mount -t tmpfs -o mode=0700 tmpfs /media/keyceremony-backup-2',
      [
        keyceremony(
          `run ${shellQuote(script)} --vault ${shellQuote(join(base, 'vault'))} --public ${shellQuote(join(base, 'public'))} --handoff ${shellQuote(join(base, 'handoff'))} --answers ${shellQuote(answers)}`,
        ),
        keyceremony('backup verify /media/keyceremony-backup-1'),
        keyceremony('backup verify /media/keyceremony-backup-2'),
        `mkdir ${shellQuote(out)}; cp -r /media/keyceremony-backup-1 /media/keyceremony-backup-2 /dev/shm/keyceremony-sheets ${shellQuote(out)}/`,
      ].join('\n'),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Backup medium 1 \(office safe\): mounted at \/media\/keyceremony-backup-1/);
    expect(result.stdout).not.toMatch(/not on a RAM disk/);
    expect(result.stdout.match(/copy intact, sha256 [0-9a-f]{64}/g)).toHaveLength(2);
    for (const medium of ['keyceremony-backup-1', 'keyceremony-backup-2']) {
      const [folder] = await readdir(join(out, medium));
      expect(folder).toMatch(/^backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-openpgp-root$/);
      expect((await readdir(join(out, medium, folder!))).sort()).toEqual([
        'README.txt',
        'manifest.json',
        'restore-kit',
        'transcripts',
        'vault.tar.gpg',
      ]);
      expect(await readFile(join(out, medium, folder!, 'README.txt'), 'utf8')).not.toContain('REHEARSAL');
    }
    const [sheets] = await readdir(join(out, 'keyceremony-sheets'));
    expect(sheets).toBe((await readdir(join(out, 'keyceremony-backup-1')))[0]);
    expect((await readdir(join(out, 'keyceremony-sheets', sheets!))).sort()).toEqual(
      [1, 2, 3, 4, 5].map((n) => `custodian-${n}`),
    );
    expect(await readdir(join(out, 'keyceremony-sheets', sheets!, 'custodian-2'))).toEqual([
      'share-2-custodian-2.html',
      'share-2-custodian-2.pdf',
    ]);
    expect(existsSync('/media/keyceremony-backup-1')).toBe(false); // nothing reached the host
  });

  it('refuses media that are plain directories, or one device twice, before any key exists', async () => {
    const base = await tempDir('kc-room-');
    const answers = await writeAnswers(rootCeremonyAnswers());
    const ceremony = keyceremony(
      `run ${shellQuote(script)} --vault ${shellQuote(join(base, 'vault'))} --public ${shellQuote(join(base, 'public'))} --handoff ${shellQuote(join(base, 'handoff'))} --answers ${shellQuote(answers)}`,
    );
    const unmounted = await inRoom('', `${ceremony} || echo "EXIT=$?"`);
    expect(unmounted.stdout).toMatch(/EXIT=3/);
    expect(unmounted.stderr).toMatch(
      /Backup medium 1 \(office safe\) is not mounted at \/media\/keyceremony-backup-1 \(it is a plain directory on the machine's own disk\)/,
    );
    expect(unmounted.stdout).not.toMatch(/Root key fingerprint/);
    const twice = await inRoom(
      'mount -t tmpfs tmpfs /media/keyceremony-backup-1; mount --bind /media/keyceremony-backup-1 /media/keyceremony-backup-2',
      `${ceremony} || echo "EXIT=$?"`,
    );
    expect(twice.stdout).toMatch(/EXIT=3/);
    expect(twice.stderr).toMatch(/backup media 1 and 2 are the same device: two copies on one medium are one copy/);
    expect(await readdir(base)).toEqual([]); // no vault, no public tree
  });
});
