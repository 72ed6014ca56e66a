/**
 * Recovery drills and restores, rehearsed on copies of the shared rehearsal: the drill passes without touching
 * the vault and its transcript verifies; a restore rebuilds the vault; wrong, mistyped and misplaced shares,
 * and a damaged copy, are refused with messages that name them.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ceremoniesDir } from '../helpers/paths.js';
import { newStoppedGpg } from '../helpers/gpg-agents.js';
import { snapshot } from '../helpers/files.js';
import { copyOfRehearsal, rehearsalSecrets, rootFingerprint } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { writeAnswers } from '../helpers/answers.js';

const drill = join(ceremoniesDir, 'recovery-drill.yaml');
const restore = join(ceremoniesDir, 'restore.yaml');
const newBackup = join(ceremoniesDir, 'backup.yaml');

async function transcripts(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl')).sort();
}

async function withSecrets(dir: string, change: (secrets: Record<string, string>) => void): Promise<void> {
  const secrets = await rehearsalSecrets(dir);
  change(secrets);
  await writeFile(join(dir, 'rehearsal-secrets.json'), JSON.stringify(secrets));
}

describe('recovery drill', () => {
  it('restores one copy into memory, tests every key against KEYS, never touches the vault, and its transcript verifies', async () => {
    const dir = await copyOfRehearsal();
    const before = await snapshot(join(dir, 'vault'));
    const mediaBefore = await snapshot(join(dir, 'media'));
    const result = await cli(['rehearse', drill, '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/All 4 fingerprints in the backup match public\/KEYS/);
    expect(result.stdout).toMatch(/restored root key makes a certification that verifies against the published root/);
    expect(result.stdout).toMatch(/Restored subkey "ceremony-transcripts" signs/);
    expect(result.stdout).toMatch(/Scratch vault wiped/);
    expect(await snapshot(join(dir, 'vault'))).toEqual(before);
    expect(await snapshot(join(dir, 'media'))).toEqual(mediaBefore);
    const names = await transcripts(dir);
    expect(names).toHaveLength(2);
    const verified = await cli(['transcript', 'verify', join(dir, 'public'), '--root', await rootFingerprint(dir)]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(
      /recovery-drill-REHEARSAL \(\d+ entries\) — completed\n\s+sha256: [0-9a-f]{64}\n\s+chain: intact\n\s+signature: good signature by root/,
    );

    // The root's test certification, recorded in the transcript, checks with gpg against the published KEYS.
    const drillName = names.find((n) => n.includes('recovery-drill'))!;
    const entries = (await readFile(join(dir, 'public', 'transcripts', drillName), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: Record<string, string> });
    const certification = entries.find((e) => e.event === 'drill.certification')!.data;
    expect(entries.find((e) => e.event === 'drill.scratch-wiped')?.data['files']).toBeGreaterThan(3);
    const gpg = await newStoppedGpg();
    await gpg(['--import', join(dir, 'public', 'KEYS')]);
    const certFile = join(await tempDir(), 'throwaway.asc');
    await writeFile(certFile, certification['certificate']!);
    expect((await gpg(['--import', certFile])).code).toBe(0);
    const sigs = await gpg(['--with-colons', '--check-sigs', certification['throwawayKey']!]);
    const rootKeyId = (await rootFingerprint(dir)).slice(-16);
    expect(sigs.stdout).toMatch(new RegExp(`^sig:!::22:${rootKeyId}:`, 'm'));
  });

  it('accepts a share given as a file, and custodians who are not there are skipped', async () => {
    const dir = await copyOfRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const file = join(await tempDir(), 'share-4.txt');
    await writeFile(
      file,
      `# share 4, kept on an encrypted stick\n${secrets['share.custodian-4']!.split(' ')
        .map((w, i) => `${i + 1}. ${w}`)
        .join('\n')}\n`,
    );
    const answers = await writeAnswers({
      'collect-shares.present.custodian-1': false,
      'collect-shares.present.custodian-3': false,
      'share.custodian-4': file,
    });
    const result = await cli(['rehearse', drill, '--out', dir, '--answers', answers]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/passphrase rebuilt from shares 2, 4, 5 opens the backup/);
    expect(result.stdout).not.toContain(secrets['share.custodian-4']!);
  });

  it('names a mistyped or swapped word, and the share it is in, and writes nothing', async () => {
    const dir = await copyOfRehearsal();
    const before = await transcripts(dir);
    const words = (await rehearsalSecrets(dir))['share.custodian-2']!.split(' ');
    for (const [change, message] of [
      [
        (w: string[]) => ([w[4], w[6]] = [w[6]!, w[4]!]),
        /backup share 2 of Custodian 2 \(custodian-2\): the checksum does not match: a word is mistyped or two words are swapped/,
      ],
      [
        (w: string[]) => ([w[4], w[5]] = [w[5]!, w[4]!]),
        /backup share 2 of Custodian 2 \(custodian-2\): word 5 belongs at an (odd|even)-numbered position/,
      ],
      [
        (w: string[]) => (w[9] = `${w[9]}q`),
        /backup share 2 of Custodian 2 \(custodian-2\): word 10 is not a share word \(check its spelling/,
      ],
      [
        (w: string[]) => w.pop(),
        /backup share 2 of Custodian 2 \(custodian-2\): it has 27 words, but a share of this backup has 28: a word is missing/,
      ],
    ] as const) {
      const changed = [...words];
      change(changed);
      await withSecrets(dir, (s) => (s['share.custodian-2'] = changed.join(' ')));
      const result = await cli(['rehearse', drill, '--out', dir]);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(/answer to "share\.custodian-2"/);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    // Each attempt left only its record (unsigned: no root was opened yet), nothing else.
    const after = await transcripts(dir);
    expect(after.filter((n) => !n.endsWith('-ABORTED.jsonl'))).toEqual(before);
    expect(after.filter((n) => n.endsWith('-ABORTED.jsonl'))).toHaveLength(4);
  });

  it('refuses another custodian\u2019s share and a share of another backup', async () => {
    const dir = await copyOfRehearsal();
    const secrets = await rehearsalSecrets(dir);
    await withSecrets(dir, (s) => (s['share.custodian-2'] = secrets['share.custodian-5']!));
    const misplaced = await cli(['rehearse', drill, '--out', dir]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(
      /backup share 2 of Custodian 2 \(custodian-2\): it is share 5, which was given to Custodian 5 \(custodian-5\), not share 2/,
    );

    const other = await copyOfRehearsal();
    const foreign = (await rehearsalSecrets(await freshRehearsal()))['share.custodian-2']!;
    await withSecrets(other, (s) => (s['share.custodian-2'] = foreign));
    const result = await cli(['rehearse', drill, '--out', other]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /backup share 2 of Custodian 2 \(custodian-2\): it belongs to another share set \([0-9A-F]{4}/,
    );
  });

  it('catches a damaged backup copy before decrypting it, and names it', async () => {
    const dir = await copyOfRehearsal();
    const medium = join(dir, 'media', '1');
    const folder = (await readdir(medium)).find((n) => n.startsWith('backup-'))!;
    const archive = join(medium, folder, 'vault.tar.gpg');
    const bytes = await readFile(archive);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
    await writeFile(archive, bytes);
    const result = await cli(['rehearse', drill, '--out', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `the backup copy .*media/1/${folder}/vault\\.tar\\.gpg is damaged: its SHA-256 is [0-9a-f]{64}, the manifest says`,
      ),
    );
    const verify = await cli(['backup', 'verify', medium]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/vault\.tar\.gpg is damaged/);
    expect((await cli(['backup', 'verify', join(dir, 'media', '2')])).code).toBe(0);
  });

  it('plans a drill that writes nothing but its transcript to the public tree', async () => {
    const plan = await cli(['plan', drill]);
    expect(plan.code, plan.stderr).toBe(0);
    const creates = plan.stdout.split('What will be created')[1]!;
    expect(creates.trim().split('\n')).toEqual([
      expect.stringMatching(/^public\/transcripts\/<date>-<name>\.jsonl, \.asc, \.md/),
    ]);
  });

  it('will not run with a vault (vault: none), nor without enough custodians', async () => {
    const dir = await copyOfRehearsal();
    const answers = await writeAnswers({ 'preflight.clock': true });
    const withVault = await cli([
      'run',
      drill,
      '--vault',
      join(dir, 'vault'),
      '--public',
      join(dir, 'public'),
      '--rehearsal',
      '--answers',
      answers,
    ]);
    expect(withVault.code).toBe(2);
    expect(withVault.stderr).toMatch(/works without a vault \(vault: none\): do not give --vault/);
    const absent = await writeAnswers(
      Object.fromEntries([1, 2, 3].map((n) => [`collect-shares.present.custodian-${n}`, false])),
    );
    const few = await cli(['rehearse', drill, '--out', dir, '--answers', absent]);
    expect(few.code).toBe(2);
    expect(few.stderr).toMatch(/only 2 of the 3 backup shares needed were given/);
  });
});

let fresh: string | undefined;
/** A second, independent rehearsal (its shares belong to another backup). */
async function freshRehearsal(): Promise<string> {
  if (fresh) return fresh;
  const dir = join(await tempDir('kc-other-'), 'rehearsal');
  const result = await cli(['rehearse', '--out', dir]);
  expect(result.code, result.stderr).toBe(0);
  fresh = dir;
  return dir;
}

describe('restore', () => {
  it('rebuilds the vault from a backup copy and shares: same files, same keys, verified transcripts', async () => {
    const dir = await copyOfRehearsal();
    const result = await cli(['rehearse', restore, '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Vault restored from backup-.* 4 keys, 1 transcript\(s\) verified/);
    const original = await snapshot(join(dir, 'vault'));
    const restored = await snapshot(join(dir, 'restored-vault'));
    for (const [path, digest] of Object.entries(original)) {
      if (path !== 'inventory.json') expect(restored[path], path).toBe(digest);
    }
    const extra = Object.keys(restored).filter((p) => !(p in original));
    expect(extra).toEqual([
      expect.stringMatching(/^\.history\/inventory\.json\./),
      expect.stringMatching(/^transcripts\/.*-restore-REHEARSAL\.jsonl$/),
      expect.stringMatching(/-restore-REHEARSAL\.jsonl\.asc$/),
    ]);
    // The backed-up inventory is kept in .history; the new one adds the restore ceremony.
    const history = extra[0]!;
    expect(restored[history]).toBe(original['inventory.json']);
    const inventory = JSON.parse(await readFile(join(dir, 'restored-vault', 'inventory.json'), 'utf8')) as {
      ceremonies: { script: string }[];
      keys: unknown[];
    };
    expect(inventory.ceremonies.map((c) => c.script)).toEqual(['openpgp-root', 'restore']);
    expect(inventory.keys).toHaveLength(4);
    for (const tree of ['restored-vault', 'public']) {
      const verified = await cli(['transcript', 'verify', join(dir, tree), '--root', await rootFingerprint(dir)]);
      expect(verified.code, verified.stdout).toBe(0);
    }
  });

  it('refuses a wrong vault passphrase and leaves nothing behind', async () => {
    const dir = await copyOfRehearsal();
    await withSecrets(dir, (s) => (s['vault.passphrase'] = 'wrong wrong wrong wrong'));
    const result = await cli(['rehearse', restore, '--out', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/answer to "vault\.passphrase": wrong vault passphrase/);
    expect((await readdir(dir)).sort()).toEqual([
      'handoff',
      'media',
      'public',
      'rehearsal-secrets.json',
      'sheets',
      'vault',
    ]); // no restored-vault
  });
});

describe('a new backup with new shares (a custodian left)', () => {
  it('adds a backup with a new share set; drills use it; the old shares no longer fit', async () => {
    const dir = await copyOfRehearsal();
    const old = await rehearsalSecrets(dir);
    const result = await cli(['rehearse', newBackup, '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const secrets = await rehearsalSecrets(dir);
    expect(secrets['vault.passphrase']).toBe(old['vault.passphrase']);
    expect(secrets['backup.passphrase']).not.toBe(old['backup.passphrase']);
    expect(secrets['share.custodian-1']).not.toBe(old['share.custodian-1']);
    for (const medium of ['1', '2']) {
      expect((await readdir(join(dir, 'media', medium))).filter((n) => n.startsWith('backup-'))).toHaveLength(2);
      const verified = await cli(['backup', 'verify', join(dir, 'media', medium)]);
      expect(verified.code, verified.stdout).toBe(0);
      expect(verified.stdout.match(/copy intact/g)).toHaveLength(2);
    }
    expect(await readdir(join(dir, 'sheets'))).toHaveLength(2);
    // The new backup holds the vault as the backup ceremony left it: its inventory lists both ceremonies.
    const drilled = await cli(['rehearse', drill, '--out', dir]);
    expect(drilled.code, drilled.stdout + drilled.stderr).toBe(0);
    await withSecrets(dir, (s) => (s['share.custodian-1'] = old['share.custodian-1']!));
    const stale = await cli(['rehearse', drill, '--out', dir]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/backup share 1 of Custodian 1 \(custodian-1\): it belongs to another share set/);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout).toBe(0);
    expect((await transcripts(dir)).map((n) => n.replace(/^.*Z-/, ''))).toEqual([
      'openpgp-root-REHEARSAL.jsonl',
      'backup-REHEARSAL.jsonl',
      'recovery-drill-REHEARSAL.jsonl',
      // The drill with the old share stopped, and left its record.
      'recovery-drill-REHEARSAL-ABORTED.jsonl',
    ]);
  });
});
