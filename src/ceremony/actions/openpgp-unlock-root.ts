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
import type { SecretKeyMaterial } from '../../crypto/key-material.js';
import type { Signer } from '../../signer/signer.js';
import type { InventoryKey } from '../../vault/inventory.js';
import { vaultPath } from '../../vault/layout.js';
import { openTokenSigner } from '../token-keys.js';
import { defineAction } from '../action.js';
import type { CeremonyContext, SessionSubkey } from '../context.js';

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

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  const entry = selectInventoryRoot(ctx.inventory.keys, params.fingerprint);
  // A token root's vault file holds its release subkeys (and stubs, or the encrypted backup of imported copies).
  const secretPath = entry.location.type === 'file' ? entry.location.path : vaultPath.openpgpSecretKey(entry.id);
  const unlocked = await decryptSecretKey(await ctx.vault.read(secretPath), await ctx.vaultPassphrase(), `vault/${secretPath}`);
  const certificate = unlocked.certificate;
  const fpr = fingerprintHex(certificate.primary);
  if (fpr !== entry.id) throw new KeyceremonyError('VAULT_INVALID', `vault/${secretPath} holds ${fpr}, not ${entry.id}`);
  // Keys the inventory puts on a token sign there, even when the vault also holds an imported copy's backup.
  const tokenUri = (id: string): string | undefined => {
    const location = ctx.inventory.keys.find((k) => k.id === id)?.location;
    return location?.type === 'pkcs11' ? location.uri : undefined;
  };
  const primaryUri = tokenUri(fpr);
  const primarySecret = unlocked.secrets.get(fpr);
  let primarySigner: Signer;
  if (primaryUri) {
    primarySigner = await openTokenSigner(ctx, primaryUri, { expected: certificate.primary.material, what: `OpenPGP root ${fpr}` });
  } else if (primarySecret) {
    primarySigner = new SoftwareSigner({ publicKey: certificate.primary.material, secretKey: primarySecret });
  } else {
    throw new KeyceremonyError('VAULT_INVALID', `vault/${secretPath} has no secret for the root ${fpr}`);
  }

  const status = evaluateCertificate(certificate, ctx.now());
  const labels = new Map(ctx.inventory.keys.map((k) => [k.id, k.label] as const));
  const subkeys: SessionSubkey[] = [];
  for (const sub of status.subkeys) {
    const uri = tokenUri(sub.fingerprint);
    const secret = unlocked.secrets.get(sub.fingerprint);
    // Revoked or expired token subkeys are not opened: they sign nothing any more.
    if (uri && sub.problems.length > 0) continue;
    let signer: Signer;
    if (uri) signer = await openTokenSigner(ctx, uri, { expected: sub.key.material, what: `subkey ${sub.fingerprint}` });
    else if (secret) signer = new SoftwareSigner({ publicKey: sub.key.material, secretKey: secret });
    else continue;
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
    throw new KeyceremonyError('VAULT_INVALID', `root ${fpr} has no usable ceremony-transcripts subkey to sign this ceremony's transcript`);
  }

  ctx.ui.fingerprint('Root key fingerprint (compare with the published one)', fpr);
  if (status.primary.problems.length > 0) ctx.ui.warn(`The root: ${status.primary.problems.join('; ')}`);
  ctx.transcript.record('key.unlocked', {
    id: fpr,
    kind: 'openpgp-primary',
    location: primaryUri ? 'pkcs11' : 'software',
    ...(primaryUri ? { uri: primaryUri } : {}),
    subkeys: subkeys.length,
  });
  const secrets = new Map<string, SecretKeyMaterial | 'stub'>(unlocked.secrets);
  for (const key of [certificate.primary, ...certificate.subkeys.map((s) => s.key)]) {
    if (!secrets.has(fingerprintHex(key))) secrets.set(fingerprintHex(key), 'stub');
  }
  ctx.provide({
    product: 'openpgp-root',
    certificate,
    primary: { key: certificate.primary, signer: primarySigner },
    subkeys,
    transcriptKey,
    secrets,
    secretPath,
  });
  ctx.setTranscriptSigner({ root: certificate.primary, key: transcriptKey });
  ctx.ui.success(primaryUri ? `Root ${fpr} opened on its token (certificate and subkeys from vault/${secretPath})` : `Root ${fpr} unlocked from vault/${secretPath}`);
}

export const openpgpUnlockRoot = defineAction<Params>({
  name: 'openpgp.unlock-root',
  title: 'Unlock the OpenPGP root key from the vault',
  params: Params,
  produces: 'openpgp-root',
  describe(params) {
    return {
      summary: `Open ${params.fingerprint ? `the root ${params.fingerprint}` : "the vault's active root"} with the vault passphrase and show its fingerprint for the witnesses to compare with the published one. A root on a PKCS#11 token is used on the token: the operator confirms the token and enters its PIN.`,
    };
  },
  run,
});
