/**
 * The verification part of the Stateless OpenPGP interface (draft-dkg-openpgp-stateless-cli): `sop verify
 * SIGNATURES CERTS... < DATA`, under the same policy as `keyceremony verify`. The CERTS are the trust roots,
 * as a pinned `--root` is for `verify`; copies of one certificate across them are merged.
 *
 * Failures carry the draft's exit codes (SopError); the CLI prints them in one line.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Certificate } from '../openpgp/index.js';
import type { ForeignKey } from '../openpgp/index.js';
import { readSignatureFile, type SignatureFile } from '../openpgp/index.js';
import { readKeyringWithForeignKeys } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { type VerifyResult, verifyDetachedByRoots } from '../openpgp/index.js';
import type { DataSource } from '../openpgp/index.js';
import { isKeyceremonyError, messageOf } from '../errors.js';
import { mergeCertificates } from '../openpgp/index.js';
import { rehearsalRootAt } from './rehearsal-key.js';

/** The draft's exit codes that `keyceremony sop` can return. */
export const SopExit = {
  ok: 0,
  noSignature: 3,
  missingArg: 19,
  unsupportedOption: 37,
  badData: 41,
  missingInput: 61,
  unsupportedSubcommand: 69,
  unsupportedSpecialPrefix: 71,
  ambiguousInput: 73,
} as const;

export class SopError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'SopError';
  }
}

/**
 * Reads an input argument: a file name, or one of the draft's special designators "@ENV:NAME" (the variable's
 * value) and "@FD:N" (an inherited file descriptor). A designator that is also an existing file name is
 * ambiguous; other "@" prefixes are not supported.
 */
export async function readSopInput(arg: string, what: string): Promise<Uint8Array> {
  if (arg.startsWith('@')) {
    if (existsSync(arg)) throw new SopError(SopExit.ambiguousInput, `${what} "${arg}" is both a designator and a file`);
    if (arg.startsWith('@ENV:')) {
      const value = process.env[arg.slice(5)];
      if (value === undefined)
        throw new SopError(SopExit.missingInput, `${what}: environment variable ${arg.slice(5)} is not set`);
      return new TextEncoder().encode(value);
    }
    const fd = /^@FD:(\d+)$/.exec(arg);
    if (!fd) throw new SopError(SopExit.unsupportedSpecialPrefix, `${what} "${arg}": unsupported special designator`);
    arg = `/dev/fd/${fd[1]}`;
  }
  try {
    return new Uint8Array(await readFile(arg));
  } catch (error) {
    throw new SopError(
      SopExit.missingInput,
      `cannot read ${what} ${arg} (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`,
    );
  }
}

/**
 * The draft's DATE: ISO-8601 (any offset, fractional seconds allowed), "now", or "-" (no bound). Returns
 * undefined for "-".
 */
export function parseSopDate(text: string, option: string, now: Date): Date | undefined {
  if (text === '-') return undefined;
  if (text === 'now') return now;
  // Date.parse accepts far more than ISO-8601 ("Tuesday"): require the ISO shape first.
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;
  const ms = iso.test(text) ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms)) throw new SopError(2, `${option}: not an ISO-8601 date: ${text}`);
  return new Date(ms);
}

export interface SopVerifyRequest {
  readonly signatures: string;
  readonly certs: readonly string[];
  readonly data: DataSource;
  readonly now: Date;
  readonly notBefore?: Date | undefined;
  readonly notAfter?: Date | undefined;
}

export interface SopVerifyResult extends VerifyResult {
  /** VERIFICATIONS lines: date, signing key, primary key, mode, and (JSON) the CERTS that hold the signer. */
  readonly verifications: readonly string[];
  /** A good signature came through a REHEARSAL root (its VERIFICATIONS line says so in "comment" and "ext"). */
  readonly rehearsal: boolean;
}

/**
 * What `sop verify` does with a rehearsal root: it accepts the signature — the caller named the CERTS it
 * trusts, and SOP has no "good, but" verdict — and says so in the VERIFICATIONS line's JSON and on standard
 * error, so a person reading either cannot miss it.
 */
export const REHEARSAL_COMMENT = 'REHEARSAL key: made in a key-ceremony rehearsal; never trust what it signed';

/** Formats a date as the draft's VERIFICATIONS want it: UTC, whole seconds, "Z". */
function sopDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export async function sopVerify(request: SopVerifyRequest): Promise<SopVerifyResult> {
  const sigBytes = await readSopInput(request.signatures, 'SIGNATURES');
  const certBytes = await Promise.all(request.certs.map((c) => readSopInput(c, 'CERTS')));
  let file: SignatureFile;
  try {
    file = await readSignatureFile(sigBytes);
  } catch (error) {
    throw new SopError(
      SopExit.badData,
      `SIGNATURES ${request.signatures} are not OpenPGP signatures: ${messageOf(error)}`,
    );
  }
  const roots: { cert: Certificate; arg: string }[] = [];
  const foreignRoots: ForeignKey[] = [];
  for (const [i, bytes] of certBytes.entries()) {
    const arg = request.certs[i] as string;
    try {
      const keyring = await readKeyringWithForeignKeys(bytes, arg);
      for (const cert of keyring.certificates) roots.push({ cert, arg });
      foreignRoots.push(...keyring.foreignPrimaries);
    } catch (error) {
      if (isKeyceremonyError(error)) throw new SopError(SopExit.badData, error.message);
      throw error;
    }
  }
  const result = await verifyDetachedByRoots({
    roots: roots.map((r) => r.cert),
    foreignRoots,
    signatures: file.signatures,
    data: request.data,
    now: request.now,
    purpose: 'release',
    notBefore: request.notBefore,
    notAfter: request.notAfter,
  });
  let rehearsal = false;
  const verifications = result.good.map((good) => {
    const holders = roots.filter((r) => fingerprintHex(r.cert.primary) === good.primaryFingerprint);
    const signers = [...new Set(holders.map((r) => r.arg))];
    // The draft's optional JSON may carry a human "comment" and implementation data in "ext".
    const merged = mergeCertificates(holders.map((r) => r.cert))[0];
    const byRehearsal = merged !== undefined && rehearsalRootAt(merged, [good.created]);
    rehearsal ||= byRehearsal;
    const json = byRehearsal ? { signers, comment: REHEARSAL_COMMENT, ext: { rehearsal: true } } : { signers };
    return `${sopDate(good.created)} ${good.keyFingerprint} ${good.primaryFingerprint} mode:${good.mode} ${JSON.stringify(json)}`;
  });
  const skipped = file.skipped.map((reason) => ({ issuer: undefined, created: undefined, reason }));
  return { ...result, rejected: [...result.rejected, ...skipped], verifications, rehearsal };
}
