/**
 * A key on a real SoftHSM2 token behind the Signer seam, for tests that need "the root lives on a token":
 * a hermetic token directory, one initialised token, a logged-in session, the key generated on the token
 * (non-extractable). One per test file: PKCS#11 allows one C_Initialize per process and SoftHSM2 reads
 * SOFTHSM2_CONF only then (vitest runs each file in its own process). Closing the signer logs out and closes
 * the session; {@link closeTokens} finalises the module.
 */
import { randomBytes } from 'node:crypto';
import type { KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { generateOnToken, importToToken } from '../../src/pkcs11/keys.js';
import { Pkcs11Module, type TokenSession } from '../../src/pkcs11/module.js';
import type { KeyPair } from '../../src/crypto/key-material.js';
import { Pkcs11Signer } from '../../src/signer/index.js';
import { SOFTHSM_MODULE, softHsm, TEST_SO_PIN, TEST_USER_PIN } from './softhsm.js';

let module: Pkcs11Module | undefined;
let counter = 0;

async function tokenSession(): Promise<TokenSession> {
  if (!module) {
    const hsm = await softHsm();
    process.env['SOFTHSM2_CONF'] = hsm.conf; // before C_Initialize
    module = Pkcs11Module.open(SOFTHSM_MODULE);
  }
  const label = `test-${++counter}`;
  const free = module.slots().find((s) => s.token && !(s.token.flags & 0x400));
  if (!free) throw new Error('no free SoftHSM2 slot');
  module.initToken(free.handle, label, TEST_SO_PIN, TEST_USER_PIN);
  const slot = module.slots().find((s) => s.token?.label === label);
  if (!slot) throw new Error(`token ${label} not found after initialisation`);
  const session = module.openSession(slot.handle);
  session.loginUser(TEST_USER_PIN);
  return session;
}

/** A fresh token holding one key of `algorithm` generated on the token (or `pair` imported onto it). */
export async function tokenSigner(algorithm: KeyAlgorithm, pair?: KeyPair): Promise<Pkcs11Signer> {
  const session = await tokenSession();
  const ref = { label: `key-${algorithm}`, id: new Uint8Array(randomBytes(8)) };
  const made = pair ? importToToken(session, pair, ref) : generateOnToken(session, algorithm, ref);
  return new Pkcs11Signer(session, made.privateHandle, made.publicKey, `pkcs11:token=test;object=${ref.label}`, {
    onClose: () => session.close(),
  });
}

export function closeTokens(): void {
  Pkcs11Module.finalizeAll();
  module = undefined;
}
