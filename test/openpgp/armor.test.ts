/**
 * Reading armor from elsewhere: trailing whitespace on armor lines (editors, mail clients, the OpenPGP
 * interoperability suite's "mangled armor") is ignored, as RFC 4880 §6.2 asks; anything else stays an error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readOpenPgpData } from '../../src/openpgp/armor.js';
import { corpusCases, corpusPath } from '../helpers/openpgp-corpus.js';

const good = corpusCases.find((c) => c.id === 'good-subkey')!;
const armored = readFileSync(corpusPath(good.signature), 'latin1');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

describe('armor from elsewhere', () => {
  it('ignores trailing whitespace and CR on every armor line', async () => {
    const expected = await readOpenPgpData(bytes(armored), ['signature']);
    const mangled = armored
      .split('\n')
      .map((line, i) => (line === '' ? ' \t\v\f' : `${line}${i % 2 ? ' \t' : '\r'}`))
      .join('\n');
    expect(mangled).not.toBe(armored);
    expect(await readOpenPgpData(bytes(mangled), ['signature'])).toEqual(expected);
  });

  it('still refuses the wrong kind of block, and whitespace inside a line', async () => {
    await expect(
      readOpenPgpData(bytes(armored.replace('-----BEGIN PGP', '-----BEGIN  PGP')), ['signature']),
    ).rejects.toThrow();
    await expect(readOpenPgpData(bytes(armored), ['publicKey'])).rejects.toThrow(/unexpected armored block/);
  });
});
