/**
 * A minimal DER writer and a strict DER reader, for the few fixed structures of notary's key files (PKCS#8,
 * PBES2, SEC1 ECPrivateKey) and ECDSA signature values. Certificates use @peculiar/asn1-x509 instead; these
 * structures are small enough that owning them keeps every byte visible and checked.
 */
import { concatBytes, stripLeadingZeros } from '../util/bytes.js';
import { bug } from '../errors.js';

export const Tag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
} as const;

/** Context-specific constructed tag [n] (EXPLICIT). */
export function contextTag(n: number): number {
  return 0xa0 | n;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), encodeLength(content.length), content);
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(Tag.sequence, concatBytes(...items));
}

export function explicit(n: number, content: Uint8Array): Uint8Array {
  return tlv(contextTag(n), content);
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(Tag.octetString, bytes);
}

export function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(Tag.bitString, concatBytes(Uint8Array.of(0), bytes));
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros dropped, a zero added for the sign). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let body = stripLeadingZeros(magnitude);
  if (body.length === 0) body = Uint8Array.of(0);
  if ((body[0] ?? 0) & 0x80) body = concatBytes(Uint8Array.of(0), body);
  return tlv(Tag.integer, body);
}

export function smallInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw bug(`not a small non-negative integer: ${value}`);
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes));
}

export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw bug(`bad OID ${dotted}`);
    return BigInt(a);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined) throw bug(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] ?? 0) | 0x80;
    out.push(...chunk);
  }
  return tlv(Tag.oid, Uint8Array.from(out));
}

// ---------------------------------------------------------------------------------------------------------
// Reading

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface DerNode {
  readonly tag: number;
  readonly content: Uint8Array;
  /** The whole TLV. */
  readonly raw: Uint8Array;
}

/** Reads one TLV at `offset`, checking definite, minimal length encoding. */
export function readTlv(bytes: Uint8Array, offset = 0): { node: DerNode; next: number } {
  const tag = bytes[offset];
  if (tag === undefined) throw new DerError('unexpected end of data');
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let pos = offset + 1;
  const first = bytes[pos++];
  if (first === undefined) throw new DerError('unexpected end of data in a length');
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite lengths are not DER');
    if (count > 4) throw new DerError('length too large');
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = bytes[pos++];
      if (b === undefined) throw new DerError('unexpected end of data in a length');
      if (i === 0 && b === 0) throw new DerError('non-minimal length');
      length = length * 256 + b;
    }
    if (length < 0x80) throw new DerError('non-minimal length');
  }
  const end = pos + length;
  if (end > bytes.length) throw new DerError('a value runs past the end of the data');
  return { node: { tag, content: bytes.subarray(pos, end), raw: bytes.subarray(offset, end) }, next: end };
}

/** Parses exactly one TLV filling `bytes` (or, with allowTrailing, the first one). */
export function readDer(bytes: Uint8Array, options: { allowTrailing?: boolean } = {}): DerNode {
  const { node, next } = readTlv(bytes, 0);
  if (next !== bytes.length && !options.allowTrailing) throw new DerError('trailing data after the value');
  return node;
}

/** The children of a constructed value. */
export function children(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const { node: child, next } = readTlv(node.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what} is missing`);
  if (node.tag !== tag)
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}

export function readOid(node: DerNode | undefined, what: string): string {
  const content = expectTag(node, Tag.oid, what).content;
  if (content.length === 0) throw new DerError(`${what}: empty OID`);
  const arcs: bigint[] = [];
  let value = 0n;
  for (const [i, b] of content.entries()) {
    if (value === 0n && b === 0x80) throw new DerError(`${what}: non-minimal OID arc`);
    value = (value << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(value);
      value = 0n;
    } else if (i === content.length - 1) {
      throw new DerError(`${what}: truncated OID`);
    }
  }
  const [head, ...rest] = arcs;
  if (head === undefined) throw new DerError(`${what}: empty OID`);
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...rest].join('.');
}

/** A non-negative INTEGER's magnitude (no sign byte). */
export function readUnsignedInteger(node: DerNode | undefined, what: string): Uint8Array {
  const content = expectTag(node, Tag.integer, what).content;
  if (content.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if ((content[0] ?? 0) & 0x80) throw new DerError(`${what}: negative INTEGER`);
  if (content.length > 1 && content[0] === 0 && !((content[1] ?? 0) & 0x80))
    throw new DerError(`${what}: non-minimal INTEGER`);
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

export function readSmallInteger(node: DerNode | undefined, what: string): number {
  const magnitude = readUnsignedInteger(node, what);
  if (magnitude.length > 6) throw new DerError(`${what}: INTEGER too large`);
  let value = 0;
  for (const b of magnitude) value = value * 256 + b;
  return value;
}

export function readOctetString(node: DerNode | undefined, what: string): Uint8Array {
  return expectTag(node, Tag.octetString, what).content;
}

/** A BIT STRING without unused bits (keys, signatures). */
export function readBitString(node: DerNode | undefined, what: string): Uint8Array {
  const content = expectTag(node, Tag.bitString, what).content;
  if (content[0] !== 0) throw new DerError(`${what}: BIT STRING with unused bits`);
  return content.subarray(1);
}
