/**
 * `keyceremony verify --checksums SHA256SUMS`: the list's signature first (under verify's policy), then every
 * listed file, hashed by worker threads. Changed, missing, unreadable and unlisted files are named; the verdict
 * agrees with `sha256sum -c` (the peer) on the same directory; the list reader round-trips what sha256sum
 * writes, escapes included, and refuses what a signed list must not hold.
 */
import { mkdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatChecksumLine, parseChecksumFile } from '../../src/release/checksum-file.js';
import { hashFiles } from '../../src/release/hash-pool.js';
import { rehearsalSecrets, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run, type RunResult } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { readdir } from 'node:fs/promises';

let keys: string;
let key: string;
let pass: string;

const FILES = ['wikibase-1.0.0.tar.gz', 'wikibase-1.0.0.zip', 'wikibase 1.0.0 docs.tar.gz', 'sub/checksums.txt'];

beforeAll(async () => {
  const dir = sharedRehearsal();
  keys = join(dir, 'public', 'KEYS');
  const folder = join(dir, 'handoff', 'release-pipeline');
  key = join(
    folder,
    (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!,
  );
  pass = join(await tempDir('kc-pass-'), 'pass');
  await writeFile(pass, `${(await rehearsalSecrets(dir))['handoff.release-pipeline.passphrase']}\n`);
});

function sign(...args: string[]): Promise<RunResult> {
  return cli(['sign', '--allow-rehearsal', '--keyring', keys, '--key', key, '--passphrase-file', pass, ...args]);
}

/** A release directory signed with --checksums, as the pipeline makes it. */
async function signedRelease(): Promise<string> {
  const dist = await tempDir('kc-dist-');
  await mkdir(join(dist, 'sub'));
  for (const [i, name] of FILES.entries()) await writeFile(join(dist, name), Buffer.alloc(100_000 + i, i + 1));
  const signed = await sign('--checksums', join(dist, 'SHA256SUMS'), ...FILES.map((f) => join(dist, f)));
  expect(signed.code, signed.stderr).toBe(0);
  return dist;
}

function verify(dist: string, ...extra: string[]): Promise<RunResult> {
  return cli(['verify', '--keyring', keys, '--checksums', join(dist, 'SHA256SUMS'), ...extra]);
}

interface Report {
  ok: boolean;
  signature: { ok: boolean; rehearsal: boolean };
  listProblem?: string;
  files: { name: string; status: string }[];
  unlisted: string[];
  summary: { listed: number; ok: number; changed: number; missing: number; workers: number; bytes: number };
}

describe('verify --checksums', () => {
  it('checks the list and every file on a worker per job, with one summary line and a JSON report', async () => {
    const dist = await signedRelease();
    const result = await verify(dist, '--jobs', '2');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const name of FILES) expect(result.stdout).toContain(`✔ ${name}\n`);
    expect(result.stdout).toMatch(/✔ 4 of 4 file\(s\) OK — 0\.4 MiB in \d+\.\d\d s with 2 worker\(s\)\n$/);
    const json = await cli(
      ['verify', '--keyring', keys, '--checksums', join(dist, 'SHA256SUMS'), '--json', '--jobs', '3'],
      { env: { FORCE_COLOR: '1' } },
    );
    expect(json.code).toBe(0);
    // Data only: no colour escapes, no marks.
    expect(json.stdout).not.toContain('\x1b[');
    expect(json.stdout).not.toMatch(/[✔✘⚠]/);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary).toMatchObject({ listed: 4, ok: 4, changed: 0, missing: 0, workers: 3, bytes: 400_006 });
    expect(report.signature).toMatchObject({ ok: true, rehearsal: true });
    expect(report.files.map((f) => f.name)).toEqual(FILES);
  });

  it('names a changed, a missing and an unreadable file, notes an unlisted one, and agrees with sha256sum -c', async () => {
    const dist = await signedRelease();
    await appendFile(join(dist, 'wikibase-1.0.0.zip'), 'x');
    await rm(join(dist, 'wikibase 1.0.0 docs.tar.gz'));
    await rm(join(dist, 'sub', 'checksums.txt'));
    await mkdir(join(dist, 'sub', 'checksums.txt'));
    await writeFile(join(dist, 'unsigned-extra.tar.gz'), 'slipped in\n');
    const result = await verify(dist);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✔ wikibase-1.0.0.tar.gz\n');
    expect(result.stdout).toMatch(
      /✘ wikibase-1\.0\.0\.zip: CHANGED \(SHA-256 [0-9a-f]{64}, the list says [0-9a-f]{64}\)/,
    );
    expect(result.stdout).toContain('✘ wikibase 1.0.0 docs.tar.gz: MISSING');
    expect(result.stdout).toContain('✘ sub/checksums.txt: UNREADABLE (EISDIR)');
    expect(result.stdout).toContain('- unsigned-extra.tar.gz: not in');
    expect(result.stdout).toMatch(/✘ 1 of 4 file\(s\) OK, 1 changed, 1 missing, 1 unreadable, 1 not listed/);
    expect(result.stderr).toMatch(/3 file\(s\) do not match the signed list/);
    // The peer, run where the list is: the same files fail.
    const peer = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist, env: { LC_ALL: 'C' } });
    expect(peer.code).toBe(1);
    const failed = peer.stdout
      .split('\n')
      .filter((l) => /: FAILED/.test(l))
      .map((l) => l.replace(/: FAILED.*$/, ''))
      .sort();
    expect(failed).toEqual(['sub/checksums.txt', 'wikibase 1.0.0 docs.tar.gz', 'wikibase-1.0.0.zip']);
  });

  it('--exact fails for an unlisted file; --ignore-missing skips missing ones but needs one present', async () => {
    const dist = await signedRelease();
    await writeFile(join(dist, 'unsigned-extra.tar.gz'), 'slipped in\n');
    expect((await verify(dist)).code).toBe(0);
    const exact = await verify(dist, '--exact');
    expect(exact.code).toBe(1);
    expect(exact.stdout).toContain('✘ unsigned-extra.tar.gz: not in');
    expect(exact.stderr).toMatch(/unsigned-extra\.tar\.gz: not listed/);
    // A user who downloaded one file of the release.
    for (const name of FILES.slice(1)) await rm(join(dist, name));
    expect((await verify(dist)).code).toBe(1);
    const one = await verify(dist, '--ignore-missing');
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toMatch(/1 of 4 file\(s\) OK, 3 skipped/);
    await rm(join(dist, FILES[0]!));
    const none = await verify(dist, '--ignore-missing');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no listed file is here/);
  });

  it('checks no file when the list itself is not signed as it is, and refuses a signed list it cannot read', async () => {
    const dist = await signedRelease();
    const list = join(dist, 'SHA256SUMS');
    const original = await readFile(list, 'utf8');
    // An attacker who changed a file and its line: the list's signature no longer holds.
    await writeFile(join(dist, FILES[0]!), 'evil\n');
    const evil = (await run('sha256sum', [FILES[0]!], { cwd: dist })).stdout;
    await writeFile(list, original.replace(/^.*wikibase-1\.0\.0\.tar\.gz\n/m, evil));
    const forged = await cli(['verify', '--keyring', keys, '--checksums', list, '--json']);
    expect(forged.code).toBe(1);
    const report = JSON.parse(forged.stdout) as Report;
    expect(report.signature.ok).toBe(false);
    expect(report.files).toEqual([]);
    // A list that is signed but is not a checksum list a verifier may act on.
    for (const [content, reason] of [
      [`${original}not a checksum line\n`, /line 5: not a checksum line/],
      [`${original}${'0'.repeat(64)}  ../outside\n`, /line 5: "\.\.\/outside" leaves the list's directory/],
      [
        `${original}${original.split('\n')[0]}\n`,
        /line 5: "wikibase-1\.0\.0\.tar\.gz" is listed twice \(also on line 1\)/,
      ],
    ] as const) {
      await rm(list, { force: true });
      await rm(`${list}.asc`, { force: true });
      await writeFile(list, content);
      expect((await sign(list)).code).toBe(0);
      const refused = await verify(dist);
      expect(refused.code, refused.stdout).toBe(1);
      expect(refused.stderr).toMatch(reason);
    }
  });
});

describe('the hashing pool', () => {
  it('spreads files over its workers and hashes each like sha256sum', async () => {
    const dir = await tempDir('kc-pool-');
    const paths: string[] = [];
    for (let i = 0; i < 6; i++) {
      paths.push(join(dir, `f${i}`));
      await writeFile(join(dir, `f${i}`), Buffer.alloc(5 * 1024 * 1024 + i, i));
    }
    const outcomes = await hashFiles([...paths, join(dir, 'absent')], 2);
    const threads = new Set(outcomes.map((o) => o.thread));
    expect(threads.size).toBe(2);
    const peer = (await run('sha256sum', paths)).stdout
      .trim()
      .split('\n')
      .map((l) => l.slice(0, 64));
    expect(outcomes.slice(0, 6).map((o) => (o.ok ? o.sha256 : o.code))).toEqual(peer);
    expect(outcomes[6]).toMatchObject({ ok: false, code: 'ENOENT' });
  });
});

describe('the checksum list format', () => {
  const safeName = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 40 })
    .filter(
      (n) =>
        !n.startsWith('/') &&
        !n.split('/').includes('..') &&
        !n.includes('\0') &&
        !/^(\.\/)+/.test(n) &&
        !/\/\//.test(n) &&
        n.replace(/^(\.\/)+/, '').replace(/\/+/g, '/') === n,
    );

  it('reads back every line it writes (escaped names included)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[0-9a-fA-F]{64}$/), safeName), {
          minLength: 1,
          maxLength: 8,
          selector: ([, name]) => name,
        }),
        (entries) => {
          const text = entries.map(([sha, name]) => formatChecksumLine(sha, name)).join('');
          expect(parseChecksumFile(text).map((e) => [e.sha256, e.name])).toEqual(
            entries.map(([sha, name]) => [sha.toLowerCase(), name]),
          );
        },
      ),
    );
  });

  it('writes names with a backslash or a line feed the way sha256sum -c reads them', async () => {
    const dir = await tempDir('kc-esc-');
    const names = ['back\\slash.tar', 'line\nfeed.tar', 'plain.tar'];
    const lines: string[] = [];
    for (const name of names) {
      await writeFile(join(dir, name), name);
      const sha = (await run('sha256sum', [join(dir, name)])).stdout.replace(/^\\/, '').slice(0, 64);
      lines.push(formatChecksumLine(sha, name));
    }
    await writeFile(join(dir, 'SUMS'), lines.join(''));
    const peer = await run('sha256sum', ['-c', 'SUMS'], { cwd: dir, env: { LC_ALL: 'C' } });
    expect(peer.code, peer.stdout + peer.stderr).toBe(0);
    expect(parseChecksumFile(lines.join('')).map((e) => e.name)).toEqual(names);
  });

  it('refuses any line that is not exactly a checksum line', () => {
    const good = `${'a'.repeat(64)}  file\n`;
    for (const bad of [
      `${'a'.repeat(63)}  file\n`,
      `${'g'.repeat(64)}  file\n`,
      `${'a'.repeat(64)} file\n`,
      `${'a'.repeat(64)}  \n`,
      `${'a'.repeat(64)}  /etc/passwd\n`,
      `${'a'.repeat(64)}  file\r\n`,
      `\\${'a'.repeat(64)}  bad\\qescape\n`,
      '\n',
    ]) {
      expect(() => parseChecksumFile(good + bad), JSON.stringify(bad)).toThrow();
    }
    expect(() => parseChecksumFile('')).toThrow(/the list is empty/);
    expect(parseChecksumFile(`${'A'.repeat(64)} *binary-mode\n`)[0]).toMatchObject({
      sha256: 'a'.repeat(64),
      name: 'binary-mode',
    });
  });
});
