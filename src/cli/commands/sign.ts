/**
 * keyceremony sign --key KEYFILE --keyring KEYS [--root FPR] [--passphrase-file F | --passphrase-env NAME |
 * --passphrase-fd N] [--subkey FPR] [--checksums NAME] [--allow-rehearsal] [--warn-days N] [--fail-days N]
 * [--check] FILE...
 *
 * The key is checked first (release/signing-key.ts): revoked, expired or rehearsal keys, and keys whose
 * signatures users would refuse, sign nothing. Then the expiry: within --fail-days it is refused, within
 * --warn-days it is signed with a warning (a GitHub Actions annotation in CI). `--check` stops there: a
 * scheduled CI job runs it to learn about an expiry or a revocation before release day does.
 */
import { KeyceremonyError } from '../../errors.js';
import { openSigningKey, type ReleaseSigningKey } from '../../release/index.js';
import { signFiles } from '../../release/index.js';
import { isoSeconds } from '../../util/duration.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { warn } from '../ci-annotations.js';
import { wholeNumberOption } from '../numbers.js';
import { readPassphrase } from '../passphrase-input.js';
import { progressBar } from '../progress.js';

export interface SignCommandOptions {
  readonly key: string;
  readonly keyring: string;
  readonly root?: string;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
  readonly passphraseFd?: string;
  readonly subkey?: string;
  readonly checksums?: string;
  readonly allowRehearsal: boolean;
  readonly warnDays: string;
  readonly failDays: string;
  readonly check: boolean;
}

const DAY = 24 * 60 * 60 * 1000;

interface Expiry {
  readonly what: string;
  readonly date: Date;
  readonly days: number;
}

/** The subkey's and the root's expiry, soonest first. */
function expiries(key: ReleaseSigningKey, now: Date): Expiry[] {
  const list: Expiry[] = [];
  const add = (what: string, date: Date | undefined): void => {
    if (date) list.push({ what, date, days: Math.floor((date.getTime() - now.getTime()) / DAY) });
  };
  add(`signing subkey ${groupedHex(key.fingerprint)}`, key.subkeyExpires);
  add(`root ${groupedHex(key.rootFingerprint)}`, key.rootExpires);
  return list.sort((a, b) => a.date.getTime() - b.date.getTime());
}

/** Refuses within --fail-days; warns within --warn-days. */
function judgeExpiry(key: ReleaseSigningKey, now: Date, warnDays: number, failDays: number): void {
  for (const e of expiries(key, now)) {
    const when = `${e.what} expires on ${isoSeconds(e.date)}, in ${e.days} day${e.days === 1 ? '' : 's'}`;
    if (e.days < failDays) {
      throw new KeyceremonyError('CHECK_FAILED', `refusing to sign: the ${when} (--fail-days ${failDays})`, {
        details: ['Ask the ceremony team for a rotation session: it renews the subkey or issues a new one.'],
      });
    }
    if (e.days < warnDays) {
      warn(
        `Release signing key expires in ${e.days} days`,
        `the ${when}: ask the ceremony team for a rotation session before then (docs/rotation.md)`,
      );
    }
  }
}

export async function signCommand(files: string[], options: SignCommandOptions): Promise<void> {
  const warnDays = wholeNumberOption(options.warnDays, '--warn-days', 0, 36_500);
  const failDays = wholeNumberOption(options.failDays, '--fail-days', 0, 36_500);
  if (options.check && files.length > 0) throw new KeyceremonyError('USAGE', '--check signs nothing: give no files');
  if (!options.check && files.length === 0) throw new KeyceremonyError('USAGE', 'no files to sign');
  const passphrase = await readPassphrase(
    { file: options.passphraseFile, env: options.passphraseEnv, fd: options.passphraseFd },
    'Key passphrase',
  );
  const now = new Date();
  const key = await openSigningKey({
    keyFile: options.key,
    passphrase,
    keyring: options.keyring,
    root: options.root,
    now,
    subkey: options.subkey,
    allowRehearsal: options.allowRehearsal,
  });
  try {
    if (key.rehearsal) {
      warn(
        'Signing with a REHEARSAL key',
        `${groupedHex(key.rootFingerprint)} is a REHEARSAL key (--allow-rehearsal): never publish what it signs`,
      );
    }
    judgeExpiry(key, now, warnDays, failDays);
    const who = `subkey ${groupedHex(key.fingerprint)} of root ${groupedHex(key.rootFingerprint)}`;
    if (options.check) {
      const soonest = expiries(key, now)[0];
      process.stderr.write(
        `The key can sign: ${who}${soonest ? `; the ${soonest.what} expires first, in ${soonest.days} days` : ''}\n`,
      );
      return;
    }
    const result = await signFiles({
      key,
      files,
      checksums: options.checksums,
      now: () => new Date(),
      progress: (file, size) => progressBar(`signing ${file}`, size),
    });
    for (const s of result.signed) process.stdout.write(`${s.signature}\n`);
    if (result.checksums) process.stdout.write(`${result.checksums.file}\n${result.checksums.signature}\n`);
    process.stderr.write(`Signed with ${who}\n`);
  } finally {
    await key.signer.close();
  }
}
