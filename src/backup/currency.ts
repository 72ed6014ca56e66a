/**
 * Whether the newest backup of a vault still holds it: the vault's state now (vault-state.ts) compared with the
 * state the newest backup recorded in the inventory. Used by `keyceremony status` and by the runner's closing
 * check, so both say the same thing.
 */
import type { Inventory, InventoryBackup } from '../vault/index.js';

export type BackupVerdict = 'current' | 'out-of-date' | 'none';

export interface BackupCurrency {
  /** `none`: the inventory records no backup at all. */
  readonly verdict: BackupVerdict;
  /** The vault's state now. */
  readonly vaultState: string;
  readonly newest?: InventoryBackup;
  /** Ceremonies recorded after the one that made the newest backup (what may have changed since), oldest first. */
  readonly ceremoniesSince: readonly { name: string; date: string }[];
}

export function backupCurrency(inventory: Inventory, vaultState: string): BackupCurrency {
  const newest = inventory.backups?.at(-1);
  if (!newest) return { verdict: 'none', vaultState, ceremoniesSince: [] };
  const at = inventory.ceremonies.findIndex((c) => c.name === newest.ceremony);
  const since = at < 0 ? [] : inventory.ceremonies.slice(at + 1).map((c) => ({ name: c.name, date: c.date }));
  return {
    verdict: newest.vaultState === vaultState ? 'current' : 'out-of-date',
    vaultState,
    newest,
    ceremoniesSince: since,
  };
}
