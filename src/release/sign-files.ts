/**
 * `keyceremony sign`: detached, armored signatures for release files, and optionally a SHA256SUMS file and its
 * signature. Each file is read once: one SHA-256 pass serves the checksum (a copy of the hash state) and the
 * signature (the same state, continued with the signature trailer). Every output is checked to be absent
 * before anything is written, and removed again if a later file fails.
 */
import { constants, existsSync } from 'node:fs';
import { access, unlink } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import { armorSignatures, startDocumentSignature } from '../openpgp/index.js';
import { writeFileExclusive } from '../vault/index.js';
import { formatChecksumLine } from './checksum-file.js';
import { fileSize, type ProgressListener, readChunks } from './file-stream.js';
import type { ReleaseSigningKey } from './signing-key.js';

export interface SignedFile {
  readonly file: string;
  readonly signature: string;
  readonly sha256: string;
  readonly size: number;
}

export interface SignOptions {
  readonly key: ReleaseSigningKey;
  readonly files: readonly string[];
  /** Also write this SHA256SUMS-style file and its signature. */
  readonly checksums?: string | undefined;
  readonly now: () => Date;
  readonly progress?: (file: string, size: number) => { update: ProgressListener; done: () => void } | undefined;
}

async function signOne(
  key: ReleaseSigningKey,
  file: string,
  now: Date,
  progress: SignOptions['progress'],
): Promise<{ armored: string; sha256: string; size: number }> {
  const size = await fileSize(file);
  const pending = startDocumentSignature(key.key, now);
  const hash = pending.createHash();
  const bar = progress?.(basename(file), size);
  for await (const chunk of readChunks(file, size, bar?.update)) hash.update(chunk);
  bar?.done();
  const sha256 = hash.copy().digest('hex');
  const body = await pending.finish(hash, key.key.signer);
  return { armored: armorSignatures([body]), sha256, size };
}

export async function signFiles(
  options: SignOptions,
): Promise<{ signed: SignedFile[]; checksums?: { file: string; signature: string } }> {
  const files = options.files.map((f) => resolve(f));
  if (files.length === 0) throw new KeyceremonyError('USAGE', 'no files to sign');
  if (new Set(files).size !== files.length) throw new KeyceremonyError('USAGE', 'a file is named twice');
  const checksums = options.checksums ? resolve(options.checksums) : undefined;
  const outputs = [...files.map((f) => `${f}.asc`), ...(checksums ? [checksums, `${checksums}.asc`] : [])];
  for (const output of outputs) {
    if (existsSync(output))
      throw new KeyceremonyError('OUTPUT_EXISTS', `${output} exists; keyceremony never overwrites a signature`);
  }
  // Before hashing gigabytes: every output directory exists and takes new files.
  for (const dir of new Set(outputs.map((o) => dirname(o)))) {
    await access(dir, constants.W_OK).catch(() => {
      throw new KeyceremonyError(
        'OUTPUT_UNWRITABLE',
        `cannot write signatures into ${dir}: it does not exist or is not writable`,
      );
    });
  }
  if (checksums) {
    const outside = files.find((f) => /^\.\.(\/|$)/.test(relative(dirname(checksums), f)));
    if (outside) {
      throw new KeyceremonyError(
        'USAGE',
        `${outside} is not in or below the directory of ${checksums}: a checksum list names the files beside it`,
      );
    }
  }
  for (const file of files) await fileSize(file); // every input readable before the first signature is written

  const written: string[] = [];
  try {
    const signed: SignedFile[] = [];
    for (const file of files) {
      const result = await signOne(options.key, file, options.now(), options.progress);
      await writeFileExclusive(`${file}.asc`, result.armored, 0o644);
      written.push(`${file}.asc`);
      signed.push({ file, signature: `${file}.asc`, sha256: result.sha256, size: result.size });
    }
    if (!checksums) return { signed };
    const base = dirname(checksums);
    const lines = signed.map((s) => formatChecksumLine(s.sha256, relative(base, s.file))).join('');
    await writeFileExclusive(checksums, lines, 0o644);
    written.push(checksums);
    const sums = await signOne(options.key, checksums, options.now(), undefined);
    await writeFileExclusive(`${checksums}.asc`, sums.armored, 0o644);
    written.push(`${checksums}.asc`);
    return { signed, checksums: { file: checksums, signature: `${checksums}.asc` } };
  } catch (error) {
    for (const file of written) await unlink(file).catch(() => undefined);
    throw error;
  }
}
