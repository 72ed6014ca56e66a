/**
 * OpenPGP wire encoding: packet framing (RFC 4880 §4.2), multiprecision integers (§3.2), and a reader that
 * splits a binary keyring or signature into packets.
 */
import { concatBytes, readU16, readU32, stripLeadingZeros, u32 } from '../util/bytes.js';

/** Writes a packet with a new-format header. */
export function writePacket(tag: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0xc0 | tag), encodeLength(body.length), body);
}

function encodeLength(length: number): Uint8Array {
  if (length < 192) return Uint8Array.of(length);
  if (length < 8384) {
    const v = length - 192;
    return Uint8Array.of((v >> 8) + 192, v & 0xff);
  }
  return concatBytes(Uint8Array.of(0xff), u32(length));
}

export interface Packet {
  readonly tag: number;
  readonly body: Uint8Array;
}

export class PacketFormatError extends Error {}

/**
 * A well-formed key keyceremony has no use for (another packet version, algorithm or curve). Keyrings such as
 * a project's KEYS file hold other people's keys too; readers skip these where they skip unknown packets.
 */
export class UnsupportedKeyError extends PacketFormatError {}

/**
 * Splits binary OpenPGP data into packets. Accepts old and new headers; rejects partial lengths (never used
 * in keys or detached signatures) and anything truncated.
 */
export function readPackets(data: Uint8Array): Packet[] {
  const packets: Packet[] = [];
  let offset = 0;
  while (offset < data.length) {
    const header = data[offset] ?? 0;
    if ((header & 0x80) === 0) throw new PacketFormatError(`byte ${offset} is not a packet header`);
    let tag: number;
    let length: number;
    let start: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = data[offset + 1];
      if (first === undefined) throw new PacketFormatError('truncated packet header');
      if (first < 192) {
        length = first;
        start = offset + 2;
      } else if (first < 224) {
        const second = data[offset + 2];
        if (second === undefined) throw new PacketFormatError('truncated packet header');
        length = ((first - 192) << 8) + second + 192;
        start = offset + 3;
      } else if (first === 255) {
        if (offset + 6 > data.length) throw new PacketFormatError('truncated packet header');
        length = readU32(data, offset + 2);
        start = offset + 6;
      } else {
        throw new PacketFormatError('partial body lengths are not expected here');
      }
    } else {
      tag = (header >> 2) & 0x0f;
      const lengthType = header & 0x03;
      if (lengthType === 0) {
        length = data[offset + 1] ?? -1;
        start = offset + 2;
      } else if (lengthType === 1) {
        length = offset + 3 <= data.length ? readU16(data, offset + 1) : -1;
        start = offset + 3;
      } else if (lengthType === 2) {
        length = offset + 5 <= data.length ? readU32(data, offset + 1) : -1;
        start = offset + 5;
      } else {
        throw new PacketFormatError('indeterminate packet lengths are not expected here');
      }
    }
    if (length < 0 || start + length > data.length) throw new PacketFormatError(`truncated packet (tag ${tag})`);
    packets.push({ tag, body: data.subarray(start, start + length) });
    offset = start + length;
  }
  return packets;
}

/** Encodes an unsigned big-endian integer as an MPI (bit count, then the bytes without leading zeros). */
export function writeMpi(value: Uint8Array): Uint8Array {
  const bytes = stripLeadingZeros(value);
  const bits = bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + bitLength(bytes[0] ?? 0);
  return concatBytes(Uint8Array.of(bits >> 8, bits & 0xff), bytes);
}

function bitLength(byte: number): number {
  let bits = 0;
  while (byte) {
    bits++;
    byte >>= 1;
  }
  return bits;
}

/** Reads one MPI at `offset`; returns its bytes and the offset after it. */
export function readMpi(data: Uint8Array, offset: number): { value: Uint8Array; next: number } {
  if (offset + 2 > data.length) throw new PacketFormatError('truncated MPI');
  const bits = readU16(data, offset);
  const length = (bits + 7) >> 3;
  const next = offset + 2 + length;
  if (next > data.length) throw new PacketFormatError('truncated MPI');
  // RFC 4880 §3.2: the bit count starts at the most significant non-zero bit. Refusing any other count keeps
  // signatures non-malleable (a changed count with the same bytes would otherwise still verify).
  const first = data[offset + 2] ?? 0;
  if (length > 0 && bits !== (length - 1) * 8 + bitLength(first))
    throw new PacketFormatError(`non-canonical MPI (${bits} bits declared)`);
  return { value: data.subarray(offset + 2, next), next };
}
