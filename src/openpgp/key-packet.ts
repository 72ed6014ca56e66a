/**
 * v4 public and secret key packets (RFC 4880 §5.5) for the three algorithms keyceremony makes, and the v4
 * fingerprint. Secret key packets are only ever written unencrypted in memory, handed straight to openpgp.js
 * to be encrypted with the vault passphrase (its iterated+salted S2K and AES-256 are what gpg 2.2 imports).
 */
import { createHash } from 'node:crypto';
import type { KeyAlgorithm } from '../crypto/index.js';
import type { PublicKeyMaterial, SecretKeyMaterial } from '../crypto/index.js';
import {
  bigintFromBytes,
  bytesEqual,
  bytesFromBigint,
  concatBytes,
  leftPad,
  readU32,
  toHex,
  u16,
  u32,
} from '../util/bytes.js';
import { modInverse } from '../crypto/index.js';
import { curveOid, notOpenPgp, PublicKeyAlgorithm, publicKeyAlgorithmId } from './constants.js';
import { PacketFormatError, readMpi, UnsupportedKeyError, writeMpi } from './encoding.js';
import { bug, inputError } from '../errors.js';

/** A parsed (or freshly built) v4 public key: the packet body and what it says. */
export interface KeyPacket {
  /** The public key packet body (also the body of the public part of a secret key packet). */
  readonly body: Uint8Array;
  readonly created: Date;
  readonly material: PublicKeyMaterial;
  /** 20-byte v4 fingerprint. */
  readonly fingerprint: Uint8Array;
}

export function fingerprintHex(key: { fingerprint: Uint8Array }): string {
  return toHex(key.fingerprint).toUpperCase();
}

/** The 8-byte key ID (the low 64 bits of the v4 fingerprint). */
export function keyIdOf(fingerprint: Uint8Array): Uint8Array {
  return fingerprint.subarray(12, 20);
}

export function algorithmOf(key: KeyPacket): KeyAlgorithm {
  return key.material.algorithm;
}

/** OpenPGP timestamps are whole seconds. */
export function toPgpTime(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function buildKeyPacket(material: PublicKeyMaterial, created: Date): KeyPacket {
  const seconds = toPgpTime(created);
  const body = concatBytes(
    Uint8Array.of(4),
    u32(seconds),
    Uint8Array.of(publicKeyAlgorithmId(material.algorithm)),
    publicParams(material),
  );
  return { body, created: new Date(seconds * 1000), material, fingerprint: v4Fingerprint(body) };
}

function publicParams(material: PublicKeyMaterial): Uint8Array {
  switch (material.algorithm) {
    case 'ed25519':
      // Legacy EdDSA: the point is prefixed with 0x40 ("native" encoding marker).
      return concatBytes(
        Uint8Array.of(curveOid.ed25519.length),
        curveOid.ed25519,
        writeMpi(concatBytes(Uint8Array.of(0x40), material.point)),
      );
    case 'nistp256':
      return concatBytes(Uint8Array.of(curveOid.nistp256.length), curveOid.nistp256, writeMpi(material.point));
    case 'rsa4096':
      return concatBytes(writeMpi(material.n), writeMpi(material.e));
    case 'nistp384':
      throw bug(notOpenPgp(material.algorithm));
  }
}

/** v4 fingerprint: SHA-1 over 0x99, the two-octet length and the body (fixed by RFC 4880 §12.2). */
export function v4Fingerprint(body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(Uint8Array.of(0x99)).update(u16(body.length)).update(body).digest());
}

/** The bytes every key-related signature hashes for a key: 0x99 ‖ length ‖ body. */
export function keyHashPrefix(key: KeyPacket): Uint8Array {
  return concatBytes(Uint8Array.of(0x99), u16(key.body.length), key.body);
}

/**
 * Parses a v4 public key body (or the public prefix of a secret key body). Returns the key and the offset
 * where the public part ends. Keys of other versions, algorithms or curves throw UnsupportedKeyError, broken
 * ones PacketFormatError.
 */
export function parseKeyPacketBody(body: Uint8Array): { key: KeyPacket; end: number } {
  if (body[0] !== 4) throw new UnsupportedKeyError(`key packet version ${body[0] ?? '?'} (only v4 is supported)`);
  if (body.length < 6) throw new PacketFormatError('truncated key packet');
  const created = new Date(readU32(body, 1) * 1000);
  const algorithm = body[5];
  let offset = 6;
  let material: PublicKeyMaterial;
  if (algorithm === PublicKeyAlgorithm.eddsaLegacy || algorithm === PublicKeyAlgorithm.ecdsa) {
    const oidLength = body[offset] ?? 0;
    const oid = body.subarray(offset + 1, offset + 1 + oidLength);
    offset += 1 + oidLength;
    // The curve decides how the point is encoded: an unknown curve is someone else's key, whatever follows.
    const eddsa = algorithm === PublicKeyAlgorithm.eddsaLegacy;
    if (!bytesEqual(oid, eddsa ? curveOid.ed25519 : curveOid.nistp256)) {
      throw new UnsupportedKeyError(`${eddsa ? 'EdDSA' : 'ECDSA'} key on an unsupported curve`);
    }
    const point = readMpi(body, offset);
    offset = point.next;
    if (eddsa) {
      if (point.value.length !== 33 || point.value[0] !== 0x40) throw new PacketFormatError('malformed Ed25519 point');
      material = { algorithm: 'ed25519', point: point.value.slice(1) };
    } else {
      if (point.value.length !== 65 || point.value[0] !== 4) throw new PacketFormatError('malformed P-256 point');
      material = { algorithm: 'nistp256', point: point.value.slice() };
    }
  } else if (algorithm === PublicKeyAlgorithm.rsaEncryptSign) {
    const n = readMpi(body, offset);
    const e = readMpi(body, n.next);
    offset = e.next;
    material = { algorithm: 'rsa4096', n: n.value.slice(), e: e.value.slice() };
  } else {
    throw new UnsupportedKeyError(`unsupported public key algorithm ${algorithm ?? '?'}`);
  }
  const publicBody = body.slice(0, offset);
  return { key: { body: publicBody, created, material, fingerprint: v4Fingerprint(publicBody) }, end: offset };
}

/**
 * An unencrypted v4 secret key packet body (S2K usage 0, two-octet checksum). Lives only in memory, on its way
 * to openpgp.js's encryptKey.
 */
export function unencryptedSecretKeyBody(key: KeyPacket, secret: SecretKeyMaterial): Uint8Array {
  const mpis = secretMpis(secret);
  let checksum = 0;
  for (const byte of mpis) checksum = (checksum + byte) & 0xffff;
  return concatBytes(key.body, Uint8Array.of(0), mpis, u16(checksum));
}

function secretMpis(secret: SecretKeyMaterial): Uint8Array {
  switch (secret.algorithm) {
    case 'ed25519':
      return writeMpi(secret.seed);
    case 'nistp256':
      return writeMpi(secret.d);
    case 'nistp384':
      throw bug(notOpenPgp(secret.algorithm));
    case 'rsa4096': {
      // RFC 4880: p < q and u = p^-1 mod q.
      const u = bytesFromBigint(modInverse(bigintFromBytes(secret.p), bigintFromBytes(secret.q)));
      return concatBytes(writeMpi(secret.d), writeMpi(secret.p), writeMpi(secret.q), writeMpi(u));
    }
  }
}

/**
 * A GNU-dummy secret key packet (S2K usage 255, GNU extension mode 1001: "no secret part"). gpg lists such a
 * primary as `sec#`; it is how a hand-off key or a token-backed vault key says "the primary is elsewhere".
 */
export function gnuDummySecretKeyBody(key: KeyPacket): Uint8Array {
  return concatBytes(key.body, Uint8Array.of(255, 0, 101, 2), new TextEncoder().encode('GNU'), Uint8Array.of(1));
}

/** Converts openpgp.js's decrypted private parameters into raw secret material. */
export function secretMaterialFromParams(
  material: PublicKeyMaterial,
  params: Record<string, Uint8Array | undefined>,
): SecretKeyMaterial {
  switch (material.algorithm) {
    case 'ed25519': {
      const seed = params['seed'];
      if (!seed) throw inputError('Ed25519 secret key without a seed');
      return { algorithm: 'ed25519', seed: leftPad(seed, 32) };
    }
    case 'nistp256': {
      const d = params['d'];
      if (!d) throw inputError('ECDSA secret key without d');
      return { algorithm: 'nistp256', d: leftPad(d, 32) };
    }
    case 'rsa4096': {
      const { d, p, q } = params;
      if (!d || !p || !q) throw inputError('RSA secret key without d, p, q');
      return { algorithm: 'rsa4096', d, p, q };
    }
    case 'nistp384':
      throw bug(notOpenPgp(material.algorithm));
  }
}
