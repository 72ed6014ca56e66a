/**
 * Diceware passphrases from the EFF large word list: each word is one of 7776, i.e. log2(7776) ≈ 12.92 bits,
 * chosen with the CSPRNG (crypto.randomInt, no modulo bias).
 */
import { randomInt } from 'node:crypto';
import { readDataFile } from './data-files.js';
import { KeyceremonyError } from '../errors.js';

export const bitsPerWord = Math.log2(7776);

let list: string[] | undefined;

export function effWordList(): readonly string[] {
  if (list) return list;
  const words = readDataFile('eff_large_wordlist.txt')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t')[1] ?? '');
  if (words.length !== 7776 || words.some((w) => !/^[a-z-]+$/.test(w)))
    throw new KeyceremonyError('ENVIRONMENT', 'data/eff_large_wordlist.txt is damaged: reinstall keyceremony');
  list = words;
  return list;
}

/** Words needed for at least `bits` of entropy. */
export function wordsForBits(bits: number): number {
  return Math.ceil(bits / bitsPerWord);
}

export function generatePassphrase(words: number, separator = ' '): string {
  if (!Number.isInteger(words) || words < 1 || words > 64) throw new RangeError('words must be between 1 and 64');
  const wordList = effWordList();
  return Array.from({ length: words }, () => wordList[randomInt(wordList.length)]).join(separator);
}
