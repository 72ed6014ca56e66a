/**
 * The signing seam: its public surface. Code outside src/signer/ imports from here only.
 *
 * - {@link Signer}, {@link SignRequest}, {@link SignResult}: the interface every private-key operation uses.
 * - {@link SoftwareSigner} (a key pair in memory) and {@link Pkcs11Signer} (a key on a token) implement it.
 * - {@link acceptedSchemes}, {@link schemeFor}: which algorithms and schemes each output format accepts.
 */
export type {
  DigestScheme,
  DigestSignRequest,
  EdDsaSignRequest,
  HashedMessageSignRequest,
  SignRequest,
  SignResult,
  Signer,
} from './signer.js';
export { SoftwareSigner } from './software-signer.js';
export { Pkcs11Signer } from './pkcs11-signer.js';
export {
  acceptedSchemes,
  digestRequest,
  formatAlgorithms,
  openpgpKeyAlgorithms,
  type OutputFormat,
  outputFormats,
  requireFormatAlgorithm,
  type SchemeChoice,
  schemeFor,
} from './formats.js';
export { legacyDigestRequest, verifyRequest } from '../crypto/index.js';
