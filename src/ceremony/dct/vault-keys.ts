/**
 * DCT keys in a ceremony: the DCT passphrase, finding keys in the inventory, opening them as Signers, and
 * writing notary key files with a read-back check.
 *
 * The vault's DCT keys (root, targets, copies of delegation keys) are encrypted with their own passphrase,
 * prompt id `dct.passphrase`, not with the vault passphrase: the files are in notary's format so that they
 * can be used with notary if ever needed, and doing so must not expose the passphrase of the OpenPGP root.
 * It is set (twice, with the strength floor) in the first DCT ceremony and checked by decrypting a DCT key
 * in every later one. Under an officer quorum (docs/quorum.md) nobody types it: it is derived from the quorum
 * secret, so the DCT root opens only with k officer shares too.
 */
import { quorumDctPassphrase } from '../../backup/index.js';
import { generateKeyPair, type KeyPair, samePublicKey } from '../../crypto/index.js';
import { decryptNotaryKey, encryptNotaryKey, type NotaryKeyHeaders } from '../../dct/index.js';
import { dctVaultPath } from '../../dct/index.js';
import { spkiKeyId } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { type Signer, SoftwareSigner } from '../../signer/index.js';
import { fromHex } from '../../util/bytes.js';
import type { JsonObject } from '../../transcript/index.js';
import type { InventoryKey, KeyLocation } from '../../vault/index.js';
import type { OutputTree, WrittenFile } from '../../vault/index.js';
import type { CeremonyContext } from '../context.js';
import type { DctKeysProduct } from '../products.js';
import type { TokenKeyParam } from '../params/token.js';
import { keyPassphraseRequest } from '../prompts/prompter.js';
import { createTokenKey, openTokenSigner } from '../token-keys.js';
import { wholeSeconds } from '../../util/duration.js';

export const DCT_PASSPHRASE_PROMPT = 'dct.passphrase';
export const handoffPassphrasePrompt = (signer: string): string => `dct.handoff.${signer}.passphrase`;

/** This ceremony's DCT passphrase and opened keys (a session product: src/ceremony/products.ts). */
function state(ctx: CeremonyContext): DctKeysProduct {
  return ctx.products.session('dct-keys');
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function dctKinds(entry: InventoryKey): boolean {
  return entry.kind === 'dct-root' || entry.kind === 'dct-targets' || entry.kind === 'dct-delegation';
}

/** The DCT passphrase, asked once per ceremony: set on the first DCT ceremony, checked on later ones. */
export async function dctPassphrase(ctx: CeremonyContext): Promise<string> {
  const s = state(ctx);
  if (s.passphrase !== undefined) return s.passphrase;
  // Asked before this ceremony writes any DCT key, so a DCT key in the inventory comes from an earlier one.
  const existing = ctx.inventory.keys.find((k) => dctKinds(k) && k.location.type === 'file');
  const path = existing?.location.type === 'file' ? existing.location.path : undefined;
  if (ctx.quorum) {
    s.passphrase = await quorumDctKeysPassphrase(ctx, ctx.quorum, path);
    return s.passphrase;
  }
  s.passphrase = await ctx.secret(
    keyPassphraseRequest(ctx.script.script.preflight.minPassphraseBits, {
      id: DCT_PASSPHRASE_PROMPT,
      label: 'DCT key passphrase (Docker Content Trust root and repository keys)',
      purpose: path ? 'existing' : 'new',
      ...(path
        ? {
            check: async (value: string): Promise<string | undefined> => {
              try {
                decryptNotaryKey(text(await ctx.vault.read(path)), value, `vault/${path}`);
                return undefined;
              } catch (error) {
                if (error instanceof KeyceremonyError && error.code === 'PASSPHRASE_WRONG')
                  return 'wrong DCT passphrase';
                throw error;
              }
            },
          }
        : {}),
    }),
  );
  return s.passphrase;
}

/**
 * Under a quorum nobody types the DCT passphrase: it is derived from the quorum secret (src/backup/quorum-pin.ts),
 * which k officers rebuild, and checked against a DCT key already in the vault.
 */
async function quorumDctKeysPassphrase(
  ctx: CeremonyContext,
  quorum: NonNullable<CeremonyContext['quorum']>,
  path: string | undefined,
): Promise<string> {
  const passphrase = quorumDctPassphrase(await ctx.vaultPassphrase());
  ctx.protectSecret(passphrase);
  if (path) {
    try {
      decryptNotaryKey(text(await ctx.vault.read(path)), passphrase, `vault/${path}`);
    } catch (error) {
      if (error instanceof KeyceremonyError && error.code === 'PASSPHRASE_WRONG')
        throw new KeyceremonyError(
          'VAULT_INVALID',
          `vault/${path} does not open with the DCT passphrase derived from the quorum (share set ${quorum.set}): its DCT keys were not made or re-encrypted under this quorum`,
        );
      throw error;
    }
  }
  ctx.transcript.record('quorum.dct-passphrase', { set: quorum.set, checked: path !== undefined });
  return passphrase;
}

/**
 * Re-encrypts every DCT key file of the vault from `oldPassphrase` to `newPassphrase` (a quorum's re-sharing):
 * each replaced, read back to the same key with the new passphrase, and checked to refuse the old one.
 */
export async function reencryptDctKeys(
  ctx: CeremonyContext,
  oldPassphrase: string,
  newPassphrase: string,
): Promise<string[]> {
  const paths = [
    ...new Set(ctx.inventory.keys.flatMap((k) => (dctKinds(k) && k.location.type === 'file' ? [k.location.path] : []))),
  ];
  for (const path of paths) {
    const where = `vault/${path}`;
    const before = decryptNotaryKey(text(await ctx.vault.read(path)), oldPassphrase, where);
    if (before.headers.role === undefined)
      throw new KeyceremonyError('VAULT_INVALID', `${where} has no role header: it was not written by keyceremony`);
    const headers: NotaryKeyHeaders = {
      role: before.headers.role,
      ...(before.headers.gun !== undefined ? { gun: before.headers.gun } : {}),
      path: before.keyId,
    };
    const file = await ctx.vault.replace(path, encryptNotaryKey(before.pair, newPassphrase, headers), ctx.now());
    const after = decryptNotaryKey(text(await ctx.vault.read(path)), newPassphrase, where);
    if (after.keyId !== before.keyId || !samePublicKey(after.pair.publicKey, before.pair.publicKey))
      throw new KeyceremonyError('CHECK_FAILED', `${where} does not read back with key ${before.keyId}`);
    let old: unknown = 'opens';
    try {
      decryptNotaryKey(text(await ctx.vault.read(path)), oldPassphrase, where);
    } catch (error) {
      old = error instanceof KeyceremonyError && error.code === 'PASSPHRASE_WRONG' ? 'refused' : error;
    }
    if (old !== 'refused')
      throw new KeyceremonyError('CHECK_FAILED', `${where} still opens with the old DCT passphrase`, {
        ...(old instanceof Error ? { cause: old } : {}),
      });
    ctx.recordOutput(file, { keyId: before.keyId, encrypted: true, reencrypted: true });
  }
  const s = state(ctx);
  if (s.passphrase !== undefined) s.passphrase = newPassphrase;
  return paths;
}

/** Remembers a key made in this ceremony so later steps sign with it without decrypting it again. */
export function rememberKey(ctx: CeremonyContext, pair: KeyPair): string {
  const id = spkiKeyId(pair.publicKey);
  state(ctx).keys.set(id, pair);
  return id;
}

/** The one active DCT root of the inventory. */
export function activeDctRoot(ctx: CeremonyContext): InventoryKey {
  const roots = ctx.inventory.keys.filter((k) => k.kind === 'dct-root' && k.status === 'active');
  if (roots.length === 0)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      'the vault has no active DCT root key: generate one first (dct.generate-root)',
    );
  if (roots.length > 1)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `the vault has ${roots.length} active DCT root keys; the inventory is inconsistent`,
    );
  return roots[0] as InventoryKey;
}

export function activeTargetsKey(ctx: CeremonyContext, gun: string): InventoryKey | undefined {
  return ctx.inventory.keys.find((k) => k.kind === 'dct-targets' && k.status === 'active' && k.label === gun);
}

export function activeDelegations(ctx: CeremonyContext): InventoryKey[] {
  return ctx.inventory.keys.filter((k) => k.kind === 'dct-delegation' && k.status === 'active');
}

/**
 * Opens a DCT key from the inventory as a Signer: a software key decrypted with the DCT passphrase, or a key
 * on a PKCS#11 token (the token is confirmed and logged in through the ceremony's token broker, and must hold
 * the key with the inventory's key ID).
 */
export async function openDctSigner(ctx: CeremonyContext, entry: InventoryKey): Promise<Signer> {
  const cached = state(ctx).keys.get(entry.id);
  if (cached) return new SoftwareSigner(cached);
  const onToken = state(ctx).tokenSigners.get(entry.id);
  if (onToken) return onToken;
  if (entry.location.type === 'pkcs11') {
    const signer = await openTokenSigner(ctx, entry.location.uri, { what: `DCT ${entry.role} key ${entry.id}` });
    if (spkiKeyId(signer.publicKey) !== entry.id) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the token holds a different key under ${entry.location.uri} than DCT ${entry.role} key ${entry.id}`,
      );
    }
    state(ctx).tokenSigners.set(entry.id, signer);
    ctx.transcript.record('key.unlocked', {
      id: entry.id,
      kind: entry.kind,
      location: 'pkcs11',
      uri: entry.location.uri,
    });
    return signer;
  }
  const path = entry.location.path;
  const opened = decryptNotaryKey(text(await ctx.vault.read(path)), await dctPassphrase(ctx), `vault/${path}`);
  if (opened.keyId !== entry.id)
    throw new KeyceremonyError('VAULT_INVALID', `vault/${path} holds key ${opened.keyId}, not ${entry.id}`);
  state(ctx).keys.set(entry.id, opened.pair);
  ctx.transcript.record('key.unlocked', {
    id: entry.id,
    kind: entry.kind,
    location: 'software',
    ...(entry.label ? { label: entry.label } : {}),
  });
  return new SoftwareSigner(opened.pair);
}

/**
 * Writes a notary key file into `tree`, reads it back, decrypts it with the same passphrase and checks it
 * holds the same key under the same ID.
 */
export async function writeNotaryKeyFile(
  tree: OutputTree,
  rel: string,
  pair: KeyPair,
  passphrase: string,
  headers: Omit<NotaryKeyHeaders, 'path'>,
): Promise<WrittenFile> {
  const keyId = spkiKeyId(pair.publicKey);
  const file = await tree.write(rel, encryptNotaryKey(pair, passphrase, { ...headers, path: keyId }));
  const back = decryptNotaryKey(text(await tree.read(rel)), passphrase, `${tree.name}/${rel}`);
  if (back.keyId !== keyId || !samePublicKey(back.pair.publicKey, pair.publicKey)) {
    throw new KeyceremonyError('CHECK_FAILED', `${tree.name}/${rel} does not read back with key ${keyId}`);
  }
  if (back.headers.role !== headers.role || back.headers.gun !== headers.gun) {
    throw new KeyceremonyError('CHECK_FAILED', `${tree.name}/${rel} does not read back with its role and GUN headers`);
  }
  return file;
}

/** Writes a key into the vault under dct/private/<keyID>.key, encrypted with the DCT passphrase. */
export async function writeVaultKey(
  ctx: CeremonyContext,
  pair: KeyPair,
  headers: Omit<NotaryKeyHeaders, 'path'>,
): Promise<{ file: WrittenFile; path: string; keyId: string }> {
  const keyId = rememberKey(ctx, pair);
  const path = dctVaultPath.privateKey(keyId);
  const file = await writeNotaryKeyFile(ctx.vault, path, pair, await dctPassphrase(ctx), headers);
  return { file, path, keyId };
}

/** Writes a new file or replaces the current version (earlier versions stay in the vault's .history). */
export async function writeOrReplace(tree: OutputTree, rel: string, data: string, now: Date): Promise<WrittenFile> {
  return (await tree.exists(rel)) ? tree.replace(rel, data, now) : tree.write(rel, data);
}

export function readText(bytes: Uint8Array): string {
  return text(bytes);
}

/** Shows a key ID for reading aloud (grouped) and exactly as notary and docker print it (lower case). */
export function showKeyId(ctx: CeremonyContext, label: string, keyId: string): void {
  ctx.ui.fingerprint(label, keyId, { words: false });
  ctx.ui.detail(keyId);
}

/**
 * Records when a DCT key next needs a ceremony: a root key when its first root certificate or root.json runs
 * out, a repository key when targets.json does, a delegation key when its certificate does. `keyceremony
 * status` warns ahead of that date like for any other key. The first note in a ceremony replaces what an
 * earlier ceremony recorded; later notes in the same ceremony keep the earliest date.
 */
export function noteDctExpiry(ctx: CeremonyContext, keyId: string, date: Date): void {
  const entry = ctx.inventory.keys.find((k) => k.id === keyId);
  if (!entry) return;
  const noted = state(ctx).expiriesNoted;
  const iso = date.toISOString();
  if (!noted.has(keyId) || entry.expires === null || iso < entry.expires) entry.expires = iso;
  noted.add(keyId);
}

/** Where a new DCT root key is made: in software (the vault keeps it, encrypted) or on a PKCS#11 token. */
export interface DctRootLocation {
  readonly location: 'software' | 'token';
  readonly token?: TokenKeyParam | undefined;
}

/** CKA_LABEL of a DCT root key on a token, when the script gives none. */
export const DEFAULT_DCT_ROOT_OBJECT = 'dct-root';

/**
 * Makes a DCT root key (ECDSA P-256) and registers it: in software, written to the vault in notary's format;
 * on a token, generated there (no backup possible) or imported onto it and its copies with the encrypted
 * backup in the vault. Returns its key ID and a Signer for the rest of the ceremony.
 */
export async function createDctRootKey(
  ctx: CeremonyContext,
  where: DctRootLocation,
  extra: JsonObject = {},
): Promise<{ keyId: string; signer: Signer }> {
  const created = wholeSeconds(ctx.now());
  if (where.location === 'software') {
    const pair = await generateKeyPair('nistp256');
    const { file, path, keyId } = await writeVaultKey(ctx, pair, { role: 'root' });
    showKeyId(ctx, 'DCT root key ID (as `notary key list` shows it)', keyId);
    registerDctKey(ctx, { keyId, kind: 'dct-root', role: 'root', path, created }, extra);
    ctx.recordOutput(file, { keyId, encrypted: true, format: 'notary' });
    ctx.ui.success(`DCT root key written and checked: vault/${path}`);
    return { keyId, signer: new SoftwareSigner(pair) };
  }
  const t = where.token;
  if (!t) throw new KeyceremonyError('SCRIPT_INVALID', 'a DCT root on a token needs the token parameters (token:)');
  const key = await createTokenKey(ctx, {
    what: 'DCT root',
    algorithm: 'nistp256',
    token: { label: t.label, serial: t.serial, module: t.module },
    label: t.object ?? DEFAULT_DCT_ROOT_OBJECT,
    id: t.id ? fromHex(t.id) : undefined,
    generation: t.generation,
    copies: t.copies.map((c) => ({ label: c.label, serial: c.serial, module: c.module })),
  });
  const keyId = spkiKeyId(key.publicKey);
  let path: string | undefined;
  if (key.secret) {
    // Imported copies: the software copy is the backup, encrypted in the vault like any DCT key.
    const backup = await writeVaultKey(ctx, { publicKey: key.publicKey, secretKey: key.secret }, { role: 'root' });
    ctx.recordOutput(backup.file, { keyId, encrypted: true, format: 'notary', backupOf: key.uri });
    path = backup.path;
    state(ctx).keys.delete(keyId); // the token signs; the backup is not used in the ceremony
  }
  showKeyId(ctx, 'DCT root key ID (as `notary key list` shows it)', keyId);
  registerDctKey(
    ctx,
    { keyId, kind: 'dct-root', role: 'root', path: path ?? '', created, location: { type: 'pkcs11', uri: key.uri } },
    {
      ...extra,
      location: 'pkcs11',
      uri: key.uri,
      generation: key.generation,
      tokens: [...key.serials],
    },
  );
  state(ctx).tokenSigners.set(keyId, key.signer);
  ctx.ui.success(
    `DCT root key on token ${t.label}${key.generation === 'on-token' ? ' (generated there, non-extractable)' : ' (imported copies; encrypted backup in the vault)'}`,
  );
  return { keyId, signer: key.signer };
}

export interface NewDctKey {
  readonly keyId: string;
  readonly kind: 'dct-root' | 'dct-targets' | 'dct-delegation';
  readonly role: string;
  /** The GUN of a targets key, the signer's name of a delegation key. */
  readonly label?: string;
  readonly parent?: string;
  /** The vault file holding the key. */
  readonly path: string;
  readonly created: Date;
  /** Where the key lives when not in `path` (a token). */
  readonly location?: KeyLocation;
}

/** Records a new DCT key in the transcript (with `extra`) and adds it to the inventory. */
export function registerDctKey(ctx: CeremonyContext, key: NewDctKey, extra: JsonObject = {}): void {
  ctx.transcript.record('key.generated', {
    id: key.keyId,
    kind: key.kind,
    role: key.role,
    algorithm: 'nistp256',
    created: key.created.toISOString(),
    location: 'software',
    ...extra,
  });
  ctx.inventory.keys.push({
    id: key.keyId,
    kind: key.kind,
    role: key.role,
    ...(key.label !== undefined ? { label: key.label } : {}),
    algorithm: 'nistp256',
    created: key.created.toISOString(),
    expires: null,
    status: 'active',
    location: key.location ?? { type: 'file', path: key.path },
    ...(key.parent !== undefined ? { parent: key.parent } : {}),
    createdBy: ctx.script.script.name,
  });
}
