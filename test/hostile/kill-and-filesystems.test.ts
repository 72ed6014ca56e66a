/**
 * The ceremony against the machine rather than an attacker: umask 000, kill -9 at several moments, a backup
 * medium that fills up, read-only media and vaults (tmpfs mounts in a private mount namespace, so no root is
 * needed and nothing outlives the test).
 *
 * After kill -9 nothing can roll back, so the claim is narrower: no loose secret. Every file left is where the
 * complete ceremony would put it, with its mode (0600 in 0700 directories for secrets); no file anywhere (the
 * output, the temporary directory) holds a passphrase; every secret key left is encrypted; no temporary copy
 * of a secret is left behind.
 */
import { spawn } from 'node:child_process';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  rootCeremonyAnswers,
  TEST_HANDOFF_PASSPHRASES,
  TEST_VAULT_PASSPHRASE,
  writeAnswers,
} from '../helpers/answers.js';
import { walkFiles } from '../helpers/files.js';
import { leftWithoutAbortedRecord } from './harness.js';
import { ceremoniesDir, cliPath } from '../helpers/paths.js';
import { run, shellQuote } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const SCRIPT = join(ceremoniesDir, 'openpgp-root.yaml');
const PASSPHRASES = [TEST_VAULT_PASSPHRASE, ...Object.values(TEST_HANDOFF_PASSPHRASES)];
const SECRET_TREES = ['vault/', 'handoff/', 'media/', 'sheets/'];

let answers: string;
/** Wall time of a whole rehearsal on this machine, now (the kill points are fractions of it). */
let fullRun = 0;

/** `rehearse --out DIR --answers FILE` as a child in its own process group (Chromium included), TMPDIR private. */
function rehearse(dir: string, tmp: string, options: { umask?: string; killAfterMs?: number } = {}) {
  const command = `umask ${options.umask ?? '077'} && exec ${[process.execPath, cliPath, 'rehearse', '--out', dir, '--answers', answers].map(shellQuote).join(' ')}`;
  const child = spawn('sh', ['-c', command], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: '0' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  if (options.killAfterMs !== undefined) {
    setTimeout(() => {
      // The whole group, like pulling the plug: keyceremony and the Chromium it started.
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already finished */
      }
    }, options.killAfterMs);
  }
  return done;
}

/** Words of every share sheet in `dir` (to look for them where they must not be). */
async function shareWords(dir: string): Promise<string[]> {
  const phrases: string[] = [];
  for (const file of (await walkFiles(dir)).filter((f) => f.endsWith('.html') && f.includes('/sheets/'))) {
    const html = await readFile(file, 'utf8');
    const words = [...html.matchAll(/<div class="word"><span class="n">\d+<\/span>([^<]+)<\/div>/g)].map((m) => m[1]);
    if (words.length > 3) phrases.push(words.slice(0, 4).join(' '));
  }
  return phrases;
}

/** The claims of "no loose secret" for what is left in `dir` and `tmp`. */
async function assertNoLooseSecret(dir: string, tmp: string, when: string): Promise<void> {
  const written = await walkFiles(dir, { directories: true }).catch(() => []); // killed before the first write
  const phrases = written.length ? await shareWords(dir) : [];
  const everything = [...written, ...(await walkFiles(tmp))];
  for (const path of everything) {
    const info = await lstat(path);
    const rel = path.startsWith(dir) ? relative(dir, path) : `TMPDIR/${relative(tmp, path)}`;
    const at = `${when}: ${rel}`;
    // Chromium's own profile (left in TMPDIR when it is killed too) has its lock links; the output has none.
    if (!path.startsWith(dir) && !info.isFile()) continue;
    expect(info.isSymbolicLink() || info.isFIFO(), at).toBe(false);
    if (info.isDirectory()) {
      expect(info.mode & 0o777, at).toBe(0o700);
      continue;
    }
    const secretTree = SECRET_TREES.some((t) => rel.startsWith(t)) || rel === 'rehearsal-secrets.json';
    if (path.startsWith(dir)) expect(info.mode & 0o777, at).toBe(secretTree ? 0o600 : 0o644);
    // A temporary file may only be an interrupted replacement of the inventory (which holds no secret).
    if (/\.tmp$/.test(rel)) expect(rel, at).toMatch(/^vault\/\.inventory\.json\.[0-9a-f]{12}\.tmp$/);
    const content = await readFile(path);
    for (const secret of PASSPHRASES)
      expect(content.includes(Buffer.from(secret)), `${at} holds a passphrase`).toBe(false);
    if (!rel.startsWith('sheets/') && rel !== 'rehearsal-secrets.json') {
      for (const phrase of phrases)
        expect(content.includes(Buffer.from(phrase)), `${at} holds share words`).toBe(false);
    }
    if (content.includes(Buffer.from('PRIVATE KEY BLOCK'))) {
      let key: openpgp.PrivateKey | undefined;
      try {
        key = await openpgp.readPrivateKey({ armoredKey: content.toString('utf8') });
      } catch {
        // Cut short by the kill: not a key anyone can use (and it was only ever written encrypted).
        continue;
      }
      for (const k of [key, ...key.getSubkeys()]) {
        const packet = k.keyPacket as openpgp.SecretKeyPacket;
        expect(packet.isDummy() || !packet.isDecrypted(), `${at}: a secret key is not encrypted`).toBe(true);
      }
    }
  }
}

beforeAll(async () => {
  answers = await writeAnswers(rootCeremonyAnswers());
});

describe('a rehearsal under umask 000, then killed with -9 at several moments', () => {
  it('under umask 000 still writes 0600 secrets in 0700 directories (and leaves no loose secret)', async () => {
    const dir = join(await tempDir('kc-kill-'), 'r');
    const tmp = await tempDir('kc-kill-tmp-');
    const started = Date.now();
    const result = await rehearse(dir, tmp, { umask: '000' });
    fullRun = Date.now() - started;
    expect(result.code, result.stderr).toBe(0);
    await assertNoLooseSecret(dir, tmp, 'complete');
    expect(await readdir(tmp)).toEqual([]);
  }, 120_000);

  it('killed at any of seven moments, it leaves no loose secret', async () => {
    expect(fullRun).toBeGreaterThan(0);
    const fractions = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95];
    // Two at a time: the kill points are fractions of a run measured with the machine as busy as this.
    for (let i = 0; i < fractions.length; i += 2) {
      await Promise.all(
        fractions.slice(i, i + 2).map(async (fraction) => {
          const dir = join(await tempDir('kc-kill-'), 'r');
          const tmp = await tempDir('kc-kill-tmp-');
          const result = await rehearse(dir, tmp, { killAfterMs: Math.round(fullRun * fraction) });
          const when = `killed at ${Math.round(fraction * 100)}% (${result.signal ?? `exit ${result.code}`})`;
          await assertNoLooseSecret(dir, tmp, when);
        }),
      );
    }
  }, 300_000);
});

/**
 * `keyceremony run` inside a private user and mount namespace where `setup` mounted tmpfs file systems; prints
 * the exit status and then every file left under the mounts.
 */
async function runWithMounts(setup: string, args: readonly string[], inspect: readonly string[]) {
  const cli = [process.execPath, cliPath, 'run', SCRIPT, ...args, '--rehearsal', '--answers', answers]
    .map(shellQuote)
    .join(' ');
  const list = inspect.map(shellQuote).join(' ');
  const script = `set -e; ${setup}; set +e; ${cli}; echo "EXIT=$?"; find ${list} -mindepth 1 -printf 'LEFT %p\\n'`;
  return run('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script], { timeoutMs: 120_000 });
}

/** What `find` left under `base`, relative, without the aborted-ceremony record the public tree keeps on purpose. */
function left(stdout: string, base: string): string[] {
  const paths = stdout
    .split('\n')
    .filter((l) => l.startsWith('LEFT '))
    .map((l) => relative(base, l.slice('LEFT '.length)));
  return leftWithoutAbortedRecord(paths).filter((p) => p !== 'public' && p !== 'public/transcripts');
}

describe('full and read-only file systems', () => {
  it('a backup medium that fills up: exit 2, "no space left", and everything rolled back', async () => {
    const base = await tempDir('kc-full-');
    const media = join(base, 'media');
    const result = await runWithMounts(
      `mkdir ${media} && mount -t tmpfs -o size=160k,mode=0700 none ${media}`,
      [
        '--vault',
        join(base, 'vault'),
        '--public',
        join(base, 'public'),
        '--handoff',
        join(base, 'handoff'),
        '--media',
        media,
      ],
      [base],
    );
    expect(result.stdout, result.stderr).toContain('EXIT=2');
    expect(result.stderr).toMatch(/cannot write .*: no space left on the device/);
    // Only the mount point itself is left (the find runs inside the namespace, where the tmpfs is mounted).
    expect(left(result.stdout, base)).toEqual(['media']);
  }, 120_000);

  it.each([
    ['a read-only vault', 'vault'],
    ['a read-only backup medium', 'media'],
  ])(
    '%s: exit 2, "read-only", and everything rolled back',
    async (_, which) => {
      const base = await tempDir('kc-ro-');
      const mount = join(base, which);
      const result = await runWithMounts(
        `mkdir ${mount} && mount -t tmpfs -o size=1m,mode=0700 none ${mount} && mount -o remount,ro ${mount}`,
        [
          '--vault',
          join(base, 'vault'),
          '--public',
          join(base, 'public'),
          '--handoff',
          join(base, 'handoff'),
          '--media',
          join(base, 'media'),
        ],
        [base],
      );
      expect(result.stdout, result.stderr).toContain('EXIT=2');
      expect(result.stderr).toMatch(/cannot write .*: the file system is read-only/);
      expect(left(result.stdout, base)).toEqual([which]);
    },
    120_000,
  );
});
