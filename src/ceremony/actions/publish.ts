/**
 * `publish`: (re)writes the public tree from the vault — KEYS, one .asc per root, fingerprints.txt — and
 * checks that KEYS reads back with every root's fingerprint. Ends every ceremony that changes a key.
 */
import { z } from 'zod';
import { publishVault } from '../../publish/index.js';
import { publicPath } from '../../vault/index.js';
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
        'Write the public tree from the vault: KEYS (every release key, with a gpg-style listing), one certificate file per root key, fingerprints.txt, the keys page, the Web Key Directory trees, the containers/ tree of a container-signing root, and SHA256SUMS. Nothing secret is read.',
      creates: [
        { tree: 'public', path: publicPath.keys, what: 'armored keyring with a human-readable header' },
        { tree: 'public', path: publicPath.certificate('<FPR>'), what: 'the root certificate on its own' },
        { tree: 'public', path: publicPath.fingerprints, what: 'fingerprints to compare with those read aloud' },
        { tree: 'public', path: publicPath.keysPage, what: 'keys page with verification instructions' },
        { tree: 'public', path: 'wkd/', what: 'Web Key Directory trees (direct and advanced layouts)' },
        {
          tree: 'public',
          path: 'containers/',
          what: 'with a container-signing root: its certificate, CRL, Notation trust store and policy, signing certificates, README',
        },
        { tree: 'public', path: publicPath.checksums, what: 'SHA-256 of every file above' },
      ],
    };
  },
  async run(ctx) {
    const { certificates, written } = await publishVault(ctx.public, ctx.vault, ctx.inventory, ctx.now());
    for (const { file, written: w } of written) ctx.recordOutput(w, { fingerprints: [...file.fingerprints] });
    ctx.ui.success(`Public tree written: KEYS, keys.html, WKD, SHA256SUMS (${certificates.length} root key(s))`);
  },
});
