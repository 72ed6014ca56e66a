#!/usr/bin/env node
// npm run bench [-- --large] [-- --runs N]
//
// Measures, in one run and on the same page-cached file: keyceremony sign and verify, gpg --detach-sign and
// gpg --verify (SHA-256), and openssl dgst -sha256 as the hashing baseline. Prints wall time, MiB/s, peak RSS
// and throughput ratios against openssl. 1 GiB by default, also 4 GiB with --large. Needs gpg, openssl and
// GNU time (/usr/bin/time, Debian package "time"); the test prerequisites script installs them.
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
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'keyceremony.js');
const args = process.argv.slice(2);
const sizes = args.includes('--large') ? [1, 4] : [1];
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;

for (const tool of ['/usr/bin/time', 'gpg', 'openssl']) {
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

  const results = [];
  for (const gib of sizes) {
    const file = join(work, `release-${gib}g.tar`);
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(16 << 20);
    for (let written = 0; written < gib * 1024 ** 3; written += chunk.length) writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
    execFileSync('sh', ['-c', `cat '${file}' > /dev/null`]); // page cache: every tool reads from memory

    const measure = (name, command, argv, before) => {
      const samples = [];
      for (let i = 0; i < runs; i++) {
        before?.();
        const out = spawnSync('/usr/bin/time', ['-f', 'KCBENCH %e %M', command, ...argv], { encoding: 'utf8' });
        const line = out.stderr.split('\n').find((l) => l.startsWith('KCBENCH '));
        if (out.status !== 0 || !line) throw new Error(`${name} failed (${out.status}): ${out.stderr.slice(-500)}`);
        const [, seconds, kb] = line.split(' ');
        samples.push({ seconds: Number(seconds), rss: Number(kb) / 1024 });
      }
      samples.sort((a, b) => a.seconds - b.seconds);
      const median = samples[Math.floor(samples.length / 2)];
      const rss = Math.max(...samples.map((s) => s.rss));
      results.push({ gib, name, seconds: median.seconds, mibps: (gib * 1024) / median.seconds, rss });
    };
    const asc = `${file}.asc`;
    const clean = () => existsSync(asc) && unlinkSync(asc);
    measure('openssl dgst -sha256', 'openssl', ['dgst', '-sha256', file]);
    measure(
      'keyceremony sign',
      process.execPath,
      [cli, 'sign', '--allow-rehearsal', '--keyring', keys, '--key', keyFile, '--passphrase-file', passFile, file],
      clean,
    );
    measure('keyceremony verify', process.execPath, [cli, 'verify', '--keyring', keys, file]);
    measure(
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
    measure('gpg --verify', 'gpg', ['--batch', '--homedir', gnupg, '--verify', asc, file]);
    rmSync(file, { force: true });
    clean();
  }

  const pad = (s, n) => String(s).padEnd(n);
  console.log(`\nkeyceremony benchmark — ${runs} runs each, median wall time, peak RSS; page-cached input\n`);
  console.log(
    `${pad('size', 6)}${pad('tool', 24)}${pad('wall s', 9)}${pad('MiB/s', 9)}${pad('peak RSS MiB', 14)}vs openssl`,
  );
  for (const r of results) {
    const base = results.find((b) => b.gib === r.gib && b.name.startsWith('openssl'));
    console.log(
      `${pad(`${r.gib} GiB`, 6)}${pad(r.name, 24)}${pad(r.seconds.toFixed(2), 9)}${pad(r.mibps.toFixed(0), 9)}${pad(r.rss.toFixed(0), 14)}${(r.mibps / base.mibps).toFixed(2)}×`,
    );
  }
  console.log('\nTargets: keyceremony sign and verify at least 0.85× openssl throughput; peak RSS at most 128 MiB.');
  let ok = true;
  for (const r of results.filter((x) => x.name.startsWith('keyceremony'))) {
    const base = results.find((b) => b.gib === r.gib && b.name.startsWith('openssl'));
    const ratio = r.mibps / base.mibps;
    const pass = ratio >= 0.85 && r.rss <= 128;
    ok &&= pass;
    console.log(
      `  ${pass ? 'PASS' : 'MISS'}  ${r.gib} GiB ${r.name}: ${ratio.toFixed(2)}× openssl, ${r.rss.toFixed(0)} MiB`,
    );
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
