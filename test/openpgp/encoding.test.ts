import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketFormatError, readMpi, readPackets, writeMpi, writePacket } from '../../src/openpgp/encoding.js';
import { concatBytes } from '../../src/util/bytes.js';
import { decodeSubpackets, encodeSubpackets } from '../../src/openpgp/subpackets.js';

describe('packet framing', () => {
  it('round-trips packets of every length class', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 63 }), fc.uint8Array({ maxLength: 9000 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (packets) => {
          const data = concatBytes(...packets.map(([tag, body]) => writePacket(tag, body)));
          const read = readPackets(data);
          expect(read.map((p) => p.tag)).toEqual(packets.map(([tag]) => tag));
          read.forEach((p, i) =>
            expect(Buffer.from(p.body).equals(Buffer.from(packets[i]?.[1] ?? new Uint8Array()))).toBe(true),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects every truncation of a packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.nat(), (body, cut) => {
        const packet = writePacket(2, body);
        const truncated = packet.subarray(0, cut % packet.length);
        if (truncated.length === 0) return;
        expect(() => readPackets(truncated)).toThrow(PacketFormatError);
      }),
    );
  });

  it('reads old-format headers as gpg writes them', () => {
    const body = Uint8Array.of(1, 2, 3);
    const old = Uint8Array.of(0x80 | (6 << 2) | 0, 3, ...body);
    expect(readPackets(old)).toEqual([{ tag: 6, body }]);
  });
});

describe('MPIs', () => {
  it('strip leading zeros and round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (value) => {
        const encoded = writeMpi(value);
        const { value: back, next } = readMpi(encoded, 0);
        expect(next).toBe(encoded.length);
        const stripped = value.subarray(
          value.findIndex((b) => b !== 0) === -1 ? value.length : value.findIndex((b) => b !== 0),
        );
        expect(Buffer.from(back).equals(Buffer.from(stripped))).toBe(true);
      }),
    );
    expect([...writeMpi(Uint8Array.of(0, 0x01, 0xff))]).toEqual([0, 9, 1, 0xff]);
  });

  it('refuse a bit count that does not start at the most significant bit (signatures stay non-malleable)', () => {
    expect(() => readMpi(Uint8Array.of(0, 10, 1, 0xff), 0)).toThrow(PacketFormatError);
    expect(() => readMpi(Uint8Array.of(0, 16, 0, 0xff), 0)).toThrow(/non-canonical MPI/);
    expect(readMpi(Uint8Array.of(0, 9, 1, 0xff), 0).next).toBe(4);
    expect(readMpi(Uint8Array.of(0, 0), 0).value.length).toBe(0);
  });
});

describe('subpackets', () => {
  it('round-trip with critical bits', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.integer({ min: 1, max: 127 }),
            critical: fc.boolean(),
            body: fc.uint8Array({ maxLength: 300 }),
          }),
          { maxLength: 6 },
        ),
        (sps) => {
          const back = decodeSubpackets(encodeSubpackets(sps));
          expect(back.map((s) => [s.type, s.critical, Buffer.from(s.body).toString('hex')])).toEqual(
            sps.map((s) => [s.type, s.critical, Buffer.from(s.body).toString('hex')]),
          );
        },
      ),
    );
  });
});
