/**
 * The PKCS#11 numbers keyceremony uses, from the PKCS#11 2.40/3.0 headers. Kept here rather than taken from
 * pkcs11js because pkcs11js is loaded lazily (an optional native dependency) and 2.1.7 does not name the
 * EdDSA ones (CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA).
 */

export const CKO = { publicKey: 2, privateKey: 3, secretKey: 4 } as const;

export const CKA = {
  class: 0x000,
  token: 0x001,
  private: 0x002,
  label: 0x003,
  value: 0x011,
  keyType: 0x100,
  id: 0x102,
  sensitive: 0x103,
  encrypt: 0x104,
  decrypt: 0x105,
  wrap: 0x106,
  unwrap: 0x107,
  sign: 0x108,
  verify: 0x10a,
  derive: 0x10c,
  modulus: 0x120,
  modulusBits: 0x121,
  publicExponent: 0x122,
  privateExponent: 0x123,
  prime1: 0x124,
  prime2: 0x125,
  exponent1: 0x126,
  exponent2: 0x127,
  coefficient: 0x128,
  valueLen: 0x161,
  extractable: 0x162,
  local: 0x163,
  neverExtractable: 0x164,
  alwaysSensitive: 0x165,
  ecParams: 0x180,
  ecPoint: 0x181,
} as const;

export const CKK = { rsa: 0x00, ec: 0x03, aes: 0x1f, ecEdwards: 0x40 } as const;

export const CKM = {
  rsaPkcsKeyPairGen: 0x0000,
  rsaPkcs: 0x0001,
  rsaPkcsPss: 0x000d,
  sha256: 0x0250,
  sha384: 0x0260,
  sha512: 0x0270,
  ecKeyPairGen: 0x1040,
  ecdsa: 0x1041,
  ecEdwardsKeyPairGen: 0x1055,
  eddsa: 0x1057,
  aesKeyGen: 0x1080,
  aesKeyWrap: 0x2109,
  aesKeyWrapPad: 0x210a,
} as const;

/** Names for the mechanisms keyceremony uses, for `token list` and error messages. */
export const mechanismNames: ReadonlyMap<number, string> = new Map([
  [CKM.rsaPkcsKeyPairGen, 'CKM_RSA_PKCS_KEY_PAIR_GEN'],
  [CKM.rsaPkcs, 'CKM_RSA_PKCS'],
  [CKM.rsaPkcsPss, 'CKM_RSA_PKCS_PSS'],
  [CKM.ecKeyPairGen, 'CKM_EC_KEY_PAIR_GEN'],
  [CKM.ecdsa, 'CKM_ECDSA'],
  [CKM.ecEdwardsKeyPairGen, 'CKM_EC_EDWARDS_KEY_PAIR_GEN'],
  [CKM.eddsa, 'CKM_EDDSA'],
]);

/** Mask generation functions for CK_RSA_PKCS_PSS_PARAMS. */
export const CKG = { mgf1Sha256: 0x2, mgf1Sha384: 0x3, mgf1Sha512: 0x4 } as const;

/** pkcs11js's tag for a CK_RSA_PKCS_PSS_PARAMS mechanism parameter (its CK_PARAMS_RSA_PSS). */
export const PKCS11JS_PARAMS_RSA_PSS = 5;

/** Session flags. */
export const CKF_RW_SESSION = 0x2;
export const CKF_SERIAL_SESSION = 0x4;
/** C_Initialize flag: the library may use the OS's locking (pkcs11js runs async calls on worker threads). */
export const CKF_OS_LOCKING_OK = 0x2;

export const CKU = { so: 0, user: 1 } as const;

/** Slot flags. */
export const CKF_TOKEN_PRESENT = 0x1;
export const CKF_REMOVABLE_DEVICE = 0x2;
export const CKF_HW_SLOT = 0x4;

/** Token flags (CK_TOKEN_INFO.flags). */
export const TokenFlag = {
  rng: 0x1,
  writeProtected: 0x2,
  loginRequired: 0x4,
  userPinInitialized: 0x8,
  protectedAuthenticationPath: 0x100,
  tokenInitialized: 0x400,
  userPinCountLow: 0x10000,
  userPinFinalTry: 0x20000,
  userPinLocked: 0x40000,
  userPinToBeChanged: 0x80000,
  soPinCountLow: 0x100000,
  soPinFinalTry: 0x200000,
  soPinLocked: 0x400000,
  soPinToBeChanged: 0x800000,
} as const;

/** Return values keyceremony reacts to. */
export const CKR = {
  attributeSensitive: 0x11,
  attributeTypeInvalid: 0x12,
  attributeValueInvalid: 0x13,
  keyUnextractable: 0x6a,
  mechanismInvalid: 0x70,
  templateIncomplete: 0xd0,
  templateInconsistent: 0xd1,
  pinIncorrect: 0xa0,
  pinLocked: 0xa4,
  tokenNotPresent: 0xe0,
  userAlreadyLoggedIn: 0x100,
  userNotLoggedIn: 0x101,
  cryptokiAlreadyInitialized: 0x191,
} as const;

/** DER of the P-256 curve OID 1.2.840.10045.3.1.7 (CKA_EC_PARAMS). */
export const P256_EC_PARAMS = Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
/** DER of the P-384 curve OID 1.3.132.0.34 (CKA_EC_PARAMS). */
export const P384_EC_PARAMS = Uint8Array.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]);
/** PrintableString "edwards25519": the only Ed25519 CKA_EC_PARAMS form ykcs11 accepts (SoftHSM takes it too). */
export const ED25519_EC_PARAMS_NAME = Uint8Array.from([0x13, 0x0c, ...new TextEncoder().encode('edwards25519')]);
/** DER of the Ed25519 OID 1.3.101.112, the RFC 8410 form other tokens return. */
export const ED25519_EC_PARAMS_OID = Uint8Array.from([0x06, 0x03, 0x2b, 0x65, 0x70]);
