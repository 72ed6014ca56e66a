/**
 * The login policy: what keyceremony does before and around the one C_Login of a token.
 *
 * - The token's flags are read right before the login: a locked PIN stops the ceremony (exit 3); on the
 *   final try the operator must explicitly confirm (an unanswered or "no" answer refuses); a low count warns.
 * - The PIN comes from a hidden prompt, or from the token's PIN pad when it has a protected authentication path.
 * - There is exactly one login attempt. A wrong PIN ends the ceremony with a clear error: keyceremony never
 *   tries again by itself, because every wrong PIN counts against the token's retry counter.
 *
 * The token side is the small LoginTarget seam, so this policy is tested with a counting fake as well as
 * against SoftHSM2 (which never counts down).
 */
import { KeyceremonyError } from '../errors.js';
import { CKR, TokenFlag } from './constants.js';
import { pkcs11ErrorCode } from './native.js';
import { describePkcs11Error } from './pkcs11-errors.js';

export interface LoginTarget {
  /** CK_TOKEN_INFO.flags, read now. */
  tokenFlags(): number;
  /** Exactly one C_Login(CKU_USER); `null` for the protected authentication path. Throws pkcs11js errors. */
  loginUser(pin: string | null): void;
}

export interface LoginDialog {
  /** Asks the operator to go on although this is the PIN's last try; true only on an explicit yes. */
  confirmFinalTry(message: string): Promise<boolean>;
  warn(text: string): void;
  /** The PIN from a hidden prompt (registered with the secret guard by the caller). */
  pin(): Promise<string>;
  /** Tells the operator to enter the PIN on the token's own PIN pad. */
  pinPad(message: string): void;
}

export type LoginOutcome = 'logged-in' | 'already-logged-in';

/** Words for the PIN-related token flags, for messages and `token list`. */
export function pinFlagWords(flags: number): string[] {
  const words: string[] = [];
  if (flags & TokenFlag.userPinLocked) words.push('user PIN locked');
  else if (flags & TokenFlag.userPinFinalTry) words.push('user PIN final try');
  else if (flags & TokenFlag.userPinCountLow) words.push('user PIN count low');
  if (flags & TokenFlag.userPinToBeChanged) words.push('user PIN to be changed');
  if (!(flags & TokenFlag.userPinInitialized)) words.push('user PIN not initialised');
  if (flags & TokenFlag.soPinLocked) words.push('SO PIN locked');
  else if (flags & TokenFlag.soPinFinalTry) words.push('SO PIN final try');
  else if (flags & TokenFlag.soPinCountLow) words.push('SO PIN count low');
  if (flags & TokenFlag.protectedAuthenticationPath) words.push('PIN pad');
  return words;
}

export async function loginWithPolicy(target: LoginTarget, dialog: LoginDialog, token: string): Promise<LoginOutcome> {
  const flags = target.tokenFlags();
  if (flags & TokenFlag.userPinLocked) {
    throw new KeyceremonyError('TOKEN_LOCKED', `token ${token}: the user PIN is locked; nothing was tried`, {
      details: [
        "Unlock it with the SO PIN or PUK (away from the ceremony, following the token vendor's procedure), then start again.",
      ],
    });
  }
  if (flags & TokenFlag.userPinFinalTry) {
    const go = await dialog.confirmFinalTry(
      `Token ${token} says this is the LAST PIN try: a wrong PIN now locks it. Enter the PIN anyway?`,
    );
    if (!go)
      throw new KeyceremonyError(
        'ABORTED',
        `token ${token} is on its last PIN try and the operator did not confirm; nothing was tried`,
      );
  } else if (flags & TokenFlag.userPinCountLow) {
    dialog.warn(`Token ${token}: a wrong PIN was entered before; few tries are left. Type carefully.`);
  }

  let pin: string | null;
  if (flags & TokenFlag.protectedAuthenticationPath) {
    dialog.pinPad(`Enter the PIN on the PIN pad of token ${token}.`);
    pin = null;
  } else {
    pin = await dialog.pin();
  }

  try {
    target.loginUser(pin);
    return 'logged-in';
  } catch (error) {
    const code = pkcs11ErrorCode(error);
    if (code === CKR.userAlreadyLoggedIn) return 'already-logged-in';
    if (code === CKR.pinIncorrect) {
      let after: string[] = [];
      try {
        after = pinFlagWords(target.tokenFlags()).filter((w) => w.startsWith('user PIN'));
      } catch {
        // The flags are a courtesy here; the error stands without them.
      }
      throw new KeyceremonyError('PIN_WRONG', `wrong PIN for token ${token}`, {
        details: [
          "keyceremony does not try again by itself: every wrong PIN counts against the token's retry counter.",
          ...(after.length ? [`The token now reports: ${after.join(', ')}.`] : []),
          'Nothing was written. Start the ceremony again with the right PIN.',
        ],
      });
    }
    if (code === CKR.pinLocked) {
      throw new KeyceremonyError('TOKEN_LOCKED', `token ${token}: the user PIN is locked`, {
        details: ['Unlock it with the SO PIN or PUK (away from the ceremony), then start again.'],
      });
    }
    throw describePkcs11Error(error, `login to token ${token}`);
  }
}

/** What changing a user PIN needs from a token session. */
export interface PinChangeTarget {
  tokenFlags(): number;
  /** One C_SetPIN in the logged-in session. Throws pkcs11js errors. */
  setUserPin(oldPin: string, newPin: string): void;
}

/**
 * Changes the user PIN of a logged-in token (C_SetPIN): when a quorum takes over a token's PIN and when it is
 * re-shared (docs/quorum.md). The change is not proven by logging out and in again: a logout invalidates the key
 * handles the ceremony still signs with, and every later ceremony logs in with the new PIN anyway (the tests
 * check both PINs). A token with a PIN pad has no PIN keyceremony could set.
 */
export function changeUserPin(target: PinChangeTarget, oldPin: string, newPin: string, token: string): void {
  if (target.tokenFlags() & TokenFlag.protectedAuthenticationPath) {
    throw new KeyceremonyError(
      'TOKEN_UNSUPPORTED',
      `token ${token} takes its PIN on its own PIN pad: a quorum cannot set or hold it`,
    );
  }
  try {
    target.setUserPin(oldPin, newPin);
  } catch (error) {
    throw describePkcs11Error(error, `changing the user PIN of token ${token}`);
  }
}
