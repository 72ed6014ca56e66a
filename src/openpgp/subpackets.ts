/** Signature subpackets (RFC 4880 §5.2.3.1): encoding, decoding, and the typed ones keyceremony uses. */
import { concatBytes, readU32, u32 } from '../util/bytes.js';
import { KeyFlag, SubpacketType } from './constants.js';
import { PacketFormatError } from './encoding.js';
import { toPgpTime } from './key-packet.js';

export interface Subpacket {
  readonly type: number;
  readonly critical: boolean;
  readonly body: Uint8Array;
}

function encodeSubpacketLength(length: number): Uint8Array {
  if (length < 192) return Uint8Array.of(length);
  if (length < 16320) {
    const v = length - 192;
    return Uint8Array.of((v >> 8) + 192, v & 0xff);
  }
  return concatBytes(Uint8Array.of(0xff), u32(length));
}

export function encodeSubpackets(subpackets: readonly Subpacket[]): Uint8Array {
  return concatBytes(
    ...subpackets.map((sp) =>
      concatBytes(
        encodeSubpacketLength(sp.body.length + 1),
        Uint8Array.of(sp.type | (sp.critical ? 0x80 : 0)),
        sp.body,
      ),
    ),
  );
}

export function decodeSubpackets(area: Uint8Array): Subpacket[] {
  const out: Subpacket[] = [];
  let offset = 0;
  while (offset < area.length) {
    const first = area[offset] ?? 0;
    let length: number;
    if (first < 192) {
      length = first;
      offset += 1;
    } else if (first < 255) {
      const second = area[offset + 1];
      if (second === undefined) throw new PacketFormatError('truncated subpacket length');
      length = ((first - 192) << 8) + second + 192;
      offset += 2;
    } else {
      if (offset + 5 > area.length) throw new PacketFormatError('truncated subpacket length');
      length = readU32(area, offset + 1);
      offset += 5;
    }
    if (length < 1 || offset + length > area.length) throw new PacketFormatError('truncated subpacket');
    const typeByte = area[offset] ?? 0;
    out.push({
      type: typeByte & 0x7f,
      critical: (typeByte & 0x80) !== 0,
      body: area.subarray(offset + 1, offset + length),
    });
    offset += length;
  }
  return out;
}

const sp = (type: number, body: Uint8Array, critical = false): Subpacket => ({ type, critical, body });

export const subpacket = {
  creationTime: (date: Date): Subpacket => sp(SubpacketType.creationTime, u32(toPgpTime(date)), true),
  /** Key expiration: seconds after the key's creation time. */
  keyExpiration: (seconds: number): Subpacket => sp(SubpacketType.keyExpirationTime, u32(seconds), true),
  keyFlags: (flags: number): Subpacket => sp(SubpacketType.keyFlags, Uint8Array.of(flags), true),
  issuerKeyId: (keyId: Uint8Array): Subpacket => sp(SubpacketType.issuerKeyId, keyId),
  issuerFingerprint: (fingerprint: Uint8Array): Subpacket =>
    sp(SubpacketType.issuerFingerprint, concatBytes(Uint8Array.of(4), fingerprint)),
  primaryUserId: (): Subpacket => sp(SubpacketType.primaryUserId, Uint8Array.of(1)),
  /** AES-256, AES-192, AES-128. */
  preferredSymmetric: (): Subpacket => sp(SubpacketType.preferredSymmetric, Uint8Array.of(9, 8, 7)),
  /** SHA-512, SHA-384, SHA-256. */
  preferredHash: (): Subpacket => sp(SubpacketType.preferredHash, Uint8Array.of(10, 9, 8)),
  /** ZLIB, ZIP, uncompressed. */
  preferredCompression: (): Subpacket => sp(SubpacketType.preferredCompression, Uint8Array.of(2, 1, 0)),
  /** "No-modify": key servers should not accept third-party changes. */
  keyServerNoModify: (): Subpacket => sp(SubpacketType.keyServerPreferences, Uint8Array.of(0x80)),
  /** Modification detection (SEIPD v1). */
  features: (): Subpacket => sp(SubpacketType.features, Uint8Array.of(0x01)),
  reasonForRevocation: (code: number, text: string): Subpacket =>
    sp(SubpacketType.reasonForRevocation, concatBytes(Uint8Array.of(code), new TextEncoder().encode(text))),
  embeddedSignature: (signatureBody: Uint8Array): Subpacket => sp(SubpacketType.embeddedSignature, signatureBody),
  /** A human-readable notation (flag 0x80 "human readable"). */
  notation: (name: string, value: string): Subpacket => {
    const n = new TextEncoder().encode(name);
    const v = new TextEncoder().encode(value);
    return sp(
      SubpacketType.notation,
      concatBytes(
        Uint8Array.of(0x80, 0, 0, 0),
        Uint8Array.of(n.length >> 8, n.length & 0xff, v.length >> 8, v.length & 0xff),
        n,
        v,
      ),
    );
  },
};

export function describeKeyFlags(flags: number): string {
  const parts: string[] = [];
  if (flags & KeyFlag.certify) parts.push('C');
  if (flags & KeyFlag.sign) parts.push('S');
  if (flags & 0x0c) parts.push('E');
  if (flags & 0x20) parts.push('A');
  return parts.join('');
}
