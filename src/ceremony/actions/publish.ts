/**
 * `publish`: (re)writes the public tree from the vault — KEYS, one .asc per root, fingerprints.txt — and
 * checks that KEYS reads back with every root's fingerprint. Ends every ceremony that changes a key.
 */
import { z } from 'zod';
import { readOpenPgpData } from '../../openpgp/armor.js';
import { parseCertificates } from '../../openpgp/certificate.js';
import { fingerprintHex } from '../../openpgp/key-packet.js';
import { buildPublicBundle } from '../../publish/public-bundle.js';
import { KeyceremonyError } from '../../errors.js';
import { publicPath } from '../../vault/layout.js';
import { loadRootCertificates } from '../../vault/vault-certificates.js';
import { toolVersion } from '../../version.js';
import { defineAction } from '../action.js';

const Params = z.strictObject({});
type Params = z.infer<typeof Params>;

export const publish = defineAction<Params>({
  name: 'publish',
  title: 'Write the public keyring for publication',
  params: Params,
  describe() {
    return {
      summary:
        'Write the public tree from the vault: KEYS (every release key, with a gpg-style listing), one certificate file per root key, and fingerprints.txt. Nothing secret is read.',
      creates: [
        { tree: 'public', path: publicPath.keys, what: 'armored keyring with a human-readable header' },
        { tree: 'public', path: publicPath.certificate('<FPR>'), what: 'the root certificate on its own' },
        { tree: 'public', path: publicPath.fingerprints, what: 'fingerprints to compare with those read aloud' },
      ],
    };
  },
  async run(ctx) {
    const certificates = await loadRootCertificates(ctx.vault, ctx.inventory);
    if (certificates.length === 0) throw new KeyceremonyError('VAULT_INVALID', 'the vault holds no OpenPGP root key to publish');
    const now = ctx.now();
    for (const file of buildPublicBundle({ certificates, inventory: ctx.inventory, now, toolVersion: toolVersion() })) {
      const written = (await ctx.public.exists(file.path))
        ? await ctx.public.replace(file.path, file.content, now)
        : await ctx.public.write(file.path, file.content);
      ctx.recordOutput(written, { fingerprints: [...file.fingerprints] });
    }
    const published = parseCertificates(await readOpenPgpData(await ctx.public.read(publicPath.keys), ['publicKey']));
    const expected = certificates.map((c) => fingerprintHex(c.primary)).join(',');
    if (published.map((c) => fingerprintHex(c.primary)).join(',') !== expected) {
      throw new KeyceremonyError('CHECK_FAILED', 'public/KEYS does not read back with the vault\'s root keys');
    }
    ctx.ui.success(`Public keyring written: public/${publicPath.keys} (${certificates.length} root key(s))`);
  },
});
