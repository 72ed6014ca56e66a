import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressOf, wkdHash, zBase32 } from '../../src/publish/wkd.js';
import { run } from '../helpers/run.js';

const WKS_CLIENT = '/usr/lib/gnupg/gpg-wks-client';

describe('WKD hashing', () => {
  it('encodes z-base-32 as specified', () => {
    expect(zBase32(new Uint8Array())).toBe('');
    expect(zBase32(Uint8Array.of(0))).toBe('yy');
    expect(zBase32(Uint8Array.of(0xff, 0xff))).toBe('999o');
    expect(zBase32(new Uint8Array(20))).toHaveLength(32);
  });

  it('matches gpg-wks-client --print-wkd-hash for any local part', async () => {
    const locals = fc.sample(fc.stringMatching(/^[A-Za-z0-9]{1,8}(?:[._+-][A-Za-z0-9]{1,8}){0,3}$/), 12);
    for (const local of ['wikibase-releases', 'Mixed.Case', ...locals]) {
      const result = await run(WKS_CLIENT, ['--print-wkd-hash', `${local}@example.org`]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim().split(' ')[0]).toBe(wkdHash(local));
    }
  });

  it('finds the address in a user ID', () => {
    expect(addressOf('Wikibase Release Signing Key (Wikimedia Deutschland) <wikibase-releases@Wikimedia.DE>')).toEqual({
      local: 'wikibase-releases',
      domain: 'wikimedia.de',
    });
    expect(addressOf('No address')).toBeUndefined();
  });
});
