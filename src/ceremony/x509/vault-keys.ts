/**
 * Re-encrypting the vault's X.509 key files (the container-signing root CA in software, and the signers' key
 * copies) when the vault passphrase changes — a quorum re-sharing. Each file is read back with the new
 * passphrase and must be the same key; the old passphrase must no longer open it.
 */
import { samePublicKey } from '../../crypto/index.js';
import { KeyceremonyError } from '../../errors.js';
import { decryptPrivateKeyPem, encryptPrivateKeyPem } from '../../x509/index.js';
import type { CeremonyContext } from '../context.js';

const X509_KINDS = new Set(['x509-root-ca', 'x509-signing-cert']);

/** Re-encrypts every software X.509 key file of the vault; returns their vault paths. */
export async function reencryptX509Keys(
  ctx: CeremonyContext,
  oldPassphrase: string,
  newPassphrase: string,
): Promise<string[]> {
  const paths = [
    ...new Set(
      ctx.inventory.keys.flatMap((k) =>
        X509_KINDS.has(k.kind) && k.location.type === 'file' ? [k.location.path] : [],
      ),
    ),
  ];
  const text = async (path: string): Promise<string> => new TextDecoder().decode(await ctx.vault.read(path));
  for (const path of paths) {
    const where = `vault/${path}`;
    const before = await decryptPrivateKeyPem(await text(path), oldPassphrase, where);
    const file = await ctx.vault.replace(path, await encryptPrivateKeyPem(before, newPassphrase), ctx.now());
    const after = await decryptPrivateKeyPem(await text(path), newPassphrase, where);
    if (!samePublicKey(after.publicKey, before.publicKey))
      throw new KeyceremonyError('CHECK_FAILED', `${where} does not read back as the same key`);
    // CBC has no integrity: a wrong passphrase may, rarely, decrypt to some other key. Only the same key counts.
    const old = await decryptPrivateKeyPem(await text(path), oldPassphrase, where).catch((error: unknown) => {
      if (error instanceof KeyceremonyError && error.code === 'PASSPHRASE_WRONG') return undefined;
      throw error;
    });
    if (old && samePublicKey(old.publicKey, before.publicKey))
      throw new KeyceremonyError('CHECK_FAILED', `${where} still opens with the old vault passphrase`);
    ctx.recordOutput(file, { encrypted: true, reencrypted: true, format: 'pkcs8-scrypt' });
  }
  return paths;
}
