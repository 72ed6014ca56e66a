/**
 * Keys on PKCS#11 tokens for ceremony actions — the two calls any action needs, whatever it builds around
 * the key (an OpenPGP root, a DCT root.json, a transcript signature):
 *
 * - {@link createTokenKey}: a new key pair on the script's token — generated on the token, or generated in
 *   software and imported onto the token and its copies — proven to sign for its public key.
 * - {@link openTokenSigner}: the Signer for a key an earlier ceremony put on a token, from the RFC 7512 URI the
 *   inventory keeps (`location: {type: 'pkcs11', uri}`), checked against the public key on record.
 *
 * Both go through the session's token broker (ctx.token): the operator confirms the token, logs in once per
 * ceremony under the login policy, and keys created by a failed ceremony are destroyed again.
 */
import { randomBytes } from 'node:crypto';
import { describeAlgorithm, type KeyAlgorithm, signatureHash } from '../crypto/index.js';
import { digestLength, legacyDigestRequest } from '../crypto/index.js';
import { generateKeyPair, type PublicKeyMaterial, samePublicKey, type SecretKeyMaterial } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import type { KeyAttributeReport } from '../pkcs11/index.js';
import type { JsonObject } from '../transcript/index.js';
import {
  findKeyPair,
  generateOnToken,
  importToToken,
  refuseExisting,
  requireAlgorithm,
  type TokenKeyRef,
} from '../pkcs11/index.js';
import { formatPkcs11Uri, parsePkcs11Uri } from '../pkcs11/index.js';
import { Pkcs11Signer } from '../signer/index.js';
import { toHex } from '../util/bytes.js';
import type { CeremonyContext } from './context.js';
import type { KeyGeneration } from './params/token.js';
import type { TokenSelection } from './tokens.js';

export interface TokenKeyRequest {
  /** What the key is, for messages and the transcript ("OpenPGP root", "DCT root for docker.io/wikibase/x"). */
  readonly what: string;
  readonly algorithm: KeyAlgorithm;
  readonly token: TokenSelection;
  /** CKA_LABEL; CKA_ID is random (16 bytes) unless given. */
  readonly label: string;
  readonly id?: Uint8Array | undefined;
  readonly generation: KeyGeneration;
  /** With imported-copies: the further tokens that receive the same key. */
  readonly copies?: readonly TokenSelection[];
}

export interface TokenKey {
  readonly publicKey: PublicKeyMaterial;
  /** Signs on the (first) token. */
  readonly signer: Pkcs11Signer;
  /** RFC 7512 URI for the inventory: with the token's serial for on-token keys, without it for imported copies (any copy matches). */
  readonly uri: string;
  readonly generation: KeyGeneration;
  /** Serial of every token that holds the key. */
  readonly serials: readonly string[];
  /** With imported-copies: the software copy, for the caller to write encrypted to the vault (the backup). */
  readonly secret: SecretKeyMaterial | undefined;
}

/** The private key's attributes as read back (pkcs11/key-attributes.ts), for the transcript. */
function attributeRecord(report: KeyAttributeReport): JsonObject {
  return { template: report.template, ...report.attributes, notes: [...report.notes] };
}

/** Signs a random digest and checks it (the signer verifies every signature against its public key). */
async function proveSigns(signer: Pkcs11Signer, algorithm: KeyAlgorithm): Promise<void> {
  const hash = signatureHash(algorithm);
  await signer.sign(legacyDigestRequest(algorithm, new Uint8Array(randomBytes(digestLength[hash])), hash));
}

export async function createTokenKey(ctx: CeremonyContext, request: TokenKeyRequest): Promise<TokenKey> {
  const ref: TokenKeyRef = { label: request.label, id: request.id ?? new Uint8Array(randomBytes(16)) };
  const algorithm = request.algorithm;
  if (request.generation === 'on-token') {
    if (request.copies?.length)
      throw new KeyceremonyError(
        'SCRIPT_INVALID',
        `${request.what}: copies need generation: imported-copies (a key generated on a token cannot be copied)`,
      );
    const token = await ctx.token(request.token);
    requireAlgorithm(algorithm, token.mechanisms, token.name, 'generate');
    refuseExisting(token.session, ref, token.name);
    ctx.ui.info(`Generating the ${describeAlgorithm(algorithm)} ${request.what} key on token ${token.name}…`);
    const started = performance.now();
    const pair = generateOnToken(token.session, algorithm, ref, token.name);
    token.created(pair.privateHandle, pair.publicHandle);
    const generationMs = performance.now() - started;
    const uri = token.uri(ref);
    const signer = new Pkcs11Signer(token.session, pair.privateHandle, pair.publicKey, uri);
    await proveSigns(signer, algorithm);
    ctx.transcript.record('token.key-created', {
      what: request.what,
      uri,
      algorithm,
      generation: 'on-token',
      token: { label: token.description.label, serial: token.description.serial },
      check: 'public key read back; test signature by the token verifies',
      attributes: attributeRecord(pair.attributes),
      milliseconds: Math.round(generationMs),
    });
    ctx.ui.success(`${request.what} key generated on token ${token.name}; non-extractable, signs for its public key`);
    return {
      publicKey: pair.publicKey,
      signer,
      uri,
      generation: 'on-token',
      serials: [token.description.serial],
      secret: undefined,
    };
  }

  // Imported copies: one software key, imported onto every token, each proven to sign for the same public key.
  const targets = [request.token, ...(request.copies ?? [])];
  ctx.ui.info(
    `Generating the ${describeAlgorithm(algorithm)} ${request.what} key in software, to import onto ${targets.length} token(s)…`,
  );
  const pair = await generateKeyPair(algorithm);
  let first: Pkcs11Signer | undefined;
  const serials: string[] = [];
  const labels = new Set<string>();
  for (const selection of targets) {
    const token = await ctx.token(selection);
    requireAlgorithm(algorithm, token.mechanisms, token.name, 'import');
    refuseExisting(token.session, ref, token.name);
    const imported = importToToken(token.session, pair, ref, token.name);
    token.created(imported.privateHandle, imported.publicHandle);
    if (!samePublicKey(imported.publicKey, pair.publicKey)) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `token ${token.name} reads back a different public key for ${request.what}`,
      );
    }
    const signer = new Pkcs11Signer(token.session, imported.privateHandle, pair.publicKey, token.uri(ref));
    await proveSigns(signer, algorithm);
    first ??= signer;
    serials.push(token.description.serial);
    labels.add(token.description.label);
    ctx.transcript.record('token.key-imported', {
      what: request.what,
      uri: token.uri(ref),
      algorithm,
      generation: 'imported-copies',
      copy: serials.length,
      of: targets.length,
      token: { label: token.description.label, serial: token.description.serial },
      check: 'public key read back equal; test signature by the token verifies',
      attributes: attributeRecord(imported.attributes),
    });
    ctx.ui.success(
      `${request.what} key imported onto token ${token.name} (copy ${serials.length} of ${targets.length}); non-extractable, signs for the same public key`,
    );
  }
  const [label] = labels;
  const uri = formatPkcs11Uri({
    ...(labels.size === 1 && label !== undefined ? { token: label } : {}),
    object: ref.label,
    type: 'private',
    id: ref.id,
    ...(request.token.module ? { modulePath: request.token.module } : {}),
  });
  return {
    publicKey: pair.publicKey,
    signer: first!,
    uri,
    generation: 'imported-copies',
    serials,
    secret: pair.secretKey,
  };
}

/**
 * The Signer for a key on a token, from its inventory URI. With `expected`, the token's public key must be
 * that key (a token holding a different key under the same label stops the ceremony). The URI must name the
 * token (`token=`); `serial=` pins one physical token, `module-path=` the module.
 */
export async function openTokenSigner(
  ctx: CeremonyContext,
  uri: string,
  options: { expected?: PublicKeyMaterial; what?: string } = {},
): Promise<Pkcs11Signer> {
  const what = options.what ?? 'token key';
  const parsed = parsePkcs11Uri(uri);
  if (parsed.token === undefined)
    throw new KeyceremonyError('VAULT_INVALID', `${what}: the URI ${uri} does not name a token (token=)`);
  const token = await ctx.token({ label: parsed.token, serial: parsed.serial, module: parsed.modulePath }, 'use');
  const pair = findKeyPair(
    token.session,
    { label: parsed.object, id: parsed.id },
    `${what} (${uri}) on token ${token.name}`,
  );
  if (options.expected && !samePublicKey(pair.publicKey, options.expected)) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `${what}: token ${token.name} holds a different key under ${uri} than the vault records`,
    );
  }
  const signer = new Pkcs11Signer(token.session, pair.privateHandle, pair.publicKey, uri);
  await proveSigns(signer, pair.publicKey.algorithm);
  ctx.transcript.record('token.key-opened', {
    what,
    uri,
    token: { label: token.description.label, serial: token.description.serial },
    id: parsed.id ? toHex(parsed.id) : null,
    check: 'public key matches the vault record; test signature by the token verifies',
  });
  return signer;
}
