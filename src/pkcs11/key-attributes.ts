/**
 * What a root key on a token may do, asked for and then checked on the key the token made.
 *
 * Asked for: a private key that signs and does nothing else — CKA_SIGN true; CKA_DECRYPT, CKA_UNWRAP,
 * CKA_DERIVE false — that never leaves the token (CKA_SENSITIVE true, CKA_EXTRACTABLE false); a public key
 * that verifies and does nothing else (CKA_ENCRYPT, CKA_WRAP, CKA_DERIVE false).
 *
 * Strict tokens refuse attributes they do not expect in a template (FACTS.md; ykcs11 2.2.0, Debian 12's,
 * answers CKR_ATTRIBUTE_TYPE_INVALID to CKA_EXTRACTABLE in a generation template; ykcs11 refuses CKA_DERIVE
 * false when a key is imported). So templates go down a ladder: the full template first; on a template refusal,
 * the same without the usage limits (the template FACTS.md lists); then only what makes the key. A refused
 * template creates nothing, so trying again is safe.
 *
 * Checked, whichever template the token took, by reading the private key's attributes back: it must sign, be
 * sensitive, not extractable, private and on the token — and, generated on the token, always sensitive and
 * never extractable. CKA_DECRYPT, CKA_UNWRAP and CKA_DERIVE must be false where they would let the key do
 * something: YubiKeys (ykcs11) report CKA_DECRYPT true for every PIV key whatever the template said, because
 * the PIV applet lets a key do whatever its algorithm can. For an EC or Ed25519 key that is inert — PKCS#11 has
 * no EC decryption mechanism — and is only noted; for an RSA key it is a decryption oracle, and the key is
 * refused. A key that fails the check is destroyed before the error is reported.
 */
import type { KeyAlgorithm } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import { CKA, CKR } from './constants.js';
import type { Handle, NativeAttribute } from './native.js';
import { pkcs11ErrorCode } from './native.js';

/** The rungs of the template ladder, in the order they are tried. */
export const TEMPLATE_RUNGS = ['sign-only', 'without usage limits', 'token defaults'] as const;
export type TemplateRung = (typeof TEMPLATE_RUNGS)[number];

/** The private key attributes read back, by name; null when the token does not report one. */
export interface KeyAttributes {
  readonly sign: boolean | null;
  readonly decrypt: boolean | null;
  readonly unwrap: boolean | null;
  readonly derive: boolean | null;
  readonly sensitive: boolean | null;
  readonly extractable: boolean | null;
  readonly alwaysSensitive: boolean | null;
  readonly neverExtractable: boolean | null;
  readonly private: boolean | null;
  readonly token: boolean | null;
  readonly local: boolean | null;
}

/** What the transcript keeps about a token key's attributes. */
export interface KeyAttributeReport {
  /** The template the token took. */
  readonly template: TemplateRung;
  readonly attributes: KeyAttributes;
  /** Attributes that are not as asked but cannot let the key do anything (see the module comment). */
  readonly notes: readonly string[];
}

const ATTRIBUTE_TYPES: Record<keyof KeyAttributes, number> = {
  sign: CKA.sign,
  decrypt: CKA.decrypt,
  unwrap: CKA.unwrap,
  derive: CKA.derive,
  sensitive: CKA.sensitive,
  extractable: CKA.extractable,
  alwaysSensitive: CKA.alwaysSensitive,
  neverExtractable: CKA.neverExtractable,
  private: CKA.private,
  token: CKA.token,
  local: CKA.local,
};

/** The PKCS#11 names, for messages. */
const NAMES: Record<keyof KeyAttributes, string> = {
  sign: 'CKA_SIGN',
  decrypt: 'CKA_DECRYPT',
  unwrap: 'CKA_UNWRAP',
  derive: 'CKA_DERIVE',
  sensitive: 'CKA_SENSITIVE',
  extractable: 'CKA_EXTRACTABLE',
  alwaysSensitive: 'CKA_ALWAYS_SENSITIVE',
  neverExtractable: 'CKA_NEVER_EXTRACTABLE',
  private: 'CKA_PRIVATE',
  token: 'CKA_TOKEN',
  local: 'CKA_LOCAL',
};

/** Private key attributes beyond what makes the key, per rung. */
export function privateKeyLimits(rung: TemplateRung): NativeAttribute[] {
  const protection: NativeAttribute[] = [
    { type: CKA.sensitive, value: true },
    { type: CKA.extractable, value: false },
  ];
  const usage: NativeAttribute[] = [
    { type: CKA.decrypt, value: false },
    { type: CKA.unwrap, value: false },
    { type: CKA.derive, value: false },
  ];
  if (rung === 'sign-only') return [...protection, ...usage];
  if (rung === 'without usage limits') return protection;
  return [];
}

/** Public key attributes beyond what makes the key, per rung. */
export function publicKeyLimits(rung: TemplateRung): NativeAttribute[] {
  if (rung !== 'sign-only') return [];
  return [
    { type: CKA.encrypt, value: false },
    { type: CKA.wrap, value: false },
    { type: CKA.derive, value: false },
  ];
}

/** Whether a failed call means "not this template" (try the next rung) rather than anything else. */
export function isTemplateRefusal(error: unknown): boolean {
  const code = pkcs11ErrorCode(error instanceof Error && error.cause !== undefined ? error.cause : error);
  return (
    code === CKR.attributeTypeInvalid ||
    code === CKR.attributeValueInvalid ||
    code === CKR.templateInconsistent ||
    code === CKR.templateIncomplete
  );
}

/** Tries `make` with each rung until the token takes one; any other failure stops at once. */
export function withTemplateLadder<T>(make: (rung: TemplateRung) => T): { made: T; rung: TemplateRung } {
  let last: unknown;
  for (const rung of TEMPLATE_RUNGS) {
    try {
      return { made: make(rung), rung };
    } catch (error) {
      if (!isTemplateRefusal(error)) throw error;
      last = error;
    }
  }
  throw last;
}

/** What reading attributes needs (a TokenSession, or a stand-in in tests). */
export interface AttributeReader {
  attributesRaw(object: Handle, types: readonly number[]): Map<number, Buffer>;
}

/** Each attribute read on its own: a token that does not know one must not hide the others. */
export function readKeyAttributes(session: AttributeReader, handle: Handle): KeyAttributes {
  const read = (type: number): boolean | null => {
    try {
      const value = session.attributesRaw(handle, [type]).get(type);
      return value && value.length > 0 ? value[0] !== 0 : null;
    } catch {
      return null;
    }
  };
  return Object.fromEntries(
    (Object.keys(ATTRIBUTE_TYPES) as (keyof KeyAttributes)[]).map((k) => [k, read(ATTRIBUTE_TYPES[k])]),
  ) as unknown as KeyAttributes;
}

/** Usage attributes that give a key of this algorithm nothing to do under PKCS#11. */
function inertUsage(algorithm: KeyAlgorithm): ReadonlySet<keyof KeyAttributes> {
  switch (algorithm) {
    case 'nistp256':
    case 'nistp384':
      return new Set(['decrypt']); // no EC decryption mechanism; ECDH is CKA_DERIVE, EC unwrapping CKA_UNWRAP
    case 'ed25519':
      return new Set(['decrypt', 'unwrap', 'derive']); // EdDSA keys only sign (X25519 is another key type)
    case 'rsa4096':
      return new Set(['derive']); // RSA keys decrypt and unwrap, they derive nothing
  }
}

/**
 * Judges a new key's attributes: the problems that refuse it, and the notes about inert attributes.
 * `generated`: made on the token (so it must have been sensitive and non-extractable from the start).
 */
export function judgeKeyAttributes(
  attributes: KeyAttributes,
  algorithm: KeyAlgorithm,
  generated: boolean,
): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const must = (name: keyof KeyAttributes, value: boolean, why: string): void => {
    if (attributes[name] !== value) {
      problems.push(
        `${NAMES[name]} is ${attributes[name] === null ? 'not reported' : String(attributes[name])}, must be ${String(value)} (${why})`,
      );
    }
  };
  must('sign', true, 'the key must sign');
  must('sensitive', true, 'its secret must never be readable');
  must('extractable', false, 'it must never leave the token, not even wrapped');
  must('private', true, 'only a logged-in user may use it');
  must('token', true, 'it must stay on the token');
  if (generated) {
    // Tokens that do not report these get the benefit of the doubt: sensitive and non-extractable are checked.
    for (const name of ['alwaysSensitive', 'neverExtractable'] as const) {
      if (attributes[name] === false) problems.push(`${NAMES[name]} is false for a key generated on the token`);
    }
  }
  const inert = inertUsage(algorithm);
  for (const name of ['decrypt', 'unwrap', 'derive'] as const) {
    if (attributes[name] !== true) continue;
    if (inert.has(name)) {
      notes.push(`${NAMES[name]} is true, which gives this key nothing to do (no such mechanism for its algorithm)`);
    } else {
      problems.push(`${NAMES[name]} is true: the token would use the root key for more than signing`);
    }
  }
  return { problems, notes };
}

/**
 * Reads and judges a new private key; on a problem, destroys `created` (the new objects) and throws.
 */
export function checkNewKey(
  session: AttributeReader & { destroyObject(object: Handle): void },
  privateHandle: Handle,
  created: readonly Handle[],
  options: { algorithm: KeyAlgorithm; generated: boolean; rung: TemplateRung; token: string },
): KeyAttributeReport {
  const attributes = readKeyAttributes(session, privateHandle);
  const { problems, notes } = judgeKeyAttributes(attributes, options.algorithm, options.generated);
  if (problems.length > 0) {
    for (const handle of created) {
      try {
        session.destroyObject(handle);
      } catch {
        // Reported below: the operator removes it with the vendor's tool.
      }
    }
    throw new KeyceremonyError(
      'TOKEN_UNSUPPORTED',
      `token ${options.token} made a key that may do more than sign, or may leave the token; it was destroyed`,
      {
        details: [
          ...problems,
          `(template: ${options.rung}) Use a token that restricts key usage; for YubiKeys choose ECDSA (nistp256, nistp384).`,
        ],
      },
    );
  }
  return { template: options.rung, attributes, notes };
}
