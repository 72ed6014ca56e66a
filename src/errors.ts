/**
 * Every error keyceremony reports on purpose, in one place.
 *
 * Each error has a stable code (for tests, docs and `--json` output) and maps to one of the process exit codes
 * of the command-line contract. Anything that is not a KeyceremonyError is a bug: the CLI reports it as an
 * internal error (exit 70, "This is a bug in keyceremony") without a stack trace unless KEYCEREMONY_DEBUG is set.
 *
 * Which to throw (ESLint refuses a bare `new Error` in src/):
 * - `KeyceremonyError` (or `inputError`) for anything a user can meet: bad flags, scripts, answers, files the user
 *   brings (PEM, DER, JSON, notary keys, certificates, share words), a vault or tree that is not what it should
 *   be, a damaged installed data file, a refused environment. Pick the code whose exit status says who must act.
 * - `bug(message)` for what cannot happen unless keyceremony itself is wrong (an invariant of our own data, a
 *   value the script validation already refused, a closed object used again). It is an `InternalError`. A
 *   self-check of something just made (a signature, a certificate, a share set) is CHECK_FAILED instead: a
 *   misbehaving token fails it too.
 * - An errno-shaped Error (`code: 'ENOENT'`) where code written for Node's fs errors expects one; the lint rule
 *   is disabled on that line, with the reason.
 * - A local Error subclass (PemError, DerError, MetadataError, …) for a parser's message that its caller catches
 *   and wraps into a KeyceremonyError with the context only the caller knows (which file, which step).
 */

/** Exit codes of every command (documented in `--help` and docs/commands.md). */
export const ExitCode = {
  ok: 0,
  /** A verification or check failed (bad signature, broken transcript chain, keys due for rotation). */
  checkFailed: 1,
  /** Usage or input error: bad flags, invalid script, missing answer, refused output directory. */
  usage: 2,
  /** The environment was refused: network up on a real ceremony, token locked, missing tool. */
  environment: 3,
  /** A ceremony was interrupted (Ctrl-C, SIGTERM, SIGHUP), rolled back, and left its aborted-ceremony record. */
  interrupted: 130,
  /** An internal error (a bug). */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const codes = {
  // usage / input (exit 2)
  USAGE: ExitCode.usage,
  SCRIPT_INVALID: ExitCode.usage,
  SCRIPT_UNREADABLE: ExitCode.usage,
  ANSWER_MISSING: ExitCode.usage,
  ANSWERS_INVALID: ExitCode.usage,
  PASSPHRASE_MISMATCH: ExitCode.usage,
  PASSPHRASE_WEAK: ExitCode.usage,
  PASSPHRASE_WRONG: ExitCode.usage,
  PIN_WRONG: ExitCode.usage,
  /** A share typed or given that is not right (mistyped, another share set, another holder's). */
  SHARE_WRONG: ExitCode.usage,
  /** Fewer shares than a quorum's threshold were given, or too few of its officers are in the script. */
  QUORUM_NOT_MET: ExitCode.usage,
  OUTPUT_NOT_EMPTY: ExitCode.usage,
  OUTPUT_EXISTS: ExitCode.usage,
  OUTPUT_UNWRITABLE: ExitCode.usage,
  INPUT_INVALID: ExitCode.usage,
  INPUT_NOT_FOUND: ExitCode.usage,
  VAULT_INVALID: ExitCode.usage,
  ABORTED: ExitCode.usage,
  // interrupted by a signal (exit 130)
  INTERRUPTED: ExitCode.interrupted,
  // check failed (exit 1)
  CHECK_FAILED: ExitCode.checkFailed,
  SIGNATURE_BAD: ExitCode.checkFailed,
  TRANSCRIPT_BROKEN: ExitCode.checkFailed,
  // environment refused (exit 3)
  NETWORK_UP: ExitCode.environment,
  ENVIRONMENT: ExitCode.environment,
  TOKEN_LOCKED: ExitCode.environment,
  TOKEN_NOT_FOUND: ExitCode.environment,
  TOKEN_UNSUPPORTED: ExitCode.environment,
  TOOL_MISSING: ExitCode.environment,
  /** A planted link or FIFO, a directory owned by someone else or open to them where secrets would go. */
  UNSAFE_PATH: ExitCode.environment,
} as const;

export type ErrorCode = keyof typeof codes;

export class KeyceremonyError extends Error {
  readonly code: ErrorCode;
  /** Extra lines printed under the message (e.g. every validation error of a script). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyceremonyError';
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): ExitCode {
    return codes[this.code];
  }
}

export function isKeyceremonyError(error: unknown): error is KeyceremonyError {
  return error instanceof KeyceremonyError;
}

/** Shorthand for the most common case: bad input from the user, exit 2. */
export function inputError(message: string, details?: readonly string[]): KeyceremonyError {
  return new KeyceremonyError('INPUT_INVALID', message, details ? { details } : {});
}

/**
 * Something keyceremony believed impossible happened: a bug, never the user's fault. The CLI reports it as an
 * internal error (exit 70) that asks for a bug report; a ceremony step that meets one stops with it unchanged.
 */
export class InternalError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InternalError';
  }
}

/** An InternalError for a broken invariant: `throw bug('…')`. Say what was expected, never quote secrets. */
export function bug(message: string, options: { cause?: unknown } = {}): InternalError {
  return new InternalError(message, options);
}

/** The message of any thrown value, for wrapping library errors into a KeyceremonyError. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
