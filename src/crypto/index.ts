/**
 * Raw key material, digests and digest signatures; knows nothing of formats or tokens.
 *
 * The public surface of src/crypto/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export {
  describeAlgorithm,
  describeScheme,
  type HashAlgorithm,
  type KeyAlgorithm,
  keyAlgorithms,
  rawSignatureLength,
  signatureHash,
  type SignatureScheme,
  signatureSchemes,
} from './algorithms.js';
export { sha256, sha256Hex } from './hash.js';
export {
  generateKeyPair,
  type KeyPair,
  keyPairFromPkcs8,
  modInverse,
  pkcs8Der,
  publicKeyFromObject,
  type PublicKeyMaterial,
  publicKeyObject,
  rsaCrtParts,
  samePublicKey,
  type SecretKeyMaterial,
  spkiDer,
  wipeSecretKey,
} from './key-material.js';
export {
  digestInfo,
  digestLength,
  type DigestScheme,
  type DigestSignRequest,
  type EdDsaSignRequest,
  type HashedMessageSignRequest,
  legacyDigestRequest,
  prepareRequest,
  type SignRequest,
  signWithKeyPair,
  verifyDigest,
  verifyRequest,
} from './signature-schemes.js';
