/**
 * The closing check on backups: a ceremony that changed the vault (a new subkey, an extended expiry, a
 * revocation, new DCT keys or metadata) must not end with backups that silently hold the vault as it was
 * before. Either a `backup.create` step of this ceremony made a backup that holds the vault as the ceremony
 * leaves it, or the operator confirms — recorded in the transcript — that the backups are out of date and will
 * be renewed (ceremonies/backup.yaml). "No" stops the ceremony and rolls it back.
 *
 * What "holds the vault" means is the vault state (backup/vault-state.ts): the runner takes it when the
 * ceremony starts and again after the last step; a ceremony whose state did not change (nothing but its
 * transcript was added) is not asked anything, whatever state its backups are in — `status` reports that.
 */
import { backupCurrency } from '../backup/index.js';
import { currentVaultState } from '../backup/index.js';
import { KeyceremonyError } from '../errors.js';
import type { Session } from './session.js';

export const BACKUP_OUT_OF_DATE_PROMPT = 'backup.out-of-date';

/** The vault's state when the ceremony starts; undefined for a vault this ceremony creates or restores. */
export async function vaultStateAtStart(session: Session): Promise<string | undefined> {
  if (!session.hasVault || !session.existingVault) return undefined;
  return currentVaultState(session.vault.root);
}

/** Run after the last step, once the inventory is saved, before the transcript is closed. */
export async function checkBackupHoldsVault(session: Session, atStart: string | undefined): Promise<void> {
  if (!session.hasVault) return;
  const state = await currentVaultState(session.vault.root);
  if (state === atStart) return;
  const currency = backupCurrency(session.inventory, state);
  const { newest } = currency;
  if (currency.verdict === 'current' && newest) {
    session.transcript.record('check.passed', {
      check: 'the newest backup holds the vault as this ceremony leaves it',
      detail: `${newest.name}, vault state ${state}`,
    });
    return;
  }
  const { ui, prompts } = session;
  ui.warn(
    newest
      ? `This ceremony changed the vault, and no backup holds it: the newest backup (${newest.name}, made ${newest.created.slice(0, 10)}) holds the vault as it was before. A restore from it would bring back the old keys.`
      : 'This ceremony changed the vault, and no backup of it is recorded: losing the vault media now loses these keys.',
  );
  const ok = await prompts.confirm(
    BACKUP_OUT_OF_DATE_PROMPT,
    'Confirm that the backups are out of date and that a new backup (ceremonies/backup.yaml) will be made — recorded; until then `keyceremony status` reports the backup as out of date',
  );
  if (!ok) {
    throw new KeyceremonyError(
      'ABORTED',
      'the vault changed and no backup holds it: add a backup.create step to the script (docs/backup-and-recovery.md), or confirm that a new backup will be made',
    );
  }
  session.transcript.record('backup.out-of-date', {
    vaultState: state,
    newestBackup: newest ? { name: newest.name, created: newest.created, vaultState: newest.vaultState } : null,
    confirmed: true,
    prompt: BACKUP_OUT_OF_DATE_PROMPT,
    source: prompts.source,
  });
}
