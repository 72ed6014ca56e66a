/**
 * The PGP word list: a fingerprint read aloud as words. Even-position bytes use two-syllable words, odd
 * positions three-syllable ones, so a swapped or dropped word is heard as wrong.
 */
import { readDataFile } from './data-files.js';
import { KeyceremonyError } from '../errors.js';

export interface PgpWordTable {
  /** Two-syllable words, for bytes at even positions. */
  readonly even: readonly string[];
  /** Three-syllable words, for bytes at odd positions. */
  readonly odd: readonly string[];
  /** Each list's words, lower-cased, to their byte value (for reading words back). */
  readonly evenIndex: ReadonlyMap<string, number>;
  readonly oddIndex: ReadonlyMap<string, number>;
}

let table: PgpWordTable | undefined;

/** The installed word list is not what keyceremony ships: the installation, not the ceremony, must be fixed. */
function damaged(): KeyceremonyError {
  return new KeyceremonyError('ENVIRONMENT', 'data/pgp-words.txt is damaged: reinstall keyceremony');
}

/** The word list from data/pgp-words.txt, checked and read once. */
export function pgpWordTable(): PgpWordTable {
  if (table) return table;
  const even: string[] = [];
  const odd: string[] = [];
  for (const line of readDataFile('pgp-words.txt').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [hex, e, o] = line.split('\t');
    const index = Number.parseInt(hex ?? '', 16);
    if (!e || !o || index !== even.length) throw damaged();
    even.push(e);
    odd.push(o);
  }
  if (even.length !== 256) throw damaged();
  table = {
    even,
    odd,
    evenIndex: new Map(even.map((w, i) => [w.toLowerCase(), i] as const)),
    oddIndex: new Map(odd.map((w, i) => [w.toLowerCase(), i] as const)),
  };
  return table;
}

export function toPgpWords(bytes: Uint8Array): string[] {
  const { even, odd } = pgpWordTable();
  return Array.from(bytes, (byte, i) => (i % 2 === 0 ? even : odd)[byte] as string);
}
