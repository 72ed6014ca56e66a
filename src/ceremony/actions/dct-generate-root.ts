/**
 * `dct.generate-root`: the organisation's offline Docker Content Trust root key — ECDSA P-256 (the only
 * kind notary and docker use), written to vault/dct/private/<keyID>.key in notary's encrypted format with
 * the DCT passphrase. It signs the per-GUN root certificates and root.json; it never leaves the vault.
 */
import { z } from 'zod';
import { generateKeyPair } from '../../crypto/key-material.js';
import { dctVaultPath } from '../../dct/layout.js';
import { KeyceremonyError } from '../../errors.js';
import { defineAction } from '../action.js';
import { registerDctKey, showKeyId, writeVaultKey } from '../dct/vault-keys.js';

const Params = z.strictObject({
  /** Only ECDSA P-256: notary rejects Ed25519 key files and docker generates only P-256. */
  algorithm: z.literal('nistp256').default('nistp256'),
});
type Params = z.infer<typeof Params>;

export const dctGenerateRoot = defineAction<Params>({
  name: 'dct.generate-root',
  title: 'Generate the offline DCT root key',
  params: Params,
  describe() {
    return {
      summary:
        'Generate the Docker Content Trust root key (ECDSA P-256) and write it to the vault in notary\'s encrypted key format. The operator sets the DCT passphrase (prompt dct.passphrase) the first time. The key ID is shown as `notary key list` will show it.',
      creates: [{ tree: 'vault', path: dctVaultPath.privateKey('<KEYID>'), what: 'the DCT root key (notary format, role: root), encrypted with the DCT passphrase' }],
    };
  },
  async run(ctx) {
    const existing = ctx.inventory.keys.find((k) => k.kind === 'dct-root' && k.status === 'active');
    if (existing) {
      throw new KeyceremonyError('VAULT_INVALID', `the vault already has an active DCT root key ${existing.id}; to replace it, rotate it (ceremonies/dct-rotate-root.yaml)`);
    }
    const created = new Date(Math.floor(ctx.now().getTime() / 1000) * 1000);
    const pair = await generateKeyPair('nistp256');
    const { file, path, keyId } = await writeVaultKey(ctx, pair, { role: 'root' });
    showKeyId(ctx, 'DCT root key ID (as `notary key list` shows it)', keyId);
    registerDctKey(ctx, { keyId, kind: 'dct-root', role: 'root', path, created });
    ctx.recordOutput(file, { keyId, encrypted: true, format: 'notary' });
    ctx.ui.success(`DCT root key written and checked: vault/${path}`);
  },
});
