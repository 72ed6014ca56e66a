/** What the quorum tests share: rehearsals under a quorum, their secrets, and gpg checks of the vault file. */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { decodeShare } from '../../src/backup/share-code.js';
import { combineShares } from '../../src/backup/sharing.js';
import { newGpg } from '../helpers/gpg.js';
import { walkFiles } from '../helpers/files.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli, type RunResult } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

export const quorumRootScript = join(ceremoniesDir, 'openpgp-root-quorum.yaml');
export const rotateScript = join(ceremoniesDir, 'openpgp-rotate.yaml');
export const reshareScript = join(ceremoniesDir, 'quorum-reshare.yaml');

export async function secretsOf(dir: string): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(dir, 'rehearsal-secrets.json'), 'utf8')) as Record<string, string>;
}

export async function rehearse(
  script: string,
  dir: string,
  answers?: Record<string, string | boolean>,
): Promise<RunResult> {
  const args = ['rehearse', script, '--out', dir];
  if (answers) {
    const file = join(await tempDir('kc-quorum-answers-'), 'answers.json');
    // YAML is a superset of JSON: the answers file takes it as it is.
    await writeFile(file, JSON.stringify(answers));
    args.push('--answers', file);
  }
  return cli(args);
}

export async function copyDir(dir: string): Promise<string> {
  const copy = join(await tempDir('kc-quorum-copy-'), 'rehearsal');
  await cp(dir, copy, { recursive: true });
  return copy;
}

/** The vault's root secret key file. */
export async function vaultKeyFile(dir: string): Promise<string> {
  const names = await readdir(join(dir, 'vault', 'openpgp'));
  const sec = names.find((n) => n.endsWith('.sec.asc'));
  if (!sec) throw new Error('no secret key file in the vault');
  return join(dir, 'vault', 'openpgp', sec);
}

/** The passphrase k officer shares (as words) rebuild. */
export async function rebuild(...shares: string[]): Promise<string> {
  return combineShares(shares.map((s) => decodeShare(s)));
}

/** Whether gpg, given `passphrase`, can sign with a subkey of the vault's secret key file. */
export async function gpgSignsWith(keyFile: string, passphrase: string): Promise<boolean> {
  const gpg = await newGpg();
  const work = await tempDir('kc-quorum-gpg-');
  const pp = join(work, 'pp');
  await writeFile(pp, passphrase);
  await gpg(['--pinentry-mode', 'loopback', '--passphrase-file', pp, '--import', keyFile]);
  const listed = (await gpg(['--with-colons', '--list-keys'])).stdout;
  const sub = /^fpr:+([0-9A-F]{40}):/gm;
  const fprs = [...listed.matchAll(sub)].map((m) => m[1]!);
  expect(fprs.length).toBeGreaterThan(1);
  const data = join(work, 'file');
  await writeFile(data, 'x\n');
  const signed = await gpg([
    '--pinentry-mode',
    'loopback',
    '--passphrase-file',
    pp,
    '-u',
    `${fprs[1]}!`,
    '--detach-sign',
    data,
  ]);
  return signed.code === 0;
}

/** No file under `dir` contains any of `needles`. */
export async function expectNowhere(dir: string, needles: readonly string[]): Promise<void> {
  for (const file of await walkFiles(dir)) {
    const text = await readFile(file, 'latin1');
    for (const needle of needles) expect(text.includes(needle), `${file} contains a secret`).toBe(false);
  }
}

/** Transcript entries of the newest (aborted or complete) transcript in a public tree. */
export async function transcriptEntries(
  publicDir: string,
  match: (name: string) => boolean = () => true,
): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const names = (await readdir(join(publicDir, 'transcripts'))).filter((n) => n.endsWith('.jsonl') && match(n)).sort();
  const text = await readFile(join(publicDir, 'transcripts', names.at(-1)!), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
}
