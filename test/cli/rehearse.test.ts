import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { walkFiles } from '../helpers/files.js';
import { cli, run } from '../helpers/run.js';
import { expectOnlyAbortedRecord } from '../helpers/aborted.js';
import { ceremoniesDir, cliPath } from '../helpers/paths.js';
import { rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { tempDir } from '../helpers/tmp.js';

describe('keyceremony rehearse', () => {
  it('lays out vault, public tree and rehearsal secrets with safe modes', async () => {
    const dir = sharedRehearsal();
    const fpr = await rootFingerprint(dir);
    const files = (await walkFiles(dir, { directories: true })).map((p) => relative(dir, p)).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'rehearsal-secrets.json',
        'vault/inventory.json',
        `vault/openpgp/${fpr}.sec.asc`,
        `vault/openpgp/${fpr}.pub.asc`,
        `vault/openpgp/${fpr}.rev.asc`,
        'public/KEYS',
        `public/${fpr}.asc`,
        'public/fingerprints.txt',
      ]),
    );
    for (const path of await walkFiles(dir, { directories: true })) {
      const info = await stat(path);
      const rel = relative(dir, path);
      if (info.isDirectory()) expect((info.mode & 0o777).toString(8), rel).toBe('700');
      else if (rel.startsWith('vault/') || rel === 'rehearsal-secrets.json')
        expect((info.mode & 0o777).toString(8), rel).toBe('600');
      else expect(info.mode & 0o077 & 0o022, rel).toBe(0);
    }
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('keeps secrets in the vault: no generated passphrase appears outside it, the vault holds only encrypted keys', async () => {
    const dir = sharedRehearsal();
    const secrets = Object.values(await rehearsalSecrets(dir));
    expect(secrets.length).toBeGreaterThan(0);
    for (const path of await walkFiles(join(dir, 'public'))) {
      const text = await readFile(path, 'utf8');
      for (const secret of secrets) expect(text.includes(secret), relative(dir, path)).toBe(false);
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
    for (const path of await walkFiles(join(dir, 'vault'))) {
      const text = await readFile(path, 'utf8');
      for (const secret of secrets) expect(text.includes(secret), relative(dir, path)).toBe(false);
    }
    expect(inject('rehearsalOutput')).not.toContain(secrets[0]);
  });

  it('marks everything REHEARSAL: user IDs, KEYS, inventory, transcript', async () => {
    const dir = sharedRehearsal();
    const keys = await readFile(join(dir, 'public', 'KEYS'), 'utf8');
    expect(keys).toMatch(/^\*\*\* REHEARSAL/);
    expect(keys).toContain('(REHEARSAL; Wikimedia Deutschland)');
    const inventory = JSON.parse(await readFile(join(dir, 'vault', 'inventory.json'), 'utf8')) as {
      rehearsal: boolean;
      keys: { kind: string; label?: string }[];
    };
    expect(inventory.rehearsal).toBe(true);
    expect(inventory.keys.map((k) => k.kind)).toEqual([
      'openpgp-primary',
      'openpgp-subkey',
      'openpgp-subkey',
      'openpgp-subkey',
    ]);
    expect(inventory.keys.map((k) => k.label)).toEqual([
      undefined,
      'release-pipeline',
      'release-manager',
      'ceremony-transcripts',
    ]);
    const transcripts = await readdir(join(dir, 'public', 'transcripts'));
    expect(transcripts.every((t) => t.includes('-REHEARSAL.'))).toBe(true);
    const markdown = await readFile(
      join(
        dir,
        'public',
        'transcripts',
        transcripts.find((t) => t.endsWith('.md'))!,
      ),
      'utf8',
    );
    expect(markdown).toContain('— REHEARSAL');
  });

  it('prints its wall time', () => {
    // Measured, not asserted (speed belongs to benchmarks): about 1.7 s on an idle 2-core machine, half of it
    // Chromium printing the five share sheets; docs/benchmarks.md records it.
    const match = /Wall time: ([\d.]+) s/.exec(inject('rehearsalOutput'));
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(0);
  });

  it('produces transcripts that verify, in the public tree and in the vault', async () => {
    const dir = sharedRehearsal();
    const pub = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    expect(pub.stdout).toContain('chain: intact');
    expect(pub.stdout).toMatch(/signature: good signature by root [0-9A-F]{40}/);
    const vault = await cli(['transcript', 'verify', join(dir, 'vault'), '--root', await rootFingerprint(dir)]);
    expect(vault.code, vault.stdout + vault.stderr).toBe(0);
    const wrongRoot = await cli(['transcript', 'verify', join(dir, 'public'), '--root', 'A'.repeat(40)]);
    expect(wrongRoot.code).toBe(1);
  });

  it('refuses a non-empty output directory and writes nothing', async () => {
    const dir = await tempDir();
    const result = await cli(['rehearse', '--out', sharedRehearsal()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not empty/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('keyceremony rehearse on an earlier rehearsal', () => {
  it('reports a damaged rehearsal-secrets.json as bad input, changing nothing', async () => {
    const dir = join(await tempDir(), 'r');
    expect((await run('cp', ['-r', sharedRehearsal(), dir])).code).toBe(0);
    await writeFile(join(dir, 'rehearsal-secrets.json'), '{bad');
    const before = await walkFiles(dir, { directories: true });
    const result = await cli(['rehearse', join(ceremoniesDir, 'openpgp-rotate.yaml'), '--out', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rehearsal-secrets\.json is not valid JSON/);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(await walkFiles(dir, { directories: true })).toEqual(before);
  });
});

describe('keyceremony rehearse on a machine with nothing but Node', () => {
  it('still runs: without Chromium the share sheets are HTML only, and it says so', async () => {
    const bin = await tempDir('kc-bin-');
    await symlink(process.execPath, join(bin, 'node'));
    const dir = join(await tempDir(), 'r');
    const result = await run(join(bin, 'node'), [cliPath, 'rehearse', '--out', dir], {
      env: { PATH: bin, KEYCEREMONY_CHROMIUM: '' },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Chromium is not installed: this rehearsal writes the share sheets as HTML only/);
    const folder = (await readdir(join(dir, 'sheets')))[0]!;
    expect(await readdir(join(dir, 'sheets', folder, 'custodian-1'))).toEqual(['share-1-custodian-1.html']);
    const transcript = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    const entries = (await readFile(join(dir, 'public', 'transcripts', transcript), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
    // Recorded once, under the id of the step that writes the sheets.
    expect(
      entries
        .filter((e) => e.event === 'preflight.step' && Array.isArray(e.data['warnings']))
        .map((e) => [e.data['step'], e.data['warnings']]),
    ).toEqual([['backup', [expect.stringMatching(/Chromium is not installed/)]]]);
    expect((await cli(['transcript', 'verify', join(dir, 'public')])).code).toBe(0);
  });
});

describe('keyceremony rehearse with a Chromium that cannot print', () => {
  it('refuses a configured path that is not executable before anything is written', async () => {
    const dir = join(await tempDir(), 'r');
    const result = await run(process.execPath, [cliPath, 'rehearse', '--out', dir], {
      env: { KEYCEREMONY_CHROMIUM: join(dir, 'no-such-chromium') },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/KEYCEREMONY_CHROMIUM=.* is not an executable file/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Refused before anyone was asked anything: nothing happened, nothing is recorded.
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it('stops with exit 3 and rolls everything back when the browser dies instead of printing', async () => {
    const dir = join(await tempDir(), 'r');
    // /bin/true exits at once: the DevTools pipe breaks on the first command (EPIPE), mid-ceremony.
    const result = await run(process.execPath, [cliPath, 'rehearse', '--out', dir], {
      env: { KEYCEREMONY_CHROMIUM: '/bin/true' },
    });
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/Chromium could not print the share sheets/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Everything rolled back; only the record of the aborted rehearsal is left.
    await expectOnlyAbortedRecord(dir, join(dir, 'public'));
  });
});
