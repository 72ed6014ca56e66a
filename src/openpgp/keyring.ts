/**
 * Reading a keyring (KEYS, a .pub.asc) that came from outside this process. Any format problem is the
 * input's fault, so it is reported as INPUT_INVALID naming the file, never as an internal error.
 */
import { KeyceremonyError } from '../errors.js';
import { readOpenPgpData } from './armor.js';
import { type Certificate, type Keyring, parseKeyring } from './certificate.js';
import { PacketFormatError } from './encoding.js';

export async function readKeyring(data: Uint8Array, where: string): Promise<Certificate[]> {
  return (await readKeyringWithForeignKeys(data, where)).certificates;
}

/** Like readKeyring, and also describes the primaries of other algorithms (for a verifier's refusal). */
export async function readKeyringWithForeignKeys(data: Uint8Array, where: string): Promise<Keyring> {
  try {
    return parseKeyring(await readOpenPgpData(data, ['publicKey']));
  } catch (error) {
    if (error instanceof PacketFormatError)
      throw new KeyceremonyError('INPUT_INVALID', `${where} is not an OpenPGP keyring: ${error.message}`);
    throw error;
  }
}
