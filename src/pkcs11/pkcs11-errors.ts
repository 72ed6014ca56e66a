/** Turning pkcs11js errors into KeyceremonyErrors that say which call failed and what the token said. */
import { KeyceremonyError, messageOf } from '../errors.js';
import { CKR } from './constants.js';
import { pkcs11ErrorCode } from './native.js';

export function ckrName(error: unknown): string {
  const code = pkcs11ErrorCode(error);
  const message = messageOf(error).split('\n')[0] ?? '';
  if (code === undefined) return message;
  const hex = `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
  return /^CKR_/.test(message) ? `${message} (${hex})` : `${hex} ${message}`.trim();
}

/** A KeyceremonyError for a failed PKCS#11 call (anything else is passed through unchanged). */
export function describePkcs11Error(error: unknown, what: string): unknown {
  if (error instanceof KeyceremonyError) return error;
  const code = pkcs11ErrorCode(error);
  if (code === undefined) return error;
  if (code === CKR.pinLocked)
    return new KeyceremonyError(
      'TOKEN_LOCKED',
      `the token's user PIN is locked (${what}); unlock it with the SO PIN or PUK, away from the ceremony`,
    );
  if (code === CKR.tokenNotPresent) return new KeyceremonyError('ENVIRONMENT', `the token was removed (${what})`);
  return new KeyceremonyError('ENVIRONMENT', `PKCS#11 ${what} failed: ${ckrName(error)}`, { cause: error });
}
