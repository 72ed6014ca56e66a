import { describe, expect, it } from 'vitest';
import { effWordList } from '../../src/util/diceware.js';
import { cli } from '../helpers/run.js';

describe('keyceremony passphrase', () => {
  it('prints 10 EFF words (129 bits) by default, the strength on standard error only', async () => {
    const result = await cli(['passphrase']);
    expect(result.code, result.stderr).toBe(0);
    const words = result.stdout.trim().split(' ');
    expect(words).toHaveLength(10);
    for (const w of words) expect(effWordList()).toContain(w);
    expect(result.stderr).toMatch(/10 words from the EFF large word list: 129 bits/);
  });

  it('takes --words and --count, and refuses nonsense with exit 2', async () => {
    const result = await cli(['passphrase', '--words', '6', '--count', '3']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(new Set(lines).size).toBe(3);
    for (const line of lines) expect(line.split(' ')).toHaveLength(6);
    expect(result.stderr).toMatch(/77 bits each \(below the 128 bits keyceremony wants for backups\)/);
    for (const bad of [
      ['--words', '0'],
      ['--words', 'ten'],
      ['--words', '65'],
      ['--count', '-1'],
    ]) {
      const refused = await cli(['passphrase', ...bad]);
      expect(refused.code, bad.join(' ')).toBe(2);
      expect(refused.stdout).toBe('');
    }
  });
});
