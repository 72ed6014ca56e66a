/**
 * OpenPGP roots on a PKCS#11 token, end to end through the CLI: `keyceremony rehearse` of the shipped token
 * ceremony (a throwaway SoftHSM2 token) and of imported copies; the certificate, the transcript signature and
 * release signatures through that chain checked by GnuPG 2.2 and sqop.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newGpg, parseColons } from '../helpers/gpg.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir, fixturesDir } from '../helpers/paths.js';
import { rehearsalSecrets } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

async function transcriptEntries(dir: string): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const names = (await readdir(join(dir, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl'));
  const text = await readFile(join(dir, 'public', 'transcripts', names[0]!), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
}

describe('rehearse ceremonies/openpgp-root-token.yaml', () => {
  let dir: string;
  let output: string;
  let secrets: Record<string, string>;

  beforeAll(async () => {
    dir = join(await tempDir(), 'token-rehearsal');
    const result = await cli(['rehearse', join(ceremoniesDir, 'openpgp-root-token.yaml'), '--out', dir]);
    output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    secrets = await rehearsalSecrets(dir);
  });

  it('makes a P-256 [C] primary that lives on the throwaway token, with its transcripts key there too', async () => {
    const keys = await inventoryKeys(dir);
    const root = keys.find((k) => k.kind === 'openpgp-primary')!;
    expect(root.location.type).toBe('pkcs11');
    expect(root.location.uri).toMatch(
      /^pkcs11:token=wikibase-root;serial=[0-9a-f]{16};object=openpgp-root;type=private;id=(%[0-9A-F]{2}){16}$/,
    );
    const transcripts = keys.find((k) => k.role === 'transcripts')!;
    expect(transcripts.location.uri).toMatch(/object=openpgp-root-transcripts;/);
    expect(keys.filter((k) => k.role === 'signing').map((k) => k.location.type)).toEqual(['file', 'file']);

    const gpg = await newGpg();
    expect((await gpg(['--import', join(dir, 'public', 'KEYS')])).code).toBe(0);
    const listing = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout);
    const primary = listing.keys[0]!;
    expect(primary.type).toBe('pub');
    expect(primary.algorithm).toBe('19'); // ECDSA
    expect(primary.capabilities).toMatch(/^c[A-Z]*$/); // certify only
    expect(primary.fingerprint).toBe(root.id);
    expect((await gpg(['--with-colons', '--list-keys'])).stdout).toMatch(/^pub:.*:nistp256:/m);

    // The vault key holds only a stub for the token keys: gpg lists them as sec# / ssb#.
    const imported = await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      secrets['vault.passphrase']!,
      '--import',
      join(dir, 'vault', 'openpgp', `${root.id}.sec.asc`),
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const secret = (await gpg(['--list-secret-keys'])).stdout;
    expect(secret).toMatch(/^sec# +nistp256 .*\[C\]/m);
    expect(secret).toMatch(/^ssb# +nistp256 .*\[S\]/m);
    expect(secret.match(/^ssb +ed25519 .*\[S\]/gm)).toHaveLength(2);
  });

  it('records the token and the choice in the transcript, keeps the PINs out of it, removes the token', async () => {
    const entries = await transcriptEntries(dir);
    const throwaway = entries.find((e) => e.event === 'token.throwaway')!;
    expect(throwaway.data['pins']).toEqual(['token.wikibase-root.so-pin', 'token.wikibase-root.pin']);
    expect(existsSync(throwaway.data['directory'] as string)).toBe(false);
    const created = entries.filter((e) => e.event === 'token.key-created');
    expect(created.map((e) => [e.data['what'], e.data['generation']])).toEqual([
      ['OpenPGP root', 'on-token'],
      ['ceremony-transcripts', 'on-token'],
    ]);
    expect(
      Object.keys(secrets)
        .filter((k) => k.startsWith('token.'))
        .sort(),
    ).toEqual(['token.wikibase-root.pin', 'token.wikibase-root.so-pin']);
    expect(Object.keys(secrets)).toEqual(
      expect.arrayContaining(['vault.passphrase', 'backup.passphrase', 'handoff.release-pipeline.passphrase']),
    );
    expect(output).toMatch(/rehearsal-secrets\.json: .*token\.wikibase-root\.pin/);
    const pins = [secrets['token.wikibase-root.pin']!, secrets['token.wikibase-root.so-pin']!];
    for (const tree of ['public', 'vault']) {
      for (const file of await readdir(join(dir, tree), { recursive: true })) {
        const content = await readFile(join(dir, tree, file)).catch(() => Buffer.alloc(0)); // directories read as empty
        for (const pin of pins) expect(content.includes(pin), `${tree}/${file}`).toBe(false);
      }
    }
    expect(output).not.toContain(secrets['token.wikibase-root.pin']);
  });

  it('has a transcript signature by the token key that gpg, sqop and keyceremony accept', async () => {
    const names = (await readdir(join(dir, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl'));
    const jsonl = join(dir, 'public', 'transcripts', names[0]!);
    const gpg = await newGpg();
    await gpg(['--import', join(dir, 'public', 'KEYS')]);
    const verified = await gpg(['--verify', `${jsonl}.asc`, jsonl]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toMatch(/Good signature/);
    const sqop = await run('sqop', ['verify', `${jsonl}.asc`, join(dir, 'public', 'KEYS')], {
      input: await readFile(jsonl),
    });
    expect(sqop.code, sqop.stderr).toBe(0);
    const ours = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(ours.code, ours.stdout).toBe(0);
  });

  it('gives release signatures through that chain that gpg and sqop verify', async () => {
    const keys = await inventoryKeys(dir);
    const root = keys.find((k) => k.kind === 'openpgp-primary')!;
    const release = keys.find((k) => k.label === 'release-pipeline')!;
    const signerGpg = await newGpg();
    await signerGpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      secrets['vault.passphrase']!,
      '--import',
      join(dir, 'vault', 'openpgp', `${root.id}.sec.asc`),
    ]);
    const tarball = join(await tempDir(), 'wikibase-1.0.tar.gz');
    await writeFile(tarball, 'release bytes\n');
    const signed = await signerGpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      secrets['vault.passphrase']!,
      '-u',
      `${release.id}!`,
      '--armor',
      '--detach-sign',
      tarball,
    ]);
    expect(signed.code, signed.stderr).toBe(0);

    const verifier = await newGpg();
    await verifier(['--import', join(dir, 'public', 'KEYS')]);
    const verified = await verifier(['--verify', `${tarball}.asc`, tarball]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(/Primary key fingerprint: ([0-9A-F ]+)/.exec(verified.stderr)?.[1]?.replace(/ /g, '')).toBe(root.id);
    const sqop = await run('sqop', ['verify', `${tarball}.asc`, join(dir, 'public', 'KEYS')], {
      input: await readFile(tarball),
    });
    expect(sqop.code, sqop.stderr).toBe(0);
    // And a tampered tarball is refused.
    await writeFile(tarball, 'release bytes, changed\n');
    expect((await verifier(['--verify', `${tarball}.asc`, tarball])).code).not.toBe(0);
  });
});

describe('imported copies', () => {
  it('imports the same root onto two tokens, keeps its encrypted backup in the vault, and records both serials', async () => {
    const dir = join(await tempDir(), 'copies');
    const result = await cli([
      'rehearse',
      join(fixturesDir, 'ceremonies', 'openpgp-root-token-copies.yaml'),
      '--out',
      dir,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const keys = await inventoryKeys(dir);
    const root = keys.find((k) => k.kind === 'openpgp-primary')!;
    // No serial: any copy matches.
    expect(root.location.uri).toBe('pkcs11:object=example-root;type=private;id=%0A');
    const entries = await transcriptEntries(dir);
    const imported = entries.filter((e) => e.event === 'token.key-imported');
    expect(imported).toHaveLength(2);
    const serials = imported.map((e) => (e.data['token'] as { serial: string }).serial);
    expect(new Set(serials).size).toBe(2);
    expect(imported.map((e) => (e.data['token'] as { label: string }).label)).toEqual(['root-a', 'root-b']);
    expect(entries.filter((e) => e.event === 'token.key-created').map((e) => e.data['what'])).toEqual([
      'ceremony-transcripts',
    ]);

    const secrets = await rehearsalSecrets(dir);
    expect(Object.keys(secrets).sort()).toEqual([
      'token.root-a.pin',
      'token.root-a.so-pin',
      'token.root-b.pin',
      'token.root-b.so-pin',
      'vault.passphrase',
    ]);
    const gpg = await newGpg();
    await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      secrets['vault.passphrase']!,
      '--import',
      join(dir, 'vault', 'openpgp', `${root.id}.sec.asc`),
    ]);
    const listing = (await gpg(['--list-secret-keys'])).stdout;
    expect(listing).toMatch(/^sec +ed25519 .*\[C\]/m); // the backup: a real secret, not a stub
    expect(listing).toMatch(/^ssb# +nistp256 .*\[S\]/m); // the transcripts key was generated on the token
    const plan = await cli(['plan', join(fixturesDir, 'ceremonies', 'openpgp-root-token-copies.yaml')]);
    expect(plan.stdout).toMatch(
      /root key on the token \(label "example-root"\): generated in software, encrypted backup in the vault, imported non-extractable onto 2 token\(s\)/,
    );
    expect(plan.stdout).toMatch(
      /transcripts subkey on the token .*: generated on the token, non-extractable: no backup is possible/,
    );
  });
});
