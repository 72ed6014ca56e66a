/**
 * keyceremony backup verify DIR [--json]
 *
 * Checks the backups on a medium without decrypting them: DIR is a mounted backup medium (every `backup-*`
 * folder on it is checked) or one backup folder. For each: the manifest is valid; the encrypted archive's
 * SHA-256 and size are what the manifest says; and the signed transcript kept beside it (when present) has an
 * intact hash chain and recorded exactly that archive hash when the backup was written. Run it on every medium
 * after re-mounting it (the ceremony's own read-back may have been served from the page cache), and whenever a
 * medium comes out of its bag. Exit 0 when every backup checks, 1 otherwise.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import chalk from 'chalk';
import { ARCHIVE_FILE, MANIFEST_FILE, parseManifest, TRANSCRIPTS_DIR } from '../../backup/manifest.js';
import { KeyceremonyError } from '../../errors.js';
import { checkChain } from '../../transcript/verify.js';
import { sha256Hex } from '../../crypto/hash.js';

export interface BackupCheck {
  readonly backup: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly sha256: string | undefined;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

export async function verifyBackupFolder(dir: string): Promise<BackupCheck> {
  const problems: string[] = [];
  let manifest;
  try {
    manifest = parseManifest(new Uint8Array(await readFile(join(dir, MANIFEST_FILE))), join(dir, MANIFEST_FILE));
  } catch (error) {
    return { backup: basename(dir), ok: false, problems: [(error as Error).message], sha256: undefined };
  }
  let digest: string | undefined;
  try {
    const data = new Uint8Array(await readFile(join(dir, ARCHIVE_FILE)));
    digest = sha256Hex(data);
    if (digest !== manifest.archive.sha256 || data.length !== manifest.archive.size) {
      problems.push(`${ARCHIVE_FILE} is damaged: SHA-256 ${digest}, the manifest says ${manifest.archive.sha256}`);
    }
  } catch (error) {
    problems.push(`${ARCHIVE_FILE} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const transcript = join(dir, TRANSCRIPTS_DIR, `${manifest.ceremony.transcript}.jsonl`);
  if (await isFile(transcript)) {
    const { entries, problem } = checkChain(await readFile(transcript, 'utf8'));
    if (problem) problems.push(`the transcript beside the backup is broken at entry ${problem.seq}: ${problem.reason}`);
    const recorded = entries.filter((e) => e.event === 'output.written' && e.data['path'] === `${manifest.name}/${ARCHIVE_FILE}`).map((e) => e.data['sha256']);
    if (!problem && (recorded.length === 0 || recorded.some((s) => s !== manifest.archive.sha256))) {
      problems.push('the transcript beside the backup does not record the archive hash the manifest gives');
    }
  } else {
    problems.push(`the signed transcript ${TRANSCRIPTS_DIR}/${basename(transcript)} is missing`);
  }
  return { backup: manifest.name, ok: problems.length === 0, problems, sha256: digest };
}

export async function backupVerifyCommand(dir: string, options: { json: boolean }): Promise<void> {
  let folders: string[];
  if (await isFile(join(dir, MANIFEST_FILE))) folders = [dir];
  else {
    const names = await readdir(dir).catch(() => {
      throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} is not a directory`);
    });
    folders = names.filter((n) => n.startsWith('backup-')).sort().map((n) => join(dir, n));
  }
  if (folders.length === 0) throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} holds no keyceremony backup (no backup-*/${MANIFEST_FILE})`);
  const checks: BackupCheck[] = [];
  for (const folder of folders) checks.push(await verifyBackupFolder(folder));
  const ok = checks.every((c) => c.ok);
  if (options.json) process.stdout.write(`${JSON.stringify({ medium: folders.length === 1 && folders[0] === dir ? dirname(dir) : dir, ok, backups: checks }, null, 2)}\n`);
  else {
    for (const c of checks) {
      process.stdout.write(`${c.ok ? chalk.green('✔') : chalk.red('✘')} ${c.backup}${c.ok ? `: copy intact, sha256 ${c.sha256 ?? ''}` : ''}\n`);
      for (const p of c.problems) process.stdout.write(`    ${p}\n`);
    }
  }
  if (!ok) throw new KeyceremonyError('CHECK_FAILED', 'a backup on this medium is damaged: use another copy, and make a new backup (ceremonies/backup.yaml)');
}
