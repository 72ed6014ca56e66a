/**
 * Reading files the user named (keys, keyrings, passphrase and answers files, public trees). A file that
 * cannot be read is INPUT_NOT_FOUND naming it and the reason, never an internal error.
 */
import { readFile } from 'node:fs/promises';
import { KeyceremonyError } from '../errors.js';

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/** The bytes of `path`; `what` says what it is ("key file", "keyring"). */
export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new KeyceremonyError('INPUT_NOT_FOUND', `cannot read ${what} ${path} (${reason(error)})`);
  }
}

/** The bytes of `path`, or undefined when there is no such file (any other failure is an error). */
export async function readOptionalFile(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyceremonyError('INPUT_NOT_FOUND', `cannot read ${path} (${reason(error)})`);
  }
}
