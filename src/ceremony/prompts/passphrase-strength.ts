/**
 * The strength floor for passphrases people choose, estimated with zxcvbn (dictionaries, keyboard patterns,
 * dates, l33t). Generated diceware passphrases are measured exactly instead: words × log2(7776).
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

let estimator: ZxcvbnFactory | undefined;

/** Estimated bits of entropy of a passphrase a person chose. */
export function estimateBits(passphrase: string): number {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
  });
  return estimator.check(passphrase).guessesLog10 * Math.log2(10);
}

/** Why `passphrase` is below the floor, or undefined when it is strong enough. */
export function weakness(
  passphrase: string,
  minBits: number,
  kind: 'passphrase' | 'pin' | 'share',
): string | undefined {
  if (kind === 'pin') return passphrase.length >= 6 ? undefined : 'a PIN must have at least 6 characters';
  if (passphrase.length < 12) return 'a passphrase must have at least 12 characters';
  const bits = estimateBits(passphrase);
  if (bits < minBits) {
    return `too guessable: about ${Math.floor(bits)} bits, the floor is ${minBits} (use a generated passphrase, or more unrelated words)`;
  }
  return undefined;
}
