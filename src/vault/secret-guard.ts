/**
 * Defence in depth for "no secret byte leaves the vault": every passphrase and PIN entered or generated in a
 * session is registered here, and every public file, transcript entry and line printed is checked against
 * them before it is written. A hit is a bug in keyceremony; the ceremony stops rather than leak.
 */
import { KeyceremonyError } from '../errors.js';

const MIN_LENGTH = 4; // shorter values (e.g. a 4-digit test PIN) would match by accident too often to be useful

export class SecretGuard {
  readonly #secrets: Buffer[] = [];

  register(secret: string): void {
    if (secret.length >= MIN_LENGTH) this.#secrets.push(Buffer.from(secret, 'utf8'));
  }

  /** Throws when `data` contains any registered secret. */
  assertClean(data: Uint8Array | string, where: string): void {
    const haystack =
      typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (const secret of this.#secrets) {
      if (haystack.includes(secret)) {
        throw new KeyceremonyError(
          'CHECK_FAILED',
          `refusing to write ${where}: it would contain a secret entered in this session`,
        );
      }
    }
  }
}
