/**
 * `keyceremony verify`: a release file against its detached signature and a keyring, under the policy in
 * src/openpgp/verify-policy.ts, pinned to one root (all copies of it in the keyring merged). Input errors
 * (missing files, unreadable keyring, ambiguous root) are KeyceremonyErrors with exit 2; a bad, untrusted or
 * unparseable signature is a result with ok=false. A good signature through a REHEARSAL root stays good (the
 * user pinned that root) but is flagged, and the command warns loudly.
 */
import { existsSync } from 'node:fs';
import { KeyceremonyError } from '../errors.js';
import { readKeyringWithForeignKeys } from '../openpgp/index.js';
import { readSignatureFile, type SignatureFile } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { selectRoot, type VerifyResult, verifyDetached } from '../openpgp/index.js';
import { fileSize, type ProgressListener, readChunks } from './file-stream.js';
import { readInputFile } from '../util/input-file.js';
import { rehearsalRootAt } from './rehearsal-key.js';

export interface VerifyRequest {
  readonly keyring: string;
  readonly root?: string | undefined;
  readonly signature?: string | undefined;
  readonly file: string;
  /** The file's bytes, when the caller has read them already (they are verified, not the file read again). */
  readonly contents?: Uint8Array | undefined;
  readonly now: Date;
  readonly progress?: ((size: number) => { update: ProgressListener; done: () => void } | undefined) | undefined;
}

export interface FileVerification extends VerifyResult {
  readonly file: string;
  readonly signatureFile: string;
  readonly root: string;
  /** The root that vouches for the good signature is a REHEARSAL root: never trust what it signed. */
  readonly rehearsal: boolean;
}

export function defaultSignatureFile(file: string): string {
  for (const candidate of [`${file}.asc`, `${file}.sig`]) if (existsSync(candidate)) return candidate;
  throw new KeyceremonyError(
    'INPUT_NOT_FOUND',
    `no signature for ${file}: neither ${file}.asc nor ${file}.sig exists (use --signature)`,
  );
}

export async function verifyFile(request: VerifyRequest): Promise<FileVerification> {
  const keyring = await readKeyringWithForeignKeys(await readInputFile(request.keyring, 'keyring'), request.keyring);
  const root = selectRoot(keyring.certificates, request.root, keyring.foreignPrimaries, request.now);
  const signatureFile = request.signature ?? defaultSignatureFile(request.file);
  const signatureBytes = await readInputFile(signatureFile, 'signature');
  const size = request.contents?.length ?? (await fileSize(request.file));
  let file: SignatureFile;
  try {
    file = await readSignatureFile(signatureBytes);
  } catch (error) {
    const reason = `${signatureFile} is not a valid OpenPGP signature: ${(error as Error).message}`;
    return {
      ok: false,
      good: [],
      rejected: [{ issuer: undefined, created: undefined, reason }],
      file: request.file,
      signatureFile,
      root: fingerprintHex(root.primary),
      rehearsal: false,
    };
  }
  const bar = request.progress?.(size);
  const result = await verifyDetached({
    root,
    signatures: file.signatures,
    data: request.contents ?? readChunks(request.file, size, bar?.update),
    now: request.now,
    purpose: 'release',
  });
  bar?.done();
  const skipped = file.skipped.map((reason) => ({ issuer: undefined, created: undefined, reason }));
  return {
    ...result,
    rejected: [...result.rejected, ...skipped],
    file: request.file,
    signatureFile,
    root: fingerprintHex(root.primary),
    rehearsal: rehearsalRootAt(
      root,
      result.good.map((g) => g.created),
    ),
  };
}
