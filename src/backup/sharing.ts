/**
 * k-of-n sharing of the backup passphrase with shamir-secret-sharing (GF(2^8), HashiCorp Vault's layout), and
 * the proof made before any share is printed: every k-subset of the shares — as words, decoded again — rebuilds
 * the passphrase, and no (k−1)-subset does. When there are too many subsets, a random sample of them is checked
 * (the count is recorded in the transcript).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { KeyceremonyError } from '../errors.js';
import { bytesEqual, wipe } from '../util/bytes.js';
import { bytesToPassphrase, passphraseToBytes } from './passphrase-bytes.js';
import { decodeShare, encodeShare, type Share } from './share-code.js';

export interface ShareSet {
  readonly set: number;
  readonly threshold: number;
  readonly count: number;
  /** Share i has number i + 1. */
  readonly shares: readonly Share[];
}

export async function splitPassphrase(passphrase: string, count: number, threshold: number): Promise<ShareSet> {
  if (!Number.isInteger(threshold) || threshold < 2) throw new RangeError('the threshold must be at least 2');
  if (!Number.isInteger(count) || count < threshold || count > 255)
    throw new RangeError('the number of shares must be between the threshold and 255');
  const secret = passphraseToBytes(passphrase);
  try {
    const set = randomBytes(2).readUInt16BE(0);
    const raw = await split(secret, count, threshold);
    return { set, threshold, count, shares: raw.map((share, i) => ({ set, threshold, count, number: i + 1, share })) };
  } finally {
    wipe(secret);
  }
}

/** Why a set of shares cannot be combined (before any arithmetic), or undefined. */
export function combinationProblem(shares: readonly Share[]): string | undefined {
  const first = shares[0];
  if (!first) return 'no shares';
  for (const s of shares) {
    if (s.set !== first.set)
      return `share ${s.number} belongs to a different share set (${hexSet(s.set)}, not ${hexSet(first.set)})`;
    if (s.threshold !== first.threshold || s.count !== first.count)
      return `share ${s.number} says ${s.threshold} of ${s.count}, share ${first.number} says ${first.threshold} of ${first.count}`;
  }
  const numbers = new Set(shares.map((s) => s.number));
  if (numbers.size !== shares.length) return 'the same share was given twice';
  if (shares.length < first.threshold) return `${shares.length} share(s) given, ${first.threshold} are needed`;
  return undefined;
}

export function hexSet(set: number): string {
  return set.toString(16).toUpperCase().padStart(4, '0');
}

/** Rebuilds the passphrase from at least k shares of one set. */
export async function combineShares(shares: readonly Share[]): Promise<string> {
  const problem = combinationProblem(shares);
  if (problem) throw new KeyceremonyError('INPUT_INVALID', problem);
  const secret = await combine(shares.map((s) => s.share));
  try {
    return bytesToPassphrase(secret);
  } catch {
    // Shares that pass every check but come from different splits (their 16-bit set IDs collide) combine to
    // noise: that is wrong shares, not a bug.
    throw new KeyceremonyError(
      'PASSPHRASE_WRONG',
      'the shares do not rebuild a backup passphrase: they are not all from this backup',
    );
  } finally {
    wipe(secret);
  }
}

/** The value k shares' polynomial takes at 0; with one share, its y bytes (the constant through one point). */
async function interpolate(shares: readonly Share[]): Promise<Uint8Array> {
  if (shares.length === 1) return (shares[0] as Share).share.slice(0, -1);
  return combine(shares.map((s) => s.share));
}

function binomial(n: number, k: number, cap: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) {
    result = (result * (n - k + i)) / i;
    if (result > cap) return Number.POSITIVE_INFINITY;
  }
  return Math.round(result);
}

function* allSubsets(n: number, k: number): Generator<number[]> {
  const current = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield [...current];
    let i = k - 1;
    while (i >= 0 && current[i] === n - k + i) i--;
    if (i < 0) return;
    current[i] = (current[i] as number) + 1;
    for (let j = i + 1; j < k; j++) current[j] = (current[j - 1] as number) + 1;
  }
}

function randomSubset(n: number, k: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(n - i);
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}

/** Every k-subset when there are at most `limit`, else `limit` distinct random ones. */
function subsets(n: number, k: number, limit: number): { subsets: number[][]; exhaustive: boolean } {
  if (binomial(n, k, limit) <= limit) return { subsets: [...allSubsets(n, k)], exhaustive: true };
  const seen = new Map<string, number[]>();
  while (seen.size < limit) {
    const s = randomSubset(n, k);
    seen.set(s.join(','), s);
  }
  return { subsets: [...seen.values()], exhaustive: false };
}

export interface ShareProof {
  readonly reconstructing: number;
  readonly reconstructingExhaustive: boolean;
  readonly belowThreshold: number;
  readonly belowThresholdExhaustive: boolean;
}

/**
 * Proves the share set before anything is printed: each share survives encoding to words and decoding; every
 * (or a sample of) k-subset rebuilds `passphrase`; every (or a sample of) (k−1)-subset does not. Throws with
 * what failed.
 */
export async function proveShareSet(passphrase: string, set: ShareSet, limit = 2000): Promise<ShareProof> {
  const secret = passphraseToBytes(passphrase);
  try {
    const decoded = set.shares.map((share) => {
      const back = decodeShare(encodeShare(share).join(' '));
      if (back.set !== share.set || back.number !== share.number || !bytesEqual(back.share, share.share)) {
        throw new KeyceremonyError('CHECK_FAILED', `share ${share.number} does not survive encoding as words`);
      }
      return back;
    });
    const k = set.threshold;
    const good = subsets(set.count, k, limit);
    for (const subset of good.subsets) {
      const rebuilt = await combine(subset.map((i) => (decoded[i] as Share).share));
      const ok = bytesEqual(rebuilt, secret);
      wipe(rebuilt);
      if (!ok)
        throw new KeyceremonyError(
          'CHECK_FAILED',
          `shares ${subset.map((i) => i + 1).join(', ')} do not rebuild the passphrase`,
        );
    }
    const bad = subsets(set.count, k - 1, limit);
    for (const subset of bad.subsets) {
      const rebuilt = await interpolate(subset.map((i) => decoded[i] as Share));
      const leaked = bytesEqual(rebuilt, secret);
      wipe(rebuilt);
      if (leaked)
        throw new KeyceremonyError(
          'CHECK_FAILED',
          `shares ${subset.map((i) => i + 1).join(', ')} rebuild the passphrase below the threshold`,
        );
    }
    return {
      reconstructing: good.subsets.length,
      reconstructingExhaustive: good.exhaustive,
      belowThreshold: bad.subsets.length,
      belowThresholdExhaustive: bad.exhaustive,
    };
  } finally {
    wipe(secret);
  }
}
