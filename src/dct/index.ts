/**
 * Docker Content Trust (notary/TUF): keys and key files, root and targets metadata, certificates.
 *
 * The public surface of src/dct/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business. The network code has a
 * surface of its own (online/index.ts) that only the online dct commands import: nothing a ceremony loads can
 * reach the network (test/dct/offline.test.ts).
 */
export { parseTufTime, tufTime } from './canonical-json.js';
export {
  certificatePem,
  createSelfSignedCertificate,
  parseCertificate,
  type ParsedCertificate,
  rootCertificateProblems,
} from './certificate.js';
export {
  children,
  DerError,
  expectTag,
  objectIdentifier,
  octetString,
  readDer,
  readOctetString,
  readOid,
  readSmallInteger,
  sequence,
  smallInteger,
  Tag,
} from './der.js';
export { decryptNotaryKey, encryptNotaryKey, type NotaryKeyHeaders } from './key-file.js';
export { dctHandoffPath, dctPublicPath, dctVaultPath, serverKeyPath, versionedRootFile } from './layout.js';
export {
  buildRoot,
  buildTargets,
  type Delegate,
  type MetadataType,
  parseMetadata,
  RELEASES_ROLE,
  type RootSigned,
  serializeMetadata,
  type SignedMetadata,
  signMetadata,
  signRootMetadata,
  type TargetsSigned,
  validSignatureKeyIds,
} from './metadata.js';
export { gunProblem, signerNameProblem } from './names.js';
export { dockerPublicKeyFile, readServerPublicKey } from './public-key-file.js';
export { spkiKeyId, tufKeyId, tufKeyJson, type TufKeyJson, x509TufKey } from './tuf-key.js';
export { rootCertificates, rootMetadataProblems, targetsMetadataProblems } from './verify.js';
