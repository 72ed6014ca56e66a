import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wkdHash } from '../../src/publish/wkd.js';
import { newGpg, parseColons } from '../helpers/gpg.js';
import { copyOfRehearsal, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

describe('keyceremony publish', () => {
  it("reproduces the ceremony's public bundle byte for byte from the vault", async () => {
    const dir = sharedRehearsal();
    const out = join(await tempDir(), 'public');
    const result = await cli(['publish', '--vault', join(dir, 'vault'), '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const files = ['KEYS', 'fingerprints.txt', 'keys.html', 'SHA256SUMS', `${await rootFingerprint(dir)}.asc`];
    for (const f of files)
      expect(await readFile(join(out, f), 'utf8'), f).toBe(await readFile(join(dir, 'public', f), 'utf8'));
  });

  it('republishes over an existing public tree whose transcripts then still verify', async () => {
    const dir = await copyOfRehearsal();
    const result = await cli(['publish', '--vault', join(dir, 'vault'), '--out', join(dir, 'public')]);
    expect(result.code, result.stderr).toBe(0);
    expect((await cli(['transcript', 'verify', join(dir, 'public')])).code).toBe(0);
    expect(existsSync(join(dir, 'public', '.history'))).toBe(false);
  });

  it('writes SHA256SUMS that sha256sum accepts, for every bundle file', async () => {
    const dir = sharedRehearsal();
    const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, 'public') });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const listed = check.stdout
      .trim()
      .split('\n')
      .map((l) => l.replace(/: OK$/, ''));
    expect(listed).toEqual(expect.arrayContaining(['KEYS', 'keys.html', 'fingerprints.txt']));
    expect(listed.filter((l) => l.startsWith('wkd/'))).toHaveLength(4);
  });

  it("writes WKD trees gpg can import from, holding only that address's user ID", async () => {
    const dir = sharedRehearsal();
    const hash = wkdHash('wikibase-releases');
    const direct = join(dir, 'public', 'wkd', 'direct', 'wikimedia.de', '.well-known', 'openpgpkey');
    const advanced = join(
      dir,
      'public',
      'wkd',
      'advanced',
      'openpgpkey.wikimedia.de',
      '.well-known',
      'openpgpkey',
      'wikimedia.de',
    );
    expect(existsSync(join(direct, 'policy'))).toBe(true);
    expect(existsSync(join(advanced, 'policy'))).toBe(true);
    const bytes = await readFile(join(direct, 'hu', hash));
    expect(bytes.equals(await readFile(join(advanced, 'hu', hash)))).toBe(true);
    expect(bytes[0]! & 0x80).toBe(0x80); // binary, not armored
    const gpg = await newGpg();
    expect((await gpg(['--import', join(direct, 'hu', hash)])).code).toBe(0);
    const listing = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout);
    expect(listing.keys[0]?.fingerprint).toBe(await rootFingerprint(dir));
    expect(listing.uids).toHaveLength(1);
  });

  it('refuses an output that is neither empty nor a public tree, and a vault that is not one', async () => {
    const dir = sharedRehearsal();
    const busy = await tempDir();
    await mkdir(join(busy, 'x'));
    await writeFile(join(busy, 'x', 'file'), 'something');
    const refused = await cli(['publish', '--vault', join(dir, 'vault'), '--out', join(busy, 'x')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/neither empty nor a keyceremony public tree/);
    expect(await readdir(join(busy, 'x'))).toEqual(['file']);
    expect((await cli(['publish', '--vault', join(dir, 'public'), '--out', join(busy, 'y')])).code).toBe(2);
    expect((await cli(['publish', '--vault', join(dir, 'vault'), '--out', join(dir, 'vault', 'pub')])).code).toBe(2);
  });
});
