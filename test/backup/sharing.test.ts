/** k-of-n sharing of the backup passphrase: any k shares rebuild it, no k−1 do, and the proof says so. */
import fc from 'fast-check';
import { combine } from 'shamir-secret-sharing';
import { describe, expect, it } from 'vitest';
import { passphraseToBytes } from '../../src/backup/passphrase-bytes.js';
import { decodeShare, encodeShare } from '../../src/backup/share-code.js';
import { combineShares, proveShareSet, splitPassphrase } from '../../src/backup/sharing.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { generatePassphrase } from '../../src/util/diceware.js';

/** A random subset of `size` distinct indices below n, from fast-check's shuffle. */
const subsetOf = (n: number, size: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(
    Array.from({ length: n }, (_, i) => i),
    { minLength: size, maxLength: size },
  );

const params = fc
  .record({
    threshold: fc.integer({ min: 2, max: 7 }),
    extra: fc.integer({ min: 0, max: 5 }),
    words: fc.integer({ min: 10, max: 14 }),
  })
  .map(({ threshold, extra, words }) => ({ threshold, count: threshold + extra, words }));

describe('sharing the backup passphrase', () => {
  it('rebuilds the passphrase from any k shares (typed back from their words), and never from k−1', async () => {
    await fc.assert(
      fc.asyncProperty(
        params.chain((p) =>
          fc.tuple(fc.constant(p), subsetOf(p.count, p.threshold), subsetOf(p.count, p.threshold - 1)),
        ),
        async ([p, enough, tooFew]) => {
          const passphrase = generatePassphrase(p.words);
          const set = await splitPassphrase(passphrase, p.count, p.threshold);
          const typed = set.shares.map((s) => decodeShare(encodeShare(s).join(' ')));
          expect(await combineShares(enough.map((i) => typed[i]!))).toBe(passphrase);
          await expect(combineShares(tooFew.map((i) => typed[i]!))).rejects.toThrow(/are needed/);
          // Below the threshold the interpolation is just another number, not the secret.
          if (tooFew.length >= 2) {
            const wrong = await combine(tooFew.map((i) => typed[i]!.share));
            expect(bytesEqual(wrong, passphraseToBytes(passphrase))).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses shares from different sets, repeated shares, and names the share', async () => {
    const a = await splitPassphrase(generatePassphrase(10), 5, 3);
    const b = await splitPassphrase(generatePassphrase(10), 5, 3);
    const mixed = [
      a.shares[0]!,
      a.shares[1]!,
      { ...b.shares[2]!, set: b.set === a.set ? (a.set + 1) & 0xffff : b.set },
    ];
    await expect(combineShares(mixed)).rejects.toThrow(/share 3 belongs to a different share set/);
    await expect(combineShares([a.shares[0]!, a.shares[0]!, a.shares[1]!])).rejects.toThrow(
      /same share was given twice/,
    );
  });

  it('proves every subset when there are few, and a sample when there are many', async () => {
    const passphrase = generatePassphrase(10);
    const small = await proveShareSet(passphrase, await splitPassphrase(passphrase, 5, 3));
    expect(small).toEqual({
      reconstructing: 10,
      reconstructingExhaustive: true,
      belowThreshold: 10,
      belowThresholdExhaustive: true,
    });
    const large = await proveShareSet(passphrase, await splitPassphrase(passphrase, 30, 15), 200);
    expect(large).toEqual({
      reconstructing: 200,
      reconstructingExhaustive: false,
      belowThreshold: 200,
      belowThresholdExhaustive: false,
    });
    const other = await splitPassphrase(generatePassphrase(10), 5, 3);
    await expect(proveShareSet(passphrase, other)).rejects.toThrow(/do not rebuild the passphrase/);
  });
});
