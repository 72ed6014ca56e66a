/**
 * The login policy at its seam. SoftHSM2 never counts PIN tries, so count-low, final-try and locked are
 * exercised here with a fake token that behaves as ykcs11 and OpenSC do (the one place a fake is allowed);
 * the wrong-PIN path also runs against SoftHSM2 in token.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KeyceremonyError } from '../../src/errors.js';
import { CKR, TokenFlag } from '../../src/pkcs11/constants.js';
import { type LoginDialog, type LoginTarget, loginWithPolicy, pinFlagWords } from '../../src/pkcs11/login.js';

class FakeError extends Error {
  constructor(
    readonly code: number,
    readonly method = 'C_Login',
  ) {
    super(code === CKR.pinIncorrect ? 'CKR_PIN_INCORRECT' : 'CKR_PIN_LOCKED');
  }
}

/** A token with a retry counter: 3 tries, count-low after the first wrong PIN, final try at 1, locked at 0. */
class CountingToken implements LoginTarget {
  logins: (string | null)[] = [];
  flagReads = 0;
  constructor(
    public triesLeft: number,
    readonly pin: string,
    public extraFlags: number = TokenFlag.userPinInitialized,
  ) {}
  tokenFlags(): number {
    this.flagReads++;
    let flags = this.extraFlags;
    if (this.triesLeft === 0) flags |= TokenFlag.userPinLocked;
    else if (this.triesLeft === 1) flags |= TokenFlag.userPinFinalTry;
    else if (this.triesLeft < 3) flags |= TokenFlag.userPinCountLow;
    return flags;
  }
  loginUser(pin: string | null): void {
    this.logins.push(pin);
    if (this.triesLeft === 0) throw new FakeError(CKR.pinLocked);
    if (pin !== null && pin !== this.pin) {
      this.triesLeft--;
      throw new FakeError(CKR.pinIncorrect);
    }
    this.triesLeft = 3;
  }
}

function dialog(
  answers: { finalTry?: boolean; pin?: string } = {},
): LoginDialog & { warnings: string[]; asked: number; finalTryAsked: number; pinPads: number } {
  const d = {
    warnings: [] as string[],
    asked: 0,
    finalTryAsked: 0,
    pinPads: 0,
    confirmFinalTry: async () => {
      d.finalTryAsked++;
      return answers.finalTry ?? false;
    },
    warn: (text: string) => void d.warnings.push(text),
    pin: async () => {
      d.asked++;
      return answers.pin ?? '123456';
    },
    pinPad: () => void d.pinPads++,
  };
  return d;
}

/** The KeyceremonyError a login must fail with. */
async function failure(promise: Promise<unknown>): Promise<KeyceremonyError> {
  const outcome = await promise.then(
    (value) => new Error(`expected a failure, got ${String(value)}`),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(KeyceremonyError);
  return outcome as KeyceremonyError;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyceremonyError);
    return (error as KeyceremonyError).code;
  }
}

describe('login policy', () => {
  it('logs in with one C_Login when all is well', async () => {
    const token = new CountingToken(3, '123456');
    const d = dialog();
    expect(await loginWithPolicy(token, d, '"t"')).toBe('logged-in');
    expect(token.logins).toEqual(['123456']);
    expect(d.warnings).toEqual([]);
  });

  it('a wrong PIN: exactly one C_Login, PIN_WRONG (exit 2), the counter as the token reports it afterwards', async () => {
    const token = new CountingToken(3, '123456');
    const error = await failure(loginWithPolicy(token, dialog({ pin: '000000' }), '"t"'));
    expect(token.logins).toHaveLength(1);
    expect(error.code).toBe('PIN_WRONG');
    expect(error.exitCode).toBe(2);
    expect(error.details.join('\n')).toMatch(/The token now reports: user PIN count low/);
    expect(error.details.join('\n')).not.toContain('000000');
  });

  it('warns on count-low and still logs in once', async () => {
    const token = new CountingToken(2, '123456');
    const d = dialog();
    expect(await loginWithPolicy(token, d, '"t"')).toBe('logged-in');
    expect(d.warnings).toEqual([expect.stringMatching(/few tries are left/)]);
    expect(token.logins).toHaveLength(1);
  });

  it('refuses the final try unless the operator explicitly confirms; never asks for the PIN then', async () => {
    const token = new CountingToken(1, '123456');
    const refused = dialog({ finalTry: false });
    expect(await codeOf(loginWithPolicy(token, refused, '"t"'))).toBe('ABORTED');
    expect(refused.finalTryAsked).toBe(1);
    expect(refused.asked).toBe(0);
    expect(token.logins).toEqual([]);

    const confirmed = dialog({ finalTry: true });
    expect(await loginWithPolicy(token, confirmed, '"t"')).toBe('logged-in');
    expect(token.logins).toEqual(['123456']);
  });

  it('a wrong PIN on the final try locks the token and says so', async () => {
    const token = new CountingToken(1, '123456');
    const error = await failure(loginWithPolicy(token, dialog({ finalTry: true, pin: '999999' }), '"t"'));
    expect(error.code).toBe('PIN_WRONG');
    expect(error.details.join('\n')).toMatch(/user PIN locked/);
    expect(token.logins).toHaveLength(1);
  });

  it('stops on a locked token before asking for a PIN or calling C_Login (exit 3)', async () => {
    const token = new CountingToken(0, '123456');
    const d = dialog();
    const error = await failure(loginWithPolicy(token, d, '"t"'));
    expect(error.code).toBe('TOKEN_LOCKED');
    expect(error.exitCode).toBe(3);
    expect(d.asked).toBe(0);
    expect(token.logins).toEqual([]);
  });

  it('a token that says CKR_PIN_LOCKED at login is TOKEN_LOCKED too', async () => {
    const token = new CountingToken(3, '123456');
    token.loginUser = (pin) => {
      token.logins.push(pin);
      throw new FakeError(CKR.pinLocked);
    };
    expect(await codeOf(loginWithPolicy(token, dialog(), '"t"'))).toBe('TOKEN_LOCKED');
    expect(token.logins).toHaveLength(1);
  });

  it('uses the PIN pad (no PIN prompt, C_Login without a PIN) on a protected authentication path', async () => {
    const token = new CountingToken(3, 'unused', TokenFlag.userPinInitialized | TokenFlag.protectedAuthenticationPath);
    const d = dialog();
    expect(await loginWithPolicy(token, d, '"t"')).toBe('logged-in');
    expect(d.asked).toBe(0);
    expect(d.pinPads).toBe(1);
    expect(token.logins).toEqual([null]);
  });

  it('reads the flags right before the login', async () => {
    const token = new CountingToken(3, '123456');
    await loginWithPolicy(token, dialog(), '"t"');
    expect(token.flagReads).toBe(1);
  });

  it('names the PIN flags for listings', () => {
    expect(pinFlagWords(TokenFlag.userPinInitialized)).toEqual([]);
    expect(pinFlagWords(TokenFlag.userPinInitialized | TokenFlag.userPinFinalTry | TokenFlag.userPinCountLow)).toEqual([
      'user PIN final try',
    ]);
    expect(pinFlagWords(TokenFlag.userPinLocked | TokenFlag.soPinCountLow)).toEqual([
      'user PIN locked',
      'user PIN not initialised',
      'SO PIN count low',
    ]);
  });
});
