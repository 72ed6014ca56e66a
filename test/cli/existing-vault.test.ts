/** Ceremonies on the vault of an earlier ceremony (script `vault: existing`). */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../helpers/paths.js';
import { copyOfRehearsal, rehearsalSecrets } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';
import { writeAnswers } from '../helpers/answers.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(fixturesDir, 'ceremonies', 'unlock-publish.yaml');

describe('ceremonies on an existing vault', () => {
  it('rehearse on an earlier rehearsal, reuse its secrets, republish, and keep every transcript verifiable', async () => {
    const dir = await copyOfRehearsal();
    const keysBefore = await readFile(join(dir, 'public', 'KEYS'), 'utf8');
    const result = await cli(['rehearse', script, '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Root key fingerprint \(compare with the published one\)/);
    const transcripts = (await readdir(join(dir, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl'));
    expect(transcripts).toHaveLength(2);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(await readFile(join(dir, 'public', 'KEYS'), 'utf8')).not.toBe(''); // republished (same keys)
    expect((await readFile(join(dir, 'public', 'KEYS'), 'utf8')).split('-----BEGIN')[1]).toBe(
      keysBefore.split('-----BEGIN')[1],
    );
    const inventory = JSON.parse(await readFile(join(dir, 'vault', 'inventory.json'), 'utf8')) as {
      ceremonies: { script: string }[];
    };
    expect(inventory.ceremonies.map((c) => c.script)).toEqual(['openpgp-root', 'unlock-test']);
    expect(await readdir(join(dir, 'vault', '.history'))).toEqual([expect.stringMatching(/^inventory\.json\./)]);
  });

  it('refuse a wrong vault passphrase and leave the vault as it was', async () => {
    const dir = await copyOfRehearsal();
    const secrets = await rehearsalSecrets(dir);
    await writeFile(
      join(dir, 'rehearsal-secrets.json'),
      JSON.stringify({ ...secrets, 'vault.passphrase': 'wrong wrong wrong wrong' }),
    );
    const inventory = await readFile(join(dir, 'vault', 'inventory.json'), 'utf8');
    const result = await cli(['rehearse', script, '--out', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/wrong vault passphrase/);
    expect(await readFile(join(dir, 'vault', 'inventory.json'), 'utf8')).toBe(inventory);
    // The attempt left its record (unsigned: the root was never opened), and nothing else.
    const transcripts = (await readdir(join(dir, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl'));
    expect(transcripts).toHaveLength(2);
    expect(transcripts.filter((n) => n.endsWith('-ABORTED.jsonl'))).toHaveLength(1);
    expect((await cli(['transcript', 'verify', join(dir, 'public')])).code).toBe(0);
  });

  it('keep rehearsals and real ceremonies apart', async () => {
    const dir = await copyOfRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const answers = await writeAnswers({ 'preflight.clock': true, 'vault.passphrase': secrets['vault.passphrase']! });
    const real = await cli([
      'run',
      script,
      '--vault',
      join(dir, 'vault'),
      '--public',
      join(dir, 'public'),
      '--answers',
      answers,
      '--allow-network',
    ]);
    expect(real.code).toBe(2);
    expect(real.stderr).toMatch(/this is a rehearsal vault: real ceremonies cannot use it/);
  });

  it('rehearse the root ceremony first when given an empty directory', async () => {
    const dir = join(await tempDir(), 'fresh');
    const result = await cli(['rehearse', script, '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/works on an existing vault: rehearsing .*openpgp-root\.yaml first/);
    expect((await readdir(join(dir, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl'))).toHaveLength(2);
  });

  it('refuse a directory that is neither empty nor a rehearsal', async () => {
    const dir = await copyOfRehearsal();
    const result = await cli(['rehearse', script, '--out', join(dir, 'public')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not empty/);
  });
});
