/** Reading the keys out of a vault's inventory.json (the fields tests look at; see src/vault/inventory.ts). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface InventoryEntry {
  id: string;
  kind: string;
  role: string;
  label?: string;
  status: string;
  created?: string;
  expires?: string | null;
  location: { type: string; path?: string; uri?: string };
  revocation?: { reason: string };
}

/** The keys of the inventory in the vault directory `vaultDir`. */
export async function readInventoryKeys(vaultDir: string): Promise<InventoryEntry[]> {
  return (JSON.parse(await readFile(join(vaultDir, 'inventory.json'), 'utf8')) as { keys: InventoryEntry[] }).keys;
}

/** The keys of the inventory in DIR/vault (DIR: a rehearsal's output directory). */
export async function inventoryKeys(dir: string): Promise<InventoryEntry[]> {
  return readInventoryKeys(join(dir, 'vault'));
}
