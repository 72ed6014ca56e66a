/**
 * Encrypted PKCS#8 private keys (RFC 5958 EncryptedPrivateKeyInfo, PEM `ENCRYPTED PRIVATE KEY`) with PBES2
 * (RFC 8018), scrypt as the key derivation function (RFC 7914 §7) and AES-256-CBC — what
 * `openssl pkcs8 -topk8 -scrypt` writes and what `openssl pkey`, `openssl ca` and Go read.
 *
 * keyceremony keeps the X.509 container-signing root key (in software) and each signing certificate's key in
 * the vault in this format, encrypted with the vault passphrase, and hands each signer's key to Notation in
 * it (encrypted with the hand-off passphrase). Why this format:
 *  - OpenSSL opens it with nothing else installed: a CI job decrypts the Notation key into tmpfs with
 *    `openssl pkey`, and an organisation that no longer has keyceremony can still sign a CRL or a certificate
 *    with its root using `openssl ca` — the root must never be locked in a keyceremony-only format;
 *  - scrypt is memory-hard, unlike the PBKDF2 of OpenSSL's default and of notary's key files.
 * The scrypt cost is N 2^14, r 8, p 1 (16 MiB): OpenSSL 3's `-scrypt` default, and the most OpenSSL 3 opens
 * without raising its built-in 32 MiB limit (N 2^15 already fails with "memory limit exceeded"). The
 * passphrases keyceremony asks for are held to the script's strength floor, so the cost is a brake, not the
 * wall.
 *
 * CBC has no integrity: a damaged file may decrypt to a different, valid-looking key. Callers compare the key
 * they read with the certificate it belongs to (the vault) or the public key on record (the hand-off), and
 * this reader refuses anything but the exact structure it writes, a padding error, or a PKCS#8 that does not
 * parse.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { type KeyPair, keyPairFromPkcs8, pkcs8Der } from '../crypto/index.js';
import {
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
} from '../dct/index.js';
import { KeyceremonyError } from '../errors.js';
import { wipe } from '../util/bytes.js';

export const ENCRYPTED_PRIVATE_KEY_PEM = 'ENCRYPTED PRIVATE KEY';

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

/** The scrypt cost keyceremony writes (see the file comment for why not more). */
export const PKCS8_SCRYPT_COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const IV_BYTES = 16;
const KEY_BYTES = 32;
/** Largest N a file may ask for (2^20: 1 GiB); a damaged or hostile file must not exhaust the machine. */
const MAX_N = 1 << 20;

function scryptKey(passphrase: string, salt: Uint8Array, N: number, r: number, p: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(passphrase, 'utf8'),
      salt,
      KEY_BYTES,
      { N, r, p, maxmem: 128 * N * r * p + (8 << 20) },
      (error, key) => (error ? reject(error) : resolve(new Uint8Array(key))),
    );
  });
}

function pem(der: Uint8Array): string {
  const body = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = [`-----BEGIN ${ENCRYPTED_PRIVATE_KEY_PEM}-----`];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  lines.push(`-----END ${ENCRYPTED_PRIVATE_KEY_PEM}-----`, '');
  return lines.join('\n');
}

/** The key pair as an encrypted PKCS#8 PEM. An empty passphrase is refused. */
export async function encryptPrivateKeyPem(pair: KeyPair, passphrase: string): Promise<string> {
  if (passphrase.length === 0) throw new KeyceremonyError('INPUT_INVALID', 'an encrypted key file needs a passphrase');
  const { N, r, p } = PKCS8_SCRYPT_COST;
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  const iv = new Uint8Array(randomBytes(IV_BYTES));
  const key = await scryptKey(passphrase, salt, N, r, p);
  const plain = pkcs8Der(pair);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = new Uint8Array(Buffer.concat([cipher.update(plain), cipher.final()]));
  wipe(plain, key);
  const der = sequence(
    sequence(
      objectIdentifier(OID.pbes2),
      sequence(
        sequence(
          objectIdentifier(OID.scrypt),
          sequence(octetString(salt), smallInteger(N), smallInteger(r), smallInteger(p), smallInteger(KEY_BYTES)),
        ),
        sequence(objectIdentifier(OID.aes256Cbc), octetString(iv)),
      ),
    ),
    octetString(encrypted),
  );
  return pem(der);
}

interface Parameters {
  readonly salt: Uint8Array;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
}

function parse(der: Uint8Array): Parameters {
  const [algorithm, data, ...extra] = children(expectTag(readDer(der), Tag.sequence, 'EncryptedPrivateKeyInfo'));
  if (extra.length) throw new DerError('unexpected fields after the encrypted data');
  const [schemeOid, schemeParams] = children(expectTag(algorithm, Tag.sequence, 'encryption algorithm'));
  if (readOid(schemeOid, 'encryption scheme') !== OID.pbes2) throw new DerError('the encryption scheme is not PBES2');
  const [kdf, encryption, ...more] = children(expectTag(schemeParams, Tag.sequence, 'PBES2 parameters'));
  if (more.length) throw new DerError('unexpected fields in the PBES2 parameters');
  const [kdfOid, kdfParams] = children(expectTag(kdf, Tag.sequence, 'key derivation function'));
  if (readOid(kdfOid, 'key derivation function') !== OID.scrypt)
    throw new DerError('the key derivation function is not scrypt');
  const [saltNode, nNode, rNode, pNode, lengthNode, ...rest] = children(
    expectTag(kdfParams, Tag.sequence, 'scrypt parameters'),
  );
  if (rest.length) throw new DerError('unexpected fields in the scrypt parameters');
  const salt = readOctetString(saltNode, 'scrypt salt');
  const N = readSmallInteger(nNode, 'scrypt cost');
  const r = readSmallInteger(rNode, 'scrypt block size');
  const p = readSmallInteger(pNode, 'scrypt parallelization');
  if (lengthNode && readSmallInteger(lengthNode, 'scrypt key length') !== KEY_BYTES)
    throw new DerError('the scrypt key length is not 32 bytes');
  if (salt.length < 8 || salt.length > 64) throw new DerError('the scrypt salt is not 8 to 64 bytes');
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0)
    throw new DerError(`scrypt cost ${N} is not a power of two up to 2^20`);
  if (r !== 8 || p !== 1) throw new DerError(`scrypt r ${r}, p ${p}: only r 8, p 1 are read`);
  const [cipherOid, ivNode, ...cipherRest] = children(expectTag(encryption, Tag.sequence, 'encryption scheme'));
  if (cipherRest.length || readOid(cipherOid, 'cipher') !== OID.aes256Cbc)
    throw new DerError('the cipher is not AES-256-CBC');
  const iv = readOctetString(ivNode, 'AES IV');
  if (iv.length !== IV_BYTES) throw new DerError('the AES IV is not 16 bytes');
  const ciphertext = readOctetString(data, 'encrypted data');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0)
    throw new DerError('the encrypted data is not whole AES blocks');
  return { salt, N, r, p, iv, ciphertext };
}

function pemBody(text: string, what: string): Uint8Array {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/g)];
  const block = blocks[0];
  if (blocks.length !== 1 || !block || block[1] !== ENCRYPTED_PRIVATE_KEY_PEM)
    throw new KeyceremonyError('INPUT_INVALID', `${what} is not one ${ENCRYPTED_PRIVATE_KEY_PEM} PEM block`);
  const body = (block[2] ?? '').replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body))
    throw new KeyceremonyError('INPUT_INVALID', `${what}: broken base64`);
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/**
 * Reads an encrypted PKCS#8 PEM written by {@link encryptPrivateKeyPem} or by `openssl pkcs8 -topk8 -scrypt`.
 * INPUT_INVALID for anything else; PASSPHRASE_WRONG when it does not decrypt to a key (a wrong passphrase, or
 * damage — see the file comment: the caller checks the key against what it expects).
 */
export async function decryptPrivateKeyPem(text: string, passphrase: string, what: string): Promise<KeyPair> {
  let params: Parameters;
  try {
    params = parse(pemBody(text, what));
  } catch (error) {
    if (error instanceof KeyceremonyError) throw error;
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${what} is not an scrypt-encrypted PKCS#8 key: ${(error as Error).message}`,
    );
  }
  const key = await scryptKey(passphrase, params.salt, params.N, params.r, params.p);
  let plain: Uint8Array | undefined;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, params.iv);
    plain = new Uint8Array(Buffer.concat([decipher.update(params.ciphertext), decipher.final()]));
    return keyPairFromPkcs8(plain);
  } catch {
    throw new KeyceremonyError('PASSPHRASE_WRONG', `${what}: wrong passphrase, or the file was altered`);
  } finally {
    wipe(key, plain);
  }
}
