/**
 * A revocation certificate: a lone key-revocation signature (0x20) by the primary key, armored as a public-key
 * block, as gpg stores them. Made at the root ceremony and kept apart; applied when the root is lost.
 */
import { armor, readOpenPgpData } from './armor.js';
import { PacketTag, SignatureType } from './constants.js';
import { PacketFormatError, readPackets, writePacket } from './encoding.js';
import { type KeyPacket, keyHashPrefix } from './key-packet.js';
import { checkSignature } from './signature-check.js';
import { parseSignatureBody } from './signature-packet.js';

/** The armored file for a key-revocation signature body. */
export function armorRevocationCertificate(signature: Uint8Array): string {
  return armor('publicKey', writePacket(PacketTag.signature, signature), 'This is a revocation certificate');
}

/**
 * The signature body of a revocation certificate for `primary`, or why it is not one: the file must hold
 * exactly one signature packet, a key revocation, that verifies with the primary key.
 */
export async function readRevocationCertificate(
  bytes: Uint8Array,
  primary: KeyPacket,
): Promise<{ signature: Uint8Array } | { problem: string }> {
  let packets;
  try {
    packets = readPackets(await readOpenPgpData(bytes, ['publicKey']));
  } catch (error) {
    if (error instanceof PacketFormatError) return { problem: `not OpenPGP data: ${error.message}` };
    throw error;
  }
  const [only] = packets;
  if (packets.length !== 1 || !only || only.tag !== PacketTag.signature)
    return { problem: 'it does not hold exactly one signature packet' };
  let parsed;
  try {
    parsed = parseSignatureBody(only.body);
  } catch (error) {
    if (error instanceof PacketFormatError) return { problem: `its signature cannot be read: ${error.message}` };
    throw error;
  }
  if (parsed.type !== SignatureType.keyRevocation) return { problem: 'its signature is not a key revocation' };
  if (!checkSignature(parsed, primary, [keyHashPrefix(primary)]).ok)
    return { problem: 'its signature does not verify with the root key' };
  return { signature: only.body };
}
