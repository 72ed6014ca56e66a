/** The differential OpenPGP corpus (test/fixtures/openpgp-corpus): its cases and files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './paths.js';

export interface CorpusCase {
  readonly id: string;
  readonly title: string;
  readonly keyring: string;
  readonly signature: string;
  readonly root: string;
  readonly expected: 'accept' | 'reject';
  /** A pattern keyceremony's refusal must match. */
  readonly reason?: string;
  readonly why?: string;
  /** The user ID verify must print; strings it must never print. */
  readonly shows?: string;
  readonly hides?: readonly string[];
  readonly primaries: number;
  readonly gpg: { readonly verdict: 'accept' | 'reject'; readonly status: string };
  readonly sqop: { readonly verdict: 'accept' | 'reject'; readonly exit: number };
}

export const corpusDir = join(fixturesDir, 'openpgp-corpus');
export const corpusData = join(corpusDir, 'data.txt');
export const corpusPath = (name: string): string => join(corpusDir, name);
export const corpusCases: readonly CorpusCase[] = (
  JSON.parse(readFileSync(join(corpusDir, 'cases.json'), 'utf8')) as { cases: CorpusCase[] }
).cases;
