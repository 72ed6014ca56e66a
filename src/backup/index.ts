/**
 * Encrypted backups and secret sharing: media, manifests, share codes and sheets, the officer quorum.
 *
 * The public surface of src/backup/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { findChromium, printToPdf, requireChromium } from './chromium.js';
export { backupReadme, type MediumCopy, readBackCopies, restoreKitFiles, writeCopies } from './copies.js';
export { backupCurrency, type BackupCurrency } from './currency.js';
export {
  ARCHIVE_FILE,
  type BackupManifest,
  MANIFEST_FILE,
  README_FILE,
  serializeManifest,
  TRANSCRIPTS_DIR,
} from './manifest.js';
export {
  checkMediaMounted,
  mediumLabel,
  mediumLocation,
  type MediumLocation,
  MediumParam,
  onRamFilesystem,
  sheetsLocation,
} from './media.js';
export {
  backupInventory,
  findBackup,
  type FoundBackup,
  keysMissingFromManifest,
  openBackup,
  readCheckedCopy,
  wipeBackup,
} from './open-backup.js';
export { passphraseByteLength } from './passphrase-bytes.js';
export { quorumDctPassphrase, quorumPinLength, quorumTokenPin } from './quorum-pin.js';
export {
  decodeShare,
  encodeShare,
  type Share,
  ShareFormatError,
  shareQrText,
  shareTokens,
  shareWordCount,
  shareWordProblem,
} from './share-code.js';
export { combineShares, hexSet, proveShareSet, splitPassphrase } from './sharing.js';
export { renderSheet } from './sheet.js';
export { decodeTarHeader, encodeTarHeader, readTar, TAR_BLOCK, TarFormatError, tarPadding } from './tar.js';
export {
  archiveVault,
  decryptArchive,
  encryptArchive,
  ENCRYPTION_FORMAT,
  fileDigests,
  readVaultEntries,
  S2K_COUNT,
} from './vault-archive.js';
export { currentVaultState, VAULT_STATE_FORMAT, vaultStateOf } from './vault-state.js';
export { type BackupCheck, backupFolders, verifyBackupFolder } from './verify-backup.js';
