/**
 * Reading a passphrase for a command: from a file, an environment variable or an inherited file descriptor
 * (first line in each case), or typed hidden on a terminal.
 *
 * The environment variable and the file descriptor exist for CI: a GitHub Actions secret reaches the process
 * without ever being written to disk (`--passphrase-env NAME`, or `--passphrase-fd 3 3< <(printf …)`). Only
 * the variable's *name* is on the command line. The value is never echoed — not in an error, not in a log —
 * and the variable is removed from this process's environment once read, so nothing keyceremony might start
 * inherits it.
 */
import { createReadStream } from 'node:fs';
import { KeyceremonyError } from '../errors.js';
import { readInputFile } from '../util/input-file.js';

export interface PassphraseSource {
  readonly file?: string | undefined;
  readonly env?: string | undefined;
  readonly fd?: string | undefined;
}

/** Far more than any passphrase; a larger input is the wrong input. */
const MAX_PASSPHRASE_BYTES = 64 * 1024;

function firstLine(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).split(/\r?\n/)[0] ?? '';
}

/** A conventional variable name is safe to repeat in an error; anything else might be the passphrase itself. */
function shownName(name: string): string {
  return /^[A-Z][A-Z0-9_]{0,63}$/.test(name) ? `environment variable ${name}` : 'the environment variable';
}

function fromEnvironment(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    // Not echoed: someone may have put the passphrase where its variable's name belongs.
    throw new KeyceremonyError(
      'USAGE',
      '--passphrase-env takes the NAME of an environment variable (letters, digits, _), not the passphrase',
    );
  }
  const value = process.env[name];
  if (value === undefined) {
    throw new KeyceremonyError('USAGE', `${shownName(name)} (--passphrase-env) is not set`, {
      details: ['In GitHub Actions, map the secret into the step: env: NAME: ${{ secrets.NAME }}'],
    });
  }
  // Read once, then out of the environment: a child process would otherwise inherit it.
  delete process.env[name];
  const line = value.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) {
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${shownName(name)} (--passphrase-env) is empty (a secret that does not exist in this repository or environment is empty)`,
    );
  }
  return line;
}

async function fromDescriptor(text: string): Promise<string> {
  // Checked without echoing the value: a passphrase given here by mistake must not reach the error.
  const fd = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(fd))
    throw new KeyceremonyError('USAGE', '--passphrase-fd takes a file descriptor number (0, or 3 and up)');
  if (fd === 1 || fd === 2) {
    throw new KeyceremonyError(
      'USAGE',
      `--passphrase-fd ${fd} is standard ${fd === 1 ? 'output' : 'error'}: give a descriptor to read from (0, or 3 and up)`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of createReadStream('', { fd, autoClose: true, highWaterMark: 16 * 1024 })) {
      const bytes = chunk as Buffer;
      total += bytes.length;
      if (total > MAX_PASSPHRASE_BYTES) {
        throw new KeyceremonyError('INPUT_INVALID', `file descriptor ${fd} gives more than 64 KiB: not a passphrase`);
      }
      chunks.push(bytes);
    }
  } catch (error) {
    if (error instanceof KeyceremonyError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      code === 'EBADF'
        ? `file descriptor ${fd} (--passphrase-fd) is not open: redirect it, e.g. ${fd}< <(printf '%s\\n' "$PASSPHRASE")`
        : `cannot read file descriptor ${fd} (--passphrase-fd) (${code})`,
    );
  }
  const line = firstLine(Buffer.concat(chunks, total));
  if (line.length === 0)
    throw new KeyceremonyError('INPUT_INVALID', `file descriptor ${fd} (--passphrase-fd) gave an empty passphrase`);
  return line;
}

export async function readPassphrase(source: PassphraseSource, label: string): Promise<string> {
  const given = [source.file, source.env, source.fd].filter((s) => s !== undefined).length;
  if (given > 1) {
    throw new KeyceremonyError('USAGE', 'give one of --passphrase-file, --passphrase-env and --passphrase-fd');
  }
  if (source.env !== undefined) return fromEnvironment(source.env);
  if (source.fd !== undefined) return fromDescriptor(source.fd);
  if (source.file !== undefined) {
    const line = firstLine(
      await readInputFile(source.file, 'passphrase file', { maxBytes: MAX_PASSPHRASE_BYTES, allowPipe: true }),
    );
    if (line.length === 0) throw new KeyceremonyError('INPUT_INVALID', `passphrase file ${source.file} is empty`);
    return line;
  }
  if (!process.stdin.isTTY)
    throw new KeyceremonyError(
      'USAGE',
      `no terminal to ask for the ${label} on: give --passphrase-file FILE, --passphrase-env NAME or --passphrase-fd N`,
    );
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message: `${label}:` });
  } catch {
    throw new KeyceremonyError('ABORTED', 'interrupted');
  }
}
