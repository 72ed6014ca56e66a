/**
 * keyceremony verify --keyring KEYS [--root FPR] [--signature SIG] [--json] FILE — exit 0 only for a good signature.
 * keyceremony verify --keyring KEYS [--root FPR] --checksums SHA256SUMS [--jobs N] [--ignore-missing] [--exact]
 *   [--json] — the signed list, then every file it names, in parallel.
 *
 * A good signature through a REHEARSAL root is still good (the user pinned that root), but the output says so
 * loudly, and `--json` has `"rehearsal": true`.
 */
import chalk from 'chalk';
import { KeyceremonyError } from '../../errors.js';
import { type ChecksumFileResult, verifyChecksums } from '../../release/index.js';
import { type FileVerification, verifyFile } from '../../release/index.js';
import { isoSeconds } from '../../util/duration.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { forTerminal, marks } from '../../util/marks.js';
import { wholeNumberOption } from '../numbers.js';
import { progressBar } from '../progress.js';

export interface VerifyCommandOptions {
  readonly keyring: string;
  readonly root?: string;
  readonly signature?: string;
  readonly checksums?: string;
  readonly jobs?: string;
  readonly ignoreMissing?: boolean;
  readonly exact?: boolean;
  readonly json: boolean;
}

const write = (text: string): boolean => process.stdout.write(forTerminal(text));

const REHEARSAL_WARNING = [
  `${marks.warn} WARNING: REHEARSAL KEY ${marks.warn}`,
  'This signature was made through a root from a key-ceremony rehearsal (its user ID is marked REHEARSAL).',
  'Rehearsal keys are throwaway keys: do not trust, install or publish what they signed.',
];

function printSignature(result: FileVerification): void {
  for (const good of result.good) {
    write(
      [
        `Signature made ${isoSeconds(good.created)}`,
        `     using ${good.algorithm} ${good.byPrimary ? 'key' : 'subkey'} ${groupedHex(good.keyFingerprint)} (${good.hash.toUpperCase()})`,
        chalk.green(`Good signature from "${good.userId ?? '(no user ID)'}"`),
        `Primary key fingerprint: ${groupedHex(good.primaryFingerprint)}`,
        '',
      ].join('\n'),
    );
  }
  if (result.ok && result.rehearsal) write(`${chalk.bold.red(REHEARSAL_WARNING.join('\n'))}\n\n`);
  for (const bad of result.rejected) {
    const who = bad.issuer ? ` by ${bad.issuer}` : '';
    const when = bad.created ? ` made ${isoSeconds(bad.created)}` : '';
    write(`${chalk.red('Rejected')} signature${who}${when}: ${bad.reason}\n`);
  }
}

/** The loud warning also goes to standard error: a script that keeps only stdout (or only --json) still shows it. */
function warnRehearsal(result: FileVerification): void {
  if (result.ok && result.rehearsal) process.stderr.write(forTerminal(`keyceremony: ${REHEARSAL_WARNING.join(' ')}\n`));
}

function fileLine(f: ChecksumFileResult): string {
  switch (f.status) {
    case 'ok':
      return `${chalk.green(marks.ok)} ${f.name}`;
    case 'changed':
      return `${chalk.red(marks.fail)} ${f.name}: CHANGED (SHA-256 ${f.actual ?? '?'}, the list says ${f.expected})`;
    case 'missing':
      return `${chalk.red(marks.fail)} ${f.name}: MISSING`;
    case 'unreadable':
      return `${chalk.red(marks.fail)} ${f.name}: UNREADABLE (${f.reason ?? 'error'})`;
    case 'skipped':
      return `- ${f.name}: not here (skipped, --ignore-missing)`;
  }
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

async function verifyChecksumsCommand(checksums: string, options: VerifyCommandOptions): Promise<void> {
  const jobs = options.jobs === undefined ? undefined : wholeNumberOption(options.jobs, '--jobs', 1, 256);
  const result = await verifyChecksums({
    keyring: options.keyring,
    root: options.root,
    signature: options.signature,
    checksums,
    now: new Date(),
    jobs,
    ignoreMissing: options.ignoreMissing ?? false,
    exact: options.exact ?? false,
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    warnRehearsal(result.signature);
  } else {
    write(`${checksums}:\n`);
    printSignature(result.signature);
    if (result.listProblem) write(`${chalk.red(marks.fail)} ${result.listProblem}\n`);
    for (const f of result.files) write(`${fileLine(f)}\n`);
    for (const name of result.unlisted) {
      write(
        `${options.exact ? chalk.red(marks.fail) : '-'} ${name}: not in ${checksums}${options.exact ? ' (--exact)' : ' (not checked)'}\n`,
      );
    }
    if (result.signature.ok && !result.listProblem) {
      const s = result.summary;
      const problems = [
        s.changed ? `${s.changed} changed` : '',
        s.missing ? `${s.missing} missing` : '',
        s.unreadable ? `${s.unreadable} unreadable` : '',
        s.skipped ? `${s.skipped} skipped` : '',
        s.unlisted ? `${s.unlisted} not listed` : '',
      ].filter(Boolean);
      const line = `${result.ok ? marks.ok : marks.fail} ${s.ok} of ${s.listed} file(s) OK${problems.length ? `, ${problems.join(', ')}` : ''} — ${mib(s.bytes)} in ${s.seconds.toFixed(2)} s with ${s.workers} worker(s)`;
      write(`${result.ok ? chalk.green(line) : chalk.red(line)}\n`);
    }
  }
  if (!result.signature.ok)
    throw new KeyceremonyError('SIGNATURE_BAD', `${checksums}: no good signature by the root ${result.signature.root}`);
  if (result.listProblem) throw new KeyceremonyError('CHECK_FAILED', result.listProblem);
  if (!result.ok) {
    const bad = result.files
      .filter((f) => f.status !== 'ok' && f.status !== 'skipped')
      .map((f) => `${f.name}: ${f.status}`);
    if (options.exact) bad.push(...result.unlisted.map((n) => `${n}: not listed`));
    throw new KeyceremonyError(
      'CHECK_FAILED',
      bad.length
        ? `${checksums}: ${bad.length} file(s) do not match the signed list`
        : `${checksums}: no listed file is here`,
      { details: bad },
    );
  }
}

export async function verifyCommand(file: string | undefined, options: VerifyCommandOptions): Promise<void> {
  if (options.checksums !== undefined) {
    if (file !== undefined)
      throw new KeyceremonyError('USAGE', 'give either FILE or --checksums LIST: the list names the files');
    return verifyChecksumsCommand(options.checksums, options);
  }
  if (file === undefined) throw new KeyceremonyError('USAGE', 'give the file to verify (or --checksums SHA256SUMS)');
  for (const [flag, set] of [
    ['--jobs', options.jobs !== undefined],
    ['--ignore-missing', options.ignoreMissing],
    ['--exact', options.exact],
  ] as const) {
    if (set) throw new KeyceremonyError('USAGE', `${flag} applies to --checksums only`);
  }
  const result = await verifyFile({
    keyring: options.keyring,
    root: options.root,
    signature: options.signature,
    file,
    now: new Date(),
    progress: (size) => progressBar(`verifying ${file}`, size),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    warnRehearsal(result);
  } else {
    printSignature(result);
  }
  if (!result.ok) throw new KeyceremonyError('SIGNATURE_BAD', `${file}: no good signature by the root ${result.root}`);
}
