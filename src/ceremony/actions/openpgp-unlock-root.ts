/**
 * `openpgp.unlock-root`: opens the root of an earlier ceremony from the vault (rotation, revocation, issuing
 * keys, DCT ceremonies that need a transcript signer). The vault passphrase is asked and checked; the root
 * fingerprint is shown for the witnesses to compare with the one on record.
 */
import { z } from 'zod';
import { KeyceremonyError } from '../../errors.js';
import { evaluateCertificate } from '../../openpgp/certificate-state.js';
import { TRANSCRIPT_PURPOSE } from '../../openpgp/constants.js';
import { fingerprintHex } from '../../openpgp/key-packet.js';
import { decryptSecretKey } from '../../openpgp/secret-key-file.js';
import { SoftwareSigner } from '../../signer/software-signer.js';
import type { Inventory, InventoryKey } from '../../vault/inventory.js';
import type { TreeReader } from '../../vault/vault-certificates.js';
import { defineAction } from '../action.js';
import type { CeremonyContext, OpenPgpRootProduct, SessionSubkey } from '../context.js';

const Params = z.strictObject({
  /** The root to unlock; may be left out when the vault holds exactly one active root. */
  fingerprint: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
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
      active.length === 0 ? 'the vault has no active OpenPGP root' : 'the vault has several active roots: give params.fingerprint',
    );
  }
  return active[0] as InventoryKey;
}

/**
 * Decrypts a root and its subkeys from a vault (on disk, or a scratch vault in memory) with the vault
 * passphrase; the product a ceremony signs with. Problems of the root itself (expired, revoked) are returned
 * for the caller to show.
 */
export async function unlockRootFrom(
  vault: TreeReader,
  inventory: Inventory,
  options: { passphrase: string; fingerprint: string | undefined; now: Date; where?: string },
): Promise<{ product: OpenPgpRootProduct; problems: readonly string[] }> {
  const where = options.where ?? 'vault';
  const entry = selectInventoryRoot(inventory.keys, options.fingerprint);
  if (entry.location.type !== 'file') {
    throw new KeyceremonyError('VAULT_INVALID', `root ${entry.id} lives at ${entry.location.uri}; unlocking token roots needs a token step`);
  }
  const secretPath = entry.location.path;
  const unlocked = await decryptSecretKey(await vault.read(secretPath), options.passphrase, `${where}/${secretPath}`);
  const certificate = unlocked.certificate;
  const fpr = fingerprintHex(certificate.primary);
  if (fpr !== entry.id) throw new KeyceremonyError('VAULT_INVALID', `${where}/${secretPath} holds ${fpr}, not ${entry.id}`);
  const primarySecret = unlocked.secrets.get(fpr);
  if (!primarySecret) throw new KeyceremonyError('VAULT_INVALID', `${where}/${secretPath} has no secret for the root ${fpr}`);

  const status = evaluateCertificate(certificate, options.now);
  const labels = new Map(inventory.keys.map((k) => [k.id, k.label] as const));
  const subkeys: SessionSubkey[] = [];
  for (const sub of status.subkeys) {
    const secret = unlocked.secrets.get(sub.fingerprint);
    if (!secret) continue;
    subkeys.push({
      key: { key: sub.key, signer: new SoftwareSigner({ publicKey: sub.key.material, secretKey: secret }) },
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
    throw new KeyceremonyError('VAULT_INVALID', `root ${fpr} has no usable ceremony-transcripts subkey to sign this ceremony's transcript`);
  }
  const secrets = new Map<string, typeof primarySecret | 'stub'>(unlocked.secrets);
  return {
    product: {
      product: 'openpgp-root',
      certificate,
      primary: { key: certificate.primary, signer: new SoftwareSigner({ publicKey: certificate.primary.material, secretKey: primarySecret }) },
      subkeys,
      transcriptKey,
      secrets,
      secretPath,
    },
    problems: status.primary.problems,
  };
}

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  selectInventoryRoot(ctx.inventory.keys, params.fingerprint); // before the passphrase is asked: a wrong script fails first
  const { product, problems } = await unlockRootFrom(ctx.vault, ctx.inventory, {
    passphrase: await ctx.vaultPassphrase(),
    fingerprint: params.fingerprint,
    now: ctx.now(),
  });
  const fpr = fingerprintHex(product.primary.key);
  ctx.ui.fingerprint('Root key fingerprint (compare with the published one)', fpr);
  if (problems.length > 0) ctx.ui.warn(`The root: ${problems.join('; ')}`);
  ctx.transcript.record('key.unlocked', { id: fpr, kind: 'openpgp-primary', location: 'software', subkeys: product.subkeys.length });
  ctx.provide(product);
  ctx.setTranscriptSigner({ root: product.primary.key, key: product.transcriptKey });
  ctx.ui.success(`Root ${fpr} unlocked from vault/${product.secretPath}`);
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
