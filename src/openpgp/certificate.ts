/**
 * A transferable public key (RFC 4880 §11.1) as a plain structure: the primary key, its direct signatures
 * (revocations), user IDs with their certifications, and subkeys with their bindings. Serialised and parsed
 * here; interpreted (which signatures are valid, what expires when) in certificate-state.ts.
 */
import { concatBytes, toHex } from '../util/bytes.js';
import { PacketTag } from './constants.js';
import { PacketFormatError, readPackets, writePacket } from './encoding.js';
import { type KeyPacket, parseKeyPacketBody } from './key-packet.js';

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
}

/**
 * Secret key packet bodies to use instead of the public ones, keyed by fingerprint (hex, upper case). Keys
 * without an entry are written as public packets (a certificate), so a caller can stub or omit secrets.
 */
export type SecretBodies = ReadonlyMap<string, Uint8Array>;

export function serializeCertificate(cert: Certificate, secrets?: SecretBodies): Uint8Array {
  const fprOf = (key: KeyPacket): string => toHex(key.fingerprint).toUpperCase();
  const keyPacket = (key: KeyPacket, publicTag: number, secretTag: number): Uint8Array => {
    const secret = secrets?.get(fprOf(key));
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

/**
 * Parses one or more certificates from binary data (a keyring). Secret key packets are read for their
 * public part only. Packets keyceremony has no use for (trust, user attributes, unknown) are skipped.
 */
export function parseCertificates(data: Uint8Array): Certificate[] {
  const certs: Certificate[] = [];
  let current: Certificate | undefined;
  let target: Uint8Array[] | undefined;
  for (const packet of readPackets(data)) {
    switch (packet.tag) {
      case PacketTag.publicKey:
      case PacketTag.secretKey: {
        current = { primary: parseKeyPacketBody(packet.body).key, directSignatures: [], userIds: [], subkeys: [] };
        certs.push(current);
        target = current.directSignatures;
        break;
      }
      case PacketTag.userId: {
        if (!current) throw new PacketFormatError('user ID before any primary key');
        const entry: UserIdEntry = { userId: new TextDecoder().decode(packet.body), signatures: [] };
        current.userIds.push(entry);
        target = entry.signatures;
        break;
      }
      case PacketTag.publicSubkey:
      case PacketTag.secretSubkey: {
        if (!current) throw new PacketFormatError('subkey before any primary key');
        const entry: SubkeyEntry = { key: parseKeyPacketBody(packet.body).key, signatures: [] };
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
        break;
    }
  }
  return certs;
}

export function parseSingleCertificate(data: Uint8Array): Certificate {
  const certs = parseCertificates(data);
  if (certs.length !== 1) throw new PacketFormatError(`expected one certificate, found ${certs.length}`);
  return certs[0] as Certificate;
}
