/**
 * Hand-off keys, `keyceremony sign` and `keyceremony verify` against GnuPG 2.2 and sqop, both ways.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOpenPgpData } from '../../src/openpgp/armor.js';
import { PacketTag } from '../../src/openpgp/constants.js';
import { readPackets } from '../../src/openpgp/encoding.js';
import { parseKeyPacketBody } from '../../src/openpgp/key-packet.js';
import { newGpg, parseColons, type Gpg } from '../helpers/gpg.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
let fpr: string;
let secrets: Record<string, string>;
let keys: string;
const handoff: Record<string, { file: string; pass: string; subkey: string }> = {};

beforeAll(async () => {
  dir = sharedRehearsal();
  fpr = await rootFingerprint(dir);
  secrets = await rehearsalSecrets(dir);
  keys = join(dir, 'public', 'KEYS');
  const passDir = await tempDir();
  for (const signer of ['release-pipeline', 'release-manager']) {
    const folder = join(dir, 'handoff', signer);
    const name = (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!;
    const pass = join(passDir, signer);
    await writeFile(pass, `${secrets[`handoff.${signer}.passphrase`]}\n`);
    handoff[signer] = { file: join(folder, name), pass, subkey: name.slice(0, 40) };
  }
});

async function gpgWithHandoff(signer: string): Promise<Gpg> {
  const gpg = await newGpg();
  const h = handoff[signer]!;
  const imported = await gpg(['--pinentry-mode', 'loopback', '--passphrase-file', h.pass, '--import', h.file]);
  expect(imported.code, imported.stderr).toBe(0);
  await gpg(['--import', keys]);
  return gpg;
}

async function releaseFile(content = 'wikibase release tarball\n'): Promise<string> {
  const file = join(await tempDir('kc-rel-'), 'wikibase-1.0.0.tar.gz');
  await writeFile(file, content);
  return file;
}

describe('hand-off keys', () => {
  it("carry no root secret: every hand-off file has a GNU-dummy primary and only its signer's subkey", async () => {
    for (const [signer, h] of Object.entries(handoff)) {
      const bytes = await readFile(h.file);
      const packets = readPackets(await readOpenPgpData(bytes, ['privateKey']));
      const primary = packets.find((p) => p.tag === PacketTag.secretKey)!;
      const rest = primary.body.subarray(parseKeyPacketBody(primary.body).end);
      expect([rest[0], rest[2], Buffer.from(rest.subarray(4, 7)).toString(), rest[7]], signer).toEqual([
        255,
        101,
        'GNU',
        1,
      ]);
      expect(packets.filter((p) => p.tag === PacketTag.secretSubkey)).toHaveLength(1);
      // An independent reader agrees.
      const key = await openpgp.readPrivateKey({ armoredKey: bytes.toString() });
      expect((key.keyPacket as openpgp.SecretKeyPacket).isDummy()).toBe(true);
      expect(key.getFingerprint().toUpperCase()).toBe(fpr);
      expect(key.subkeys.map((s) => s.getFingerprint().toUpperCase())).toEqual([h.subkey]);
    }
  });

  it("import into gpg as sec# and sign with the subkey; keyceremony verify accepts gpg's signature", async () => {
    const gpg = await gpgWithHandoff('release-manager');
    const listing = (await gpg(['--list-secret-keys'])).stdout;
    expect(listing).toMatch(/^sec#/m);
    const file = await releaseFile();
    const h = handoff['release-manager']!;
    const signed = await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      h.pass,
      '--armor',
      '--detach-sign',
      '--digest-algo',
      'SHA256',
      '-u',
      `${h.subkey}!`,
      file,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const verified = await cli(['verify', '--keyring', keys, file]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/Good signature from "Wikibase Release Signing Key/);
    expect(verified.stdout.replace(/ /g, '')).toContain(`Primarykeyfingerprint:${fpr}`);
    await writeFile(file, 'tampered\n');
    const tampered = await cli(['verify', '--keyring', keys, file]);
    expect(tampered.code).toBe(1);
  });
});

describe('keyceremony sign', () => {
  it('makes signatures that gpg and sqop verify, and that fail for any change to the file', async () => {
    const file = await releaseFile();
    const h = handoff['release-pipeline']!;
    const result = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      h.file,
      '--passphrase-file',
      h.pass,
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${file}.asc`);
    const gpg = await newGpg();
    await gpg(['--import', keys]);
    const byGpg = await gpg(['--status-fd', '1', '--verify', `${file}.asc`, file]);
    expect(byGpg.code, byGpg.stderr).toBe(0);
    expect(byGpg.stdout).toMatch(new RegExp(`VALIDSIG ${h.subkey} .* ${fpr}\\n`));
    const bySqop = await run('sqop', ['verify', `${file}.asc`, keys], { input: await readFile(file) });
    expect(bySqop.code, bySqop.stderr).toBe(0);
    expect((await cli(['verify', '--keyring', keys, file])).code).toBe(0);
    await writeFile(file, 'wikibase release tarball\n\n');
    expect((await gpg(['--verify', `${file}.asc`, file])).code).not.toBe(0);
    expect((await run('sqop', ['verify', `${file}.asc`, keys], { input: await readFile(file) })).code).not.toBe(0);
    expect((await cli(['verify', '--keyring', keys, file])).code).toBe(1);
  });

  it('writes SHA256SUMS and its signature; sha256sum and gpg agree', async () => {
    const a = await releaseFile('a\n');
    const folder = join(a, '..');
    const b = join(folder, 'wikibase-1.0.0.zip');
    await writeFile(b, 'b\n');
    const h = handoff['release-pipeline']!;
    const result = await cli(
      [
        'sign',
        '--allow-rehearsal',
        '--keyring',
        keys,
        '--key',
        h.file,
        '--passphrase-file',
        h.pass,
        '--checksums',
        join(folder, 'SHA256SUMS'),
        a,
        b,
      ],
      { cwd: folder },
    );
    expect(result.code, result.stderr).toBe(0);
    const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: folder });
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/wikibase-1\.0\.0\.tar\.gz: OK\nwikibase-1\.0\.0\.zip: OK/);
    const gpg = await newGpg();
    await gpg(['--import', keys]);
    expect((await gpg(['--verify', join(folder, 'SHA256SUMS.asc'), join(folder, 'SHA256SUMS')])).code).toBe(0);
    expect((await cli(['verify', '--keyring', keys, join(folder, 'SHA256SUMS')])).code).toBe(0);
  });

  it('picks the newest valid release subkey from a key with several, never the transcripts key', async () => {
    const file = await releaseFile();
    const vaultKey = join(dir, 'vault', 'openpgp', `${fpr}.sec.asc`);
    const pass = join(await tempDir(), 'pass');
    await writeFile(pass, secrets['vault.passphrase']!);
    const first = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      vaultKey,
      '--passphrase-file',
      pass,
      file,
    ]);
    expect(first.code, first.stderr).toBe(0);
    const verified = await cli(['verify', '--keyring', keys, '--json', file]);
    const chosen = (JSON.parse(verified.stdout) as { good: { keyFingerprint: string }[] }).good[0]?.keyFingerprint;
    // Both release subkeys were made in the same second: the tie goes to the lowest fingerprint, every time.
    const expected = [handoff['release-pipeline']!.subkey, handoff['release-manager']!.subkey].sort()[0];
    expect(chosen).toBe(expected);
    const transcriptsKey = (await inventoryKeys(dir)).find((k) => k.label === 'ceremony-transcripts')!.id;
    const other = await releaseFile();
    const refused = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      vaultKey,
      '--passphrase-file',
      pass,
      '--subkey',
      transcriptsKey,
      other,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/signs ceremony transcripts only/);
    expect(existsSync(`${other}.asc`)).toBe(false);
  });

  it('refuses a wrong passphrase, a missing file and an existing signature, writing nothing', async () => {
    const file = await releaseFile();
    const h = handoff['release-pipeline']!;
    const wrong = join(await tempDir(), 'wrong');
    await writeFile(wrong, 'not it\n');
    const bad = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      h.file,
      '--passphrase-file',
      wrong,
      file,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/wrong passphrase/);
    const missing = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      h.file,
      '--passphrase-file',
      h.pass,
      file,
      `${file}.missing`,
    ]);
    expect(missing.code).toBe(2);
    expect(existsSync(`${file}.asc`)).toBe(false);
    expect(
      (await cli(['sign', '--allow-rehearsal', '--keyring', keys, '--key', h.file, '--passphrase-file', h.pass, file]))
        .code,
    ).toBe(0);
    const again = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      h.file,
      '--passphrase-file',
      h.pass,
      file,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/never overwrites/);
  });

  it('refuses a checksums file in a directory that does not exist before signing anything', async () => {
    const file = await releaseFile();
    const h = handoff['release-pipeline']!;
    const result = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      h.file,
      '--passphrase-file',
      h.pass,
      '--checksums',
      join(dirname(file), 'no-such-dir', 'SHA256SUMS'),
      file,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot write signatures into .*no-such-dir: it does not exist or is not writable/);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(existsSync(`${file}.asc`)).toBe(false);
  });
});

describe('keyceremony verify (command line)', () => {
  it('exits 1 for garbage and truncated signatures, 2 for missing inputs and an ambiguous keyring', async () => {
    const file = await releaseFile();
    const h = handoff['release-pipeline']!;
    await cli(['sign', '--allow-rehearsal', '--keyring', keys, '--key', h.file, '--passphrase-file', h.pass, file]);
    const asc = await readFile(`${file}.asc`, 'utf8');
    await writeFile(`${file}.sig`, asc.slice(0, asc.length / 2));
    const truncated = await cli(['verify', '--keyring', keys, '--signature', `${file}.sig`, file]);
    expect(truncated.code).toBe(1);
    await writeFile(`${file}.sig`, 'garbage garbage');
    expect((await cli(['verify', '--keyring', keys, '--signature', `${file}.sig`, file])).code).toBe(1);
    expect((await cli(['verify', '--keyring', keys, `${file}.nothing`])).code).toBe(2);
    expect((await cli(['verify', '--keyring', `${keys}.missing`, file])).code).toBe(2);
    const two = join(await tempDir(), 'KEYS2');
    const other = await tempDir();
    expect((await cli(['rehearse', '--out', join(other, 'r')])).code).toBe(0);
    await writeFile(
      two,
      `${await readFile(keys, 'utf8')}\n${await readFile(join(other, 'r', 'public', 'KEYS'), 'utf8')}`,
    );
    const ambiguous = await cli(['verify', '--keyring', two, file]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/pin one with --root/);
    expect((await cli(['verify', '--keyring', two, '--root', fpr, file])).code).toBe(0);
    const otherRoot = await rootFingerprint(join(other, 'r'));
    expect((await cli(['verify', '--keyring', two, '--root', otherRoot, file])).code).toBe(1);
  });

  it('reads a KEYS file that also holds keys of kinds keyceremony does not use (DSA, Curve25519 encryption)', async () => {
    const file = await releaseFile();
    const h = handoff['release-pipeline']!;
    expect(
      (await cli(['sign', '--allow-rehearsal', '--keyring', keys, '--key', h.file, '--passphrase-file', h.pass, file]))
        .code,
    ).toBe(0);
    // Like MediaWiki's keys.txt: other maintainers' keys before ours, including algorithms we never make.
    const gpg = await newGpg();
    for (const [uid, algo] of [
      ['Old Maintainer <old@example.org>', 'dsa2048'],
      ['New Maintainer <new@example.org>', 'future-default'],
    ] as const) {
      expect((await gpg(['--passphrase', '', '--quick-gen-key', uid, algo, 'default', 'never'])).code).toBe(0);
    }
    const foreign = (await gpg(['--armor', '--export'])).stdout;
    expect(foreign).toMatch(/BEGIN PGP PUBLIC KEY BLOCK/);
    const mixed = join(await tempDir(), 'KEYS');
    await writeFile(mixed, `Old and new maintainers\n${foreign}\nThe organisation\n${await readFile(keys, 'utf8')}`);
    const result = await cli(['verify', '--keyring', mixed, '--root', fpr, file]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('reports a damaged KEYS file as bad input (exit 2), not as an internal error', async () => {
    const pub = join(await tempDir(), 'public');
    await run('cp', ['-r', join(dir, 'public'), pub]);
    await writeFile(
      join(pub, 'KEYS'),
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all!\n-----END PGP PUBLIC KEY BLOCK-----\n',
    );
    const result = await cli(['transcript', 'verify', pub]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/KEYS is not an OpenPGP keyring/);
    expect(result.stderr).not.toMatch(/internal error/);
  });

  it('accepts gpg signatures made with the vault key imported into gpg, for each release subkey', async () => {
    const gpg = await newGpg();
    const pass = join(await tempDir(), 'pass');
    await writeFile(pass, secrets['vault.passphrase']!);
    await gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      pass,
      '--import',
      join(dir, 'vault', 'openpgp', `${fpr}.sec.asc`),
    ]);
    const subs = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys.filter((k) => k.type === 'sub');
    for (const sub of subs.slice(0, 2)) {
      const file = await releaseFile(`signed by ${sub.fingerprint}\n`);
      expect(
        (
          await gpg([
            '--pinentry-mode',
            'loopback',
            '--passphrase-file',
            pass,
            '-u',
            `${sub.fingerprint}!`,
            '--detach-sign',
            file,
          ])
        ).code,
      ).toBe(0);
      const result = await cli(['verify', '--keyring', keys, file]);
      expect(result.code, result.stdout).toBe(0);
    }
  });
});

describe('progress', () => {
  it('shows a progress bar on a terminal for files over 64 MiB, and none in a pipe', async () => {
    const { TmuxSession } = await import('../helpers/tmux.js');
    const { cliPath } = await import('../helpers/paths.js');
    const big = join(await tempDir('kc-big-'), 'big.tar');
    await writeFile(big, Buffer.alloc(80 * 1024 * 1024, 7));
    const h = handoff['release-pipeline']!;
    const tmux = new TmuxSession();
    try {
      await tmux.start(
        `${process.execPath} ${cliPath} sign --allow-rehearsal --keyring ${keys} --key ${h.file} --passphrase-file ${h.pass} ${big}; echo "EXIT=$?"; sleep 30`,
      );
      const screen = await tmux.waitFor(/EXIT=\d+/, 30_000);
      expect(screen).toMatch(/signing big\.tar \[#{30}\] 100%\s+80\/80 MiB/);
      expect(screen).toMatch(/EXIT=0/);
    } finally {
      await tmux.stop();
    }
    const piped = await cli(['verify', '--keyring', keys, big]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/\[#+/);
  });
});
