/**
 * Passphrase-protected secret key files (`vault/openpgp/<FPR>.sec.asc`, hand-off keys).
 *
 * keyceremony writes the key packets itself, unencrypted and only in memory, and lets openpgp.js do the
 * encryption: its default S2K (iterated+salted, SHA-256, count byte 224) with AES-256 is what GnuPG 2.2
 * imports, and the same library decrypts on the way back. Keys whose secret lives elsewhere (a token, or the
 * offline root for a hand-off) are written as GNU-dummy stubs.
 */
import * as openpgp from 'openpgp';
import { bug, KeyceremonyError, messageOf } from '../errors.js';
import type { SecretKeyMaterial } from '../crypto/index.js';
import { bytesEqual, wipe } from '../util/bytes.js';
import { armor, readOpenPgpData } from './armor.js';
import { type Certificate, parseSingleCertificate, serializeCertificate } from './certificate.js';
import {
  type KeyPacket,
  fingerprintHex,
  gnuDummySecretKeyBody,
  secretMaterialFromParams,
  unencryptedSecretKeyBody,
} from './key-packet.js';

/** For each key of a certificate (by fingerprint): its secret material, or 'stub' for "not here". */
export type SecretsByFingerprint = ReadonlyMap<string, SecretKeyMaterial | 'stub'>;

export interface UnlockedKey {
  readonly certificate: Certificate;
  /** Secret material of every key that has one in the file (stubs are absent). */
  readonly secrets: Map<string, SecretKeyMaterial>;
}

/**
 * Serialises the certificate with secret key packets, each encrypted with the passphrase. openpgp.js encrypts
 * one packet at a time; the file's structure (packet and signature order) stays exactly keyceremony's.
 */
export async function encryptSecretKey(
  cert: Certificate,
  secrets: SecretsByFingerprint,
  passphrase: string,
): Promise<string> {
  const bodies = new Map<string, Uint8Array>();
  for (const key of allKeys(cert)) {
    const fpr = fingerprintHex(key);
    const secret = secrets.get(fpr);
    if (secret === undefined) throw bug(`no secret or stub given for key ${fpr}`);
    if (secret === 'stub') {
      bodies.set(fpr, gnuDummySecretKeyBody(key));
      continue;
    }
    const plain = unencryptedSecretKeyBody(key, secret);
    const packet = key === cert.primary ? new openpgp.SecretKeyPacket() : new openpgp.SecretSubkeyPacket();
    try {
      await packet.read(plain);
      await packet.encrypt(passphrase);
      bodies.set(fpr, packet.write());
    } finally {
      wipe(plain);
    }
  }
  return armor('privateKey', serializeCertificate(cert, bodies));
}

/**
 * Decrypts a secret key file. A wrong passphrase is a PASSPHRASE_WRONG error; anything that is not a
 * secret key of the supported kinds is INPUT_INVALID.
 */
export async function decryptSecretKey(
  data: Uint8Array,
  passphrase: string,
  what = 'secret key',
): Promise<UnlockedKey> {
  let privateKey: openpgp.PrivateKey;
  let binary: Uint8Array;
  try {
    binary = await readOpenPgpData(data, ['privateKey']);
    privateKey = await openpgp.readPrivateKey({ binaryKey: binary });
  } catch (error) {
    throw new KeyceremonyError('INPUT_INVALID', `${what} is not an OpenPGP secret key: ${messageOf(error)}`);
  }
  let decrypted: openpgp.PrivateKey;
  // Every key on a token (a root without release subkeys): only stubs, nothing to decrypt — and openpgp.js
  // refuses to "validate an all-gnu-dummy key". The certificate is all there is.
  const allStubs = privateKey.getKeys().every((k) => (k.keyPacket as openpgp.SecretKeyPacket).isDummy());
  try {
    decrypted = allStubs ? privateKey : await openpgp.decryptKey({ privateKey, passphrase });
  } catch (error) {
    if (/passphrase/i.test(messageOf(error))) {
      throw new KeyceremonyError('PASSPHRASE_WRONG', `wrong passphrase for ${what}`);
    }
    throw new KeyceremonyError('INPUT_INVALID', `cannot decrypt ${what}: ${messageOf(error)}`);
  }
  // The structure comes from keyceremony's own reader: openpgp.js regroups signatures when it writes a key.
  let certificate: Certificate;
  try {
    certificate = parseSingleCertificate(binary);
  } catch (error) {
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${what} is not an OpenPGP secret key of a supported kind: ${messageOf(error)}`,
    );
  }
  const byFingerprint = new Map(allKeys(certificate).map((k) => [fingerprintHex(k), k] as const));
  const secrets = new Map<string, SecretKeyMaterial>();
  for (const key of decrypted.getKeys()) {
    const packet = key.keyPacket as openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket;
    if (packet.isDummy()) continue;
    const fpr = packet.getFingerprint().toUpperCase();
    const ours = byFingerprint.get(fpr);
    // A key of a kind keyceremony does not use (an encryption subkey, say): the reader left it out.
    if (!ours) continue;
    const secret = secretMaterialFromParams(ours.material, (packet.privateParams ?? {}) as Record<string, Uint8Array>);
    secrets.set(fpr, secret);
  }
  return { certificate, secrets };
}

export function allKeys(cert: Certificate): KeyPacket[] {
  return [cert.primary, ...cert.subkeys.map((s) => s.key)];
}

/** True when two key packets are the same key (same public body). */
export function sameKey(a: KeyPacket, b: KeyPacket): boolean {
  return bytesEqual(a.body, b.body);
}
