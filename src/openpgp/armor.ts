/**
 * ASCII armor (RFC 4880 §6), through openpgp.js.
 *
 * The CRC-24 line is always written: GnuPG 2.2 misreads armor without it when the payload length is a
 * multiple of three ("invalid radix64 character 2D skipped"), which happens to RSA-4096 certificates.
 * openpgp.js 6 omits the checksum in its stand-alone `armor()` unless asked.
 */
import * as openpgp from 'openpgp';
import { concatBytes } from '../util/bytes.js';
import { PacketFormatError } from './encoding.js';
import { messageOf } from '../errors.js';

export type ArmorType = 'publicKey' | 'privateKey' | 'signature';

export function armor(type: ArmorType, data: Uint8Array, comment?: string): string {
  return openpgp.armor(openpgp.enums.armor[type], data, undefined, undefined, comment, true);
}

const armorTypeOf = (type: number): ArmorType | 'other' =>
  type === openpgp.enums.armor.publicKey
    ? 'publicKey'
    : type === openpgp.enums.armor.privateKey
      ? 'privateKey'
      : type === openpgp.enums.armor.signature
        ? 'signature'
        : 'other';

const BLOCK = /-----BEGIN PGP [A-Z ,0-9/]+-----\r?\n[\s\S]*?-----END PGP [A-Z ,0-9/]+-----/g;

/**
 * Reads OpenPGP data that may be binary or armored. Armored input may hold several blocks with free text
 * around them (Apache-style KEYS files); all blocks of the accepted types are decoded and concatenated.
 * Throws PacketFormatError for anything else.
 */
export async function readOpenPgpData(input: Uint8Array, accept: readonly ArmorType[]): Promise<Uint8Array> {
  const first = input.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === undefined) throw new PacketFormatError('empty input');
  // Trailing whitespace on armor lines is not part of the armor (RFC 4880 §6.2: implementations ignore it),
  // and mail clients and editors add it; openpgp.js's parser does not forgive it, so it goes first.
  const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    .toString('latin1')
    .replace(/[ \t\v\f\r]+$/gm, '');
  const blocks = text.match(BLOCK);
  if (!blocks) {
    if ((first & 0x80) === 0) throw new PacketFormatError('neither armored nor binary OpenPGP data');
    return input;
  }
  const parts: Uint8Array[] = [];
  for (const block of blocks) {
    let result: { type: number; data: unknown };
    try {
      result = await openpgp.unarmor(block);
    } catch (error) {
      throw new PacketFormatError(`malformed armor: ${messageOf(error)}`);
    }
    const type = armorTypeOf(result.type);
    if (type === 'other' || !accept.includes(type)) {
      throw new PacketFormatError(`unexpected armored block (expected ${accept.join(' or ')})`);
    }
    parts.push(result.data as Uint8Array);
  }
  return concatBytes(...parts);
}
