/**
 * How a vault passphrase is checked: by decrypting the vault's first root key file with it (a root on a token
 * still has its vault file, holding the release subkeys and stubs). Used when a ceremony opens an existing
 * vault, and when a restore or a recovery drill opens one rebuilt from a backup.
 */
import { KeyceremonyError } from '../errors.js';
import { decryptSecretKey } from '../openpgp/index.js';
import type { Inventory } from './inventory.js';
import { vaultPath } from './layout.js';
import type { TreeReader } from './vault-certificates.js';

export function vaultPassphraseCheck(
  vault: TreeReader,
  inventory: Inventory,
  where = 'vault',
): ((passphrase: string) => Promise<string | undefined>) | undefined {
  const root = inventory.keys.find((k) => k.kind === 'openpgp-primary');
  if (!root) return undefined;
  const path = root.location.type === 'file' ? root.location.path : vaultPath.openpgpSecretKey(root.id);
  return async (passphrase: string): Promise<string | undefined> => {
    try {
      await decryptSecretKey(await vault.read(path), passphrase, `${where}/${path}`);
      return undefined;
    } catch (error) {
      if (error instanceof KeyceremonyError && error.code === 'PASSPHRASE_WRONG') return 'wrong vault passphrase';
      throw error;
    }
  };
}
