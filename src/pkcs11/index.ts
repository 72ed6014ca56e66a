/**
 * PKCS#11 tokens: modules, slots, sessions and login, keys generated on or imported to a token.
 *
 * The public surface of src/pkcs11/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { CKG, CKM, mechanismNames, PKCS11JS_PARAMS_RSA_PSS, TokenFlag } from './constants.js';
export { type KeyAttributeReport } from './key-attributes.js';
export {
  algorithmsOffered,
  findKeyPair,
  generateOnToken,
  importToToken,
  refuseExisting,
  requireAlgorithm,
  type TokenKeyRef,
} from './keys.js';
export { changeUserPin, loginWithPolicy, pinFlagWords } from './login.js';
export {
  discoverModules,
  eachModule,
  type ModuleCandidate,
  Pkcs11Module,
  type SlotDescription,
  softHsmModulePath,
  type TokenDescription,
  type TokenSession,
} from './module.js';
export { type Handle, type NativeMechanism } from './native.js';
export { formatPkcs11Uri, parsePkcs11Uri } from './uri.js';
