/**
 * An X.509 container-signing root in a ceremony: finding it in the inventory, opening it (the vault key with the
 * vault passphrase, or its token), writing encrypted keys with a read-back check, and issuing its CRL — the
 * plan (for the "what changes" view) and the signature, the vault file and the inventory entry whose deadline
 * `status` warns about.
 */
import { signatureHash } from '../../crypto/index.js';
import type { KeyPair, PublicKeyMaterial } from '../../crypto/index.js';
import { samePublicKey } from '../../crypto/index.js';
import { sha256Hex } from '../../crypto/index.js';
import { KeyceremonyError } from '../../errors.js';
import { type Signer, SoftwareSigner } from '../../signer/index.js';
import { addDuration, isoSeconds, parseDuration, wholeSeconds } from '../../util/duration.js';
import type { Inventory, InventoryKey } from '../../vault/index.js';
import type { OutputTree, WrittenFile } from '../../vault/index.js';
import { loadAuthority, type VaultCrl, x509VaultPath } from '../../vault/index.js';
import {
  createCrl,
  type CrlReasonName,
  decryptPrivateKeyPem,
  encryptPrivateKeyPem,
  type Linter,
  type ParsedCrl,
  zlintLinter,
} from '../../x509/index.js';
import { assertSameChanges, type ChangeRow, type ChangeView } from '../changes.js';
import type { CeremonyContext } from '../context.js';
import type { X509RootCaProduct } from '../products.js';
import { openTokenSigner } from '../token-keys.js';
import { type CrlState, crlState, crlView } from './change-view.js';

/** CKA_LABEL of a container-signing root key on a token, when the script gives none. */
export const DEFAULT_X509_ROOT_OBJECT = 'x509-root-ca';

/** The prompt id of a signer's hand-off passphrase (cosign and Notation key files). */
export const containersHandoffPrompt = (signer: string): string => `containers.handoff.${signer}.passphrase`;

/** Linters besides keyceremony's own profile rules: zlint, when the script names its binary. */
export function lintersFor(zlint: string | undefined): Linter[] {
  return zlint ? [zlintLinter(zlint)] : [];
}

export function activeRoots(inventory: Inventory): InventoryKey[] {
  return inventory.keys.filter((k) => k.kind === 'x509-root-ca' && k.status === 'active');
}

/** The root to use: the one with this fingerprint, or the vault's only active one. */
export function selectRoot(inventory: Inventory, fingerprint: string | undefined): InventoryKey {
  if (fingerprint) {
    const found = inventory.keys.find((k) => k.kind === 'x509-root-ca' && k.id === fingerprint);
    if (!found)
      throw new KeyceremonyError('VAULT_INVALID', `the vault has no container-signing root CA ${fingerprint}`);
    return found;
  }
  const active = activeRoots(inventory);
  if (active.length !== 1)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      active.length === 0
        ? 'the vault has no active container-signing root CA (x509.generate-root-ca makes one)'
        : 'the vault has several active container-signing roots: give params.fingerprint',
    );
  return active[0]!;
}

/**
 * Writes a key encrypted with `passphrase` (PKCS#8, scrypt), reads it back, decrypts it and checks it holds the
 * same key: a file that does not open is never left for later.
 */
export async function writeEncryptedKey(
  tree: OutputTree,
  rel: string,
  pair: KeyPair,
  passphrase: string,
): Promise<WrittenFile> {
  const file = await tree.write(rel, await encryptPrivateKeyPem(pair, passphrase));
  await readEncryptedKey(tree, rel, passphrase, pair.publicKey);
  return file;
}

/** Reads an encrypted key and checks it is the one expected (CBC alone would not notice damage). */
export async function readEncryptedKey(
  tree: { read(rel: string): Promise<Uint8Array>; readonly name?: string },
  rel: string,
  passphrase: string,
  expected: PublicKeyMaterial,
): Promise<KeyPair> {
  const where = `${tree.name ?? 'vault'}/${rel}`;
  const pair = await decryptPrivateKeyPem(new TextDecoder().decode(await tree.read(rel)), passphrase, where);
  if (!samePublicKey(pair.publicKey, expected))
    throw new KeyceremonyError('CHECK_FAILED', `${where} does not hold the key its certificate names`);
  // The key must also sign for that public key (a damaged private part with an intact public part would not).
  const algorithm = pair.publicKey.algorithm;
  await new SoftwareSigner(pair).sign({
    message: new TextEncoder().encode(where),
    hash: signatureHash(algorithm),
    scheme: algorithm === 'rsa4096' ? 'rsa-pkcs1v15' : 'ecdsa',
  });
  return pair;
}

/** Opens a root of the inventory: its certificate and settings from the vault, its key from the vault or a token. */
export async function openRootCa(ctx: CeremonyContext, entry: InventoryKey): Promise<X509RootCaProduct> {
  const authority = await loadAuthority(ctx.vault, ctx.inventory, entry);
  const certificate = authority.root;
  const what = `container-signing root CA ${authority.settings.name}`;
  let signer: Signer;
  if (entry.location.type === 'pkcs11') {
    signer = await openTokenSigner(ctx, entry.location.uri, { expected: certificate.parsed.publicKey, what });
  } else {
    const pair = await readEncryptedKey(
      ctx.vault,
      entry.location.path,
      await ctx.vaultPassphrase(),
      certificate.parsed.publicKey,
    );
    signer = new SoftwareSigner(pair);
  }
  return { id: entry.id, certificate, settings: authority.settings, signer, created: false };
}

/** A certificate to add to the CRL: the inventory entry of a signing certificate, and why. */
export interface NewRevocation {
  readonly leaf: InventoryKey;
  readonly serialHex: string;
  readonly reason: CrlReasonName;
}

/** The next CRL of a root, planned: nothing is signed yet. */
export interface CrlPlan {
  readonly rootId: string;
  readonly previous: VaultCrl | undefined;
  readonly before: CrlState | undefined;
  readonly after: CrlState;
  readonly revocations: readonly NewRevocation[];
  /** Serials by the signer that held them (for the view). */
  readonly holders: ReadonlyMap<string, string>;
  readonly request: Parameters<typeof createCrl>[0];
}

/** Serial (hex) of each signing certificate of the root, by inventory id. */
export type SerialsById = ReadonlyMap<string, string>;

/**
 * The next CRL of the root `rootId`: every certificate already revoked under it (from the inventory, with the
 * date and reason recorded there) plus `revocations`, numbered one past the current CRL, valid `validity` from now.
 */
export function planCrl(
  ctx: CeremonyContext,
  options: {
    readonly rootId: string;
    readonly previous: VaultCrl | undefined;
    readonly serials: SerialsById;
    readonly revocations: readonly NewRevocation[];
    readonly validity: string;
  },
): CrlPlan {
  const now = wholeSeconds(ctx.now());
  const leaves = ctx.inventory.keys.filter((k) => k.kind === 'x509-signing-cert' && k.parent === options.rootId);
  const holders = new Map<string, string>();
  for (const leaf of leaves) {
    const serial = options.serials.get(leaf.id);
    if (serial) holders.set(serial, leaf.label ?? leaf.role);
  }
  const revoked = [
    ...leaves
      .filter((k) => k.status === 'revoked')
      .map((k) => ({
        serialHex: options.serials.get(k.id) ?? '',
        revocationDate: new Date(k.revocation?.date ?? now.toISOString()),
        reason: (k.revocation?.reason ?? 'unspecified') as CrlReasonName,
      })),
    ...options.revocations.map((r) => ({ serialHex: r.serialHex, revocationDate: now, reason: r.reason })),
  ];
  const number = (options.previous?.parsed.crlNumber ?? 0) + 1;
  const nextUpdate = addDuration(now, parseDuration(options.validity));
  const request = { thisUpdate: now, nextUpdate, crlNumber: number, revoked };
  return {
    rootId: options.rootId,
    previous: options.previous,
    before: options.previous ? crlState(options.previous.parsed, holders) : undefined,
    after: {
      number,
      thisUpdate: now,
      nextUpdate,
      entries: revoked.map((r) => ({ ...r, holder: holders.get(r.serialHex) ?? 'unknown holder' })),
    },
    revocations: options.revocations,
    holders,
    request,
  };
}

/** The rows of a planned CRL in a view, prefixed "CRL " so they read apart from a certificate's fields. */
export function crlRows(before: CrlState | undefined, after: CrlState): ChangeRow[] {
  return crlView('', before, after).rows.map((r) => ({
    ...r,
    item: r.item.startsWith('CRL') ? r.item : `CRL ${r.item}`,
  }));
}

/**
 * Signs a planned CRL with the root, checks that it is exactly what the room confirmed, writes it to the vault
 * (replacing the current one, which stays in .history) and records its next-update deadline in the inventory.
 * The caller has shown and confirmed `plan` (alone or inside a larger view).
 */
export async function signCrl(
  ctx: CeremonyContext,
  root: X509RootCaProduct,
  plan: CrlPlan,
  linters: readonly Linter[],
): Promise<ParsedCrl> {
  const issued = await createCrl(
    plan.request,
    { certificate: root.certificate.parsed, scheme: root.settings.scheme },
    { signer: root.signer, linters },
  );
  assertSameChanges(
    { subject: 'CRL', rows: crlRows(plan.before, plan.after) },
    { subject: 'CRL', rows: crlRows(plan.before, crlState(issued.parsed, plan.holders)) },
  );
  const path = x509VaultPath.crl(root.id);
  const file = (await ctx.vault.exists(path))
    ? await ctx.vault.replace(path, issued.pem, ctx.now())
    : await ctx.vault.write(path, issued.pem);
  ctx.recordOutput(file, { crlNumber: plan.after.number, nextUpdate: isoSeconds(plan.after.nextUpdate) });
  const id = sha256Hex(issued.der);
  const fields = {
    id,
    created: plan.after.thisUpdate.toISOString(),
    expires: plan.after.nextUpdate.toISOString(),
    createdBy: ctx.script.script.name,
  };
  const existing = ctx.inventory.keys.find((k) => k.kind === 'x509-crl' && k.parent === root.id);
  if (existing) Object.assign(existing, fields);
  else
    ctx.inventory.keys.push({
      ...fields,
      kind: 'x509-crl',
      role: 'crl',
      label: root.settings.name,
      algorithm: root.certificate.parsed.publicKey.algorithm,
      status: 'active',
      location: { type: 'file', path },
      parent: root.id,
    });
  ctx.transcript.record('crl.issued', {
    root: root.id,
    crlNumber: plan.after.number,
    thisUpdate: isoSeconds(plan.after.thisUpdate),
    nextUpdate: isoSeconds(plan.after.nextUpdate),
    revoked: plan.after.entries.map((e) => e.serialHex),
    sha256: id,
    lintedBy: [...issued.lintedBy],
  });
  ctx.ui.success(
    `CRL ${plan.after.number} of ${root.settings.name} signed and checked; renew it before ${isoSeconds(plan.after.nextUpdate)}`,
  );
  return issued.parsed;
}

/** A view of a CRL alone (the x509.issue-crl and x509.revoke-signing-cert steps). */
export function crlOnlyView(root: X509RootCaProduct, plan: CrlPlan): ChangeView {
  return crlView(`CRL of the container-signing root ${root.settings.name}`, plan.before, plan.after);
}
