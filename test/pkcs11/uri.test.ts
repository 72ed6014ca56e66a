/** RFC 7512 PKCS#11 URIs: examples from the RFC, strictness, and round trips for any value (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyceremonyError } from '../../src/errors.js';
import { formatPkcs11Uri, objectTypes, parsePkcs11Uri, type Pkcs11Uri } from '../../src/pkcs11/uri.js';

describe('PKCS#11 URIs', () => {
  it('parses the examples of RFC 7512 §3.3', () => {
    expect(parsePkcs11Uri('pkcs11:object=my-pubkey;type=public')).toEqual({ object: 'my-pubkey', type: 'public' });
    expect(
      parsePkcs11Uri(
        'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91%86%8F%A6%2A%42%C2%7B%99%9F%08%1E%0A?pin-source=file:/etc/token',
      ),
    ).toEqual({
      token: 'The Software PKCS#11 Softtoken',
      manufacturer: 'Snake Oil, Inc.',
      model: '1.0',
      object: 'my-certificate',
      type: 'cert',
      id: Uint8Array.from(Buffer.from('69953e5cf4bdec91868fa62a42c27b999f081e0a', 'hex')),
      pinSource: 'file:/etc/token',
    });
    expect(parsePkcs11Uri('pkcs11:slot-description=Sun%20Metaslot')).toEqual({ slotDescription: 'Sun Metaslot' });
    expect(
      parsePkcs11Uri('pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert'),
    ).toMatchObject({ token: 'A name with a substring %;' });
    expect(parsePkcs11Uri('pkcs11:')).toEqual({});
    expect(parsePkcs11Uri('pkcs11:slot-id=2?module-path=/usr/lib/softhsm/libsofthsm2.so')).toEqual({
      slotId: '2',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
    });
  });

  it('formats canonically: fixed order, id fully percent-encoded', () => {
    expect(
      formatPkcs11Uri({
        object: 'openpgp-root',
        serial: '0123abcd',
        token: 'wikibase root',
        type: 'private',
        id: Uint8Array.of(1, 0xab),
      }),
    ).toBe('pkcs11:token=wikibase%20root;serial=0123abcd;object=openpgp-root;type=private;id=%01%AB');
    expect(formatPkcs11Uri({ token: 't', modulePath: '/usr/lib/x.so' })).toBe(
      'pkcs11:token=t?module-path=%2Fusr%2Flib%2Fx.so',
    );
  });

  it('refuses what would be ambiguous or unsafe', () => {
    for (const bad of [
      'pkcs12:token=x',
      'pkcs11:token=a;token=b',
      'pkcs11:tokn=a',
      'pkcs11:token=%zz',
      'pkcs11:token=a b',
      'pkcs11:token=%FF',
      'pkcs11:type=secret',
      'pkcs11:slot-id=x1',
      'pkcs11:object',
      'pkcs11:token=a?pin-value=1234',
      'pkcs11:token=a?module-name=x&module-name=y',
    ]) {
      expect(() => parsePkcs11Uri(bad), bad).toThrow(KeyceremonyError);
    }
    expect(() => parsePkcs11Uri('pkcs11:token=a?pin-value=1234')).toThrow(/never goes into a URI/);
  });

  const text = fc.string({ unit: 'grapheme', maxLength: 20 });
  const uriArbitrary: fc.Arbitrary<Pkcs11Uri> = fc.record(
    {
      token: text,
      manufacturer: text,
      serial: text,
      model: text,
      libraryManufacturer: text,
      libraryDescription: text,
      libraryVersion: fc.constantFrom('1', '2.6', '10.40'),
      slotDescription: text,
      slotManufacturer: text,
      slotId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      object: text,
      type: fc.constantFrom(...objectTypes),
      id: fc.uint8Array({ maxLength: 32 }),
      moduleName: text,
      modulePath: text,
      pinSource: text,
    },
    { requiredKeys: [] },
  );

  it('parses every formatted URI back to the same value, and formats that to the same string', () => {
    fc.assert(
      fc.property(uriArbitrary, (uri) => {
        const formatted = formatPkcs11Uri(uri);
        expect(formatted).toMatch(/^pkcs11:[A-Za-z0-9\-._~%=;?&]*$/);
        const parsed = parsePkcs11Uri(formatted);
        expect(parsed).toEqual(uri);
        expect(formatPkcs11Uri(parsed)).toBe(formatted);
      }),
      { numRuns: 500 },
    );
  });

  it('never fails with anything but a KeyceremonyError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).map((s) => `pkcs11:${s}`),
        (input) => {
          try {
            const parsed = parsePkcs11Uri(input);
            // Whatever parses formats and parses back to the same value.
            expect(parsePkcs11Uri(formatPkcs11Uri(parsed))).toEqual(parsed);
          } catch (error) {
            expect(error).toBeInstanceOf(KeyceremonyError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
