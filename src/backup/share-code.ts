/**
 * A backup share as words a custodian can read off paper and type: every byte is a PGP word (even positions
 * from the two-syllable list, odd positions from the three-syllable list), and the last four bytes are
 * Reed–Solomon check symbols over the rest.
 *
 *   byte 0        format version (1)
 *   bytes 1–2     share-set id: random per split, the same on every share of one backup (and in its manifest)
 *   byte 3        threshold k          byte 4  number of shares n          byte 5  this share's number (1..n)
 *   bytes 6…      the Shamir share: one byte per secret byte, then the x coordinate (HashiCorp Vault's layout,
 *                 which shamir-secret-sharing uses)
 *   last 4 bytes  Reed–Solomon check symbols of everything before them
 *
 * What a typing mistake looks like when decoding (a message names the word's position, never the word):
 *   - a word that is in neither list: its position is named;
 *   - a word from the wrong list: its position is named — a word was left out, doubled or two adjacent words
 *     were swapped somewhere before it;
 *   - any one or two wrong symbols (a mistyped word that is still a word, two swapped words), and up to four,
 *     are always caught by the check symbols; a single wrong word is located by them and its position named.
 */
import { pgpWordTable, toPgpWords } from '../util/pgp-words.js';
import { rsCheck } from './reed-solomon.js';

export const SHARE_FORMAT_VERSION = 1;
export const SHARE_CHECK_BYTES = 4;
const HEADER_BYTES = 6;

export interface Share {
  /** Share-set id (0–65535): which split this share belongs to. */
  readonly set: number;
  readonly threshold: number;
  readonly count: number;
  /** 1-based, as printed on the custodian's sheet. */
  readonly number: number;
  /** The Shamir share bytes (secret length + 1; the last byte is the x coordinate). */
  readonly share: Uint8Array;
}

/** A share that cannot be read; `position` is the 1-based word at fault, when one can be named. */
export class ShareFormatError extends Error {
  readonly position: number | undefined;
  constructor(message: string, position?: number) {
    super(message);
    this.name = 'ShareFormatError';
    this.position = position;
  }
}

/** Words a share of a secret of `secretLength` bytes has. */
export function shareWordCount(secretLength: number): number {
  return HEADER_BYTES + secretLength + 1 + SHARE_CHECK_BYTES;
}

export function encodeShare(share: Share): string[] {
  const body = Uint8Array.of(
    SHARE_FORMAT_VERSION,
    share.set >> 8,
    share.set & 0xff,
    share.threshold,
    share.count,
    share.number,
    ...share.share,
  );
  return toPgpWords(Uint8Array.of(...body, ...rsCheck(body, SHARE_CHECK_BYTES)));
}

/** The form for QR codes and barcode scanners: upper case fits QR's compact alphanumeric mode. */
export function shareQrText(words: readonly string[]): string {
  return words.join(' ').toUpperCase();
}

/**
 * Why one typed word cannot be word `position` (1-based) of a share, or undefined. The message names the
 * position only: it never repeats what was typed, nor suggests the right word — both would put part of a share
 * on the screen.
 */
export function shareWordProblem(token: string, position: number): string | undefined {
  const { evenIndex, oddIndex } = pgpWordTable();
  const word = token.toLowerCase();
  const evenPosition = (position - 1) % 2 === 0;
  if ((evenPosition ? evenIndex : oddIndex).has(word)) return undefined;
  if ((evenPosition ? oddIndex : evenIndex).has(word))
    return `word ${position} belongs at an ${evenPosition ? 'even' : 'odd'}-numbered position: a word is missing, doubled, or two words are swapped at or before word ${position}`;
  return `word ${position} is not a share word (check its spelling against the sheet)`;
}

/**
 * The position (1-based) of the one word whose change makes the check symbols match, when exactly one such
 * word exists. The code's minimum distance is 5, so one wrong symbol is always located, and two or three wrong
 * symbols are never blamed on a single word; four could be (the message then still sends the person to the sheet).
 * Only the position is returned, never the value that would fit: that would be part of the share.
 */
export function mistypedWord(bytes: Uint8Array): number | undefined {
  if (bytes.length <= SHARE_CHECK_BYTES) return undefined;
  const trial = Uint8Array.from(bytes);
  let found: number | undefined;
  for (let i = 0; i < trial.length; i++) {
    const original = trial[i] as number;
    for (let v = 0; v < 256; v++) {
      if (v === original) continue;
      trial[i] = v;
      const body = trial.subarray(0, trial.length - SHARE_CHECK_BYTES);
      const check = trial.subarray(trial.length - SHARE_CHECK_BYTES);
      if (rsCheck(body, SHARE_CHECK_BYTES).every((b, j) => b === check[j])) {
        if (found !== undefined && found !== i + 1) {
          trial.fill(0);
          return undefined;
        }
        found = i + 1;
      }
    }
    trial[i] = original;
  }
  trial.fill(0);
  return found;
}

/** Splits typed or pasted text into words; numbering ("1.", "12:") and punctuation between words are ignored. */
export function shareTokens(text: string): string[] {
  return text.split(/[\s,;]+/).filter((t) => t !== '' && !/^\d+[.:)]?$/.test(t));
}

/**
 * Reads a share from its words. `expectedWords`, when known (from the backup manifest), turns a missing or
 * extra word at the end into a clear message instead of a checksum failure.
 */
export function decodeShare(text: string, expectedWords?: number): Share {
  const { evenIndex, oddIndex } = pgpWordTable();
  const tokens = shareTokens(text);
  if (tokens.length === 0) throw new ShareFormatError('no words were entered');
  const bytes = new Uint8Array(tokens.length);
  for (const [i, token] of tokens.entries()) {
    const word = token.toLowerCase();
    const evenPosition = i % 2 === 0;
    const value = (evenPosition ? evenIndex : oddIndex).get(word);
    if (value !== undefined) {
      bytes[i] = value;
      continue;
    }
    const problem = shareWordProblem(token, i + 1);
    throw new ShareFormatError(problem ?? `word ${i + 1} is not a share word`, i + 1);
  }
  if (expectedWords !== undefined && tokens.length !== expectedWords) {
    throw new ShareFormatError(
      `it has ${tokens.length} words, but a share of this backup has ${expectedWords}: ${tokens.length < expectedWords ? 'a word is missing' : 'there is a word too many'}`,
    );
  }
  if (tokens.length < HEADER_BYTES + 2 + SHARE_CHECK_BYTES)
    throw new ShareFormatError(`it has only ${tokens.length} words: too short to be a share`);
  const body = bytes.subarray(0, bytes.length - SHARE_CHECK_BYTES);
  const check = bytes.subarray(bytes.length - SHARE_CHECK_BYTES);
  const expected = rsCheck(body, SHARE_CHECK_BYTES);
  if (!expected.every((b, i) => b === check[i])) {
    const position = mistypedWord(bytes);
    if (position !== undefined)
      throw new ShareFormatError(
        `word ${position} is mistyped: the checksum points at it — compare word ${position} with the sheet`,
        position,
      );
    throw new ShareFormatError(
      'the checksum does not match: a word is mistyped or two words are swapped — compare it with the sheet word by word',
    );
  }
  const [version, setHi, setLo, threshold, count, number] = body;
  if (version !== SHARE_FORMAT_VERSION)
    throw new ShareFormatError(
      `share format ${String(version)} is not supported (this keyceremony reads format ${SHARE_FORMAT_VERSION})`,
    );
  const share = body.slice(HEADER_BYTES);
  if (
    threshold === undefined ||
    count === undefined ||
    number === undefined ||
    threshold < 2 ||
    count < threshold ||
    number < 1 ||
    number > count ||
    share.at(-1) === 0
  ) {
    throw new ShareFormatError('the share header is inconsistent (threshold, count or number out of range)');
  }
  return { set: ((setHi as number) << 8) | (setLo as number), threshold, count, number, share };
}
