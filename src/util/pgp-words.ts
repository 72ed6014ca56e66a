/**
 * The PGP word list: a fingerprint read aloud as words. Even-position bytes use two-syllable words, odd
 * positions three-syllable ones, so a swapped or dropped word is heard as wrong.
 */
import { readDataFile } from './data-files.js';

let table: { even: string[]; odd: string[] } | undefined;

function words(): { even: string[]; odd: string[] } {
  if (table) return table;
  const even: string[] = [];
  const odd: string[] = [];
  for (const line of readDataFile('pgp-words.txt').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [hex, e, o] = line.split('\t');
    const index = Number.parseInt(hex ?? '', 16);
    if (!e || !o || index !== even.length) throw new Error('data/pgp-words.txt is damaged');
    even.push(e);
    odd.push(o);
  }
  if (even.length !== 256) throw new Error('data/pgp-words.txt is damaged');
  table = { even, odd };
  return table;
}

export function toPgpWords(bytes: Uint8Array): string[] {
  const { even, odd } = words();
  return Array.from(bytes, (byte, i) => ((i % 2 === 0 ? even : odd)[byte] as string));
}
