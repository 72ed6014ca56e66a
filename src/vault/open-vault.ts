/** Opening an existing vault directory with its inventory, for ceremonies on an existing vault and the CLI. */
import { KeyceremonyError } from '../errors.js';
import { INVENTORY_PATH, type Inventory, parseInventory } from './inventory.js';
import { OutputTree } from './output-tree.js';
import type { SecretGuard } from './secret-guard.js';

/** The vault at `dir` and its inventory; VAULT_INVALID when `dir` is a directory but not a keyceremony vault. */
export async function openVault(
  dir: string,
  guard?: SecretGuard,
  notify?: (message: string) => void,
): Promise<{ vault: OutputTree; inventory: Inventory }> {
  const vault = await OutputTree.existing('vault', dir, { secret: true, guard, notify });
  if (!(await vault.exists(INVENTORY_PATH))) {
    throw new KeyceremonyError('VAULT_INVALID', `${vault.root} is not a keyceremony vault (no ${INVENTORY_PATH})`);
  }
  return { vault, inventory: parseInventory(await vault.read(INVENTORY_PATH), `${vault.root}/${INVENTORY_PATH}`) };
}
