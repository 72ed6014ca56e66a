/**
 * A v4 signature assembled by hand (test-only), for packets no writer makes on purpose: no creation time, only
 * an issuer key ID, arbitrary subpacket areas. Ed25519 (legacy EdDSA) keys of a CreatedRoot only.
 */
import { createHash, sign as nodeSign } from 'node:crypto';
import { privateKeyObject } from '../../src/crypto/key-material.js';
import { writeMpi } from '../../src/openpgp/encoding.js';
import { fingerprintHex, type KeyPacket } from '../../src/openpgp/key-packet.js';
import type { CreatedRoot } from '../../src/openpgp/root-key.js';
import { trailer } from '../../src/openpgp/signature-packet.js';
import { encodeSubpackets, type Subpacket } from '../../src/openpgp/subpackets.js';
import { concatBytes, u16 } from '../../src/util/bytes.js';

export function rawSignature(
  root: CreatedRoot,
  signer: KeyPacket,
  options: { type: number; hashed: Subpacket[]; unhashed?: Subpacket[]; covered: readonly Uint8Array[] },
): Uint8Array {
  const secret = root.secrets.get(fingerprintHex(signer));
  if (!secret || secret === 'stub' || signer.material.algorithm !== 'ed25519') throw new Error('no Ed25519 secret');
  const hashedArea = encodeSubpackets(options.hashed);
  const hashedPart = concatBytes(Uint8Array.of(4, options.type, 22, 10), u16(hashedArea.length), hashedArea);
  const hash = createHash('sha512');
  for (const part of options.covered) hash.update(part);
  const digest = hash.update(hashedPart).update(trailer(hashedPart.length)).digest();
  const raw = nodeSign(null, digest, privateKeyObject({ publicKey: signer.material, secretKey: secret }));
  const unhashed = encodeSubpackets(options.unhashed ?? []);
  return concatBytes(
    hashedPart,
    u16(unhashed.length),
    unhashed,
    digest.subarray(0, 2),
    writeMpi(raw.subarray(0, 32)),
    writeMpi(raw.subarray(32)),
  );
}
