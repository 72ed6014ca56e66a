/**
 * Hand-off keys: what leaves the offline side for one signer. The file holds the root's public key as a
 * GNU-dummy stub (gpg lists it as `sec#`), the user IDs with their certifications, and only the signer's own
 * subkeys with their secrets, encrypted with a hand-off passphrase of their own. The root's secret is never in it.
 */
import { bug, inputError, KeyceremonyError } from '../errors.js';
import type { SecretKeyMaterial } from '../crypto/index.js';
import { readOpenPgpData } from './armor.js';
import type { Certificate } from './certificate.js';
import { PacketTag } from './constants.js';
import { readPackets } from './encoding.js';
import { fingerprintHex, parseKeyPacketBody } from './key-packet.js';
import { encryptSecretKey } from './secret-key-file.js';

export async function buildHandoffKey(
  certificate: Certificate,
  subkeyFingerprints: readonly string[],
  secrets: ReadonlyMap<string, SecretKeyMaterial | 'stub'>,
  passphrase: string,
): Promise<string> {
  const subkeys = certificate.subkeys.filter((s) => subkeyFingerprints.includes(fingerprintHex(s.key)));
  if (subkeys.length !== subkeyFingerprints.length) throw bug('a hand-off subkey is not part of the certificate');
  const handoffSecrets = new Map<string, SecretKeyMaterial | 'stub'>([[fingerprintHex(certificate.primary), 'stub']]);
  for (const sub of subkeys) {
    const secret = secrets.get(fingerprintHex(sub.key));
    if (!secret || secret === 'stub')
      throw inputError(
        `no software secret for subkey ${fingerprintHex(sub.key)}: a key on a token cannot be handed off`,
      );
    handoffSecrets.set(fingerprintHex(sub.key), secret);
  }
  const armored = await encryptSecretKey({ ...certificate, subkeys }, handoffSecrets, passphrase);
  await assertNoPrimarySecret(new TextEncoder().encode(armored));
  return armored;
}

/**
 * Checks, on the bytes of a key file, that the primary secret key packet is a GNU-dummy stub: S2K usage
 * 254/255 with S2K specifier 101, "GNU", mode 1 (no secret). Throws otherwise.
 */
export async function assertNoPrimarySecret(file: Uint8Array): Promise<void> {
  const packets = readPackets(await readOpenPgpData(file, ['privateKey', 'publicKey']));
  for (const packet of packets) {
    if (packet.tag !== PacketTag.secretKey) continue;
    const { end } = parseKeyPacketBody(packet.body);
    const rest = packet.body.subarray(end);
    const usage = rest[0];
    const stub =
      (usage === 254 || usage === 255) &&
      rest[2] === 101 &&
      new TextDecoder().decode(rest.subarray(4, 7)) === 'GNU' &&
      rest[7] === 1;
    if (!stub) throw new KeyceremonyError('CHECK_FAILED', 'the key file carries the secret of its primary key');
  }
}
