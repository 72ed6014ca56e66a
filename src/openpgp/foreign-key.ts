/**
 * Keys keyceremony reads but never trusts: well-formed v4 keys of algorithms outside its policy (DSA, ElGamal,
 * ECDH, ECDSA on curves other than P-256, EdDSA on curves other than Ed25519, the RFC 9580 algorithms). A KEYS
 * file holds other people's keys and encryption subkeys, so these are not errors; but when a signature names one
 * as its issuer, or a pinned root is one, the verifier must say what the key is — algorithm and size, read from
 * the packet — and why it is refused.
 *
 * DSA is refused at every size: FIPS 186-5 (2023) no longer approves it for making signatures, gpg 2.2 makes at
 * most 3072-bit DSA keys with 256-bit q, and a biased or repeated nonce leaks a DSA key outright.
 */
import { bytesEqual, readU32 } from '../util/bytes.js';
import { bitLength } from './key-strength.js';
import { v4Fingerprint } from './key-packet.js';

export interface ForeignKey {
  /** 20-byte v4 fingerprint. */
  readonly fingerprint: Uint8Array;
  readonly created: Date;
  /** "DSA-1024", "ECDH Curve25519", "ECDSA P-384", "ElGamal-2048", ... */
  readonly description: string;
}

const curves: readonly (readonly [string, readonly number[]])[] = [
  ['P-256', [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]],
  ['P-384', [0x2b, 0x81, 0x04, 0x00, 0x22]],
  ['P-521', [0x2b, 0x81, 0x04, 0x00, 0x23]],
  ['secp256k1', [0x2b, 0x81, 0x04, 0x00, 0x0a]],
  ['brainpoolP256r1', [0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07]],
  ['brainpoolP384r1', [0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b]],
  ['brainpoolP512r1', [0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0d]],
  ['Ed25519', [0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01]],
  ['Curve25519', [0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01]],
  ['Ed448', [0x2b, 0x65, 0x71]],
  ['X448', [0x2b, 0x65, 0x6f]],
];

function curveName(oid: Uint8Array): string {
  return curves.find(([, bytes]) => bytesEqual(oid, Uint8Array.from(bytes)))?.[0] ?? 'an unknown curve';
}

/** Reads MPIs leniently (other implementations' keys need not be canonical): returns each one's bit count. */
class Cursor {
  offset = 6;
  constructor(readonly body: Uint8Array) {}
  mpiBits(): number {
    if (this.offset + 2 > this.body.length) throw new RangeError('truncated');
    const declared = ((this.body[this.offset] ?? 0) << 8) | (this.body[this.offset + 1] ?? 0);
    const length = (declared + 7) >> 3;
    const value = this.body.subarray(this.offset + 2, this.offset + 2 + length);
    if (value.length !== length) throw new RangeError('truncated');
    this.offset += 2 + length;
    return bitLength(value);
  }
  oid(): Uint8Array {
    const length = this.body[this.offset] ?? 0;
    const oid = this.body.subarray(this.offset + 1, this.offset + 1 + length);
    if (length === 0 || length === 0xff || oid.length !== length) throw new RangeError('bad OID');
    this.offset += 1 + length;
    return oid;
  }
  skip(n: number): void {
    if (this.offset + n > this.body.length) throw new RangeError('truncated');
    this.offset += n;
  }
  /** ECDH KDF parameters: a length octet and that many bytes. */
  kdf(): void {
    this.skip(1 + (this.body[this.offset] ?? 0));
  }
}

/** Algorithm description and the end of the public part, for the algorithm byte at body[5]. */
function describe(cursor: Cursor): string {
  const algorithm = cursor.body[5];
  switch (algorithm) {
    case 1:
    case 2:
    case 3: {
      const bits = cursor.mpiBits();
      cursor.mpiBits();
      return `RSA-${bits}${algorithm === 2 ? ' (encrypt-only)' : algorithm === 3 ? ' (sign-only)' : ''}`;
    }
    case 16:
    case 20: {
      const bits = cursor.mpiBits();
      cursor.mpiBits();
      cursor.mpiBits();
      return `ElGamal-${bits}`;
    }
    case 17: {
      const bits = cursor.mpiBits();
      for (let i = 0; i < 3; i++) cursor.mpiBits();
      return `DSA-${bits}`;
    }
    case 18: {
      const curve = curveName(cursor.oid());
      cursor.mpiBits();
      cursor.kdf();
      return `ECDH ${curve}`;
    }
    case 19:
    case 22: {
      const curve = curveName(cursor.oid());
      cursor.mpiBits();
      return `${algorithm === 19 ? 'ECDSA' : 'EdDSA'} ${curve}`;
    }
    case 25:
      cursor.skip(32);
      return 'X25519';
    case 26:
      cursor.skip(56);
      return 'X448';
    case 27:
      cursor.skip(32);
      return 'Ed25519 (RFC 9580)';
    case 28:
      cursor.skip(57);
      return 'Ed448';
    default:
      throw new RangeError(`public key algorithm ${algorithm ?? '?'}`);
  }
}

/**
 * Describes a v4 key packet body (public, or the public prefix of a secret one). Undefined when it is not a
 * v4 key or its public part cannot be delimited (then not even its fingerprint is known).
 */
export function readForeignKey(body: Uint8Array): ForeignKey | undefined {
  if (body[0] !== 4 || body.length < 6) return undefined;
  const cursor = new Cursor(body);
  let description: string;
  try {
    description = describe(cursor);
  } catch {
    return undefined;
  }
  const publicBody = body.subarray(0, cursor.offset);
  return {
    fingerprint: v4Fingerprint(publicBody),
    created: new Date(readU32(body, 1) * 1000),
    description,
  };
}

/** Why a foreign key cannot be trusted, in one phrase. */
export function foreignKeyProblem(key: ForeignKey): string {
  const what = key.description.startsWith('DSA-')
    ? 'DSA keys are not accepted at any size'
    : 'keyceremony accepts only Ed25519, ECDSA P-256 and RSA keys of 2048 bits or more';
  return `it is a ${key.description} key: ${what}`;
}
