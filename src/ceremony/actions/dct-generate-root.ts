/**
 * `dct.generate-root`: the organisation's offline Docker Content Trust root key — ECDSA P-256 (the only
 * kind notary and docker use). In software it is written to vault/dct/private/<keyID>.key in notary's
 * encrypted format with the DCT passphrase; with `location: token` it is made on a PKCS#11 token (generated
 * there, or imported copies with the encrypted backup in the vault), and every root certificate and
 * root.json signature is made by the token. It never leaves the vault or the token.
 */
import { z } from 'zod';
import { dctVaultPath } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { defineAction } from '../action.js';
import { createDctRootKey, DEFAULT_DCT_ROOT_OBJECT } from '../dct/vault-keys.js';
import { DctRootLocationParams, describeDctRootLocation, refineDctRootLocation } from '../params/dct-root-location.js';

const Params = z
  .strictObject({
    /** Only ECDSA P-256: notary rejects Ed25519 key files and docker generates only P-256. */
    algorithm: z.literal('nistp256').default('nistp256'),
    ...DctRootLocationParams,
  })
  .superRefine(refineDctRootLocation);
type Params = z.infer<typeof Params>;

export const dctGenerateRoot = defineAction<Params>({
  name: 'dct.generate-root',
  title: 'Generate the offline DCT root key',
  params: Params,
  describe(p) {
    const onToken = p.location === 'token';
    return {
      summary: onToken
        ? `Generate the Docker Content Trust root key (ECDSA P-256) on a PKCS#11 token; it signs every root certificate and root.json there. The key ID is shown as \`notary key list\` will show it.`
        : "Generate the Docker Content Trust root key (ECDSA P-256) and write it to the vault in notary's encrypted key format. The operator sets the DCT passphrase (prompt dct.passphrase) the first time. The key ID is shown as `notary key list` will show it.",
      details: describeDctRootLocation(p, DEFAULT_DCT_ROOT_OBJECT),
      creates:
        onToken && p.token?.generation !== 'imported-copies'
          ? []
          : [
              {
                tree: 'vault',
                path: dctVaultPath.privateKey('<KEYID>'),
                what: onToken
                  ? 'the encrypted backup of the DCT root key imported onto the tokens'
                  : 'the DCT root key (notary format, role: root), encrypted with the DCT passphrase',
              },
            ],
    };
  },
  async run(ctx, p) {
    const existing = ctx.inventory.keys.find((k) => k.kind === 'dct-root' && k.status === 'active');
    if (existing) {
      throw new KeyceremonyError(
        'VAULT_INVALID',
        `the vault already has an active DCT root key ${existing.id}; to replace it, rotate it (ceremonies/dct-rotate-root.yaml)`,
      );
    }
    await createDctRootKey(ctx, { location: p.location, token: p.token });
  },
});
