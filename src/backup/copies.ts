/**
 * Writing the encrypted archive to every medium, and reading every copy back.
 *
 * OutputTree already reads each file back as it writes it; the read-back here comes after *all* copies are
 * written and is what the manifest's hashes rest on: each copy is read from its medium again and its SHA-256
 * compared with the bytes that were encrypted. (Both reads may be served from the page cache; `keyceremony
 * backup verify` after re-mounting a medium, and every recovery drill, read the medium itself.)
 */
import { KeyceremonyError } from '../errors.js';
import { sha256Hex } from '../crypto/index.js';
import type { OutputTree, WrittenFile } from '../vault/index.js';
import { readDataFile } from '../util/data-files.js';
import { groupedHex } from '../util/fingerprint-display.js';
import { ARCHIVE_FILE, type BackupManifest, MANIFEST_FILE, TRANSCRIPTS_DIR } from './manifest.js';

export interface MediumCopy {
  readonly number: number;
  readonly label: string;
  readonly tree: OutputTree;
}

/** Writes `archive` to `<folder>/vault.tar.gpg` on every medium. */
/** Writes the archive to every medium; returns what was written, medium by medium. */
export async function writeCopies(
  media: readonly MediumCopy[],
  folder: string,
  archive: Uint8Array,
): Promise<WrittenFile[]> {
  const written: WrittenFile[] = [];
  for (const medium of media) written.push(await medium.tree.write(`${folder}/${ARCHIVE_FILE}`, archive));
  return written;
}

/** Reads every copy back from its medium; throws CHECK_FAILED naming the first copy that differs. */
export async function readBackCopies(
  media: readonly MediumCopy[],
  folder: string,
  sha256: string,
  size: number,
): Promise<void> {
  for (const medium of media) {
    const rel = `${folder}/${ARCHIVE_FILE}`;
    let back: Uint8Array;
    try {
      back = await medium.tree.read(rel);
    } catch (error) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the copy on ${medium.label} (${medium.tree.root}/${rel}) cannot be read back: ${(error as Error).message}`,
      );
    }
    const digest = sha256Hex(back);
    if (digest !== sha256 || back.length !== size) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the copy on ${medium.label} (${medium.tree.root}/${rel}) does not read back as written: SHA-256 ${digest}, expected ${sha256}`,
        {
          details: ['The medium may be failing: replace it and run the ceremony again.'],
        },
      );
    }
  }
}

/** The restore kit copied next to every backup: rebuild the passphrase from shares with Python 3 alone. */
export function restoreKitFiles(): { path: string; content: string }[] {
  return [
    { path: 'restore-kit/recover-passphrase.py', content: readDataFile('restore-kit/recover-passphrase.py') },
    { path: 'restore-kit/pgp-words.txt', content: readDataFile('pgp-words.txt') },
    { path: 'restore-kit/eff_large_wordlist.txt', content: readDataFile('eff_large_wordlist.txt') },
    { path: 'restore-kit/LICENSES.md', content: readDataFile('LICENSES.md') },
  ];
}

/** Where the restore commands of README.txt rebuild the vault: a new directory in the user's home. */
export const RESTORE_DIR = 'keyceremony-restore';

/** README.txt next to each copy: what the folder holds and how to restore it, with and without keyceremony. */
export function backupReadme(manifest: BackupManifest): string {
  const { sharing } = manifest;
  const rehearsal = manifest.rehearsal
    ? ['*** REHEARSAL — throwaway keys and a throwaway passphrase. Never trust or keep them. ***', '']
    : [];
  return [
    ...rehearsal,
    `Encrypted backup of the keyceremony vault of ${manifest.organisation}`,
    `${manifest.name}, made ${manifest.created} by the ceremony ${manifest.ceremony.transcript}`,
    `Root key fingerprint: ${groupedHex(manifest.root)}`,
    '',
    'This folder holds',
    `  ${ARCHIVE_FILE}        the vault as a tar archive, encrypted with the backup passphrase`,
    `                       (OpenPGP symmetric message: AES-256, iterated+salted SHA-256 S2K, ${manifest.archive.encryption.s2kCount} bytes)`,
    `  ${MANIFEST_FILE}        the archive's files and their SHA-256, every copy and its SHA-256, the custodians`,
    `  ${TRANSCRIPTS_DIR}/         the signed transcript of the ceremony that made this backup`,
    '  restore-kit/         rebuilds the passphrase from the shares with Python 3 alone',
    '',
    `Check this copy:  sha256sum ${ARCHIVE_FILE}`,
    `  it must print   ${manifest.archive.sha256}`,
    '',
    `The backup passphrase was split among ${sharing.count} custodians; any ${sharing.threshold} of their shares rebuild it`,
    `(share set ${sharing.set}; each share is ${sharing.shareWords} words):`,
    ...sharing.shares.map((s) => `  share ${s.number}: ${s.title} (${s.custodian})`),
    '',
    'Restore with keyceremony (on the air-gapped machine; see its docs/backup-and-recovery.md):',
    '  keyceremony run ceremonies/restore.yaml --vault NEW-EMPTY-DIR --public PUBLIC-TREE',
    '',
    'Restore without keyceremony (GnuPG 2.2 or later, tar, Python 3): on the air-gapped machine, in a shell in',
    'THIS folder, run these three lines as they are. The vault is rebuilt in a new directory of your home, never',
    'on this medium; if that directory exists, the first line says so and the next two overwrite nothing.',
    `  B="$PWD"; mkdir "$HOME/${RESTORE_DIR}"`,
    `  cd "$HOME/${RESTORE_DIR}" && python3 "$B/restore-kit/recover-passphrase.py" | gpg --batch --pinentry-mode loopback --passphrase-fd 0 --decrypt "$B/${ARCHIVE_FILE}" | tar -x -k`,
    `  mkdir vault/${TRANSCRIPTS_DIR} && cp "$B"/${TRANSCRIPTS_DIR}/* vault/${TRANSCRIPTS_DIR}/`,
    `(the custodians type their shares, hidden, a share at a time; a mistyped word is named by its position. The`,
    ` result is the directory "$HOME/${RESTORE_DIR}/vault": the keys in`,
    ' it are still encrypted with the VAULT passphrase, which is kept apart from this backup.',
    '',
  ].join('\n');
}
