/**
 * The vault as one encrypted archive: a ustar archive of every file and directory under the vault (entries
 * below `vault/`, so `tar -x` makes a `vault` directory), encrypted as an OpenPGP symmetric message.
 *
 * Encryption is what GnuPG 2.2 decrypts with a passphrase and nothing else: a v4 SKESK packet (AES-256 session
 * key protected by an iterated+salted SHA-256 S2K at the largest count OpenPGP can express, 65,011,712 bytes
 * hashed per guess — the strongest S2K gpg 2.2 understands; it has no Argon2) and a v1 SEIPD packet with its
 * modification detection code. No compression. `gpg --decrypt vault.tar.gpg | tar -x` restores it.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { KeyceremonyError } from '../errors.js';
import { sha256Hex } from '../crypto/index.js';
import { type TarEntry, writeTar } from './tar.js';
import { TEMP_FILE_PATTERN } from '../vault/index.js';

export const ARCHIVE_ROOT = 'vault';
export const S2K_COUNT_BYTE = 255;
export const ENCRYPTION_FORMAT = 'OpenPGP v4 SKESK + SEIPD v1 (MDC), no compression';

/** Octets the S2K hashes for a coded count (RFC 4880 §3.7.1.3). */
export function s2kCount(coded: number): number {
  return (16 + (coded & 15)) << ((coded >> 4) + 6);
}

/** 65,011,712: the most an OpenPGP S2K count can say. */
export const S2K_COUNT = s2kCount(S2K_COUNT_BYTE);

/** Reads the vault into archive entries (directories before their contents, names sorted). */
export async function readVaultEntries(root: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    const info = await lstat(dir);
    if (!info.isDirectory()) {
      throw new KeyceremonyError('VAULT_INVALID', `${dir} is not a directory (a link?): refusing to back it up`);
    }
    entries.push({
      path: rel,
      type: 'directory',
      mode: info.mode & 0o7777,
      mtime: Math.floor(info.mtimeMs / 1000),
      data: new Uint8Array(),
    });
    for (const name of (await readdir(dir)).sort()) {
      if (TEMP_FILE_PATTERN.test(name)) continue;
      const path = join(dir, name);
      const child = await lstat(path);
      if (child.isDirectory()) await walk(path, `${rel}/${name}`);
      else if (child.isFile()) {
        entries.push({
          path: `${rel}/${name}`,
          type: 'file',
          mode: child.mode & 0o7777,
          mtime: Math.floor(child.mtimeMs / 1000),
          data: new Uint8Array(await readFile(path)),
        });
      } else {
        throw new KeyceremonyError(
          'VAULT_INVALID',
          `the vault holds ${path}, which is neither a file nor a directory: refusing to back it up`,
        );
      }
    }
  }
  await walk(root, ARCHIVE_ROOT);
  return entries;
}

export interface FileDigest {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** SHA-256 of every file entry, by its path inside the archive. */
export function fileDigests(entries: readonly TarEntry[]): FileDigest[] {
  return entries
    .filter((e) => e.type === 'file')
    .map((e) => ({ path: e.path, sha256: sha256Hex(e.data), size: e.data.length }));
}

export function archiveVault(entries: readonly TarEntry[]): Uint8Array {
  return writeTar(entries);
}

export async function encryptArchive(archive: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: archive, format: 'binary' });
  return openpgp.encrypt({
    message,
    passwords: [passphrase],
    format: 'binary',
    config: {
      preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
      preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
      s2kType: openpgp.enums.s2k.iterated,
      s2kIterationCountByte: S2K_COUNT_BYTE,
      aeadProtect: false,
    },
  });
}

/** Decrypts a backup archive; a wrong passphrase is PASSPHRASE_WRONG, a damaged message CHECK_FAILED. */
export async function decryptArchive(data: Uint8Array, passphrase: string, what: string): Promise<Uint8Array> {
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: data });
  } catch (error) {
    throw new KeyceremonyError('CHECK_FAILED', `${what} is not an OpenPGP message: ${(error as Error).message}`);
  }
  try {
    const { data: plain } = await openpgp.decrypt({ message, passwords: [passphrase], format: 'binary' });
    return plain as Uint8Array;
  } catch (error) {
    const text = (error as Error).message;
    if (/session key|passphrase|password/i.test(text))
      throw new KeyceremonyError('PASSPHRASE_WRONG', `the passphrase does not open ${what}`);
    throw new KeyceremonyError('CHECK_FAILED', `${what} cannot be decrypted: ${text}`);
  }
}
