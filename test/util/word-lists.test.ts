import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bitsPerWord, effWordList, generatePassphrase, wordsForBits } from '../../src/util/diceware.js';
import { toPgpWords } from '../../src/util/pgp-words.js';
import { groupedHex, pgpWordLines } from '../../src/util/fingerprint-display.js';
import { fromHex } from '../../src/util/bytes.js';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

describe('PGP word list', () => {
  it('encodes the published test vector (even bytes two-syllable, odd bytes three-syllable)', () => {
    const bytes = fromHex('E58294F2E9A227486E8B061B31CC528FD7FA3F19');
    expect(toPgpWords(bytes).join(' ')).toBe(
      'topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell bottomless',
    );
  });

  it('has 256 distinct words in each column', () => {
    const bytes = Array.from({ length: 256 }, (_, i) => i);
    const even = toPgpWords(Uint8Array.from(bytes.flatMap((b) => [b, 0]))).filter((_, i) => i % 2 === 0);
    const odd = toPgpWords(Uint8Array.from(bytes.flatMap((b) => [0, b]))).filter((_, i) => i % 2 === 1);
    expect(new Set(even).size).toBe(256);
    expect(new Set(odd).size).toBe(256);
    expect(new Set([...even, ...odd]).size).toBe(512);
  });

  it('shows a fingerprint in groups of four and as five-word lines', () => {
    const fpr = '4AAA4612267BDDCA5C90C39B7A7F3F9B74FB032A';
    expect(groupedHex(fpr)).toBe('4AAA 4612 267B DDCA 5C90  C39B 7A7F 3F9B 74FB 032A');
    const lines = pgpWordLines(fpr);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.split(' ')).toHaveLength(5);
  });
});

describe('EFF diceware list', () => {
  it('is the unchanged EFF large word list', () => {
    const digest = createHash('sha256')
      .update(readFileSync(join(repoRoot, 'data', 'eff_large_wordlist.txt')))
      .digest('hex');
    expect(digest).toBe('addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e');
    expect(new Set(effWordList()).size).toBe(7776);
  });

  it('generates passphrases of the requested length from the list', () => {
    const words = generatePassphrase(10).split(' ');
    expect(words).toHaveLength(10);
    for (const w of words) expect(effWordList()).toContain(w);
    expect(wordsForBits(128)).toBe(10);
    expect(10 * bitsPerWord).toBeGreaterThanOrEqual(128);
  });

  it('does not repeat itself', () => {
    const seen = new Set(Array.from({ length: 50 }, () => generatePassphrase(4)));
    expect(seen.size).toBe(50);
  });
});

describe('a damaged installed word list', () => {
  /** A copy of the installed package (built code and data files) whose `file` in data/ holds `text`. */
  async function installWith(file: string, text: string): Promise<string> {
    const dir = await tempDir();
    for (const part of ['bin', 'dist', 'data', 'package.json'])
      await cp(join(repoRoot, part), join(dir, part), { recursive: true });
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    await writeFile(join(dir, 'data', file), text);
    return dir;
  }

  it('is an environment error (exit 3) that says to reinstall, not an internal error', async () => {
    const dir = await installWith('eff_large_wordlist.txt', '11111\tabacus\n');
    const result = await run(process.execPath, [join(dir, 'bin', 'keyceremony.js'), 'passphrase']);
    expect(result.stderr).toBe('keyceremony: error: data/eff_large_wordlist.txt is damaged: reinstall keyceremony\n');
    expect(result.code).toBe(3);
  });
});
