/**
 * Root keys on a token may sign and nothing else, and never leave it. Read back by an independent reader —
 * OpenSC's pkcs11-tool — from the token a real token ceremony used (the shipped script, air-gapped, on a
 * hermetic SoftHSM2 token), and from keys of every algorithm generated and imported on SoftHSM2.
 *
 * Strict tokens are the one thing no real peer here can show (no YubiKey in CI): a stand-in session behaves as
 * ykcs11's source says (Debian 12's 2.2.0 refuses CKA_EXTRACTABLE in a generation template; every ykcs11
 * version reports CKA_DECRYPT true for every PIV key). Against it the template ladder must reach a template the
 * token takes, accept an ECDSA key (decryption is inert for EC keys) and refuse — and destroy — an RSA one.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import { CKA, CKR } from '../../src/pkcs11/constants.js';
import { generateOnToken, importToToken } from '../../src/pkcs11/keys.js';
import { Pkcs11Module, type TokenSession } from '../../src/pkcs11/module.js';
import type { Handle, NativeAttribute } from '../../src/pkcs11/native.js';
import { rootCeremonyAnswers, writeAnswers } from '../helpers/answers.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cliInNetns, run } from '../helpers/run.js';
import { SOFTHSM_MODULE, softHsm, type SoftHsm, TEST_USER_PIN } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/tmp.js';
import { readFile, readdir } from 'node:fs/promises';

interface ListedKey {
  readonly label: string;
  readonly usage: string;
  readonly access: string;
}

/** The private keys on a token as `pkcs11-tool --list-objects --type privkey` shows them. */
async function privateKeys(hsm: SoftHsm, label: string): Promise<ListedKey[]> {
  const listed = await run(
    'pkcs11-tool',
    [
      '--module',
      SOFTHSM_MODULE,
      '--token-label',
      label,
      '--login',
      '--pin',
      TEST_USER_PIN,
      '--list-objects',
      '--type',
      'privkey',
    ],
    { env: hsm.env },
  );
  expect(listed.code, listed.stderr).toBe(0);
  return listed.stdout
    .split(/\n(?=Private Key Object)/)
    .filter((b) => b.startsWith('Private Key Object'))
    .map((block) => ({
      label: /label:\s+(.*)/.exec(block)?.[1]?.trim() ?? '',
      usage: /Usage:\s+(.*)/.exec(block)?.[1]?.trim() ?? '',
      access: /Access:\s+(.*)/.exec(block)?.[1]?.trim() ?? '',
    }));
}

describe('a real token ceremony (shipped script, SoftHSM2)', () => {
  let hsm: SoftHsm;
  let pub: string;

  beforeAll(async () => {
    hsm = await softHsm();
    await hsm.initToken('wikibase-root');
    const base = await tempDir('kc-token-attrs-');
    pub = join(base, 'public');
    const script = join(ceremoniesDir, 'openpgp-root-token.yaml');
    const answers = await writeAnswers(
      rootCeremonyAnswers(
        {
          'preflight.checklist.4': true,
          'preflight.checklist.5': true,
          'token.wikibase-root.use': true,
          'token.wikibase-root.pin': TEST_USER_PIN,
        },
        script,
      ),
    );
    const result = await cliInNetns(
      [
        'run',
        script,
        '--vault',
        join(base, 'vault'),
        '--public',
        pub,
        '--handoff',
        join(base, 'handoff'),
        '--media',
        join(base, 'media'),
        '--answers',
        answers,
      ],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('leaves root keys that sign only and were never extractable, as pkcs11-tool reads them', async () => {
    const keys = await privateKeys(hsm, 'wikibase-root');
    expect(keys.map((k) => k.label).sort()).toEqual(['openpgp-root', 'openpgp-root-transcripts']);
    for (const key of keys) {
      expect(key.usage, key.label).toBe('sign');
      expect(key.access, key.label).toBe('sensitive, always sensitive, never extractable, local');
    }
  });

  it('records the attributes it read back in the transcript', async () => {
    const name = (await readdir(join(pub, 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    const created = (await readFile(join(pub, 'transcripts', name), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: { attributes?: Record<string, unknown> } })
      .filter((e) => e.event === 'token.key-created');
    expect(created).toHaveLength(2);
    for (const entry of created) {
      expect(entry.data.attributes).toEqual({
        template: 'sign-only',
        sign: true,
        decrypt: false,
        unwrap: false,
        derive: false,
        sensitive: true,
        extractable: false,
        alwaysSensitive: true,
        neverExtractable: true,
        private: true,
        token: true,
        local: true,
        notes: [],
      });
    }
  });
});

/** One SoftHSM2 configuration for this process (its C_Initialize reads it once), with two tokens. */
let local: SoftHsm;
const sessions = new Map<string, TokenSession>();

beforeAll(async () => {
  local = await softHsm();
  for (const label of ['all-algorithms', 'yubikey-stand-in']) await local.initToken(label);
  process.env['SOFTHSM2_CONF'] = local.conf; // before this process's C_Initialize
  const module = Pkcs11Module.open(SOFTHSM_MODULE);
  for (const label of ['all-algorithms', 'yubikey-stand-in']) {
    const slot = module.slots().find((s) => s.token?.label === label)!;
    const session = module.openSession(slot.handle);
    session.loginUser(TEST_USER_PIN);
    sessions.set(label, session);
  }
});

afterAll(() => {
  for (const session of sessions.values()) session.close();
  Pkcs11Module.finalizeAll();
});

describe('keys of every algorithm on SoftHSM2', () => {
  let hsm: SoftHsm;
  let session: TokenSession;

  beforeAll(() => {
    hsm = local;
    session = sessions.get('all-algorithms')!;
  });

  it('generated and imported: sign only, sensitive, not extractable (pkcs11-tool agrees)', async () => {
    for (const algorithm of ['nistp256', 'nistp384', 'ed25519', 'rsa4096'] as const) {
      const made = generateOnToken(session, algorithm, {
        label: `gen-${algorithm}`,
        id: new Uint8Array(randomBytes(8)),
      });
      expect(made.attributes.template).toBe('sign-only');
    }
    const imported = importToToken(session, await generateKeyPair('nistp256'), {
      label: 'imported-nistp256',
      id: new Uint8Array(randomBytes(8)),
    });
    expect(imported.attributes.attributes).toMatchObject({
      sign: true,
      decrypt: false,
      sensitive: true,
      extractable: false,
    });
    const keys = await privateKeys(hsm, 'all-algorithms');
    expect(keys.map((k) => k.label).sort()).toEqual([
      'gen-ed25519',
      'gen-nistp256',
      'gen-nistp384',
      'gen-rsa4096',
      'imported-nistp256',
    ]);
    for (const key of keys) {
      expect(key.usage, key.label).toBe('sign');
      expect(key.access, key.label).toMatch(/^sensitive\b/);
      expect(key.access, key.label).not.toMatch(/(^|, )extractable/);
      if (key.label.startsWith('gen-'))
        expect(key.access, key.label).toBe('sensitive, always sensitive, never extractable, local');
    }
  });
});

/**
 * A stand-in for ykcs11 (yubico-piv-tool's ykcs11/objects.c and mechanisms.c): generation templates may
 * only hold the attributes `accepted` (2.2.0: no CKA_EXTRACTABLE), and every private key reads back
 * CKA_DECRYPT true, CKA_UNWRAP and CKA_DERIVE false, sensitive, never extractable.
 */
class StrictTokenStandIn {
  readonly templates: NativeAttribute[][] = [];
  readonly destroyed: Handle[] = [];
  readonly #accepted: Set<number>;
  readonly #real: TokenSession;

  constructor(real: TokenSession, accepted: readonly number[]) {
    this.#real = real;
    this.#accepted = new Set(accepted);
  }

  generateKeyPair(
    mechanism: number,
    pub: NativeAttribute[],
    priv: NativeAttribute[],
  ): { publicKey: Handle; privateKey: Handle } {
    this.templates.push(priv);
    const refused = priv.find((a) => !this.#accepted.has(a.type));
    if (refused)
      throw Object.assign(new Error('CKR_ATTRIBUTE_TYPE_INVALID'), {
        code: CKR.attributeTypeInvalid,
        method: 'C_GenerateKeyPair',
      });
    // The key itself comes from the real SoftHSM2 token, made with what the stand-in accepted.
    return this.#real.generateKeyPair(mechanism, pub, priv);
  }

  attributes(object: Handle, types: readonly number[]): Map<number, Buffer> {
    return this.#real.attributes(object, types);
  }

  attributesRaw(object: Handle, types: readonly number[]): Map<number, Buffer> {
    const ykcs11: Record<number, boolean> = {
      [CKA.decrypt]: true,
      [CKA.unwrap]: false,
      [CKA.derive]: false,
      [CKA.sign]: true,
      [CKA.sensitive]: true,
      [CKA.extractable]: false,
      [CKA.alwaysSensitive]: true,
      [CKA.neverExtractable]: true,
      [CKA.private]: true,
      [CKA.token]: true,
    };
    const type = types[0]!;
    if (type in ykcs11) return new Map([[type, Buffer.from([ykcs11[type] ? 1 : 0])]]);
    return this.#real.attributesRaw(object, types);
  }

  destroyObject(object: Handle): void {
    this.destroyed.push(object);
    this.#real.destroyObject(object);
  }
}

describe('a strict token (ykcs11 2.2.0 as its source describes it)', () => {
  let session: TokenSession;
  const accepted = [
    CKA.class,
    CKA.keyType,
    CKA.id,
    CKA.sensitive,
    CKA.decrypt,
    CKA.unwrap,
    CKA.sign,
    CKA.private,
    CKA.token,
    CKA.derive,
    CKA.label,
  ];

  beforeAll(() => {
    session = sessions.get('yubikey-stand-in')!;
  });

  it('gets an ECDSA key through the template ladder and notes the inert CKA_DECRYPT', () => {
    const strict = new StrictTokenStandIn(session, accepted);
    const made = generateOnToken(
      strict as unknown as TokenSession,
      'nistp256',
      { label: 'piv-9c', id: Uint8Array.of(2) },
      'YubiKey',
    );
    expect(strict.templates.map((t) => t.some((a) => a.type === CKA.extractable))).toEqual([true, true, false]);
    expect(made.attributes.template).toBe('token defaults');
    expect(made.attributes.notes).toEqual([
      'CKA_DECRYPT is true, which gives this key nothing to do (no such mechanism for its algorithm)',
    ]);
    expect(strict.destroyed).toEqual([]);
  });

  it('refuses and destroys an RSA key the token would also decrypt with', () => {
    const strict = new StrictTokenStandIn(session, accepted);
    let thrown: unknown;
    try {
      generateOnToken(
        strict as unknown as TokenSession,
        'rsa4096',
        { label: 'piv-9a', id: Uint8Array.of(1) },
        'YubiKey',
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'TOKEN_UNSUPPORTED',
      message: 'token YubiKey made a key that may do more than sign, or may leave the token; it was destroyed',
      details: [
        'CKA_DECRYPT is true: the token would use the root key for more than signing',
        expect.stringMatching(/for YubiKeys choose ECDSA/),
      ],
    });
    expect(strict.destroyed).toHaveLength(2);
    expect(session.find([{ type: CKA.label, value: 'piv-9a' }])).toEqual([]);
  });
});
