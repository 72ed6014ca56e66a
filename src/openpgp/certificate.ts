/**
 * A transferable public key (RFC 4880 §11.1) as a plain structure: the primary key, its direct signatures
 * (revocations), user IDs with their certifications, and subkeys with their bindings. Serialised and parsed
 * here; interpreted (which signatures are valid, what expires when) in certificate-state.ts.
 */
import { concatBytes } from '../util/bytes.js';
import { PacketTag } from './constants.js';
import { PacketFormatError, readPackets, UnsupportedKeyError, writePacket } from './encoding.js';
import { fingerprintHex, type KeyPacket, parseKeyPacketBody } from './key-packet.js';
import { type ForeignKey, readForeignKey } from './foreign-key.js';
import { parseSignatureBody } from './signature-packet.js';

export interface UserIdEntry {
  readonly userId: string;
  /** Signature packet bodies over this user ID. */
  readonly signatures: Uint8Array[];
}

export interface SubkeyEntry {
  readonly key: KeyPacket;
  /** Binding and revocation signature packet bodies. */
  readonly signatures: Uint8Array[];
}

export interface Certificate {
  readonly primary: KeyPacket;
  /** Direct-key signatures and key revocations. */
  readonly directSignatures: Uint8Array[];
  readonly userIds: UserIdEntry[];
  readonly subkeys: SubkeyEntry[];
  /**
   * Subkeys of algorithms keyceremony does not use (encryption subkeys, DSA, other curves), kept only so a
   * verifier can say what a signature's issuer is. Never written out; never trusted.
   */
  readonly foreignSubkeys?: ForeignKey[];
}

/** A keyring as read: the certificates keyceremony can evaluate, and primaries of other algorithms. */
export interface Keyring {
  readonly certificates: Certificate[];
  readonly foreignPrimaries: ForeignKey[];
}

/**
 * Secret key packet bodies to use instead of the public ones, keyed by fingerprint (hex, upper case). Keys
 * without an entry are written as public packets (a certificate), so a caller can stub or omit secrets.
 */
export type SecretBodies = ReadonlyMap<string, Uint8Array>;

export function serializeCertificate(cert: Certificate, secrets?: SecretBodies): Uint8Array {
  const keyPacket = (key: KeyPacket, publicTag: number, secretTag: number): Uint8Array => {
    const secret = secrets?.get(fingerprintHex(key));
    return secret ? writePacket(secretTag, secret) : writePacket(publicTag, key.body);
  };
  const parts: Uint8Array[] = [keyPacket(cert.primary, PacketTag.publicKey, PacketTag.secretKey)];
  for (const sig of cert.directSignatures) parts.push(writePacket(PacketTag.signature, sig));
  for (const uid of cert.userIds) {
    parts.push(writePacket(PacketTag.userId, new TextEncoder().encode(uid.userId)));
    for (const sig of uid.signatures) parts.push(writePacket(PacketTag.signature, sig));
  }
  for (const sub of cert.subkeys) {
    parts.push(keyPacket(sub.key, PacketTag.publicSubkey, PacketTag.secretSubkey));
    for (const sig of sub.signatures) parts.push(writePacket(PacketTag.signature, sig));
  }
  return concatBytes(...parts);
}

/** The key of a key packet, or undefined for a well-formed key of a kind keyceremony does not use. */
function usableKey(body: Uint8Array): KeyPacket | undefined {
  try {
    return parseKeyPacketBody(body).key;
  } catch (error) {
    if (error instanceof UnsupportedKeyError) return undefined;
    throw error;
  }
}

/**
 * Parses one or more certificates from binary data (a keyring). Secret key packets are read for their
 * public part only. Packets keyceremony has no use for (trust, user attributes, padding) are skipped, and so
 * are keys of other versions or algorithms with what belongs to them: a project's KEYS file may hold anyone's
 * keys (an RSA-3072 primary with a Curve25519 encryption subkey, say), and only the pinned root matters.
 * Copies of one certificate stay separate here; verifiers merge them (merge.ts). A packet no certificate may
 * hold makes the keyring malformed (refuseStrayPacket).
 */
export function parseCertificates(data: Uint8Array): Certificate[] {
  return parseKeyring(data).certificates;
}

/** Like parseCertificates, and also describes the v4 primaries of other algorithms it skipped. */
export function parseKeyring(data: Uint8Array): Keyring {
  const certs: Certificate[] = [];
  const foreignPrimaries: ForeignKey[] = [];
  let current: Certificate | undefined;
  let target: Uint8Array[] | undefined;
  /** Inside a certificate whose primary is skipped: everything up to the next primary goes with it. */
  let skipping = false;
  for (const packet of readPackets(data)) {
    switch (packet.tag) {
      case PacketTag.publicKey:
      case PacketTag.secretKey: {
        const primary = usableKey(packet.body);
        skipping = primary === undefined;
        if (!primary) {
          const foreign = readForeignKey(packet.body);
          if (foreign) foreignPrimaries.push(foreign);
          current = undefined;
          target = [];
          break;
        }
        current = { primary, directSignatures: [], userIds: [], subkeys: [], foreignSubkeys: [] };
        certs.push(current);
        target = current.directSignatures;
        break;
      }
      case PacketTag.userId: {
        if (skipping) break;
        if (!current) throw new PacketFormatError('user ID before any primary key');
        const entry: UserIdEntry = { userId: new TextDecoder().decode(packet.body), signatures: [] };
        current.userIds.push(entry);
        target = entry.signatures;
        break;
      }
      case PacketTag.publicSubkey:
      case PacketTag.secretSubkey: {
        if (skipping) break;
        if (!current) throw new PacketFormatError('subkey before any primary key');
        const key = usableKey(packet.body);
        // An unusable subkey's bindings are dropped with it; what it is stays known.
        if (!key) {
          const foreign = readForeignKey(packet.body);
          if (foreign) current.foreignSubkeys?.push(foreign);
          target = [];
          break;
        }
        const entry: SubkeyEntry = { key, signatures: [] };
        current.subkeys.push(entry);
        target = entry.signatures;
        break;
      }
      case PacketTag.signature: {
        if (!target) throw new PacketFormatError('signature before any key');
        target.push(packet.body.slice());
        break;
      }
      case 17: // user attribute: signatures that follow belong to it, and are ignored with it
        target = [];
        break;
      default:
        refuseStrayPacket(packet.tag, packet.body);
        break;
    }
  }
  return { certificates: certs, foreignPrimaries };
}

/**
 * A keyring holds certificates and nothing else (RFC 9580 §10.1): besides their packets, only trust packets, a
 * marker packet that reads "PGP" and padding may appear, and packet types 40–63, which are non-critical by
 * definition, are ignored. Anything else — a session key, literal data, a marker with other content — makes the
 * keyring malformed, as sqop and gpg both find it: it is refused, not skipped over.
 */
function refuseStrayPacket(tag: number, body: Uint8Array): void {
  const TRUST = 12;
  const MARKER = 10;
  const PADDING = 21;
  if (tag === TRUST || tag === PADDING || tag >= 40) return;
  if (tag === MARKER) {
    if (body.length === 3 && body[0] === 0x50 && body[1] === 0x47 && body[2] === 0x50) return;
    throw new PacketFormatError('a marker packet that does not read "PGP"');
  }
  throw new PacketFormatError(`a packet of type ${tag}, which a certificate may not hold`);
}

export function parseSingleCertificate(data: Uint8Array): Certificate {
  const certs = parseCertificates(data);
  if (certs.length !== 1) throw new PacketFormatError(`expected one certificate, found ${certs.length}`);
  return certs[0] as Certificate;
}

/**
 * The creation time (ms) of the newest signature in a certificate, 0 when none can be read. Unparseable
 * signatures carry no time.
 */
export function newestSignatureTime(cert: Certificate): number {
  let latest = 0;
  for (const body of [
    ...cert.directSignatures,
    ...cert.userIds.flatMap((u) => u.signatures),
    ...cert.subkeys.flatMap((s) => s.signatures),
  ]) {
    try {
      latest = Math.max(latest, parseSignatureBody(body).created?.getTime() ?? 0);
    } catch {
      // unparseable signatures carry no time
    }
  }
  return latest;
}
