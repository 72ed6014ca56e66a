/**
 * The user PIN of a token under a quorum, derived from the quorum secret (the vault passphrase): so that one set
 * of officer shares unlocks the vault and its tokens, and nobody knows either whole.
 *
 *   PIN = the first L characters of base32(HKDF-SHA256(ikm = the passphrase's bytes (passphrase-bytes.ts),
 *         salt = empty, info = "keyceremony quorum token user PIN v1", 32 bytes))
 *
 * base32 is RFC 4648's alphabet (A–Z, 2–7), which every token accepts in a PIN; L is min(16, the token's
 * largest PIN length), recorded in the inventory (16 characters: 80 bits; a YubiKey's 8: 40 bits, with the
 * token's retry counter in front). docs/share-format.md specifies it for reimplementation.
 */
import { hkdfSync } from 'node:crypto';
import { wipe } from '../util/bytes.js';
import { passphraseToBytes } from './passphrase-bytes.js';

export const QUORUM_PIN_INFO = 'keyceremony quorum token user PIN v1';
/** The longest derived PIN: 80 bits. */
export const QUORUM_PIN_MAX = 16;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** How long the derived PIN of a token is, or why the token cannot take one. */
export function quorumPinLength(token: { minPinLength: number; maxPinLength: number }): number | string {
  const length = Math.min(QUORUM_PIN_MAX, token.maxPinLength);
  if (length < 6 || length < token.minPinLength)
    return `the token takes PINs of ${token.minPinLength}–${token.maxPinLength} characters; a quorum PIN needs at least 6`;
  return length;
}

export function quorumTokenPin(passphrase: string, length: number): string {
  if (!Number.isInteger(length) || length < 4 || length > QUORUM_PIN_MAX * 3) throw new RangeError('bad PIN length');
  return derivedBase32(passphrase, QUORUM_PIN_INFO, length);
}

/**
 * The passphrase of the vault's DCT keys (notary key files) under a quorum: the same derivation with the info
 * "keyceremony quorum DCT key passphrase v1", its first 51 base32 characters (255 bits). So the DCT root, too, opens
 * only with k officer shares, and nobody knows its passphrase.
 */
export const QUORUM_DCT_INFO = 'keyceremony quorum DCT key passphrase v1';

export function quorumDctPassphrase(passphrase: string): string {
  return derivedBase32(passphrase, QUORUM_DCT_INFO, 51);
}

/** base32 of HKDF-SHA256(the passphrase's bytes, no salt, `info`, 32 bytes), its first `length` characters. */
function derivedBase32(passphrase: string, info: string, length: number): string {
  const secret = passphraseToBytes(passphrase);
  const key = new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, 32));
  wipe(secret);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of key) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  wipe(key);
  return out;
}
