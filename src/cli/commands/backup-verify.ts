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
import { dirname } from 'node:path';
import chalk from 'chalk';
import { type BackupCheck, backupFolders, verifyBackupFolder } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { marks } from '../../util/marks.js';

export async function backupVerifyCommand(dir: string, options: { json: boolean }): Promise<void> {
  const folders = await backupFolders(dir);
  const checks: BackupCheck[] = [];
  for (const folder of folders) checks.push(await verifyBackupFolder(folder));
  const ok = checks.every((c) => c.ok);
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({ medium: folders.length === 1 && folders[0] === dir ? dirname(dir) : dir, ok, backups: checks }, null, 2)}\n`,
    );
  else {
    for (const c of checks) {
      process.stdout.write(
        `${c.ok ? chalk.green(marks.ok) : chalk.red(marks.fail)} ${c.backup}${c.ok ? `: copy intact, sha256 ${c.sha256 ?? ''}` : ''}\n`,
      );
      for (const p of c.problems) process.stdout.write(`    ${p}\n`);
    }
  }
  if (!ok)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      'a backup on this medium is damaged: use another copy, and make a new backup (ceremonies/backup.yaml)',
    );
}
