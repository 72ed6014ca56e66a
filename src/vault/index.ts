/**
 * The vault and every output tree: safe writes, the inventory, key status, vault stores by key kind.
 *
 * The public surface of src/vault/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { writeFileExclusive } from './atomic-file.js';
export {
  emptyInventory,
  type Inventory,
  INVENTORY_PATH,
  type InventoryBackup,
  type InventoryKey,
  type InventoryQuorum,
  type KeyLocation,
  parseInventory,
  serializeInventory,
} from './inventory.js';
export { allWell, type KeyState, keyStatus } from './key-status.js';
export { publicPath, vaultPath } from './layout.js';
export { openVault } from './open-vault.js';
export {
  assertAbsent,
  assertNewOrEmpty,
  isInside,
  OutputTree,
  SECRET_FILE_MODE,
  type WrittenFile,
} from './output-tree.js';
export { vaultPassphraseCheck } from './passphrase-check.js';
export { openPublicTree } from './public-tree.js';
export { privateTempDir, SafeDir, TEMP_FILE_PATTERN } from './safe-fs.js';
export { SecretGuard } from './secret-guard.js';
export { type SubkeySuccession, subkeySuccessions } from './subkey-succession.js';
export {
  certificateExpiries,
  inventoryCertificateExpiries,
  loadRootCertificates,
  type TreeReader,
} from './vault-certificates.js';
export {
  CA_NAME,
  type CaSettings,
  loadAuthorities,
  loadAuthority,
  serializeCaSettings,
  type VaultAuthority,
  type VaultCertificate,
  type VaultCrl,
  type VaultSigningCertificate,
  x509VaultPath,
} from './x509-authorities.js';
