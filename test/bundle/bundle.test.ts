/**
 * The offline bundle end to end, built for real from this checkout (npm ci --omit=dev, pkcs11js compiled, the
 * running node binary): two independent builds are byte-identical; the unpacked bundle runs the default
 * rehearsal, transcript verify and a PKCS#11 token listing in a network namespace with no interfaces and with
 * node and npm hidden; `bundle verify` names a changed, an added and a removed file; the release key made in
 * the rehearsal signs the archive and gpg verifies it. One pair of builds for the whole file (they are the
 * expensive part: ~30 s each on a quiet machine).
 */
import { createHash } from 'node:crypto';
import { createReadStream, realpathSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pgpWordLines } from '../../src/util/fingerprint-display.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { rehearsalSecrets, rootFingerprint } from '../helpers/rehearsal.js';
import { run, shellQuote, type RunResult } from '../helpers/run.js';
import { softHsm } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/tmp.js';

interface Manifest {
  root: string;
  source: { commit: string; dirty: boolean; epoch: number };
  node: { version: string };
  entries: { path: string; type: string; sha256?: string; mode?: string }[];
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `keyceremony bundle` from this checkout, as its own process, with its own cwd, TMPDIR and umask. */
async function build(dir: string, umask: string, out: string): Promise<RunResult> {
  await mkdir(join(dir, 'tmp'));
  await mkdir(join(dir, 'cwd'));
  const env: NodeJS.ProcessEnv = { TMPDIR: join(dir, 'tmp') };
  return run(
    'sh',
    ['-c', `umask ${umask} && exec "$0" "$1" bundle --out "$2" --allow-dirty`, process.execPath, cliPath, out],
    { cwd: join(dir, 'cwd'), env: { ...env, SOURCE_DATE_EPOCH: '' }, timeoutMs: 240_000 },
  );
}

let a: { dir: string; file: string; result: RunResult };
let b: { dir: string; file: string; result: RunResult };
let hash: string;
let manifest: Manifest;
let bundle: string; // the unpacked bundle's root directory
let rehearsal: string;

beforeAll(async () => {
  const dirA = await tempDir('kc-bundle-a-');
  const dirB = await tempDir('kc-bundle-b-');
  // Two independent runs in different directories, with different umasks, the second started 2 s later
  // (run side by side to keep this file's time down; the archive's times come from the commit, not the clock)
  const first = build(dirA, '022', join(dirA, 'keyceremony.tar'));
  await new Promise((r) => setTimeout(r, 2000));
  const second = build(dirB, '077', join(dirB, 'other-name.tar'));
  a = { dir: dirA, file: join(dirA, 'keyceremony.tar'), result: await first };
  b = { dir: dirB, file: join(dirB, 'other-name.tar'), result: await second };
  for (const r of [a, b]) expect(r.result.code, `${r.result.stdout}\n${r.result.stderr}`).toBe(0);
  hash = await fileSha256(a.file);
  const unpackInto = join(dirA, 'unpacked');
  await mkdir(unpackInto);
  const untar = await run('tar', ['-xf', a.file, '-C', unpackInto]);
  expect(untar.code, untar.stderr).toBe(0);
  const [root] = await readdir(unpackInto);
  bundle = join(unpackInto, root as string);
  manifest = JSON.parse(await readFile(join(bundle, 'MANIFEST.json'), 'utf8')) as Manifest;
}, 300_000);

describe('keyceremony bundle', () => {
  it('gives byte-identical archives from two independent builds, and prints their SHA-256 in hex and words', async () => {
    expect(await fileSha256(b.file)).toBe(hash);
    for (const r of [a, b]) {
      expect(r.result.stdout).toContain(`sha256   ${hash}\n`);
      expect(r.result.stdout).toContain(pgpWordLines(hash, 8)[0]);
      expect(r.result.stdout).toMatch(/needs {4}node\/bin\/node: .*GLIBC_2\.\d+/);
      expect(r.result.stdout).toMatch(/tools {4}tsc \d+\.\d+\.\d+; npm \d+\.\d+\.\d+; /);
      expect(await readdir(join(r.dir, 'tmp')), 'staging directories are removed').toEqual([]);
    }
  });

  it('is built from the commit, with the running node binary and production dependencies only', async () => {
    const head = await run('git', ['-C', repoRoot, 'log', '-1', '--format=%H %ct']);
    const [commit, date] = head.stdout.trim().split(' ');
    expect(manifest.source.commit).toBe(commit);
    expect(manifest.source.epoch).toBe(Number(date));
    const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.root).toBe(`keyceremony-${version}-${commit?.slice(0, 12)}-linux-${process.arch}`);
    expect(manifest.node.version).toBe(process.version);
    const byPath = new Map(manifest.entries.map((e) => [e.path, e]));
    expect(byPath.get('node/bin/node')?.sha256).toBe(await fileSha256(realpathSync(process.execPath)));
    expect(byPath.get('node/bin/node')?.mode).toBe('0755');
    expect(byPath.get('bin/keyceremony')?.mode).toBe('0755');
    for (const present of [
      'dist/cli/main.js',
      'node_modules/openpgp/package.json',
      'node_modules/pkcs11js/build/Release/pkcs11.node',
      'ceremonies/openpgp-root.yaml',
      'data/pgp-words.txt',
      'docs/bundle.md',
      'package-lock.json',
    ])
      expect(byPath.has(present), present).toBe(true);
    for (const absent of ['node_modules/typescript', 'node_modules/vitest', 'node_modules/pkcs11js/build/Makefile'])
      expect(byPath.has(absent), absent).toBe(false);
    expect(manifest.entries.some((e) => e.path.startsWith('node_modules/.bin'))).toBe(false);
  });

  it('runs the default rehearsal, transcript verify and a token listing offline, with no node or npm installed', async () => {
    const work = await tempDir('kc-bundle-run-');
    rehearsal = join(work, 'rehearsal');
    const hsm = await softHsm();
    await hsm.initToken('bundle-test');
    const mask = join(work, 'not-installed');
    await writeFile(mask, '');
    // every node/npm/npx/corepack this machine has, hidden behind an empty, non-executable file
    const found = await run('sh', ['-c', 'for t in node npm npx corepack; do command -v $t; done']);
    const hidden = [
      ...new Set(
        found.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((p) => realpathSync(p)),
      ),
    ];
    expect(hidden).toContain(realpathSync(process.execPath));
    const launcher = join(bundle, 'bin', 'keyceremony');
    const script = [
      'set -e',
      ...hidden.map((p) => `mount --bind ${shellQuote(mask)} ${shellQuote(p)}`),
      'for t in node npm npx corepack; do if command -v $t; then echo "still installed: $t"; exit 90; fi; done',
      'echo "interfaces: $(ip -o link | cut -d: -f2 | tr -d " " | tr "\\n" " ")"',
      `${shellQuote(launcher)} rehearse --out ${shellQuote(rehearsal)}`,
      `${shellQuote(launcher)} transcript verify ${shellQuote(join(rehearsal, 'public'))}`,
      `${shellQuote(launcher)} token list --module /usr/lib/softhsm/libsofthsm2.so`,
      // through a symbolic link, as from /usr/local/bin
      `ln -s ${shellQuote(launcher)} ${shellQuote(join(work, 'kc'))}`,
      `${shellQuote(join(work, 'kc'))} version --json > ${shellQuote(join(work, 'version.json'))}`,
    ].join('\n');
    const result = await run(
      'unshare',
      [
        '--user',
        '--map-root-user',
        '--net',
        '--mount',
        'env',
        '-i',
        'PATH=/usr/bin:/bin',
        `HOME=${work}`,
        `SOFTHSM2_CONF=${hsm.conf}`,
        // the launcher clears what would make node load other code
        'NODE_OPTIONS=--require=/nonexistent/inject.js',
        'sh',
        '-c',
        script,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('interfaces: lo \n');
    // env -i: no locale, as on a bare console, so the marks are ASCII (src/util/marks.ts)
    expect(result.stdout).toMatch(/^ *OK transcript .*openpgp-root-REHEARSAL/m);
    expect(result.stdout).not.toMatch(/[✔✘⚠]/);
    expect(result.stdout).toContain('bundle-test');
    const version = JSON.parse(await readFile(join(work, 'version.json'), 'utf8')) as {
      codeSha256: string;
      bundle: { sha256: string; matchesManifest: boolean; commit: string };
    };
    expect(version.bundle).toMatchObject({ sha256: hash, matchesManifest: true, commit: manifest.source.commit });
    expect(version.codeSha256).toBe(hash);
    // the transcript records the bundle hash: an auditor matches it with the published bundle
    const transcripts = await readdir(join(rehearsal, 'public', 'transcripts'));
    const jsonl = transcripts.find((n) => n.endsWith('.jsonl'));
    const text = await readFile(join(rehearsal, 'public', 'transcripts', jsonl as string), 'utf8');
    expect(text).toContain(`"codeSha256":"${hash}"`);
  }, 150_000);

  it('names a changed, an added and a removed file in an unpacked bundle, and the bundle hash changes', async () => {
    const launcher = join(bundle, 'bin', 'keyceremony');
    const runner = join(bundle, 'dist', 'ceremony', 'runner.js');
    const original = await readFile(runner);
    const flipped = Buffer.from(original);
    flipped[100] = (flipped[100] as number) ^ 0x01;
    await writeFile(runner, flipped);
    await writeFile(join(bundle, 'dist', 'cli', 'commands', 'extra.js'), 'export {};\n');
    await rename(join(bundle, 'docs', 'bundle.md'), join(bundle, '..', 'bundle.md.away'));
    try {
      const verify = await run(launcher, ['bundle', 'verify', bundle]);
      expect(verify.code, verify.stderr).toBe(1);
      expect(verify.stdout).toContain('    dist/ceremony/runner.js: changed: SHA-256');
      expect(verify.stdout).toContain('    dist/cli/commands/extra.js: added');
      expect(verify.stdout).toContain('    docs/bundle.md: missing');
      expect(verify.stdout).toMatch(/3 problem\(s\)/);
      const version = await run(launcher, ['version']);
      expect(version.code).toBe(1);
      expect(version.stdout).toMatch(/bundle sha256 [0-9a-f]{64}/);
      expect(version.stdout).not.toContain(hash);
      expect(version.stdout).toMatch(/3 difference\(s\)/);
    } finally {
      await writeFile(runner, original);
      await run('rm', [join(bundle, 'dist', 'cli', 'commands', 'extra.js')]);
      await rename(join(bundle, '..', 'bundle.md.away'), join(bundle, 'docs', 'bundle.md'));
    }
    const clean = await run(launcher, ['bundle', 'verify', bundle]);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toContain(`bundle sha256 ${hash}`);
  });

  it('names the changed file in a damaged copy of the archive', async () => {
    const copy = join(a.dir, 'damaged.tar');
    await run('cp', [a.file, copy]);
    const bytes = await readFile(copy);
    const at = bytes.indexOf('Offline key ceremonies for signing releases'); // README.md's first paragraph
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0x6f; // "offline"
    await writeFile(copy, bytes);
    const verify = await run(join(bundle, 'bin', 'keyceremony'), ['bundle', 'verify', copy]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('    README.md: changed');
    const good = await run(join(bundle, 'bin', 'keyceremony'), ['bundle', 'verify', a.file]);
    expect(good.code, good.stdout).toBe(0);
  });

  it('is signed with a release key and verified by keyceremony and by gpg (how later bundles are published)', async () => {
    expect(rehearsal, 'the offline rehearsal ran').toBeDefined();
    const launcher = join(bundle, 'bin', 'keyceremony');
    const secrets = await rehearsalSecrets(rehearsal);
    const handoff = join(rehearsal, 'handoff', 'release-pipeline');
    const key = (await readdir(handoff)).find((n) => n.endsWith('.sec.asc'));
    const passphrase = join(a.dir, 'passphrase');
    await writeFile(passphrase, `${secrets['handoff.release-pipeline.passphrase']}\n`, { mode: 0o600 });
    const signed = await run(launcher, [
      'sign',
      '--allow-rehearsal',
      '--keyring',
      join(rehearsal, 'public', 'KEYS'),
      '--key',
      join(handoff, key as string),
      '--passphrase-file',
      passphrase,
      a.file,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const root = await rootFingerprint(rehearsal);
    const keys = join(rehearsal, 'public', 'KEYS');
    const verified = await run(launcher, ['verify', '--keyring', keys, '--root', root, a.file]);
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    const home = await tempDir('kc-gpg-');
    const gpg = (...args: string[]): Promise<RunResult> => run('gpg', ['--homedir', home, '--batch', ...args]);
    expect((await gpg('--import', keys)).code).toBe(0);
    const byGpg = await gpg('--status-fd', '1', '--verify', `${a.file}.asc`, a.file);
    expect(byGpg.stdout).toMatch(/\[GNUPG:\] GOODSIG/);
    // a changed archive is refused
    await appendFile(b.file, 'x');
    await run('cp', [`${a.file}.asc`, `${b.file}.asc`]);
    const bad = await run(launcher, ['verify', '--keyring', keys, '--root', root, b.file]);
    expect(bad.code).toBe(1);
  });
});
