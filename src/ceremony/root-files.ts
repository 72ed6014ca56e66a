/**
 * Writing an OpenPGP root's files to the vault — the encrypted secret key file and the public certificate —
 * and checking them on the way back: the secret file must decrypt with the vault passphrase to exactly the
 * certificate and secrets in memory. Used when a root is made, renewed or revoked.
 */
import type { SecretKeyMaterial } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import { armor, readOpenPgpData } from '../openpgp/index.js';
import { type Certificate, parseSingleCertificate, serializeCertificate } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { decryptSecretKey, encryptSecretKey } from '../openpgp/index.js';
import { bytesEqual } from '../util/bytes.js';
import { vaultPath } from '../vault/index.js';
import type { CeremonyContext } from './context.js';

function sameSecret(a: SecretKeyMaterial, b: SecretKeyMaterial | undefined): boolean {
  if (!b || a.algorithm !== b.algorithm) return false;
  switch (a.algorithm) {
    case 'ed25519':
      return b.algorithm === 'ed25519' && bytesEqual(a.seed, b.seed);
    case 'nistp256':
    case 'nistp384':
      return b.algorithm === a.algorithm && bytesEqual(a.d, b.d);
    case 'rsa4096':
      return b.algorithm === 'rsa4096' && bytesEqual(a.d, b.d) && bytesEqual(a.p, b.p) && bytesEqual(a.q, b.q);
  }
}

export async function storeRoot(
  ctx: CeremonyContext,
  certificate: Certificate,
  secrets: ReadonlyMap<string, SecretKeyMaterial | 'stub'>,
  options: { replace: boolean },
): Promise<{ secretPath: string }> {
  const fpr = fingerprintHex(certificate.primary);
  const passphrase = await ctx.vaultPassphrase();
  const secretPath = vaultPath.openpgpSecretKey(fpr);
  const publicPath = vaultPath.openpgpPublicKey(fpr);
  const put = (path: string, content: string) =>
    options.replace ? ctx.vault.replace(path, content, ctx.now()) : ctx.vault.write(path, content);

  const secretFile = await put(secretPath, await encryptSecretKey(certificate, secrets, passphrase));
  const reopened = await decryptSecretKey(await ctx.vault.read(secretPath), passphrase, `vault/${secretPath}`);
  if (!bytesEqual(serializeCertificate(reopened.certificate), serializeCertificate(certificate))) {
    throw new KeyceremonyError('CHECK_FAILED', `vault/${secretPath} does not hold the certificate in memory`);
  }
  for (const [keyFpr, secret] of secrets) {
    if (secret !== 'stub' && !sameSecret(secret, reopened.secrets.get(keyFpr))) {
      throw new KeyceremonyError('CHECK_FAILED', `vault/${secretPath}: the secret of ${keyFpr} does not read back`);
    }
  }
  ctx.recordOutput(secretFile, { fingerprints: [...secrets.keys()], encrypted: true });

  const publicFile = await put(publicPath, armor('publicKey', serializeCertificate(certificate)));
  const reread = parseSingleCertificate(await readOpenPgpData(await ctx.vault.read(publicPath), ['publicKey']));
  if (!bytesEqual(serializeCertificate(reread), serializeCertificate(certificate))) {
    throw new KeyceremonyError('CHECK_FAILED', `vault/${publicPath} does not read back`);
  }
  ctx.recordOutput(publicFile, { fingerprints: [fpr] });
  ctx.ui.success(
    `Secret key and certificate ${options.replace ? 'updated' : 'written'} and checked: vault/${secretPath}`,
  );
  return { secretPath };
}

/**
 * Re-encrypts every OpenPGP secret key file of the vault (every root the inventory lists, revoked ones too) from
 * `oldPassphrase` to `newPassphrase` — a quorum's re-sharing. Each file is replaced atomically, read back with
 * the new passphrase to the same certificate and secrets, and checked to refuse the old one. Returns the paths.
 */
export async function reencryptVaultKeys(
  ctx: CeremonyContext,
  oldPassphrase: string,
  newPassphrase: string,
): Promise<string[]> {
  const paths = [
    ...new Set(
      ctx.inventory.keys
        .filter((k) => k.kind === 'openpgp-primary')
        .map((k) => (k.location.type === 'file' ? k.location.path : vaultPath.openpgpSecretKey(k.id))),
    ),
  ];
  for (const path of paths) {
    const before = await decryptSecretKey(await ctx.vault.read(path), oldPassphrase, `vault/${path}`);
    const secrets = new Map<string, SecretKeyMaterial | 'stub'>(before.secrets);
    for (const key of [before.certificate.primary, ...before.certificate.subkeys.map((s) => s.key)]) {
      if (!secrets.has(fingerprintHex(key))) secrets.set(fingerprintHex(key), 'stub');
    }
    const file = await ctx.vault.replace(
      path,
      await encryptSecretKey(before.certificate, secrets, newPassphrase),
      ctx.now(),
    );
    const after = await decryptSecretKey(await ctx.vault.read(path), newPassphrase, `vault/${path}`);
    if (!bytesEqual(serializeCertificate(after.certificate), serializeCertificate(before.certificate)))
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `vault/${path} does not hold the same certificate after re-encryption`,
      );
    for (const [fpr, secret] of before.secrets) {
      if (!sameSecret(secret, after.secrets.get(fpr)))
        throw new KeyceremonyError('CHECK_FAILED', `vault/${path}: the secret of ${fpr} does not read back`);
    }
    const old = await decryptSecretKey(await ctx.vault.read(path), oldPassphrase, `vault/${path}`).then(
      () => 'opens',
      (error: unknown) => (error instanceof KeyceremonyError && error.code === 'PASSPHRASE_WRONG' ? 'refused' : error),
    );
    if (old !== 'refused')
      throw new KeyceremonyError('CHECK_FAILED', `vault/${path} still opens with the old passphrase`, {
        ...(old instanceof Error ? { cause: old } : {}),
      });
    ctx.recordOutput(file, { fingerprints: [...secrets.keys()], encrypted: true, reencrypted: true });
  }
  return paths;
}
