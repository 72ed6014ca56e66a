/**
 * The public tree: KEYS, certificates, keys page, WKD, container trust files, SHA256SUMS.
 *
 * The public surface of src/publish/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { publishVault } from './write-bundle.js';
