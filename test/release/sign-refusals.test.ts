/**
 * `keyceremony sign` refuses what must never sign a release by accident: a rehearsal key (unless
 * --allow-rehearsal), a subkey revoked after its hand-off (the revocation is only in the published KEYS), a
 * revoked root, an expired subkey, a subkey users cannot verify yet, a KEYS file without the key's root — and
 * it warns (or, with --fail-days, refuses) before an expiry bites. Every refusal writes nothing.
 *
 * The keys come from rehearsals, run the way the ceremony team runs them: the shared root rehearsal, the
 * shipped rotation on a copy of it, and a root rehearsed 375 days ago (KEYCEREMONY_FAKE_NOW) whose one-year
 * pipeline subkey has expired since.
 */
import { existsSync } from 'node:fs';
import { cp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ceremoniesDir } from '../helpers/paths.js';
import { copyOfRehearsal, rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run, type RunResult } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;

interface Handoff {
  readonly key: string;
  readonly pass: string;
  readonly subkey: string;
}

/** The hand-off key of `signer` in `folder` (DIR/handoff or DIR/handoff-2), with its passphrase in a file. */
async function handoff(dir: string, folder: string, signer: string): Promise<Handoff> {
  const path = join(dir, folder, signer);
  const name = (await readdir(path)).find((n) => n.endsWith('.sec.asc'))!;
  const pass = join(await tempDir('kc-pass-'), 'pass');
  await writeFile(pass, `${(await rehearsalSecrets(dir))[`handoff.${signer}.passphrase`]}\n`, { mode: 0o600 });
  return { key: join(path, name), pass, subkey: name.slice(0, 40) };
}

async function release(): Promise<string> {
  const file = join(await tempDir('kc-rel-'), 'wikibase-1.0.0.tar.gz');
  await writeFile(file, 'a release tarball\n');
  return file;
}

function sign(h: Handoff, keys: string, file: string | undefined, ...extra: string[]): Promise<RunResult> {
  return cli(
    ['sign', '--key', h.key, '--passphrase-file', h.pass, '--keyring', keys, ...extra, ...(file ? [file] : [])],
    { env: { GITHUB_ACTIONS: '' } },
  );
}

/** A refusal: exit 1, the reason on stderr, no signature written. */
function expectRefused(result: RunResult, file: string | undefined, reason: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(/internal error/);
  if (file) expect(existsSync(`${file}.asc`)).toBe(false);
}

let shared: string;
let sharedKeys: string;
let pipeline: Handoff;

beforeAll(async () => {
  shared = sharedRehearsal();
  sharedKeys = join(shared, 'public', 'KEYS');
  pipeline = await handoff(shared, 'handoff', 'release-pipeline');
});

describe('a rehearsal key', () => {
  it('is refused without --allow-rehearsal, and signs with it only with a warning', async () => {
    const file = await release();
    expectRefused(await sign(pipeline, sharedKeys, file), file, /the root [0-9A-F]{40} is a REHEARSAL key/);
    const allowed = await sign(pipeline, sharedKeys, file, '--allow-rehearsal');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/warning: .* is a REHEARSAL key \(--allow-rehearsal\): never publish/);
    expect(existsSync(`${file}.asc`)).toBe(true);
  });

  it('is also refused by --check, which signs nothing', async () => {
    expectRefused(await sign(pipeline, sharedKeys, undefined, '--check'), undefined, /REHEARSAL key/);
    const checked = await sign(pipeline, sharedKeys, undefined, '--check', '--allow-rehearsal');
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stderr).toMatch(/The key can sign: subkey .* of root/);
    expect(checked.stdout).toBe('');
  });
});

describe('the published keyring', () => {
  it('must hold the key file’s root, and --root must name it', async () => {
    const file = await release();
    const other = join(await tempDir('kc-other-'), 'r');
    expect((await cli(['rehearse', '--out', other])).code).toBe(0);
    expectRefused(
      await sign(pipeline, join(other, 'public', 'KEYS'), file, '--allow-rehearsal'),
      file,
      /does not hold the key file's root [0-9A-F]{40}: users could not verify what it signs/,
    );
    expectRefused(
      await sign(pipeline, sharedKeys, file, '--allow-rehearsal', '--root', await rootFingerprint(other)),
      file,
      /the key file's root is [0-9A-F]{40}, not the pinned --root/,
    );
    const pinned = await sign(pipeline, sharedKeys, file, '--allow-rehearsal', '--root', await rootFingerprint(shared));
    expect(pinned.code, pinned.stderr).toBe(0);
  });
});

describe('a subkey revoked by gpg, not by keyceremony', () => {
  it("is refused once the KEYS file carries gpg's revocation; the same key signs against the KEYS as published", async () => {
    // A peer-made revocation: gpg, given the vault's root key, revokes the pipeline subkey as compromised.
    const home = await tempDir('kc-gpg-revoke-');
    const gpg = (args: string[], input = ''): Promise<RunResult> =>
      run('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', ...args], { input });
    const root = await rootFingerprint(shared);
    const passphrase = (await rehearsalSecrets(shared))['vault.passphrase']!;
    const imported = await gpg(
      ['--passphrase-fd', '0', '--import', join(shared, 'vault', 'openpgp', `${root}.sec.asc`)],
      `${passphrase}\n`,
    );
    expect(imported.code, imported.stderr).toBe(0);
    const revoked = await gpg(
      ['--passphrase', passphrase, '--command-fd', '0', '--edit-key', root],
      `key ${pipeline.subkey}\nrevkey\ny\n1\ncompromised in a test\n\ny\nsave\n`,
    );
    expect(revoked.code, revoked.stderr).toBe(0);
    const exported = await gpg(['--armor', '--export', root]);
    const keys = join(await tempDir('kc-gpg-keys-'), 'KEYS');
    await writeFile(keys, exported.stdout);
    const listed = await gpg(['--list-options', 'show-unusable-subkeys', '--with-colons', '--list-keys', root]);
    expect(listed.stdout).toMatch(new RegExp(`sub:r:[^\\n]*\\nfpr:+${pipeline.subkey}:`));

    const file = await release();
    expectRefused(await sign(pipeline, keys, file, '--allow-rehearsal'), file, /was revoked \(compromised\)/);
    const control = await sign(pipeline, sharedKeys, file, '--allow-rehearsal');
    expect(control.code, control.stderr).toBe(0);
  });
});

describe('after a rotation (the shipped script) revoked the pipeline subkey and added its successor', () => {
  let dir: string;
  let oldKeys: string;
  let newKeys: string;

  beforeAll(async () => {
    dir = await copyOfRehearsal();
    oldKeys = join(await tempDir('kc-keys-'), 'KEYS.before');
    await cp(join(dir, 'public', 'KEYS'), oldKeys);
    const rotated = await cli(['rehearse', join(ceremoniesDir, 'openpgp-rotate.yaml'), '--out', dir]);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    newKeys = join(dir, 'public', 'KEYS');
  });

  it('refuses the old hand-off key: its revocation is only in the new KEYS, not in the key file', async () => {
    const file = await release();
    const old = await handoff(dir, 'handoff', 'release-pipeline');
    // The same key file signed before the rotation, against the KEYS of then.
    expect((await sign(old, oldKeys, undefined, '--allow-rehearsal', '--check')).code).toBe(0);
    expectRefused(
      await sign(old, newKeys, file, '--allow-rehearsal'),
      file,
      new RegExp(`refusing to sign: subkey ${old.subkey} was revoked \\(superseded\\) on `),
    );
  });

  it('refuses the new hand-off key against the old KEYS: users could not verify it yet', async () => {
    const file = await release();
    const next = await handoff(dir, 'handoff-2', 'release-pipeline');
    expectRefused(
      await sign(next, oldKeys, file, '--allow-rehearsal'),
      file,
      /keyceremony verify would refuse a signature made now against .*KEYS\.before: made by key [0-9A-F]+, which is not part of the pinned root/,
    );
    const signed = await sign(next, newKeys, file, '--allow-rehearsal');
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stderr).toMatch(
      new RegExp(`Signed with subkey ${next.subkey.replace(/(.{4})/g, '$1 ').slice(0, 9)}`),
    );
  });

  it('refuses every key once the root itself is revoked', async () => {
    const revoked = await copyOfRehearsal();
    const result = await cli(['rehearse', join(ceremoniesDir, 'openpgp-revoke.yaml'), '--out', revoked]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const file = await release();
    expectRefused(
      await sign(pipeline, join(revoked, 'public', 'KEYS'), file, '--allow-rehearsal'),
      file,
      /refusing to sign: the root [0-9A-F]{40} was revoked \(superseded\)/,
    );
  });
});

describe('a root rehearsed 375 days ago (one-year pipeline subkey, two-year manager subkey)', () => {
  let dir: string;
  let keys: string;

  beforeAll(async () => {
    dir = join(await tempDir('kc-old-'), 'r');
    const made = await cli(['rehearse', '--out', dir], {
      env: { KEYCEREMONY_FAKE_NOW: new Date(Date.now() - 375 * DAY).toISOString() },
    });
    expect(made.code, made.stdout + made.stderr).toBe(0);
    keys = join(dir, 'public', 'KEYS');
  });

  it('refuses the expired pipeline subkey, naming the expiry', async () => {
    const file = await release();
    const old = await handoff(dir, 'handoff', 'release-pipeline');
    expectRefused(
      await sign(old, keys, file, '--allow-rehearsal'),
      file,
      new RegExp(`refusing to sign: subkey ${old.subkey} expired on 20\\d\\d-`),
    );
  });

  it('warns within --warn-days (an annotation on GitHub Actions) and refuses within --fail-days', async () => {
    const file = await release();
    const manager = await handoff(dir, 'handoff', 'release-manager');
    const quiet = await sign(manager, keys, file, '--allow-rehearsal', '--warn-days', '300');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/expires on/);
    const warned = await cli(
      [
        'sign',
        '--key',
        manager.key,
        '--passphrase-file',
        manager.pass,
        '--keyring',
        keys,
        '--allow-rehearsal',
        '--check',
        '--warn-days',
        '400',
      ],
      { env: { GITHUB_ACTIONS: 'true' } },
    );
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(
      /warning: the signing subkey .* expires on 20\d\d-.*, in 3\d\d days: ask the ceremony team/,
    );
    expect(warned.stderr).toMatch(/^::warning title=Release signing key expires in 3\d\d days::the signing subkey /m);
    expect(warned.stdout).toBe('');
    const other = await release();
    const failed = await sign(manager, keys, other, '--allow-rehearsal', '--fail-days', '400');
    expectRefused(
      failed,
      other,
      /refusing to sign: the signing subkey .* expires on .*, in 3\d\d days \(--fail-days 400\)/,
    );
  });
});
