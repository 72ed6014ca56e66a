/**
 * v4 signature packets (RFC 4880 §5.2.3), written around an external Signer and read back for verification.
 *
 * openpgp.js cannot sign through an external key (openpgpjs issues 362, 951), so keyceremony owns this small
 * writer: it lays out the hashed subpackets, computes the §5.2.4 hash input (what the signature covers, then
 * the signature data, then the trailer 04 FF len32), hands the digest to the Signer and stores the MPIs. The
 * same code path serves software keys and PKCS#11 tokens, and is checked against gpg, sqop and openpgp.js.
 */
import { createHash, type Hash } from 'node:crypto';
import type { HashAlgorithm } from '../crypto/index.js';
import { samePublicKey } from '../crypto/index.js';
import { digestRequest, schemeFor, type Signer } from '../signer/index.js';
import { concatBytes, leftPad, readU16, readU32, u16, u32 } from '../util/bytes.js';
import {
  HashAlgorithmId,
  PacketTag,
  PublicKeyAlgorithm,
  PURPOSE_NOTATION,
  publicKeyAlgorithmId,
  SubpacketType,
} from './constants.js';
import { PacketFormatError, readMpi, writeMpi, writePacket } from './encoding.js';
import { type KeyPacket, keyHashPrefix, keyIdOf } from './key-packet.js';
import { decodeSubpackets, encodeSubpackets, type Subpacket, subpacket } from './subpackets.js';
import { bug, KeyceremonyError } from '../errors.js';

export interface SignatureSpec {
  readonly type: number;
  readonly hash: HashAlgorithm;
  readonly created: Date;
  /** Subpackets besides creation time and issuer, which are always added (hashed). */
  readonly hashed?: readonly Subpacket[];
}

/**
 * A signature whose hashed part is fixed, waiting for the digest of the data it covers. Callers feed the
 * covered data into a hash, then {@link PendingSignature.finish} adds the signature data and the trailer.
 */
export class PendingSignature {
  readonly hash: HashAlgorithm;
  /** version, type, algorithms, hashed subpacket area: the part the signature covers. */
  readonly hashedPart: Uint8Array;
  readonly #issuer: KeyPacket;

  constructor(spec: SignatureSpec, issuer: KeyPacket) {
    this.hash = spec.hash;
    this.#issuer = issuer;
    const hashedArea = encodeSubpackets([
      subpacket.creationTime(spec.created),
      subpacket.issuerFingerprint(issuer.fingerprint),
      ...(spec.hashed ?? []),
    ]);
    this.hashedPart = concatBytes(
      Uint8Array.of(4, spec.type, publicKeyAlgorithmId(issuer.material.algorithm), HashAlgorithmId[spec.hash]),
      u16(hashedArea.length),
      hashedArea,
    );
  }

  /** A hash object to feed the covered data into. */
  createHash(): Hash {
    return createHash(this.hash);
  }

  /** Adds the signature data and trailer to a hash fed with the covered data, and signs. */
  async finish(hash: Hash, signer: Signer): Promise<Uint8Array> {
    hash.update(this.hashedPart);
    hash.update(trailer(this.hashedPart.length));
    const digest = new Uint8Array(hash.digest());
    const raw = await signDigest(signer, this.#issuer, digest, this.hash);
    // The issuer key ID also goes unhashed, as gpg does, for old verifiers that look only there.
    const unhashed = encodeSubpackets([
      { type: SubpacketType.issuerKeyId, critical: false, body: keyIdOf(this.#issuer.fingerprint) },
    ]);
    return concatBytes(
      this.hashedPart,
      u16(unhashed.length),
      unhashed,
      digest.subarray(0, 2),
      signatureMpis(this.#issuer, raw),
    );
  }
}

/**
 * Signs an OpenPGP v4 signature digest through the Signer: Ed25519 signs the digest bytes as its message
 * (legacy EdDSA), ECDSA the digest, RSA PKCS#1 v1.5 its DigestInfo. The signature must come from the issuer's key.
 */
async function signDigest(
  signer: Signer,
  issuer: KeyPacket,
  digest: Uint8Array,
  hash: HashAlgorithm,
): Promise<Uint8Array> {
  const { scheme } = schemeFor('openpgp-v4', issuer.material.algorithm);
  const result = await signer.sign(digestRequest(scheme, hash, digest));
  if (!samePublicKey(result.publicKey, issuer.material)) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the signer's key is not the issuer ${keyIdHex(issuer)} of this signature`,
    );
  }
  return result.signature;
}

function keyIdHex(issuer: KeyPacket): string {
  return Buffer.from(keyIdOf(issuer.fingerprint)).toString('hex').toUpperCase();
}

export function trailer(hashedPartLength: number): Uint8Array {
  return concatBytes(Uint8Array.of(4, 0xff), u32(hashedPartLength));
}

function signatureMpis(issuer: KeyPacket, raw: Uint8Array): Uint8Array {
  if (issuer.material.algorithm === 'rsa4096') return writeMpi(raw);
  if (raw.length !== 64) throw bug(`expected a 64-byte r‖s signature, got ${raw.length} bytes`);
  return concatBytes(writeMpi(raw.subarray(0, 32)), writeMpi(raw.subarray(32)));
}

/** Signs `covered` (already assembled) and returns the signature packet body. */
export async function signCovered(
  spec: SignatureSpec,
  issuer: KeyPacket,
  signer: Signer,
  ...covered: Uint8Array[]
): Promise<Uint8Array> {
  const pending = new PendingSignature(spec, issuer);
  const hash = pending.createHash();
  for (const part of covered) hash.update(part);
  return pending.finish(hash, signer);
}

/** What a user-ID certification covers: primary key, then 0xB4 ‖ len32 ‖ user ID. */
export function userIdCovered(primary: KeyPacket, userId: Uint8Array): Uint8Array[] {
  return [keyHashPrefix(primary), Uint8Array.of(0xb4), u32(userId.length), userId];
}

/** What a subkey binding, back-signature or subkey revocation covers: primary key, then subkey. */
export function subkeyCovered(primary: KeyPacket, subkey: KeyPacket): Uint8Array[] {
  return [keyHashPrefix(primary), keyHashPrefix(subkey)];
}

export function signaturePacket(body: Uint8Array): Uint8Array {
  return writePacket(PacketTag.signature, body);
}

// ---------------------------------------------------------------------------------------------------------
// Reading

export interface ParsedSignature {
  readonly body: Uint8Array;
  readonly type: number;
  readonly publicKeyAlgorithm: number;
  readonly hashAlgorithm: number;
  /** The hashed part exactly as signed (for recomputing the digest). */
  readonly hashedPart: Uint8Array;
  readonly hashed: readonly Subpacket[];
  readonly unhashed: readonly Subpacket[];
  readonly left16: Uint8Array;
  readonly mpis: readonly Uint8Array[];
  readonly created: Date | undefined;
  readonly issuerFingerprint: Uint8Array | undefined;
  readonly issuerKeyId: Uint8Array | undefined;
  /**
   * Every v4 issuer fingerprint and issuer key ID the signature names, in either area. They only say which
   * keys to try (anyone can add to the unhashed area); the cryptographic check decides.
   */
  readonly issuerFingerprints: readonly Uint8Array[];
  readonly issuerKeyIds: readonly Uint8Array[];
  /** Key expiration in seconds after key creation (0 or absent: does not expire). */
  readonly keyExpirationSeconds: number | undefined;
  /** Signature expiration in seconds after the signature's creation (0 or absent: does not expire). */
  readonly signatureExpirationSeconds: number | undefined;
  readonly keyFlags: number | undefined;
  readonly revocationReason: { code: number; text: string } | undefined;
  readonly embedded: readonly Uint8Array[];
  /** Human-readable notations from the hashed area, by name. */
  readonly notations: ReadonlyMap<string, string>;
  /**
   * A critical subpacket or critical notation this reader does not understand, described ("subpacket 101",
   * 'notation "x@example.org"'): the signature must be treated as invalid (RFC 4880 §5.2.3.1, §5.2.3.16).
   */
  readonly unknownCritical: string | undefined;
}

/**
 * Subpacket types this reader understands: it either honours them (times, flags, reasons, issuers, embedded
 * back-signatures) or knows that ignoring them is safe (preferences, informational ones). A critical subpacket
 * of any other type (revocable, exportable, trust, regular expression, revocation key, ...) invalidates the
 * signature.
 */
const understood = new Set<number>([
  SubpacketType.creationTime,
  SubpacketType.keyExpirationTime,
  SubpacketType.signatureExpirationTime,
  SubpacketType.preferredSymmetric,
  SubpacketType.issuerKeyId,
  SubpacketType.notation,
  SubpacketType.preferredHash,
  SubpacketType.preferredCompression,
  SubpacketType.keyServerPreferences,
  SubpacketType.primaryUserId,
  SubpacketType.keyFlags,
  SubpacketType.reasonForRevocation,
  SubpacketType.features,
  SubpacketType.embeddedSignature,
  SubpacketType.issuerFingerprint,
  26, // policy URI (informational)
  28, // signer's user ID (informational)
]);

export function parseSignatureBody(body: Uint8Array): ParsedSignature {
  if (body[0] !== 4) throw new PacketFormatError(`signature version ${body[0] ?? '?'} (only v4 is supported)`);
  if (body.length < 6) throw new PacketFormatError('truncated signature');
  const type = body[1] ?? 0;
  const publicKeyAlgorithm = body[2] ?? 0;
  const hashAlgorithm = body[3] ?? 0;
  const hashedLength = readU16(body, 4);
  const hashedEnd = 6 + hashedLength;
  if (hashedEnd + 2 > body.length) throw new PacketFormatError('truncated signature (hashed subpackets)');
  const hashedPart = body.subarray(0, hashedEnd);
  const hashed = decodeSubpackets(body.subarray(6, hashedEnd));
  const unhashedLength = readU16(body, hashedEnd);
  const unhashedEnd = hashedEnd + 2 + unhashedLength;
  if (unhashedEnd + 2 > body.length) throw new PacketFormatError('truncated signature (unhashed subpackets)');
  const unhashed = decodeSubpackets(body.subarray(hashedEnd + 2, unhashedEnd));
  const left16 = body.subarray(unhashedEnd, unhashedEnd + 2);
  const mpis: Uint8Array[] = [];
  let offset = unhashedEnd + 2;
  const count = publicKeyAlgorithm === PublicKeyAlgorithm.rsaEncryptSign ? 1 : 2;
  for (let i = 0; i < count; i++) {
    const mpi = readMpi(body, offset);
    mpis.push(mpi.value);
    offset = mpi.next;
  }
  if (offset !== body.length) throw new PacketFormatError('trailing bytes after signature MPIs');

  const find = (t: number): Subpacket | undefined => hashed.find((s) => s.type === t);
  const creation = find(SubpacketType.creationTime);
  const expiration = find(SubpacketType.keyExpirationTime);
  const signatureExpiration = find(SubpacketType.signatureExpirationTime);
  const flags = find(SubpacketType.keyFlags);
  const reason = find(SubpacketType.reasonForRevocation);
  const fpr = find(SubpacketType.issuerFingerprint) ?? unhashed.find((s) => s.type === SubpacketType.issuerFingerprint);
  const keyId = find(SubpacketType.issuerKeyId) ?? unhashed.find((s) => s.type === SubpacketType.issuerKeyId);
  // Embedded back-signatures are accepted from either area: they are signatures in their own right.
  const embedded = [...hashed, ...unhashed]
    .filter((s) => s.type === SubpacketType.embeddedSignature)
    .map((s) => s.body);
  return {
    body,
    type,
    publicKeyAlgorithm,
    hashAlgorithm,
    hashedPart,
    hashed,
    unhashed,
    left16,
    mpis,
    created: creation && creation.body.length === 4 ? new Date(readU32(creation.body, 0) * 1000) : undefined,
    issuerFingerprint: fpr && fpr.body.length === 21 && fpr.body[0] === 4 ? fpr.body.subarray(1) : undefined,
    issuerKeyId: keyId && keyId.body.length === 8 ? keyId.body : undefined,
    issuerFingerprints: [...hashed, ...unhashed]
      .filter((s) => s.type === SubpacketType.issuerFingerprint && s.body.length === 21 && s.body[0] === 4)
      .map((s) => s.body.subarray(1)),
    issuerKeyIds: [...hashed, ...unhashed]
      .filter((s) => s.type === SubpacketType.issuerKeyId && s.body.length === 8)
      .map((s) => s.body),
    keyExpirationSeconds: expiration && expiration.body.length === 4 ? readU32(expiration.body, 0) : undefined,
    signatureExpirationSeconds:
      signatureExpiration && signatureExpiration.body.length === 4 ? readU32(signatureExpiration.body, 0) : undefined,
    keyFlags: flags && flags.body.length >= 1 ? (flags.body[0] ?? 0) : undefined,
    revocationReason: reason
      ? { code: reason.body[0] ?? 0, text: new TextDecoder().decode(reason.body.subarray(1)) }
      : undefined,
    embedded,
    notations: hashedNotations(hashed),
    unknownCritical: unknownCritical([...hashed, ...unhashed]),
  };
}

/**
 * Notation names whose meaning keyceremony knows: a critical notation with any other name makes a signature
 * invalid. Criticality is per name (RFC 4880 §5.2.3.16): understanding notations in general is not enough.
 */
export const KNOWN_NOTATIONS: ReadonlySet<string> = new Set([PURPOSE_NOTATION]);

/**
 * The first critical subpacket (or critical notation) that is not understood, in either area. RFC 4880 does
 * not limit criticality to the hashed area; refusing a critical unknown anywhere is the safe reading (anyone
 * can add to the unhashed area, but that can only make us refuse, never accept).
 */
function unknownCritical(subpackets: readonly Subpacket[]): string | undefined {
  for (const sp of subpackets) {
    if (!sp.critical) continue;
    if (!understood.has(sp.type)) return `subpacket ${sp.type}`;
    if (sp.type === SubpacketType.notation) {
      const name = notationName(sp.body);
      if (name === undefined) return 'notation (malformed)';
      if (!KNOWN_NOTATIONS.has(name)) return `notation "${name}"`;
    }
  }
  return undefined;
}

function notationName(body: Uint8Array): string | undefined {
  if (body.length < 8) return undefined;
  const nameLength = readU16(body, 4);
  const valueLength = readU16(body, 6);
  if (8 + nameLength + valueLength !== body.length) return undefined;
  return new TextDecoder().decode(body.subarray(8, 8 + nameLength));
}

/** The raw signature (r‖s for curves, s for RSA) as a Signer produced it, from the parsed MPIs. */
export function rawSignature(sig: ParsedSignature): Uint8Array {
  if (sig.publicKeyAlgorithm === PublicKeyAlgorithm.rsaEncryptSign) return sig.mpis[0] ?? new Uint8Array();
  const [r, s] = sig.mpis;
  if (!r || !s || r.length > 32 || s.length > 32) return new Uint8Array();
  return concatBytes(leftPad(r, 32), leftPad(s, 32));
}

function hashedNotations(hashed: readonly Subpacket[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const sp of hashed) {
    if (sp.type !== SubpacketType.notation || sp.body.length < 8) continue;
    const nameLength = readU16(sp.body, 4);
    const valueLength = readU16(sp.body, 6);
    if (8 + nameLength + valueLength !== sp.body.length) continue;
    const decoder = new TextDecoder();
    out.set(decoder.decode(sp.body.subarray(8, 8 + nameLength)), decoder.decode(sp.body.subarray(8 + nameLength)));
  }
  return out;
}
