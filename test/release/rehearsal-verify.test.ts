/**
 * `verify` and `sop verify` on a signature through a rehearsal root: still good (the user pinned that root),
 * but loudly flagged — in the text, on standard error, as `"rehearsal": true` in --json, and as a "comment" and
 * "ext" in SOP's VERIFICATIONS JSON. The keys are made by gpg (the peer), so the mark is recognised in
 * certificates keyceremony did not write; a REHEARSAL user ID that no self-signature binds marks nothing.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOpenPgpData } from '../../src/openpgp/armor.js';
import { PacketTag } from '../../src/openpgp/constants.js';
import { readPackets, writePacket } from '../../src/openpgp/encoding.js';
import { markUserId, isRehearsalUserId } from '../../src/util/rehearsal-mark.js';
import fc from 'fast-check';
import { newGpg, parseColons, type Gpg } from '../helpers/gpg.js';
import { rehearsalSecrets, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

interface GpgRoot {
  readonly keys: string;
  readonly fingerprint: string;
  readonly file: string;
}

/** A gpg key with `userId`, a file it signed, and its exported KEYS. */
async function gpgRoot(gpg: Gpg, userId: string): Promise<GpgRoot> {
  const made = await gpg(['--passphrase', '', '--quick-gen-key', userId, 'ed25519', 'sign', '1y']);
  expect(made.code, made.stderr).toBe(0);
  const listed = parseColons((await gpg(['--with-colons', '--list-keys', userId])).stdout);
  const fingerprint = listed.keys[0]!.fingerprint;
  const dir = await tempDir('kc-gpgroot-');
  const file = join(dir, 'release.tar.gz');
  await writeFile(file, `signed by ${userId}\n`);
  const signed = await gpg(['--armor', '--detach-sign', '--digest-algo', 'SHA256', '-u', `${fingerprint}!`, file]);
  expect(signed.code, signed.stderr).toBe(0);
  const keys = join(dir, 'KEYS');
  await writeFile(keys, (await gpg(['--armor', '--export', fingerprint])).stdout);
  return { keys, fingerprint, file };
}

let gpg: Gpg;
let real: GpgRoot;
let rehearsal: GpgRoot;

beforeAll(async () => {
  gpg = await newGpg();
  real = await gpgRoot(gpg, 'Example Release Root <releases@example.org>');
  rehearsal = await gpgRoot(gpg, 'Example Release Root (REHEARSAL; throwaway) <rehearsal@example.org>');
});

describe('verify', () => {
  it('says nothing about rehearsals for a real root', async () => {
    const text = await cli(['verify', '--keyring', real.keys, real.file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout + text.stderr).not.toMatch(/REHEARSAL/);
    const json = await cli(['verify', '--keyring', real.keys, '--json', real.file]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, rehearsal: false });
  });

  it('warns loudly for a rehearsal root (text, standard error with --json, and the JSON field)', async () => {
    const text = await cli(['verify', '--keyring', rehearsal.keys, rehearsal.file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /Good signature from .*\n.*\n⚠ WARNING: REHEARSAL KEY ⚠\nThis signature was made through a root from a key-ceremony rehearsal/,
    );
    expect(text.stdout).toMatch(/do not trust, install or publish what they signed/);
    const json = await cli(['verify', '--keyring', rehearsal.keys, '--json', rehearsal.file]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, rehearsal: true });
    expect(json.stderr).toMatch(/WARNING: REHEARSAL KEY/);
  });

  it('flags keyceremony’s own rehearsal keys the same way', async () => {
    const dir = sharedRehearsal();
    const folder = join(dir, 'handoff', 'release-manager');
    const key = join(
      folder,
      (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!,
    );
    const pass = join(await tempDir('kc-pass-'), 'pass');
    await writeFile(pass, `${(await rehearsalSecrets(dir))['handoff.release-manager.passphrase']}\n`);
    const file = join(await tempDir('kc-rel-'), 'release.tar.gz');
    await writeFile(file, 'x\n');
    const keys = join(dir, 'public', 'KEYS');
    const signed = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      key,
      '--passphrase-file',
      pass,
      file,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const verified = await cli(['verify', '--keyring', keys, '--json', file]);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, rehearsal: true });
  });

  it('ignores a REHEARSAL user ID that no self-signature binds', async () => {
    // Appended to the real root's certificate, right after its primary key, with no signature.
    const packets = readPackets(await readOpenPgpData(await readFile(real.keys), ['publicKey']));
    const forged = new TextEncoder().encode('Example Release Root (REHEARSAL) <releases@example.org>');
    const bytes = Buffer.concat([
      writePacket(packets[0]!.tag, packets[0]!.body),
      writePacket(PacketTag.userId, forged),
      ...packets.slice(1).map((p) => writePacket(p.tag, p.body)),
    ]);
    const keys = join(await tempDir('kc-forged-'), 'KEYS.gpg');
    await writeFile(keys, bytes);
    const json = await cli(['verify', '--keyring', keys, '--json', '--signature', `${real.file}.asc`, real.file]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, rehearsal: false });
    expect(json.stdout).not.toMatch(/REHEARSAL/);
  });
});

describe('sop verify (the decision: accepted — the caller named its trust roots — and said twice)', () => {
  it('adds a comment and ext to the VERIFICATIONS JSON for a rehearsal root, and warns on standard error', async () => {
    const result = await cli(['sop', 'verify', `${rehearsal.file}.asc`, rehearsal.keys], {
      input: await readFile(rehearsal.file),
    });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout.trim().split(' ').slice(4).join(' ')) as Record<string, unknown>;
    expect(json).toEqual({
      signers: [rehearsal.keys],
      comment: 'REHEARSAL key: made in a key-ceremony rehearsal; never trust what it signed',
      ext: { rehearsal: true },
    });
    expect(result.stderr).toMatch(/keyceremony sop: WARNING: REHEARSAL key/);
    const plain = await cli(['sop', 'verify', `${real.file}.asc`, real.keys], { input: await readFile(real.file) });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/ mode:binary \{"signers":\[".*KEYS"\]\}\n$/);
    expect(plain.stderr).toBe('');
    // sqop, the peer, reads the line keyceremony wrote for the rehearsal root as one verification.
    const peer = await run('sqop', ['verify', `${rehearsal.file}.asc`, rehearsal.keys], {
      input: await readFile(rehearsal.file),
    });
    expect(peer.code).toBe(0);
    expect(peer.stdout.trim().split(' ').slice(0, 3)).toEqual(result.stdout.trim().split(' ').slice(0, 3));
  });
});

describe('the mark', () => {
  it('is recognised on every user ID a rehearsal marks, and only there', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (userId) => {
        expect(isRehearsalUserId(markUserId(userId))).toBe(true);
      }),
    );
    for (const plain of [
      'Wikibase Release Signing Key (Wikimedia Deutschland) <wikibase-releases@wikimedia.de>',
      'REHEARSAL <x@example.org>',
      'Name (rehearsal) <x@example.org>',
      'Name (REHEARSALS) <x@example.org>',
      'Name (not a REHEARSAL) <x@example.org>',
    ]) {
      expect(isRehearsalUserId(plain), plain).toBe(false);
    }
  });
});
