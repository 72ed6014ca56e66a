/**
 * OpenPGP: certificates and their evaluation, signatures, revocations, armor, the verify policy.
 *
 * The public surface of src/openpgp/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { armor, readOpenPgpData } from './armor.js';
export { type CertificateStatus, evaluateCertificate, type KeyStatus } from './certificate-state.js';
export { type Certificate, newestSignatureTime, parseSingleCertificate, serializeCertificate } from './certificate.js';
export { TRANSCRIPT_PURPOSE } from './constants.js';
export {
  armorSignatures,
  type DataSource,
  readDetachedSignatures,
  readSignatureFile,
  type SignatureFile,
  signDetached,
  startDocumentSignature,
} from './detached-signature.js';
export { type ForeignKey } from './foreign-key.js';
export { assertNoPrimarySecret, buildHandoffKey } from './handoff-key.js';
export { fingerprintHex } from './key-packet.js';
export { readKeyring, readKeyringWithForeignKeys } from './keyring.js';
export { mergeCertificates } from './merge.js';
export { armorRevocationCertificate, readRevocationCertificate } from './revocation-certificate.js';
export { createRoot, generateSoftwareKey, type NewKey, type SubkeyPurpose, type SubkeySpec } from './root-key.js';
export { applyRotation, type RotationPlan, rotationTime } from './rotation.js';
export { allKeys, decryptSecretKey, encryptSecretKey } from './secret-key-file.js';
export { selectSigningSubkey } from './select-subkey.js';
export { revokePrimary, type SigningKey } from './self-signatures.js';
export { describeKeyFlags } from './subpackets.js';
export { certifyThrowawayKey } from './test-certification.js';
export { checkTestSignatures } from './test-signatures.js';
export { selectRoot, verifyDetached, verifyDetachedByRoots, type VerifyResult } from './verify-policy.js';
