/**
 * The PKCS#11 wrapper against a real SoftHSM2 token (hermetic: its own token directory in this process):
 * on-token generation with the strict templates, the token Signer, refusing existing objects, keys that cannot
 * be read or wrapped out, imported copies on two tokens, and exactly one C_Login for a wrong PIN.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KeyAlgorithm, signatureHash } from '../../src/crypto/algorithms.js';
import { digestLength, legacyDigestRequest, verifyDigest } from '../../src/crypto/signature-schemes.js';
import { generateKeyPair, publicKeyObject } from '../../src/crypto/key-material.js';
import { KeyceremonyError } from '../../src/errors.js';
import { CKA, CKK, CKM, CKO, CKR } from '../../src/pkcs11/constants.js';
import {
  findKeyPair,
  generateOnToken,
  importToToken,
  refuseExisting,
  requireAlgorithm,
  ulongValue,
} from '../../src/pkcs11/keys.js';
import { loginWithPolicy } from '../../src/pkcs11/login.js';
import { Pkcs11Module, type TokenSession } from '../../src/pkcs11/module.js';
import { pkcs11ErrorCode } from '../../src/pkcs11/native.js';
import { Pkcs11Signer } from '../../src/signer/index.js';
import { thrown } from '../helpers/thrown.js';
import { SOFTHSM_MODULE, softHsm, TEST_SO_PIN, TEST_USER_PIN } from '../helpers/softhsm.js';

let module: Pkcs11Module;
let session: TokenSession;
let copySession: TokenSession;

function openToken(label: string): TokenSession {
  const slot = module.slots().find((s) => s.token?.label === label);
  if (!slot) throw new Error(`no token ${label}`);
  return module.openSession(slot.handle);
}

function initFree(label: string): void {
  const free = module.slots().find((s) => s.token && !(s.token.flags & 0x400));
  if (!free) throw new Error('no free slot');
  module.initToken(free.handle, label, TEST_SO_PIN, TEST_USER_PIN);
}

const dialog = {
  confirmFinalTry: async () => false,
  warn: () => undefined,
  pin: async () => TEST_USER_PIN,
  pinPad: () => undefined,
};

beforeAll(async () => {
  const hsm = await softHsm();
  process.env['SOFTHSM2_CONF'] = hsm.conf; // before C_Initialize
  module = Pkcs11Module.open(SOFTHSM_MODULE);
  initFree('primary');
  initFree('copy');
  initFree('never-logged-in');
  session = openToken('primary');
  await loginWithPolicy(session, dialog, 'primary');
  copySession = openToken('copy');
  await loginWithPolicy(copySession, dialog, 'copy');
});

afterAll(() => {
  session.close();
  copySession.close();
  Pkcs11Module.finalizeAll();
});

const ref = (label: string): { label: string; id: Uint8Array } => ({ label, id: new Uint8Array(randomBytes(8)) });

async function signAndVerify(signer: Pkcs11Signer, algorithm: KeyAlgorithm): Promise<number> {
  const hash = signatureHash(algorithm);
  const digest = new Uint8Array(randomBytes(digestLength[hash]));
  const started = performance.now();
  const { signature } = await signer.sign(legacyDigestRequest(algorithm, digest, hash));
  const ms = performance.now() - started;
  expect(verifyDigest(signer.publicKey, digest, hash, signature)).toBe(true);
  expect(
    verifyDigest(
      signer.publicKey,
      digest.map((b, i) => (i === 0 ? b ^ 1 : b)),
      hash,
      signature,
    ),
  ).toBe(false);
  return ms;
}

describe('on-token generation', () => {
  for (const algorithm of ['nistp256', 'ed25519', 'rsa4096'] as const) {
    it(`generates a non-extractable ${algorithm} key pair whose token signatures verify`, async () => {
      const r = ref(`gen-${algorithm}`);
      const started = performance.now();
      const pair = generateOnToken(session, algorithm, r);
      const keygenMs = performance.now() - started;
      expect(pair.publicKey.algorithm).toBe(algorithm);
      publicKeyObject(pair.publicKey); // a well-formed public key Node accepts
      const signer = new Pkcs11Signer(session, pair.privateHandle, pair.publicKey, `pkcs11:object=${r.label}`);
      const signMs = await signAndVerify(signer, algorithm);
      console.log(`SoftHSM2 ${algorithm}: keygen ${keygenMs.toFixed(1)} ms, sign ${signMs.toFixed(2)} ms`);

      const flags = session.attributes(pair.privateHandle, [
        CKA.sensitive,
        CKA.extractable,
        CKA.neverExtractable,
        CKA.alwaysSensitive,
      ]);
      expect([...flags.values()].map((v) => v[0])).toEqual([1, 0, 1, 1]);
      // Found again by label and id, same public key.
      const found = findKeyPair(session, r, 'test');
      expect(Buffer.from(found.publicKey.algorithm === 'rsa4096' ? found.publicKey.n : found.publicKey.point)).toEqual(
        Buffer.from(pair.publicKey.algorithm === 'rsa4096' ? pair.publicKey.n : pair.publicKey.point),
      );
    });
  }

  it('refuses a label or an id that already exists on the token', () => {
    const r = ref('taken');
    generateOnToken(session, 'nistp256', r);
    expect(() => refuseExisting(session, { label: 'taken', id: new Uint8Array(randomBytes(8)) }, 'primary')).toThrow(
      /already holds an object with label "taken"/,
    );
    expect(() => refuseExisting(session, { label: 'other', id: r.id }, 'primary')).toThrow(
      /already holds an object with id/,
    );
    expect(() => refuseExisting(session, ref('free-label'), 'primary')).not.toThrow();
  });

  it('names what the token offers when an algorithm is missing', () => {
    const onlyEc = [CKM.ecKeyPairGen, CKM.ecdsa];
    expect(() => requireAlgorithm('ed25519', onlyEc, '"yk"', 'generate')).toThrow(KeyceremonyError);
    const error = thrown(() => requireAlgorithm('rsa4096', onlyEc, '"yk"', 'generate'));
    expect(error).toBeInstanceOf(KeyceremonyError);
    expect((error as KeyceremonyError).message).toMatch(
      /cannot generate RSA-4096 keys: it lacks CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS/,
    );
    expect((error as KeyceremonyError).details.join(' ')).toMatch(/It offers: ECDSA P-256, ECDSA P-384\./);
    expect((error as KeyceremonyError).exitCode).toBe(3);
    expect(() => requireAlgorithm('nistp256', onlyEc, '"yk"', 'generate')).not.toThrow();
  });
});

describe('secret key objects stay on the token', () => {
  it('cannot be read (CKR_ATTRIBUTE_SENSITIVE) or wrapped out (CKR_KEY_UNEXTRACTABLE)', () => {
    const ec = generateOnToken(session, 'nistp256', ref('no-export-ec'));
    const rsa = generateOnToken(session, 'rsa4096', ref('no-export-rsa'));
    const refusal = (fn: () => unknown): number | undefined => {
      try {
        fn();
      } catch (error) {
        return pkcs11ErrorCode(error);
      }
      return undefined;
    };
    expect(refusal(() => session.attributesRaw(ec.privateHandle, [CKA.value]))).toBe(CKR.attributeSensitive);
    expect(refusal(() => session.attributesRaw(rsa.privateHandle, [CKA.privateExponent]))).toBe(CKR.attributeSensitive);
    expect(refusal(() => session.attributesRaw(rsa.privateHandle, [CKA.prime1]))).toBe(CKR.attributeSensitive);
    // A wrapping key the token would otherwise use: the token must still refuse to wrap the private keys out.
    const wrappingKey = session.native.C_GenerateKey(session.handle, { mechanism: CKM.aesKeyGen }, [
      { type: CKA.class, value: CKO.secretKey },
      { type: CKA.keyType, value: CKK.aes },
      { type: CKA.valueLen, value: 32 },
      { type: CKA.wrap, value: true },
      { type: CKA.token, value: false },
    ]);
    for (const key of [ec.privateHandle, rsa.privateHandle]) {
      expect(
        refusal(() =>
          session.native.C_WrapKey(
            session.handle,
            { mechanism: CKM.aesKeyWrapPad },
            wrappingKey,
            key,
            Buffer.alloc(4096),
          ),
        ),
      ).toBe(CKR.keyUnextractable);
    }
  });
});

describe('imported copies', () => {
  for (const algorithm of ['nistp256', 'ed25519', 'rsa4096'] as const) {
    it(`imports one ${algorithm} software key onto two tokens, each signing for the same public key`, async () => {
      const pair = await generateKeyPair(algorithm);
      const r = ref(`copy-${algorithm}`);
      for (const s of [session, copySession]) {
        const imported = importToToken(s, pair, r);
        expect(publicKeyObject(imported.publicKey).export({ format: 'der', type: 'spki' })).toEqual(
          publicKeyObject(pair.publicKey).export({ format: 'der', type: 'spki' }),
        );
        const keyType = ulongValue(s.attributes(imported.privateHandle, [CKA.keyType]).get(CKA.keyType)!);
        expect(keyType).toBe({ nistp256: CKK.ec, ed25519: CKK.ecEdwards, rsa4096: CKK.rsa }[algorithm]);
        const flags = s.attributes(imported.privateHandle, [CKA.sensitive, CKA.extractable]);
        expect([...flags.values()].map((v) => v[0])).toEqual([1, 0]);
        await signAndVerify(new Pkcs11Signer(s, imported.privateHandle, pair.publicKey, 'pkcs11:'), algorithm);
        expect(() =>
          s.attributesRaw(imported.privateHandle, [algorithm === 'rsa4096' ? CKA.privateExponent : CKA.value]),
        ).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      }
    });
  }
});

describe('login', () => {
  it('stops after exactly one C_Login with a wrong PIN, with a clear error', async () => {
    // A token this process has not logged in to (PKCS#11 login state is per application and token).
    const fresh = openToken('never-logged-in');
    try {
      const spy = vi.spyOn(module.native, 'C_Login');
      const error = await loginWithPolicy(
        fresh,
        { ...dialog, pin: async () => 'not-the-pin' },
        '"never-logged-in"',
      ).catch((e: unknown) => e);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      expect(error).toBeInstanceOf(KeyceremonyError);
      expect((error as KeyceremonyError).code).toBe('PIN_WRONG');
      expect((error as KeyceremonyError).message).toBe('wrong PIN for token "never-logged-in"');
      expect((error as KeyceremonyError).details.join('\n')).toMatch(/does not try again by itself/);
      expect((error as KeyceremonyError).details.join('\n')).not.toContain('not-the-pin');
    } finally {
      fresh.close();
    }
  });
});
