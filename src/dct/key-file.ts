/**
 * notary's private key files: `<trustdir>/private/<keyID>.key`, what `notary key import` and
 * `docker trust key load` take.
 *
 *   -----BEGIN ENCRYPTED PRIVATE KEY-----
 *   gun: docker.io/wikibase/wikibase      (targets, snapshot and timestamp keys only)
 *   path: <keyID>                         (lets `notary key import` and `docker trust key load` file an
 *   role: targets                          encrypted key without decrypting it)
 *
 *   <PKCS#8 EncryptedPrivateKeyInfo>
 *
 * The encryption is the one notary writes and — importantly — the only one it reads (tuf/utils/pkcs8.go):
 * PBES2 with PBKDF2 over HMAC-SHA1 (the PRF field left out), an 8-byte salt, 2048 iterations, and
 * AES-256-CBC with a 16-byte IV. Node's own encrypted PKCS#8 export uses HMAC-SHA256, which `notary key
 * import` accepts but notary later fails to decrypt — hence this small writer and reader.
 *
 * The plaintext is a PKCS#8 PrivateKeyInfo, version 1 as notary writes it, for id-ecPublicKey/prime256v1,
 * holding a SEC1 ECPrivateKey with the curve parameters and the public key.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import type { KeyPair } from '../crypto/index.js';
import { bug, KeyceremonyError } from '../errors.js';
import { bytesEqual, leftPad, wipe } from '../util/bytes.js';
import {
  bitString,
  children,
  DerError,
  expectTag,
  explicit,
  contextTag,
  objectIdentifier,
  octetString,
  readBitString,
  readDer,
  readOctetString,
  readOid,
  readSmallInteger,
  sequence,
  smallInteger,
  Tag,
} from './der.js';
import { decodeSinglePem, encodePem, type PemBlock, PemError } from './pem.js';
import { spkiKeyId } from './tuf-key.js';

export const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha1: '1.2.840.113549.2.7',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
} as const;

/** notary's parameters (tuf/utils/pkcs8.go). */
export const NOTARY_PBKDF2_ITERATIONS = 2048;
const SALT_LENGTH = 8;
const IV_LENGTH = 16;
const KEY_LENGTH = 32;
/** Refuse absurd iteration counts in files we read (a damaged or hostile file must not hang a ceremony). */
const MAX_ITERATIONS = 10_000_000;

export const ENCRYPTED_KEY_PEM_TYPE = 'ENCRYPTED PRIVATE KEY';

export interface NotaryKeyHeaders {
  /** `root`, `targets`, `snapshot`, `timestamp`, or a delegation key's name. */
  readonly role: string;
  /** The GUN, for targets/snapshot/timestamp keys only. */
  readonly gun?: string;
  /** The key ID (file name without `.key`); needed by `notary key import` for encrypted keys. */
  readonly path?: string;
}

/** The unencrypted PKCS#8 PrivateKeyInfo of a P-256 key pair, as notary writes it. */
export function p256PrivateKeyInfo(pair: KeyPair): Uint8Array {
  const { publicKey, secretKey } = pair;
  if (publicKey.algorithm !== 'nistp256' || secretKey.algorithm !== 'nistp256') {
    throw bug('notary key files hold ECDSA P-256 keys only');
  }
  const ecPrivateKey = sequence(
    smallInteger(1),
    octetString(leftPad(secretKey.d, 32)),
    explicit(0, objectIdentifier(OID.prime256v1)),
    explicit(1, bitString(publicKey.point)),
  );
  return sequence(
    smallInteger(1),
    sequence(objectIdentifier(OID.ecPublicKey), objectIdentifier(OID.prime256v1)),
    octetString(ecPrivateKey),
  );
}

/** Encrypts a P-256 key pair into notary's PEM key file. */
export function encryptNotaryKey(
  pair: KeyPair,
  passphrase: string,
  headers: NotaryKeyHeaders,
  options: { salt?: Uint8Array; iv?: Uint8Array } = {},
): string {
  if (passphrase === '') throw bug('notary key files need a passphrase');
  const salt = options.salt ?? new Uint8Array(randomBytes(SALT_LENGTH));
  const iv = options.iv ?? new Uint8Array(randomBytes(IV_LENGTH));
  if (salt.length !== SALT_LENGTH || iv.length !== IV_LENGTH) throw bug('bad salt or IV length');
  const plain = p256PrivateKeyInfo(pair);
  const key = pbkdf2Sync(passphrase, salt, NOTARY_PBKDF2_ITERATIONS, KEY_LENGTH, 'sha1');
  const cipher = createCipheriv('aes-256-cbc', key, iv); // PKCS#7 padding, as notary pads
  const encrypted = new Uint8Array(Buffer.concat([cipher.update(plain), cipher.final()]));
  wipe(plain, key);
  const der = sequence(
    sequence(
      objectIdentifier(OID.pbes2),
      sequence(
        sequence(objectIdentifier(OID.pbkdf2), sequence(octetString(salt), smallInteger(NOTARY_PBKDF2_ITERATIONS))),
        sequence(objectIdentifier(OID.aes256Cbc), octetString(iv)),
      ),
    ),
    octetString(encrypted),
  );
  const pemHeaders: Record<string, string> = { role: headers.role };
  if (headers.gun !== undefined) pemHeaders['gun'] = headers.gun;
  if (headers.path !== undefined) pemHeaders['path'] = headers.path;
  return encodePem({ type: ENCRYPTED_KEY_PEM_TYPE, headers: pemHeaders, bytes: der });
}

export interface NotaryKeyFile {
  readonly pair: KeyPair;
  /** The PEM headers (keys encrypted by other tools, e.g. OpenSSL, have none). */
  readonly headers: Partial<NotaryKeyHeaders>;
  /** The SPKI key ID of the key inside. */
  readonly keyId: string;
}

interface Pbes2Parameters {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
}

function invalid(where: string, message: string): KeyceremonyError {
  return new KeyceremonyError('INPUT_INVALID', `${where} is not a notary key file: ${message}`);
}

function pemBlock(text: string, where: string): PemBlock {
  try {
    return decodeSinglePem(text, [ENCRYPTED_KEY_PEM_TYPE], where);
  } catch (error) {
    if (error instanceof PemError) throw invalid(where, error.message);
    throw error;
  }
}

function headersOf(block: PemBlock): Partial<NotaryKeyHeaders> {
  const { role, gun, path } = block.headers;
  return {
    ...(role !== undefined ? { role } : {}),
    ...(gun !== undefined ? { gun } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

/** The headers of a notary key file, without decrypting it; a notary key file always names its role. */
export function readNotaryKeyHeaders(text: string, where: string): NotaryKeyHeaders {
  const headers = headersOf(pemBlock(text, where));
  if (!headers.role) throw invalid(where, 'it has no role header');
  return { ...headers, role: headers.role };
}

function parseEncryptedPrivateKeyInfo(der: Uint8Array): Pbes2Parameters {
  const [algorithm, data] = children(expectTag(readDer(der), Tag.sequence, 'EncryptedPrivateKeyInfo'));
  const [schemeOid, schemeParams] = children(expectTag(algorithm, Tag.sequence, 'encryptionAlgorithm'));
  const scheme = readOid(schemeOid, 'encryption scheme');
  if (scheme !== OID.pbes2) throw new DerError(`encryption scheme ${scheme} is not PBES2`);
  const [kdf, encryption] = children(expectTag(schemeParams, Tag.sequence, 'PBES2 parameters'));
  const [kdfOid, kdfParams] = children(expectTag(kdf, Tag.sequence, 'key derivation function'));
  if (readOid(kdfOid, 'key derivation function') !== OID.pbkdf2)
    throw new DerError('the key derivation function is not PBKDF2');
  const [saltNode, iterationNode, ...optional] = children(expectTag(kdfParams, Tag.sequence, 'PBKDF2 parameters'));
  const salt = readOctetString(saltNode, 'PBKDF2 salt');
  const iterations = readSmallInteger(iterationNode, 'PBKDF2 iteration count');
  if (iterations < 1 || iterations > MAX_ITERATIONS)
    throw new DerError(`PBKDF2 iteration count ${iterations} is out of range`);
  for (const node of optional) {
    if (node.tag === Tag.integer) {
      if (readSmallInteger(node, 'PBKDF2 key length') !== KEY_LENGTH)
        throw new DerError('the PBKDF2 key length is not 32 bytes');
    } else if (node.tag === Tag.sequence) {
      const [prfOid, prfParams] = children(node);
      const prf = readOid(prfOid, 'PBKDF2 PRF');
      if (prf !== OID.hmacWithSha1 || (prfParams && prfParams.tag !== Tag.null)) {
        throw new DerError(
          `PBKDF2 uses the PRF ${prf}, but notary always derives with HMAC-SHA1 (re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA1 -iter 2048)`,
        );
      }
    } else {
      throw new DerError('unexpected field in the PBKDF2 parameters');
    }
  }
  const [cipherOid, ivNode] = children(expectTag(encryption, Tag.sequence, 'encryption scheme'));
  if (readOid(cipherOid, 'cipher') !== OID.aes256Cbc)
    throw new DerError('the cipher is not AES-256-CBC (the only one notary reads)');
  const iv = readOctetString(ivNode, 'AES IV');
  if (iv.length !== IV_LENGTH) throw new DerError('the AES IV is not 16 bytes');
  const ciphertext = readOctetString(data, 'encrypted data');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0)
    throw new DerError('the encrypted data is not a whole number of AES blocks');
  return { salt, iterations, iv, ciphertext };
}

/** Parses the decrypted PrivateKeyInfo; throws DerError for anything that is not a P-256 key. */
export function parseP256PrivateKeyInfo(der: Uint8Array): KeyPair {
  const [version, algorithm, privateKey] = children(expectTag(readDer(der), Tag.sequence, 'PrivateKeyInfo'));
  const v = readSmallInteger(version, 'PrivateKeyInfo version');
  if (v !== 0 && v !== 1) throw new DerError(`PrivateKeyInfo version ${v}`);
  const [algOid, curveOid] = children(expectTag(algorithm, Tag.sequence, 'privateKeyAlgorithm'));
  const alg = readOid(algOid, 'key algorithm');
  if (alg !== OID.ecPublicKey)
    throw new DerError(`the key is not an EC key (algorithm ${alg}); keyceremony reads ECDSA P-256 keys`);
  const curve = readOid(curveOid, 'curve');
  if (curve !== OID.prime256v1) throw new DerError(`the key is on curve ${curve}, not P-256`);
  const [ecVersion, dNode, ...tagged] = children(
    expectTag(readDer(readOctetString(privateKey, 'privateKey')), Tag.sequence, 'ECPrivateKey'),
  );
  if (readSmallInteger(ecVersion, 'ECPrivateKey version') !== 1) throw new DerError('ECPrivateKey version is not 1');
  // A copy: the caller wipes the decrypted buffer this was read from.
  const d = leftPad(readOctetString(dNode, 'private scalar'), 32).slice();
  let point: Uint8Array;
  try {
    point = p256.getPublicKey(d, false);
  } catch {
    throw new DerError('the private scalar is not a valid P-256 key');
  }
  for (const node of tagged) {
    if (node.tag === contextTag(0)) {
      if (readOid(readDer(node.content), 'ECPrivateKey parameters') !== OID.prime256v1)
        throw new DerError('ECPrivateKey parameters are not P-256');
    } else if (node.tag === contextTag(1)) {
      if (!bytesEqual(readBitString(readDer(node.content), 'ECPrivateKey public key'), point)) {
        throw new DerError('the public key stored with the private key does not match it');
      }
    } else {
      throw new DerError('unexpected field in ECPrivateKey');
    }
  }
  return { publicKey: { algorithm: 'nistp256', point }, secretKey: { algorithm: 'nistp256', d } };
}

/**
 * Decrypts a notary key file. A wrong passphrase is PASSPHRASE_WRONG (notary cannot tell it from damage
 * either: both give garbage); anything wrong with the file itself is INPUT_INVALID.
 */
export function decryptNotaryKey(text: string, passphrase: string, where: string): NotaryKeyFile {
  const block = pemBlock(text, where);
  const headers = headersOf(block);
  let params: Pbes2Parameters;
  try {
    params = parseEncryptedPrivateKeyInfo(block.bytes);
  } catch (error) {
    if (error instanceof DerError) throw invalid(where, error.message);
    throw error;
  }
  const key = pbkdf2Sync(passphrase, params.salt, params.iterations, KEY_LENGTH, 'sha1');
  let plain: Uint8Array | undefined;
  let pair: KeyPair;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, params.iv);
    plain = new Uint8Array(Buffer.concat([decipher.update(params.ciphertext), decipher.final()]));
    pair = parseP256PrivateKeyInfo(plain);
  } catch (error) {
    if (error instanceof DerError && plain && /not an EC key|not P-256|is on curve/.test(error.message)) {
      throw invalid(where, error.message);
    }
    throw new KeyceremonyError('PASSPHRASE_WRONG', `${where}: wrong passphrase (or the key file is damaged)`);
  } finally {
    wipe(key, plain);
  }
  const keyId = spkiKeyId(pair.publicKey);
  if (headers.path !== undefined && headers.path !== keyId) {
    throw invalid(where, `its path header names key ${headers.path}, but it holds key ${keyId}`);
  }
  return { pair, headers, keyId };
}
