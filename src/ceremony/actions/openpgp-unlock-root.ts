/**
 * `openpgp.unlock-root`: opens the root of an earlier ceremony from the vault (rotation, revocation, issuing
 * keys, DCT ceremonies that need a transcript signer). The vault passphrase is asked and checked; the root
 * fingerprint is shown for the witnesses to compare with the one on record.
 */
import { z } from 'zod';
import { KeyceremonyError } from '../../errors.js';
import { evaluateCertificate } from '../../openpgp/index.js';
import { TRANSCRIPT_PURPOSE } from '../../openpgp/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { decryptSecretKey } from '../../openpgp/index.js';
import type { PublicKeyMaterial, SecretKeyMaterial } from '../../crypto/index.js';
import { type Signer, SoftwareSigner } from '../../signer/index.js';
import type { Inventory, InventoryKey } from '../../vault/index.js';
import { vaultPath } from '../../vault/index.js';
import type { TreeReader } from '../../vault/index.js';
import { openTokenSigner } from '../token-keys.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import type { OpenPgpRootProduct, SessionSubkey } from '../products.js';
import { normalizeFingerprint } from '../../util/fingerprint-display.js';

const Params = z.strictObject({
  /** The root to unlock; may be left out when the vault holds exactly one active root. */
  fingerprint: z
    .string()
    .transform(normalizeFingerprint)
    .pipe(z.string().regex(/^[0-9A-F]{40}$/, 'must be a 40-digit hex fingerprint'))
    .optional(),
});
type Params = z.infer<typeof Params>;

export function selectInventoryRoot(keys: readonly InventoryKey[], fingerprint: string | undefined): InventoryKey {
  const roots = keys.filter((k) => k.kind === 'openpgp-primary');
  if (fingerprint) {
    const found = roots.find((k) => k.id === fingerprint);
    if (!found) throw new KeyceremonyError('VAULT_INVALID', `the vault has no OpenPGP root ${fingerprint}`);
    return found;
  }
  const active = roots.filter((k) => k.status === 'active');
  if (active.length !== 1) {
    throw new KeyceremonyError(
      'SCRIPT_INVALID',
      active.length === 0
        ? 'the vault has no active OpenPGP root'
        : 'the vault has several active roots: give params.fingerprint',
    );
  }
  return active[0] as InventoryKey;
}

/** Opens a key the inventory puts on a PKCS#11 token (the ceremony's token broker, with its login policy). */
export type OpenTokenKey = (uri: string, expected: PublicKeyMaterial, what: string) => Promise<Signer>;

/**
 * Decrypts a root and its subkeys from a vault (on disk, or a scratch vault in memory) with the vault
 * passphrase; the product a ceremony signs with. Keys the inventory puts on a token are opened there with
 * `openToken` (a token root's vault file holds its release subkeys, and stubs or an imported copy's backup).
 * Problems of the root itself (expired, revoked) are returned for the caller to show.
 */
export async function unlockRootFrom(
  vault: TreeReader,
  inventory: Inventory,
  options: { passphrase: string; fingerprint: string | undefined; now: Date; where?: string; openToken?: OpenTokenKey },
): Promise<{ product: OpenPgpRootProduct; problems: readonly string[]; primaryUri: string | undefined }> {
  const where = options.where ?? 'vault';
  const entry = selectInventoryRoot(inventory.keys, options.fingerprint);
  const secretPath = entry.location.type === 'file' ? entry.location.path : vaultPath.openpgpSecretKey(entry.id);
  const unlocked = await decryptSecretKey(await vault.read(secretPath), options.passphrase, `${where}/${secretPath}`);
  const certificate = unlocked.certificate;
  const fpr = fingerprintHex(certificate.primary);
  if (fpr !== entry.id)
    throw new KeyceremonyError('VAULT_INVALID', `${where}/${secretPath} holds ${fpr}, not ${entry.id}`);
  // Keys the inventory puts on a token sign there, even when the vault also holds an imported copy's backup.
  const tokenUri = (id: string): string | undefined => {
    const location = inventory.keys.find((k) => k.id === id)?.location;
    return location?.type === 'pkcs11' ? location.uri : undefined;
  };
  // Without a token opener (a recovery drill on a restored copy), an imported copy's backup in the vault file
  // stands in for the token; a key generated on a token has none.
  const signerFor = async (
    uri: string | undefined,
    secret: SecretKeyMaterial | undefined,
    material: PublicKeyMaterial,
    what: string,
  ): Promise<Signer | undefined> => {
    if (uri && options.openToken) return options.openToken(uri, material, what);
    if (secret) return new SoftwareSigner({ publicKey: material, secretKey: secret });
    if (uri)
      throw new KeyceremonyError(
        'VAULT_INVALID',
        `${what} lives only on its token (${uri}); this step cannot open tokens`,
      );
    return undefined;
  };
  const primaryUri = tokenUri(fpr);
  const primarySigner = await signerFor(
    primaryUri,
    unlocked.secrets.get(fpr),
    certificate.primary.material,
    `OpenPGP root ${fpr}`,
  );
  if (!primarySigner)
    throw new KeyceremonyError('VAULT_INVALID', `${where}/${secretPath} has no secret for the root ${fpr}`);

  const status = evaluateCertificate(certificate, options.now);
  const labels = new Map(inventory.keys.map((k) => [k.id, k.label] as const));
  const subkeys: SessionSubkey[] = [];
  for (const sub of status.subkeys) {
    const uri = tokenUri(sub.fingerprint);
    // Revoked or expired token subkeys are not opened: they sign nothing any more.
    if (uri && sub.problems.length > 0) continue;
    const signer = await signerFor(
      uri,
      unlocked.secrets.get(sub.fingerprint),
      sub.key.material,
      `subkey ${sub.fingerprint}`,
    );
    if (!signer) continue;
    subkeys.push({
      key: { key: sub.key, signer },
      label: labels.get(sub.fingerprint),
      purpose: sub.purpose === TRANSCRIPT_PURPOSE ? 'transcripts' : 'release',
    });
  }
  // The newest transcripts subkey that is still usable signs this ceremony's transcript.
  const transcriptKey = subkeys
    .filter((s) => s.purpose === 'transcripts')
    .filter((s) => status.subkeys.find((k) => k.fingerprint === fingerprintHex(s.key.key))?.problems.length === 0)
    .at(-1)?.key;
  if (!transcriptKey) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `root ${fpr} has no usable ceremony-transcripts subkey to sign this ceremony's transcript`,
    );
  }
  const secrets = new Map<string, SecretKeyMaterial | 'stub'>(unlocked.secrets);
  for (const key of [certificate.primary, ...certificate.subkeys.map((s) => s.key)]) {
    if (!secrets.has(fingerprintHex(key))) secrets.set(fingerprintHex(key), 'stub');
  }
  return {
    product: {
      certificate,
      primary: { key: certificate.primary, signer: primarySigner },
      subkeys,
      transcriptKey,
      secrets,
      secretPath,
    },
    problems: status.primary.problems,
    primaryUri,
  };
}

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  selectInventoryRoot(ctx.inventory.keys, params.fingerprint); // before the passphrase is asked: a wrong script fails first
  const { product, problems, primaryUri } = await unlockRootFrom(ctx.vault, ctx.inventory, {
    passphrase: await ctx.vaultPassphrase(),
    fingerprint: params.fingerprint,
    now: ctx.now(),
    openToken: (uri, expected, what) => openTokenSigner(ctx, uri, { expected, what }),
  });
  const fpr = fingerprintHex(product.primary.key);
  ctx.ui.fingerprint('Root key fingerprint (compare with the published one)', fpr);
  if (problems.length > 0) ctx.ui.warn(`The root: ${problems.join('; ')}`);
  ctx.transcript.record('key.unlocked', {
    id: fpr,
    kind: 'openpgp-primary',
    location: primaryUri ? 'pkcs11' : 'software',
    ...(primaryUri ? { uri: primaryUri } : {}),
    subkeys: product.subkeys.length,
  });
  ctx.products.provide('openpgp-root', product);
  ctx.setTranscriptSigner({ root: product.primary.key, key: product.transcriptKey });
  ctx.ui.success(
    primaryUri
      ? `Root ${fpr} opened on its token (certificate and subkeys from vault/${product.secretPath})`
      : `Root ${fpr} unlocked from vault/${product.secretPath}`,
  );
}

export const openpgpUnlockRoot = defineAction<Params>({
  name: 'openpgp.unlock-root',
  title: 'Unlock the OpenPGP root key from the vault',
  params: Params,
  produces: 'openpgp-root',
  describe(params) {
    return {
      summary: `Open ${params.fingerprint ? `the root ${params.fingerprint}` : "the vault's active root"} with the vault passphrase and show its fingerprint for the witnesses to compare with the published one.`,
    };
  },
  run,
});
