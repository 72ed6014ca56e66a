/**
 * Checking the backups on a medium without decrypting them (`keyceremony backup verify`): each backup's
 * manifest is valid; the encrypted archive's SHA-256 and size are what the manifest says; and the signed
 * transcript kept beside it has an intact hash chain and recorded exactly that archive hash.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import { checkChain } from '../transcript/index.js';
import { ARCHIVE_FILE, MANIFEST_FILE, parseManifest, TRANSCRIPTS_DIR } from './manifest.js';
import { checkCopy } from './open-backup.js';

export interface BackupCheck {
  readonly backup: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly sha256: string | undefined;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The backup folders `dir` stands for: itself when it is one, else every backup-* folder on the medium. */
export async function backupFolders(dir: string): Promise<string[]> {
  if (await isFile(join(dir, MANIFEST_FILE))) return [dir];
  const names = await readdir(dir).catch(() => {
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} is not a directory`);
  });
  const folders = names
    .filter((n) => n.startsWith('backup-'))
    .sort()
    .map((n) => join(dir, n));
  if (folders.length === 0)
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} holds no keyceremony backup (no backup-*/${MANIFEST_FILE})`);
  return folders;
}

export async function verifyBackupFolder(dir: string): Promise<BackupCheck> {
  const problems: string[] = [];
  let manifest;
  try {
    manifest = parseManifest(new Uint8Array(await readFile(join(dir, MANIFEST_FILE))), join(dir, MANIFEST_FILE));
  } catch (error) {
    return { backup: basename(dir), ok: false, problems: [(error as Error).message], sha256: undefined };
  }
  const copy = await checkCopy({ dir, manifest }, ARCHIVE_FILE);
  if (copy.problem !== undefined) problems.push(copy.problem);
  const transcript = join(dir, TRANSCRIPTS_DIR, `${manifest.ceremony.transcript}.jsonl`);
  if (await isFile(transcript)) {
    const { entries, problem } = checkChain(await readFile(transcript, 'utf8'));
    if (problem) problems.push(`the transcript beside the backup is broken at entry ${problem.seq}: ${problem.reason}`);
    const recorded = entries
      .filter((e) => e.event === 'output.written' && e.data['path'] === `${manifest.name}/${ARCHIVE_FILE}`)
      .map((e) => e.data['sha256']);
    if (!problem && (recorded.length === 0 || recorded.some((s) => s !== manifest.archive.sha256))) {
      problems.push('the transcript beside the backup does not record the archive hash the manifest gives');
    }
  } else {
    problems.push(`the signed transcript ${TRANSCRIPTS_DIR}/${basename(transcript)} is missing`);
  }
  return { backup: manifest.name, ok: problems.length === 0, problems, sha256: copy.sha256 };
}
