/**
 * A diceware passphrase as the smallest byte string that holds it, so that it can be split into shares.
 *
 * Sharing the passphrase's text would make every share several times longer; sharing its entropy keeps a share
 * short enough to type. The N word indices (0–7775 in the EFF large list) are read as one base-7776 number,
 * most significant word first, written big-endian in L = ceil(N · log2 7776 / 8) bytes. Each extra word adds
 * more than 8 bits, so L determines N. docs/share-format.md specifies it for reimplementation.
 */
import { effWordList } from '../util/diceware.js';
import { bug, KeyceremonyError } from '../errors.js';

const RADIX = 7776n;

/** Bytes needed for an N-word passphrase. */
export function passphraseByteLength(words: number): number {
  let max = 1n;
  for (let i = 0; i < words; i++) max *= RADIX;
  // smallest L with 256^L >= 7776^N
  let length = 0;
  let capacity = 1n;
  while (capacity < max) {
    capacity <<= 8n;
    length++;
  }
  return length;
}

/** The word count that a byte string of this length holds, if any. */
export function wordsForByteLength(length: number): number | undefined {
  for (let words = 1; words <= 64; words++) {
    const l = passphraseByteLength(words);
    if (l === length) return words;
    if (l > length) return undefined;
  }
  return undefined;
}

export function passphraseToBytes(passphrase: string): Uint8Array {
  const list = effWordList();
  const index = new Map(list.map((w, i) => [w, i] as const));
  const words = passphrase.trim().split(/\s+/);
  let value = 0n;
  for (const word of words) {
    const i = index.get(word);
    if (i === undefined) throw bug('the passphrase is not made of EFF large-list words');
    value = value * RADIX + BigInt(i);
  }
  const length = passphraseByteLength(words.length);
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** Throws when the bytes are no passphrase (wrong length, or a number too large for the word count). */
export function bytesToPassphrase(bytes: Uint8Array): string {
  const words = wordsForByteLength(bytes.length);
  if (words === undefined)
    throw new KeyceremonyError('PASSPHRASE_WRONG', `${bytes.length} bytes do not hold a diceware passphrase`);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const list = effWordList();
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    out.push(list[Number(value % RADIX)] as string);
    value /= RADIX;
  }
  if (value !== 0n)
    throw new KeyceremonyError('PASSPHRASE_WRONG', 'the bytes are out of range for a diceware passphrase');
  return out.reverse().join(' ');
}
