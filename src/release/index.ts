/**
 * Release day: signing files with a hand-off key, and verifying releases and checksum lists.
 *
 * The public surface of src/release/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { type ProgressListener } from './file-stream.js';
export { signFiles } from './sign-files.js';
export { openSigningKey, type ReleaseSigningKey } from './signing-key.js';
export { parseSopDate, REHEARSAL_COMMENT, SopError, SopExit, sopVerify } from './sop-verify.js';
export { type ChecksumFileResult, verifyChecksums } from './verify-checksums.js';
export { type FileVerification, verifyFile } from './verify-file.js';
