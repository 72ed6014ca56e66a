/**
 * `keyceremony verify --checksums SHA256SUMS`: a whole release in one command. First the list's detached
 * signature, under the same policy and root pin as `verify` (the list is read once, and the bytes whose
 * signature was checked are the bytes that are parsed); then every listed file, hashed in parallel
 * (hash-pool.ts), each compared with its line.
 *
 * A file is `ok`, `changed` (another SHA-256), `missing`, or `unreadable` (a directory, a device, no
 * permission). Files in the list's directory that the list does not name are reported as `unlisted`: with
 * `exact` (a release pipeline checking what it is about to upload) they fail the check, otherwise they are
 * only named (a user's download folder holds other things). With `ignoreMissing` (a user who downloaded one
 * file of the release) missing files are skipped, as `sha256sum -c --ignore-missing` does, but at least one
 * listed file must be there.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import { readInputFile } from '../util/input-file.js';
import { ChecksumFormatError, type ChecksumEntry, parseChecksumFile } from './checksum-file.js';
import { defaultJobs, hashFiles, type HashOutcome } from './hash-pool.js';
import { defaultSignatureFile, type FileVerification, verifyFile } from './verify-file.js';

export type ChecksumStatus = 'ok' | 'changed' | 'missing' | 'unreadable' | 'skipped';

export interface ChecksumFileResult {
  readonly name: string;
  readonly status: ChecksumStatus;
  /** The SHA-256 the signed list gives. */
  readonly expected: string;
  /** The SHA-256 of the file as found (ok and changed only). */
  readonly actual?: string;
  readonly size?: number;
  /** Why a file could not be read (unreadable only): the system's error code. */
  readonly reason?: string;
}

export interface ChecksumsRequest {
  readonly keyring: string;
  readonly root?: string | undefined;
  /** The list's detached signature (default: SHA256SUMS.asc, else SHA256SUMS.sig). */
  readonly signature?: string | undefined;
  readonly checksums: string;
  readonly now: Date;
  /** Worker threads (default: one per core). */
  readonly jobs?: number | undefined;
  readonly ignoreMissing?: boolean;
  readonly exact?: boolean;
}

export interface ChecksumsVerification {
  readonly ok: boolean;
  /** The list's own signature check, as `verify` reports it (`rehearsal` included). */
  readonly signature: FileVerification;
  /** Set when the signature was good but the list could not be read as a checksum list. */
  readonly listProblem?: string;
  readonly files: readonly ChecksumFileResult[];
  readonly unlisted: readonly string[];
  readonly summary: {
    readonly listed: number;
    readonly ok: number;
    readonly changed: number;
    readonly missing: number;
    readonly unreadable: number;
    readonly skipped: number;
    readonly unlisted: number;
    readonly bytes: number;
    readonly seconds: number;
    readonly workers: number;
  };
}

/** Far larger than a release's list; a bigger file is not one. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

function judge(entry: ChecksumEntry, outcome: HashOutcome, ignoreMissing: boolean): ChecksumFileResult {
  const base = { name: entry.name, expected: entry.sha256 };
  if (outcome.ok) {
    return {
      ...base,
      status: outcome.sha256 === entry.sha256 ? 'ok' : 'changed',
      actual: outcome.sha256,
      size: outcome.size,
    };
  }
  if (outcome.code === 'ENOENT' || outcome.code === 'ENOTDIR')
    return { ...base, status: ignoreMissing ? 'skipped' : 'missing' };
  return { ...base, status: 'unreadable', reason: outcome.code === 'ENOTREG' ? 'not a regular file' : outcome.code };
}

/** Regular files beside the list that it does not name (signatures of listed files and of the list aside). */
async function unlistedFiles(
  dir: string,
  entries: readonly ChecksumEntry[],
  ignore: readonly string[],
): Promise<string[]> {
  const listed = new Set(entries.map((e) => e.name.replace(/^(\.\/)+/, '')));
  const known = new Set([...ignore, ...[...listed].flatMap((n) => [`${n}.asc`, `${n}.sig`])]);
  const found = await readdir(dir, { withFileTypes: true });
  return found
    .filter((d) => d.isFile() && !listed.has(d.name) && !known.has(d.name))
    .map((d) => d.name)
    .sort();
}

export async function verifyChecksums(request: ChecksumsRequest): Promise<ChecksumsVerification> {
  const started = performance.now();
  const contents = await readInputFile(request.checksums, 'checksum list', { maxBytes: MAX_LIST_BYTES });
  const signatureFile = request.signature ?? defaultSignatureFile(request.checksums);
  const signature = await verifyFile({
    keyring: request.keyring,
    root: request.root,
    signature: signatureFile,
    file: request.checksums,
    contents,
    now: request.now,
  });
  const workers = Math.max(1, request.jobs ?? defaultJobs());
  const summaryOf = (
    files: readonly ChecksumFileResult[],
    unlisted: readonly string[],
  ): ChecksumsVerification['summary'] => {
    const count = (s: ChecksumStatus): number => files.filter((f) => f.status === s).length;
    return {
      listed: files.length,
      ok: count('ok'),
      changed: count('changed'),
      missing: count('missing'),
      unreadable: count('unreadable'),
      skipped: count('skipped'),
      unlisted: unlisted.length,
      bytes: files.reduce((sum, f) => sum + (f.size ?? 0), 0),
      seconds: (performance.now() - started) / 1000,
      // The threads that hashed: no more than there were files.
      workers: Math.min(workers, files.length),
    };
  };
  if (!signature.ok) return { ok: false, signature, files: [], unlisted: [], summary: summaryOf([], []) };

  let entries: ChecksumEntry[];
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(contents);
    entries = parseChecksumFile(text);
  } catch (error) {
    const listProblem =
      error instanceof ChecksumFormatError
        ? `${request.checksums} ${error.message}`
        : `${request.checksums} is not UTF-8 text`;
    return { ok: false, signature, listProblem, files: [], unlisted: [], summary: summaryOf([], []) };
  }
  const dir = dirname(request.checksums);
  const outcomes = await hashFiles(
    entries.map((e) => join(dir, e.name)),
    workers,
  );
  const files = entries.map((e, i) => judge(e, outcomes[i] as HashOutcome, request.ignoreMissing ?? false));
  const unlisted = await unlistedFiles(dir, entries, [basename(request.checksums), basename(signatureFile)]).catch(
    (error: NodeJS.ErrnoException) => {
      throw new KeyceremonyError('INPUT_NOT_FOUND', `cannot list ${dir} (${error.code ?? 'error'})`);
    },
  );
  const summary = summaryOf(files, unlisted);
  const ok =
    summary.changed + summary.missing + summary.unreadable === 0 &&
    summary.ok > 0 &&
    !(request.exact && unlisted.length > 0);
  return { ok, signature, files, unlisted, summary };
}
