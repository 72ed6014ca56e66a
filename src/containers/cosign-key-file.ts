/**
 * cosign's encrypted private key file (what `cosign generate-key-pair` and `cosign import-key-pair` write,
 * what `cosign sign --key` reads): PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (older files: `ENCRYPTED COSIGN
 * PRIVATE KEY`) around the JSON of go-securesystemslib's `encrypted` package —
 *
 *   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":<b64>},
 *    "cipher":{"name":"nacl/secretbox","nonce":<b64>},"ciphertext":<b64>}
 *
 * scrypt (N 2^15, 2^16 or 2^17; r 8; p 1; a 32-byte salt) derives the 32-byte secretbox key; the plaintext is the
 * key's DER PKCS#8. Written with the field order and base64 Go uses, so the bytes look like cosign's own.
 * The public half is a PEM `PUBLIC KEY` (SPKI), as `cosign.pub`.
 */
import { randomBytes, scrypt } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { type KeyPair, keyPairFromPkcs8, pkcs8Der, type PublicKeyMaterial, spkiDer } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import { wipe } from '../util/bytes.js';

export const COSIGN_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
const LEGACY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

/** go-securesystemslib's three scrypt strengths; cosign writes "standard". */
export const cosignKdfStrengths = { legacy: 32768, standard: 65536, owasp: 131072 } as const;
export type CosignKdfStrength = keyof typeof cosignKdfStrengths;

const SALT_BYTES = 32;
const NONCE_BYTES = 24;
const KEY_BYTES = 32;

function scryptKey(passphrase: string, salt: Uint8Array, N: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below what N = 2^16 and 2^17 need.
    scrypt(Buffer.from(passphrase, 'utf8'), salt, KEY_BYTES, { N, r: 8, p: 1, maxmem: 256 << 20 }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

const b64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Encrypts `plaintext` as go-securesystemslib's `encrypted.Encrypt` does; returns the JSON bytes. */
export async function encryptSecretBoxJson(
  plaintext: Uint8Array,
  passphrase: string,
  strength: CosignKdfStrength = 'standard',
): Promise<Uint8Array> {
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const N = cosignKdfStrengths[strength];
  const key = await scryptKey(passphrase, salt, N);
  const ciphertext = nacl.secretbox(plaintext, nonce, key);
  wipe(key);
  const json =
    `{"kdf":{"name":"scrypt","params":{"N":${N},"r":8,"p":1},"salt":"${b64(salt)}"},` +
    `"cipher":{"name":"nacl/secretbox","nonce":"${b64(nonce)}"},"ciphertext":"${b64(ciphertext)}"}`;
  return new TextEncoder().encode(json);
}

const base64Field = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not standard base64')
  .transform((s) => new Uint8Array(Buffer.from(s, 'base64')));

const EncryptedJson = z.object({
  kdf: z.object({
    name: z.literal('scrypt'),
    params: z.object({ N: z.number(), r: z.literal(8), p: z.literal(1) }),
    salt: base64Field,
  }),
  cipher: z.object({ name: z.literal('nacl/secretbox'), nonce: base64Field }),
  ciphertext: base64Field,
});

/**
 * Decrypts go-securesystemslib `encrypted` JSON. Refuses (INPUT_INVALID) what go-securesystemslib refuses —
 * another KDF or cipher, scrypt parameters other than its three, a nonce that is not 24 bytes — and reports a
 * wrong passphrase (or any tampering: secretbox authenticates) as PASSPHRASE_WRONG.
 */
export async function decryptSecretBoxJson(json: Uint8Array, passphrase: string, what: string): Promise<Uint8Array> {
  let data: z.infer<typeof EncryptedJson>;
  try {
    data = EncryptedJson.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json)));
  } catch {
    throw new KeyceremonyError('INPUT_INVALID', `${what} is not a cosign encrypted key (scrypt + nacl/secretbox JSON)`);
  }
  const N = data.kdf.params.N;
  if (!Object.values(cosignKdfStrengths).includes(N as 32768))
    throw new KeyceremonyError('INPUT_INVALID', `${what} uses unsupported scrypt parameters (N ${N})`);
  if (data.cipher.nonce.length !== NONCE_BYTES)
    throw new KeyceremonyError('INPUT_INVALID', `${what} has a nonce of ${data.cipher.nonce.length} bytes, not 24`);
  const key = await scryptKey(passphrase, data.kdf.salt, N);
  const plaintext = nacl.secretbox.open(data.ciphertext, data.cipher.nonce, key);
  wipe(key);
  if (!plaintext) throw new KeyceremonyError('PASSPHRASE_WRONG', `${what}: wrong passphrase, or the file was altered`);
  return plaintext;
}

function pem(type: string, bytes: Uint8Array): string {
  const body = b64(bytes);
  const lines = [`-----BEGIN ${type}-----`];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  lines.push(`-----END ${type}-----`, '');
  return lines.join('\n');
}

/**
 * The cosign key file for a key pair, encrypted with `passphrase` (COSIGN_PASSWORD for cosign). An empty
 * passphrase is refused: cosign accepts one, keyceremony never writes a key file anyone can open.
 */
export async function writeCosignKeyFile(
  pair: KeyPair,
  passphrase: string,
  strength: CosignKdfStrength = 'standard',
): Promise<string> {
  if (passphrase.length === 0) throw new KeyceremonyError('INPUT_INVALID', 'a cosign key file needs a passphrase');
  const der = pkcs8Der(pair);
  try {
    return pem(COSIGN_KEY_PEM_TYPE, await encryptSecretBoxJson(der, passphrase, strength));
  } finally {
    wipe(der);
  }
}

/** Reads a cosign key file back into a key pair (both PEM types cosign reads). */
export async function readCosignKeyFile(
  text: string,
  passphrase: string,
  what = 'the cosign key file',
): Promise<KeyPair> {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g)];
  const block = blocks[0];
  if (blocks.length !== 1 || !block || (block[1] !== COSIGN_KEY_PEM_TYPE && block[1] !== LEGACY_PEM_TYPE))
    throw new KeyceremonyError('INPUT_INVALID', `${what} is not one ${COSIGN_KEY_PEM_TYPE} PEM block`);
  const json = new Uint8Array(Buffer.from((block[2] ?? '').replace(/\s+/g, ''), 'base64'));
  const der = await decryptSecretBoxJson(json, passphrase, what);
  try {
    return keyPairFromPkcs8(der);
  } catch {
    throw new KeyceremonyError('INPUT_INVALID', `${what} decrypts to something that is not a key keyceremony reads`);
  } finally {
    wipe(der);
  }
}

/** `cosign.pub`: the public key as PEM SPKI (what `cosign verify --key` reads). */
export function cosignPublicKeyPem(key: PublicKeyMaterial): string {
  return pem('PUBLIC KEY', spkiDer(key));
}
