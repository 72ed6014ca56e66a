/**
 * Container-signing formats (no ceremony logic): cosign's encrypted key file and public key, Notation's trust
 * store layout, trust policy and local signing-key registration. The folder's public surface.
 */
export {
  COSIGN_KEY_PEM_TYPE,
  type CosignKdfStrength,
  cosignKdfStrengths,
  cosignPublicKeyPem,
  decryptSecretBoxJson,
  encryptSecretBoxJson,
  readCosignKeyFile,
  writeCosignKeyFile,
} from './cosign-key-file.js';
export {
  type NotationLocalKey,
  NOTATION_SIGNING_KEYS_FILE,
  notationPrivateKeyPem,
  notationSigningKeys,
} from './notation-signing-key.js';
export {
  NOTATION_TRUST_POLICY_FILE,
  notationTrustPolicy,
  registryScopeProblem,
  type TrustPolicyStatement,
  type VerificationLevel,
} from './notation-trust-policy.js';
export {
  notationTrustStoreFiles,
  type TreeFile,
  trustStoreNameProblem,
  type TrustStoreRoot,
} from './notation-trust-store.js';
