/** Share words: Reed–Solomon check symbols, decoding, and clear errors for every kind of typing mistake. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rsCheck } from '../../src/backup/reed-solomon.js';
import {
  passphraseByteLength,
  bytesToPassphrase,
  passphraseToBytes,
  wordsForByteLength,
} from '../../src/backup/passphrase-bytes.js';
import {
  decodeShare,
  encodeShare,
  type Share,
  ShareFormatError,
  shareQrText,
  shareWordCount,
} from '../../src/backup/share-code.js';
import { generatePassphrase } from '../../src/util/diceware.js';
import { toPgpWords } from '../../src/util/pgp-words.js';

const shareArb: fc.Arbitrary<Share> = fc
  .record({
    set: fc.integer({ min: 0, max: 0xffff }),
    threshold: fc.integer({ min: 2, max: 10 }),
    extra: fc.integer({ min: 0, max: 10 }),
    y: fc.uint8Array({ minLength: 1, maxLength: 32 }),
    x: fc.integer({ min: 1, max: 255 }),
    pick: fc.nat(),
  })
  .map(({ set, threshold, extra, y, x, pick }) => {
    const count = threshold + extra;
    return { set, threshold, count, number: (pick % count) + 1, share: Uint8Array.of(...y, x) };
  });

function expectBad(words: string[], position?: number): ShareFormatError {
  let caught: unknown;
  try {
    decodeShare(words.join(' '));
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ShareFormatError);
  if (position !== undefined) expect((caught as ShareFormatError).position).toBe(position);
  return caught as ShareFormatError;
}

describe('Reed–Solomon check symbols', () => {
  it('match the QR code reference example (GF(256)/0x11d, "HELLO WORLD" 1-M)', () => {
    const data = Uint8Array.from([32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]);
    expect([...rsCheck(data, 10)]).toEqual([196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });
});

describe('passphrase bytes', () => {
  it('turn any diceware passphrase into the shortest byte string and back', () => {
    expect(passphraseByteLength(10)).toBe(17);
    expect(wordsForByteLength(17)).toBe(10);
    for (let words = 1; words <= 24; words++) {
      const passphrase = generatePassphrase(words);
      const bytes = passphraseToBytes(passphrase);
      expect(bytes.length).toBe(passphraseByteLength(words));
      expect(bytesToPassphrase(bytes)).toBe(passphrase);
    }
    expect(bytesToPassphrase(passphraseToBytes('abacus abacus'))).toBe('abacus abacus');
    expect(() => bytesToPassphrase(new Uint8Array(17).fill(0xff))).toThrow(/out of range/);
  });
});

describe('share words', () => {
  it('round-trip any share, in any letter case, with numbering and line breaks', () => {
    fc.assert(
      fc.property(shareArb, (share) => {
        const words = encodeShare(share);
        expect(words).toHaveLength(shareWordCount(share.share.length - 1));
        expect(decodeShare(words.join(' '))).toEqual(share);
        expect(decodeShare(shareQrText(words))).toEqual(share);
        const numbered = words.map((w, i) => `${i + 1}. ${w}${i % 4 === 3 ? '\n' : ''}`).join(' ');
        expect(decodeShare(numbered)).toEqual(share);
      }),
    );
  });

  it('catch any single mistyped word that is still a share word, and name its position (never the word)', () => {
    fc.assert(
      fc.property(shareArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (share, at, delta) => {
        const words = encodeShare(share);
        const i = at % words.length;
        // Replace word i by another word of the same list (the hardest case: parity cannot see it).
        const replacement = toPgpWords(Uint8Array.from({ length: i + 1 }, (_, j) => (j === i ? delta : 0)))[
          i
        ] as string;
        const original = words[i] as string;
        fc.pre(replacement.toLowerCase() !== original.toLowerCase());
        const damaged = [...words];
        damaged[i] = replacement;
        const error = expectBad(damaged, i + 1);
        expect(error.message).toBe(
          `word ${i + 1} is mistyped: the checksum points at it — compare word ${i + 1} with the sheet`,
        );
        expect(error.message).not.toContain(replacement);
        expect(error.message).not.toContain(original);
      }),
    );
  });

  it('catch any two swapped words', () => {
    fc.assert(
      fc.property(shareArb, fc.nat(), fc.nat(), (share, a, b) => {
        const words = encodeShare(share);
        const i = a % words.length;
        const j = b % words.length;
        fc.pre(i !== j && words[i]?.toLowerCase() !== words[j]?.toLowerCase());
        const swapped = [...words];
        [swapped[i], swapped[j]] = [words[j] as string, words[i] as string];
        const error = expectBad(swapped);
        // Words of different lists are caught by position; words of the same list by the check symbols, which
        // never blame a single word for two wrong ones (minimum distance 5).
        expect(error.message).toMatch(
          (i - j) % 2 === 0 ? /^the checksum does not match/ : /belongs at an (even|odd)-numbered position/,
        );
      }),
    );
  });

  it('catch a left-out or doubled word, naming where the words go out of step', () => {
    fc.assert(
      fc.property(shareArb, fc.nat(), fc.boolean(), (share, at, drop) => {
        const words = encodeShare(share);
        const i = at % (words.length - 1);
        const changed = drop
          ? [...words.slice(0, i), ...words.slice(i + 1)]
          : [...words.slice(0, i + 1), ...words.slice(i)];
        expectBad(changed);
        expect(() => decodeShare(changed.join(' '), words.length)).toThrow(ShareFormatError);
      }),
    );
  });

  it('name an unknown word by position only (no echo, no suggestion), and a missing last word by the count', () => {
    const share: Share = {
      set: 0x1234,
      threshold: 3,
      count: 5,
      number: 2,
      share: Uint8Array.from({ length: 18 }, (_, i) => i + 1),
    };
    const words = encodeShare(share);
    const typo = [...words];
    typo[6] = `${words[6]}x`;
    const error = expectBad(typo, 7);
    expect(error.message).toBe('word 7 is not a share word (check its spelling against the sheet)');
    expect(() => decodeShare(words.slice(0, -1).join(' '), words.length)).toThrow(
      /has 27 words, but a share of this backup has 28: a word is missing/,
    );
    expect(() => decodeShare('')).toThrow(/no words/);
  });
});
