/**
 * X.509 for container signing: the offline root CA, signing certificates for Notation and cosign, CRLs.
 * The folder's public surface; code outside src/x509/ imports from here only.
 */
export {
  addYears,
  certificateFingerprint,
  chainPem,
  createCrl,
  createRootCa,
  issueSigningCertificate,
  readCertificate,
} from './authority.js';
export type { IssuedCertificate, IssuedCrl, IssueOptions } from './issue.js';
export {
  blockingLevels,
  type LintFinding,
  type Linter,
  type LintLevel,
  type LintSubject,
  profileLinter,
  zlintLinter,
} from './lint.js';
export { type DistinguishedName, formatName, nameProblems, sameName } from './names.js';
export { type ParsedCertificate, type ParsedCrl, parseCertificateDer, parseCrlDer } from './parse.js';
export { fromPem, toPem } from './pem.js';
export {
  decryptPrivateKeyPem,
  ENCRYPTED_PRIVATE_KEY_PEM,
  encryptPrivateKeyPem,
  PKCS8_SCRYPT_COST,
} from './encrypted-private-key.js';
export { randomSerial } from './serial.js';
export {
  type CrlReasonName,
  type CrlRequest,
  DEFAULT_ROOT_YEARS,
  DEFAULT_SIGNING_CERT_YEARS,
  type Issuer,
  type RevokedEntry,
  type RootCaRequest,
  rootCaAlgorithms,
  type SigningCertRequest,
  signingCertAlgorithms,
} from './profiles.js';
