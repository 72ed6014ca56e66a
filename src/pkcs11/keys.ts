/**
 * Key pairs on a token: the attribute templates, on-token generation, importing a software key as a
 * non-extractable copy, finding a key again, and reading its public key back.
 *
 * Every template starts with what makes the key — public {CLASS, KEY_TYPE, TOKEN, ID, LABEL, VERIFY,
 * EC_PARAMS | MODULUS_BITS+PUBLIC_EXPONENT}, private {CLASS, KEY_TYPE, TOKEN, ID, LABEL, PRIVATE, SIGN} — and
 * adds the limits of key-attributes.ts: sign only, sensitive, never extractable. Strict tokens that refuse an
 * attribute get the next, smaller template (a template ladder); the key the token made is then read back and
 * refused (destroyed) if it may do more than sign or leave the token.
 */
import { describeAlgorithm, type KeyAlgorithm } from '../crypto/index.js';
import { type KeyPair, type PublicKeyMaterial, rsaCrtParts } from '../crypto/index.js';
import { bytesEqual, stripLeadingZeros, toHex, wipe } from '../util/bytes.js';
import { bug, KeyceremonyError } from '../errors.js';
import {
  CKA,
  CKK,
  CKM,
  CKO,
  ED25519_EC_PARAMS_NAME,
  ED25519_EC_PARAMS_OID,
  mechanismNames,
  P256_EC_PARAMS,
  P384_EC_PARAMS,
} from './constants.js';
import {
  checkNewKey,
  type KeyAttributeReport,
  privateKeyLimits,
  publicKeyLimits,
  type TemplateRung,
  withTemplateLadder,
} from './key-attributes.js';
import type { Handle, NativeAttribute } from './native.js';
import type { TokenSession } from './module.js';

/** How a key is found on a token: its CKA_LABEL and CKA_ID (both unique among keyceremony's objects). */
export interface TokenKeyRef {
  readonly label: string;
  readonly id: Uint8Array;
}

export interface AlgorithmMechanisms {
  readonly generate: number;
  readonly sign: number;
  readonly keyType: number;
}

export const algorithmMechanisms: Record<KeyAlgorithm, AlgorithmMechanisms> = {
  nistp256: { generate: CKM.ecKeyPairGen, sign: CKM.ecdsa, keyType: CKK.ec },
  ed25519: { generate: CKM.ecEdwardsKeyPairGen, sign: CKM.eddsa, keyType: CKK.ecEdwards },
  rsa4096: { generate: CKM.rsaPkcsKeyPairGen, sign: CKM.rsaPkcs, keyType: CKK.rsa },
  // Same mechanisms as P-256: the mechanism list cannot say which curves a token has; generation will.
  nistp384: { generate: CKM.ecKeyPairGen, sign: CKM.ecdsa, keyType: CKK.ec },
};

/** CKA_EC_PARAMS of the NIST curves keyceremony uses. */
const curveParams = { nistp256: P256_EC_PARAMS, nistp384: P384_EC_PARAMS } as const;

/** The algorithms a token can generate and sign with, judged by its mechanism list. */
export function algorithmsOffered(mechanisms: readonly number[], purpose: 'generate' | 'import'): KeyAlgorithm[] {
  return (Object.keys(algorithmMechanisms) as KeyAlgorithm[]).filter((a) => {
    const m = algorithmMechanisms[a];
    return mechanisms.includes(m.sign) && (purpose === 'import' || mechanisms.includes(m.generate));
  });
}

/**
 * Refuses an algorithm the token's mechanism list lacks, naming what the token does offer. (A token may still
 * refuse a key size, e.g. RSA-4096 on YubiKeys before 5.7; that error comes from generation.)
 */
export function requireAlgorithm(
  algorithm: KeyAlgorithm,
  mechanisms: readonly number[],
  token: string,
  purpose: 'generate' | 'import',
): void {
  const m = algorithmMechanisms[algorithm];
  const needed = purpose === 'generate' ? [m.generate, m.sign] : [m.sign];
  const missing = needed.filter((x) => !mechanisms.includes(x));
  if (missing.length === 0) return;
  const offered = algorithmsOffered(mechanisms, purpose).map(describeAlgorithm);
  throw new KeyceremonyError(
    'TOKEN_UNSUPPORTED',
    `token ${token} cannot ${purpose === 'generate' ? 'generate' : 'sign with'} ${describeAlgorithm(algorithm)} keys: it lacks ${missing.map((x) => mechanismNames.get(x) ?? x).join(', ')}`,
    {
      details: [
        offered.length
          ? `It offers: ${offered.join(', ')}. Change the algorithm in the script.`
          : 'It offers none of the algorithms keyceremony uses.',
      ],
    },
  );
}

function publicTemplate(algorithm: KeyAlgorithm, ref: TokenKeyRef, rung: TemplateRung): NativeAttribute[] {
  const base: NativeAttribute[] = [
    { type: CKA.class, value: CKO.publicKey },
    { type: CKA.keyType, value: algorithmMechanisms[algorithm].keyType },
    { type: CKA.token, value: true },
    { type: CKA.id, value: Buffer.from(ref.id) },
    { type: CKA.label, value: ref.label },
    { type: CKA.verify, value: true },
    ...publicKeyLimits(rung),
  ];
  switch (algorithm) {
    case 'nistp256':
    case 'nistp384':
      return [...base, { type: CKA.ecParams, value: Buffer.from(curveParams[algorithm]) }];
    case 'ed25519':
      return [...base, { type: CKA.ecParams, value: Buffer.from(ED25519_EC_PARAMS_NAME) }];
    case 'rsa4096':
      return [
        ...base,
        { type: CKA.modulusBits, value: 4096 },
        { type: CKA.publicExponent, value: Buffer.from([1, 0, 1]) },
      ];
  }
}

function privateTemplate(algorithm: KeyAlgorithm, ref: TokenKeyRef, rung: TemplateRung): NativeAttribute[] {
  return [
    { type: CKA.class, value: CKO.privateKey },
    { type: CKA.keyType, value: algorithmMechanisms[algorithm].keyType },
    { type: CKA.token, value: true },
    { type: CKA.id, value: Buffer.from(ref.id) },
    { type: CKA.label, value: ref.label },
    { type: CKA.private, value: true },
    { type: CKA.sign, value: true },
    ...privateKeyLimits(rung),
  ];
}

export interface TokenKeyPair {
  readonly publicKey: PublicKeyMaterial;
  readonly privateHandle: Handle;
  readonly publicHandle: Handle;
}

/** A key pair keyceremony just created, with the attributes the token gave its private key. */
export interface NewTokenKeyPair extends TokenKeyPair {
  readonly attributes: KeyAttributeReport;
}

/** Refuses to create a key when any object with the same label or the same id exists on the token. */
export function refuseExisting(session: TokenSession, ref: TokenKeyRef, token: string): void {
  const byLabel = session.find([{ type: CKA.label, value: ref.label }], 1);
  const byId = session.find([{ type: CKA.id, value: Buffer.from(ref.id) }], 1);
  if (byLabel.length || byId.length) {
    throw new KeyceremonyError(
      'OUTPUT_EXISTS',
      `token ${token} already holds an object with ${byLabel.length ? `label "${ref.label}"` : `id ${toHex(ref.id)}`}: keyceremony never replaces a key on a token`,
      {
        details: [
          "Use another label/id in the script, or delete the old key with the token vendor's tool after checking that it is no longer needed.",
        ],
      },
    );
  }
}

/** `token`: the token's name for messages. */
export function generateOnToken(
  session: TokenSession,
  algorithm: KeyAlgorithm,
  ref: TokenKeyRef,
  token = 'the token',
): NewTokenKeyPair {
  const { made, rung } = withTemplateLadder((r) =>
    session.generateKeyPair(
      algorithmMechanisms[algorithm].generate,
      publicTemplate(algorithm, ref, r),
      privateTemplate(algorithm, ref, r),
    ),
  );
  const { publicKey, privateKey } = made;
  const attributes = checkNewKey(session, privateKey, [privateKey, publicKey], {
    algorithm,
    generated: true,
    rung,
    token,
  });
  return {
    publicKey: readPublicKey(session, publicKey, algorithm),
    privateHandle: privateKey,
    publicHandle: publicKey,
    attributes,
  };
}

/** The DER OCTET STRING around an EC point (CKA_EC_POINT as PKCS#11 specifies it). */
function derOctetString(bytes: Uint8Array): Buffer {
  if (bytes.length >= 128) throw bug('EC point too long');
  return Buffer.from([0x04, bytes.length, ...bytes]);
}

/**
 * Imports a software key pair as a token key: the private key sensitive and non-extractable, the public key
 * beside it with the same label and id. The caller keeps (and wipes) the software copy.
 */
export function importToToken(
  session: TokenSession,
  pair: KeyPair,
  ref: TokenKeyRef,
  token = 'the token',
): NewTokenKeyPair {
  const { publicKey, secretKey } = pair;
  const algorithm = publicKey.algorithm;
  const publicAttrs: NativeAttribute[] = [];
  let secretAttrs: NativeAttribute[];
  if (publicKey.algorithm === 'rsa4096' && secretKey.algorithm === 'rsa4096') {
    const crt = rsaCrtParts(secretKey);
    publicAttrs.push(
      { type: CKA.modulus, value: Buffer.from(publicKey.n) },
      { type: CKA.publicExponent, value: Buffer.from(publicKey.e) },
    );
    secretAttrs = [
      { type: CKA.modulus, value: Buffer.from(publicKey.n) },
      { type: CKA.publicExponent, value: Buffer.from(publicKey.e) },
      { type: CKA.privateExponent, value: Buffer.from(crt.d) },
      { type: CKA.prime1, value: Buffer.from(crt.p) },
      { type: CKA.prime2, value: Buffer.from(crt.q) },
      { type: CKA.exponent1, value: Buffer.from(crt.dp) },
      { type: CKA.exponent2, value: Buffer.from(crt.dq) },
      { type: CKA.coefficient, value: Buffer.from(crt.qi) },
    ];
    wipe(...Object.values(crt));
  } else if (
    (publicKey.algorithm === 'nistp256' && secretKey.algorithm === 'nistp256') ||
    (publicKey.algorithm === 'nistp384' && secretKey.algorithm === 'nistp384')
  ) {
    publicAttrs.push({ type: CKA.ecPoint, value: derOctetString(publicKey.point) });
    secretAttrs = [
      { type: CKA.ecParams, value: Buffer.from(curveParams[publicKey.algorithm]) },
      { type: CKA.value, value: Buffer.from(secretKey.d) },
    ];
  } else if (publicKey.algorithm === 'ed25519' && secretKey.algorithm === 'ed25519') {
    publicAttrs.push({ type: CKA.ecPoint, value: derOctetString(publicKey.point) });
    secretAttrs = [
      { type: CKA.ecParams, value: Buffer.from(ED25519_EC_PARAMS_NAME) },
      { type: CKA.value, value: Buffer.from(secretKey.seed) },
    ];
  } else {
    throw bug('public and secret key do not match');
  }
  let privateHandle: Handle;
  let rung: TemplateRung;
  try {
    ({ made: privateHandle, rung } = withTemplateLadder((r) =>
      session.createObject([...privateTemplate(algorithm, ref, r), ...secretAttrs]),
    ));
  } finally {
    // The secret bytes were copied into Buffers for the call; overwrite them.
    for (const attr of secretAttrs)
      if (
        Buffer.isBuffer(attr.value) &&
        attr.type !== CKA.modulus &&
        attr.type !== CKA.publicExponent &&
        attr.type !== CKA.ecParams
      )
        attr.value.fill(0);
  }
  let publicHandle: Handle;
  try {
    ({ made: publicHandle } = withTemplateLadder((r) =>
      session.createObject([
        ...publicTemplate(algorithm, ref, r).filter((a) => a.type !== CKA.modulusBits && a.type !== CKA.publicExponent),
        ...publicAttrs,
      ]),
    ));
  } catch (error) {
    session.destroyObject(privateHandle);
    throw error;
  }
  const attributes = checkNewKey(session, privateHandle, [privateHandle, publicHandle], {
    algorithm,
    generated: false,
    rung,
    token,
  });
  return { publicKey: readPublicKey(session, publicHandle, algorithm), privateHandle, publicHandle, attributes };
}

/** Unwraps CKA_EC_POINT: DER OCTET STRING as specified, or the raw point some tokens return (decided by length). */
export function unwrapEcPoint(value: Uint8Array, rawLength: number): Uint8Array {
  if (value.length === rawLength) return value.slice();
  if (value.length === rawLength + 2 && value[0] === 0x04 && value[1] === rawLength) return value.slice(2);
  throw new KeyceremonyError(
    'TOKEN_UNSUPPORTED',
    `unexpected EC point encoding from the token (${value.length} bytes)`,
  );
}

/** A CK_ULONG attribute value (4 or 8 bytes, host byte order: little-endian on the machines keyceremony runs on). */
export function ulongValue(value: Buffer): number {
  if (value.length === 8) return Number(value.readBigUInt64LE(0));
  if (value.length === 4) return value.readUInt32LE(0);
  throw new KeyceremonyError('TOKEN_UNSUPPORTED', `unexpected CK_ULONG of ${value.length} bytes from the token`);
}

/** Reads a public key object (or a private key with public attributes) back into raw material. */
export function readPublicKey(session: TokenSession, handle: Handle, expected?: KeyAlgorithm): PublicKeyMaterial {
  const keyType = session.attributes(handle, [CKA.keyType]).get(CKA.keyType);
  const type = keyType ? ulongValue(keyType) : -1;
  let material: PublicKeyMaterial;
  if (type === CKK.ec) {
    const attrs = session.attributes(handle, [CKA.ecParams, CKA.ecPoint]);
    const params = attrs.get(CKA.ecParams) ?? new Uint8Array();
    const curve = bytesEqual(params, P256_EC_PARAMS)
      ? 'nistp256'
      : bytesEqual(params, P384_EC_PARAMS)
        ? 'nistp384'
        : undefined;
    if (!curve) {
      throw new KeyceremonyError(
        'TOKEN_UNSUPPORTED',
        'the token key is an EC key on a curve other than P-256 or P-384',
      );
    }
    const point = unwrapEcPoint(attrs.get(CKA.ecPoint) ?? new Uint8Array(), curve === 'nistp256' ? 65 : 97);
    if (point[0] !== 4)
      throw new KeyceremonyError(
        'TOKEN_UNSUPPORTED',
        `the token returned a compressed ${describeAlgorithm(curve)} point`,
      );
    material = { algorithm: curve, point };
  } else if (type === CKK.ecEdwards) {
    const attrs = session.attributes(handle, [CKA.ecParams, CKA.ecPoint]);
    const params = attrs.get(CKA.ecParams) ?? new Uint8Array();
    if (!bytesEqual(params, ED25519_EC_PARAMS_NAME) && !bytesEqual(params, ED25519_EC_PARAMS_OID)) {
      throw new KeyceremonyError('TOKEN_UNSUPPORTED', 'the token key is an Edwards key other than Ed25519');
    }
    material = { algorithm: 'ed25519', point: unwrapEcPoint(attrs.get(CKA.ecPoint) ?? new Uint8Array(), 32) };
  } else if (type === CKK.rsa) {
    const attrs = session.attributes(handle, [CKA.modulus, CKA.publicExponent]);
    const n = stripLeadingZeros(attrs.get(CKA.modulus) ?? new Uint8Array()).slice();
    if (n.length !== 512)
      throw new KeyceremonyError(
        'TOKEN_UNSUPPORTED',
        `the token key is RSA-${n.length * 8}; keyceremony uses RSA-4096`,
      );
    material = {
      algorithm: 'rsa4096',
      n,
      e: stripLeadingZeros(attrs.get(CKA.publicExponent) ?? new Uint8Array()).slice(),
    };
  } else {
    throw new KeyceremonyError(
      'TOKEN_UNSUPPORTED',
      `the token key has a key type keyceremony does not use (CKK ${type})`,
    );
  }
  if (expected && material.algorithm !== expected) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the token key is ${describeAlgorithm(material.algorithm)}, expected ${describeAlgorithm(expected)}`,
    );
  }
  return material;
}

/** Finds exactly one object of a class by label and/or id. */
function findOne(
  session: TokenSession,
  cls: number,
  ref: { label?: string | undefined; id?: Uint8Array | undefined },
  what: string,
): Handle | undefined {
  const template: NativeAttribute[] = [{ type: CKA.class, value: cls }];
  if (ref.label !== undefined) template.push({ type: CKA.label, value: ref.label });
  if (ref.id !== undefined) template.push({ type: CKA.id, value: Buffer.from(ref.id) });
  const found = session.find(template, 2);
  if (found.length > 1)
    throw new KeyceremonyError(
      'TOKEN_NOT_FOUND',
      `${what}: several objects match; the reference must name one key (give its id)`,
    );
  return found[0];
}

/** The private key and its public key (from the public key object with the same id/label) of a token key. */
export function findKeyPair(
  session: TokenSession,
  ref: { label?: string | undefined; id?: Uint8Array | undefined },
  what: string,
): TokenKeyPair {
  if (ref.label === undefined && ref.id === undefined)
    throw new KeyceremonyError('INPUT_INVALID', `${what}: a token key reference needs an object label or an id`);
  const privateHandle = findOne(session, CKO.privateKey, ref, what);
  if (!privateHandle) throw new KeyceremonyError('TOKEN_NOT_FOUND', `${what}: no such private key on the token`);
  const publicHandle = findOne(session, CKO.publicKey, ref, what);
  if (!publicHandle)
    throw new KeyceremonyError(
      'TOKEN_NOT_FOUND',
      `${what}: the token has the private key but no public key object beside it`,
    );
  return { publicKey: readPublicKey(session, publicHandle), privateHandle, publicHandle };
}
