/**
 * What a backup covers, as one SHA-256: the **vault state**. "Is the newest backup older than the vault?" then
 * has a precise answer — the backup is current exactly when the vault's state now is the state it recorded —
 * that a clock, a file time or a ceremony count cannot give (a ceremony that changes no key leaves the backup
 * current; a restore brings back exactly the state its backup holds).
 *
 * The state is every file of the vault, by path and SHA-256, except:
 *   - `transcripts/`: every ceremony adds its own transcript, and the ceremony that makes a backup cannot put its
 *     own transcript inside it (the transcript records the backup's hash). Transcripts are in the public tree
 *     too; a lost one is reported by `transcript verify`, not by a stale key.
 *   - `.history/`: earlier versions of replaced files, kept for the record; the current version is what counts.
 *   - `inventory.json`, which counts by its `keys` only: its list of ceremonies and of backups grows with every
 *     ceremony without changing a key (and the backup record cannot contain the state of the file it is in).
 * Every key file, certificate, revocation certificate and DCT metadata file counts, and so does every change
 * to a key's inventory entry (status, expiry, hand-off).
 */
import { sha256Hex } from '../crypto/index.js';
import { transcriptCanonicalJson, type JsonValue } from '../transcript/index.js';
import { INVENTORY_PATH, type Inventory, parseInventory } from '../vault/index.js';
import type { TarEntry } from './tar.js';
import { ARCHIVE_ROOT, readVaultEntries } from './vault-archive.js';

/** Names the definition above; a different one would be a new format name. */
export const VAULT_STATE_FORMAT = 'keyceremony-vault-state-1';

const EXCLUDED = [/^transcripts\//, /^\.history\//];

/**
 * The state of a vault given as archive entries (paths below `vault/`), as `readVaultEntries` reads it. With
 * `keys`, those are the inventory's keys (the inventory as it is about to be saved); else inventory.json's.
 */
export function vaultStateOf(entries: readonly TarEntry[], keys?: Inventory['keys']): string {
  const files = entries
    .filter((e) => e.type === 'file')
    .map((e) => ({ path: e.path.slice(ARCHIVE_ROOT.length + 1), data: e.data }));
  const inventory = files.find((f) => f.path === INVENTORY_PATH);
  if (!keys && inventory) keys = parseInventory(inventory.data, `vault/${INVENTORY_PATH}`).keys;
  return vaultState(
    files.filter((f) => f.path !== INVENTORY_PATH).map((f) => ({ path: f.path, sha256: sha256Hex(f.data) })),
    keys,
  );
}

/**
 * The state from its parts: the vault's files (path relative to the vault, SHA-256) and the inventory's keys
 * (undefined when the vault has no inventory yet). Files excluded above are left out here.
 */
export function vaultState(
  files: readonly { path: string; sha256: string }[],
  keys: Inventory['keys'] | undefined,
): string {
  const lines = files
    .filter((f) => f.path !== INVENTORY_PATH && !EXCLUDED.some((pattern) => pattern.test(f.path)))
    .map((f) => `${f.sha256}  ${f.path}`)
    .sort();
  // Through JSON first: an entry held in memory may carry `undefined` fields the file never has.
  const inventoryKeys =
    keys === undefined ? 'none' : sha256Hex(transcriptCanonicalJson(JSON.parse(JSON.stringify(keys)) as JsonValue));
  return sha256Hex([VAULT_STATE_FORMAT, `inventory.keys ${inventoryKeys}`, ...lines, ''].join('\n'));
}

/** The state of the vault at `root` as it is on disk now (with `keys`: the inventory about to be saved). */
export async function currentVaultState(root: string, keys?: Inventory['keys']): Promise<string> {
  const entries = await readVaultEntries(root);
  try {
    return vaultStateOf(entries, keys);
  } finally {
    for (const entry of entries) entry.data.fill(0);
  }
}
