#!/usr/bin/env node
// npm run bench [-- --large] [-- --runs N] [-- --only file|release]
//
// Two measurements, each on page-cached files, with wall time, MiB/s, peak RSS and throughput ratios against
// openssl dgst -sha256 (one process, one core) on the same bytes:
//  - file: one large file — keyceremony sign and verify, gpg --detach-sign and gpg --verify (SHA-256). 1 GiB by
//    default, also 4 GiB with --large.
//  - release: a release of 8 files of 256 MiB with a signed SHA256SUMS — keyceremony verify --checksums (a worker
//    per core, and --jobs 1) against gpg --verify SHA256SUMS.asc + sha256sum -c SHA256SUMS, as a user checks a
//    release by hand.
// Needs gpg, openssl, sha256sum and GNU time (/usr/bin/time, Debian package "time"); the test prerequisites
// script installs them.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  openSync,
  writeSync,
  closeSync,
  rmSync,
  readFileSync,
  writeFileSync,
  readdirSync,
  existsSync,
  unlinkSync,
} from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'keyceremony.js');
const args = process.argv.slice(2);
const sizes = args.includes('--large') ? [1, 4] : [1];
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'file' && only !== 'release') {
  console.error('--only takes "file" or "release"');
  process.exit(2);
}
const loadBefore = loadavg();
const RELEASE_FILES = 8;
const RELEASE_FILE_MIB = 256;

for (const tool of ['/usr/bin/time', 'gpg', 'openssl', 'sha256sum']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench needs ${tool} (Debian packages: time gnupg openssl)`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'kc-bench-'));
const gnupg = join(work, 'gnupg');
try {
  // A rehearsal gives a hand-off key and the public KEYS, exactly as a release pipeline has them.
  execFileSync(process.execPath, [cli, 'rehearse', '--out', join(work, 'r')], { stdio: 'ignore' });
  const secrets = JSON.parse(readFileSync(join(work, 'r', 'rehearsal-secrets.json'), 'utf8'));
  const passFile = join(work, 'pass');
  writeFileSync(passFile, `${secrets['handoff.release-manager.passphrase']}\n`);
  const handoffDir = join(work, 'r', 'handoff', 'release-manager');
  const keyFile = join(
    handoffDir,
    readdirSync(handoffDir).find((n) => n.endsWith('.sec.asc')),
  );
  const subkey = keyFile.split('/').pop().slice(0, 40);
  const keys = join(work, 'r', 'public', 'KEYS');
  execFileSync('mkdir', ['-m', '700', gnupg]);
  execFileSync(
    'gpg',
    [
      '--batch',
      '--homedir',
      gnupg,
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      passFile,
      '--import',
      keyFile,
      keys,
    ],
    { stdio: 'ignore' },
  );

  /** Writes `mib` MiB of random bytes (incompressible, like a tarball) and reads them into the page cache. */
  const randomFile = (file, mib) => {
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(16 << 20);
    for (let written = 0; written < mib * 1024 ** 2; written += chunk.length) writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
    execFileSync('sh', ['-c', `cat '${file}' > /dev/null`]); // page cache: every tool reads from memory
  };

  const results = [];
  /** Median wall time and peak RSS over `runs` runs; `size` labels the row, `mib` is the bytes each run reads. */
  const measure = (size, mib, name, command, argv, options = {}) => {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      options.before?.();
      const out = spawnSync('/usr/bin/time', ['-f', 'KCBENCH %e %M %U %S', command, ...argv], {
        encoding: 'utf8',
        cwd: options.cwd,
      });
      const line = out.stderr.split('\n').find((l) => l.startsWith('KCBENCH '));
      if (out.status !== 0 || !line) throw new Error(`${name} failed (${out.status}): ${out.stderr.slice(-500)}`);
      const [, seconds, kb, user, system] = line.split(' ');
      samples.push({ seconds: Number(seconds), rss: Number(kb) / 1024, cpu: Number(user) + Number(system) });
    }
    samples.sort((a, b) => a.seconds - b.seconds);
    const median = samples[Math.floor(samples.length / 2)];
    const rss = Math.max(...samples.map((s) => s.rss));
    // CPU time (user + system, all threads and children) depends far less on the machine's other load than
    // wall time does: it says how much work each tool does for the same bytes.
    results.push({ size, name, seconds: median.seconds, mibps: mib / median.seconds, rss, cpu: median.cpu });
  };

  for (const gib of only === 'release' ? [] : sizes) {
    const size = `${gib} GiB`;
    const file = join(work, `release-${gib}g.tar`);
    randomFile(file, gib * 1024);
    const measureFile = (name, command, argv, before) => measure(size, gib * 1024, name, command, argv, { before });
    const asc = `${file}.asc`;
    const clean = () => existsSync(asc) && unlinkSync(asc);
    measureFile('openssl dgst -sha256', 'openssl', ['dgst', '-sha256', file]);
    measureFile(
      'keyceremony sign',
      process.execPath,
      [cli, 'sign', '--allow-rehearsal', '--keyring', keys, '--key', keyFile, '--passphrase-file', passFile, file],
      clean,
    );
    measureFile('keyceremony verify', process.execPath, [cli, 'verify', '--keyring', keys, file]);
    measureFile(
      'gpg --detach-sign',
      'gpg',
      [
        '--batch',
        '--homedir',
        gnupg,
        '--pinentry-mode',
        'loopback',
        '--passphrase-file',
        passFile,
        '--digest-algo',
        'SHA256',
        '-u',
        `${subkey}!`,
        '--armor',
        '--detach-sign',
        file,
      ],
      clean,
    );
    measureFile('gpg --verify', 'gpg', ['--batch', '--homedir', gnupg, '--verify', asc, file]);
    rmSync(file, { force: true });
    clean();
  }

  if (only !== 'file') {
    // A release as a pipeline publishes it: 8 tarballs, SHA256SUMS and its signature, signed by keyceremony.
    const size = `${RELEASE_FILES}×${RELEASE_FILE_MIB} MiB`;
    const mib = RELEASE_FILES * RELEASE_FILE_MIB;
    const dir = join(work, 'release');
    execFileSync('mkdir', [dir]);
    const names = Array.from({ length: RELEASE_FILES }, (_, i) => `wikibase-${i + 1}.tar.gz`);
    for (const name of names) randomFile(join(dir, name), RELEASE_FILE_MIB);
    execFileSync(
      process.execPath,
      [
        cli,
        'sign',
        '--allow-rehearsal',
        '--keyring',
        keys,
        '--key',
        keyFile,
        '--passphrase-file',
        passFile,
        '--checksums',
        'SHA256SUMS',
        ...names,
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    execFileSync('sh', ['-c', `cat '${dir}'/*.tar.gz > /dev/null`]);
    const files = names.map((n) => join(dir, n));
    measure(size, mib, 'openssl dgst -sha256', 'openssl', ['dgst', '-sha256', ...files]);
    measure(
      size,
      mib,
      'gpg --verify + sha256sum -c',
      'sh',
      ['-c', `gpg --batch --homedir '${gnupg}' --verify SHA256SUMS.asc SHA256SUMS && sha256sum --quiet -c SHA256SUMS`],
      { cwd: dir },
    );
    measure(size, mib, 'keyceremony --checksums', process.execPath, [
      cli,
      'verify',
      '--keyring',
      keys,
      '--checksums',
      join(dir, 'SHA256SUMS'),
    ]);
    measure(size, mib, 'keyceremony --jobs 1', process.execPath, [
      cli,
      'verify',
      '--keyring',
      keys,
      '--checksums',
      join(dir, 'SHA256SUMS'),
      '--jobs',
      '1',
    ]);
    rmSync(dir, { recursive: true, force: true });
  }

  const pad = (s, n) => String(s).padEnd(n);
  const baseline = (r) => results.find((b) => b.size === r.size && b.name.startsWith('openssl'));
  console.log(`\nkeyceremony benchmark — ${runs} runs each, median wall time, peak RSS; page-cached input`);
  console.log(
    `${availableParallelism()} cores; load average before the run: ${loadBefore
      .map((l) => l.toFixed(2))
      .join(' ')} (a shared machine: measured under whatever else ran)\n`,
  );
  console.log(
    `${pad('size', 14)}${pad('tool', 30)}${pad('wall s', 9)}${pad('CPU s', 8)}${pad('MiB/s', 9)}${pad('peak RSS MiB', 14)}vs openssl`,
  );
  for (const r of results) {
    console.log(
      `${pad(r.size, 14)}${pad(r.name, 30)}${pad(r.seconds.toFixed(2), 9)}${pad(r.cpu.toFixed(2), 8)}${pad(r.mibps.toFixed(0), 9)}${pad(r.rss.toFixed(0), 14)}${(r.mibps / baseline(r).mibps).toFixed(2)}×`,
    );
  }
  // Targets: sign/verify of one file at least 0.85× openssl; a release checked with --checksums at least 1.7×
  // single-core openssl (it hashes on a worker per core); peak RSS at most 128 MiB.
  const targets = [
    ...results.filter((r) => r.name === 'keyceremony sign' || r.name === 'keyceremony verify').map((r) => [r, 0.85]),
    ...results.filter((r) => r.name === 'keyceremony --checksums').map((r) => [r, 1.7]),
  ];
  console.log(
    '\nTargets: one file signed or verified ≥ 0.85× openssl; a release with --checksums ≥ 1.7×; RSS ≤ 128 MiB.',
  );
  let ok = true;
  for (const [r, goal] of targets) {
    const ratio = r.mibps / baseline(r).mibps;
    const pass = ratio >= goal && r.rss <= 128;
    ok &&= pass;
    console.log(
      `  ${pass ? 'PASS' : 'MISS'}  ${r.size} ${r.name}: ${ratio.toFixed(2)}× openssl (goal ${goal}×), ${r.rss.toFixed(0)} MiB`,
    );
  }
  const release = results.find((r) => r.name === 'keyceremony --checksums');
  const byHand = results.find((r) => r.name.startsWith('gpg --verify + sha256sum'));
  if (release && byHand)
    console.log(
      `  keyceremony --checksums is ${(release.mibps / byHand.mibps).toFixed(2)}× gpg --verify + sha256sum -c`,
    );
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
