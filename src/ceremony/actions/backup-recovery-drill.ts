/**
 * `backup.recovery-drill`: proves, once a year, that the backup still restores — without touching the vault.
 *
 * The copy opened in the share-collection step is decrypted into a scratch vault that exists only in memory
 * (nothing of it is written anywhere, so "wiping" it is overwriting its buffers, done at the end of the step
 * whatever happens). Then:
 *   1. every fingerprint in the scratch vault (each root and all its subkeys) is compared with the published
 *      KEYS of the public tree, and with the backup manifest;
 *   2. the vault passphrase is asked and checked against the scratch root key (the drill proves it is still
 *      known), and the root is unlocked;
 *   3. the root — certify-only, so it cannot sign documents — makes a test certification of a throwaway key,
 *      checked against the published root key (and recorded, armored, for an auditor's `gpg --check-sigs`);
 *   4. every signing subkey with a secret makes a test signature that verifies against the published KEYS,
 *      with keyceremony's policy and with openpgp.js — the transcripts subkey included;
 *   5. the restored root becomes this ceremony's transcript signer: the drill's transcript, written to the
 *      public tree only (the script says `vault: none`), is signed by the restored transcripts subkey, so
 *      `transcript verify` on the public tree is one more proof that the restored keys are the published ones.
 */
import { z } from 'zod';
import { backupInventory, keysMissingFromManifest, openBackup, wipeBackup } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { readKeyring } from '../../openpgp/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { allKeys } from '../../openpgp/index.js';
import { certifyThrowawayKey } from '../../openpgp/index.js';
import { checkTestSignatures } from '../../openpgp/index.js';
import { selectRoot } from '../../openpgp/index.js';
import { INVENTORY_PATH } from '../../vault/index.js';
import { publicPath } from '../../vault/index.js';
import { vaultPassphraseCheck } from '../../vault/index.js';
import { loadRootCertificates, type TreeReader } from '../../vault/index.js';
import { defineAction } from '../action.js';
import { StepRefParam } from '../params/common.js';
import { unlockRootFrom } from './openpgp-unlock-root.js';

const Params = z.strictObject({
  /** The step that collected the shares (backup.collect-shares). */
  shares: StepRefParam,
});
type Params = z.infer<typeof Params>;

const SCRATCH = 'scratch vault';

export const backupRecoveryDrill = defineAction<Params>({
  name: 'backup.recovery-drill',
  title: 'Recovery drill: restore into a scratch vault in memory and test every key',
  params: Params,
  produces: 'openpgp-root',
  stepReferences: (p) => [{ path: ['shares'], step: p.shares, product: 'backup-passphrase' }],
  describe(p) {
    return {
      summary: `Decrypt the backup opened in step "${p.shares}" into a scratch vault held only in memory; compare every fingerprint with the published KEYS; check the vault passphrase; let the root make a test certification and every subkey a test signature, each verified against KEYS; then wipe the scratch vault. The real vault is not used. The restored transcripts key signs this drill's transcript.`,
      details: ['needs the public tree with KEYS (--public); writes only this ceremony\u2019s transcript there'],
    };
  },
  async run(ctx, p) {
    const { passphrase, manifest, dir } = ctx.products.from(p.shares, 'backup-passphrase');
    const keys = await ctx.public.read(publicPath.keys).catch(() => {
      throw new KeyceremonyError(
        'INPUT_NOT_FOUND',
        `the public tree ${ctx.public.root} has no KEYS to compare the backup with: give the published public tree with --public`,
      );
    });
    const published = await readKeyring(keys, `${ctx.public.name}/${publicPath.keys}`);
    const opened = await openBackup({ dir, manifest }, passphrase);
    try {
      ctx.transcript.record('check.passed', {
        check: 'backup copy decrypted into a scratch vault in memory, every file as in the manifest',
        detail: `${opened.files.size} files from ${manifest.name}`,
      });
      const scratch: TreeReader = {
        read: async (rel) => {
          const data = opened.files.get(rel);
          if (!data) throw new KeyceremonyError('VAULT_INVALID', `the ${SCRATCH} has no ${rel}`);
          return data;
        },
      };
      const inventory = backupInventory(opened, manifest, `${SCRATCH}/${INVENTORY_PATH}`);

      // 1. Every fingerprint against the published KEYS.
      const certificates = await loadRootCertificates(scratch, inventory);
      let compared = 0;
      for (const certificate of certificates) {
        const fpr = fingerprintHex(certificate.primary);
        const publishedCert = selectRoot(published, fpr);
        const inScratch = allKeys(certificate).map(fingerprintHex).sort();
        const inKeys = allKeys(publishedCert).map(fingerprintHex).sort();
        if (inScratch.join(',') !== inKeys.join(',')) {
          throw new KeyceremonyError(
            'CHECK_FAILED',
            `root ${fpr}: the backup and the published KEYS hold different keys`,
            {
              details: [`backup: ${inScratch.join(' ')}`, `KEYS:   ${inKeys.join(' ')}`],
            },
          );
        }
        compared += inScratch.length;
      }
      const missing = keysMissingFromManifest(manifest, certificates);
      if (missing.length > 0)
        throw new KeyceremonyError('CHECK_FAILED', 'the scratch vault lacks keys the backup manifest lists', {
          details: missing,
        });
      ctx.transcript.record('check.passed', {
        check: 'every fingerprint in the backup matches the published KEYS',
        detail: `${compared} keys under ${certificates.length} root(s)`,
      });
      ctx.ui.success(`All ${compared} fingerprints in the backup match public/KEYS`);

      // 2. The vault passphrase, checked against the scratch root.
      const check = vaultPassphraseCheck(scratch, inventory, SCRATCH);
      if (check) ctx.setVaultPassphraseCheck(check, inventory.quorum);
      const { product, problems } = await unlockRootFrom(scratch, inventory, {
        passphrase: await ctx.vaultPassphrase(),
        fingerprint: manifest.root,
        now: ctx.now(),
        where: SCRATCH,
      });
      if (problems.length > 0) ctx.ui.warn(`The root: ${problems.join('; ')}`);
      const fpr = fingerprintHex(product.primary.key);
      ctx.transcript.record('key.unlocked', {
        id: fpr,
        kind: 'openpgp-primary',
        location: 'scratch',
        subkeys: product.subkeys.length,
      });

      // 3. The root certifies a throwaway key.
      const publishedRoot = selectRoot(published, fpr);
      const certification = await certifyThrowawayKey(
        product.primary,
        publishedRoot,
        `keyceremony recovery drill ${ctx.ceremonyName} (test certification of a throwaway key)`,
        ctx.now(),
      );
      ctx.transcript.record('drill.certification', {
        root: fpr,
        throwawayKey: certification.throwawayFingerprint,
        userId: certification.userId,
        certificate: certification.armored,
      });
      ctx.transcript.record('check.passed', {
        check: 'the restored root certifies; the certification verifies against the published root',
        detail: fpr,
      });
      ctx.ui.success('The restored root key makes a certification that verifies against the published root');

      // 4. Every subkey signs.
      const testKeys = product.subkeys.map((s) => ({
        key: s.key,
        label: s.label,
        purpose: s.purpose === 'transcripts' ? ('transcript' as const) : ('release' as const),
      }));
      const message = (subFpr: string): string =>
        `keyceremony recovery drill ${ctx.ceremonyName}: test signature by subkey ${subFpr}\n`;
      for (const result of await checkTestSignatures(testKeys, publishedRoot, keys, ctx.now(), message)) {
        ctx.transcript.record('check.passed', {
          check: 'test signature by the restored subkey verifies against public KEYS',
          detail: `${result.label ?? ''} ${result.fingerprint}`.trim(),
        });
        ctx.ui.success(
          `Restored subkey "${result.label ?? result.fingerprint}" signs; the signature verifies against public/KEYS`,
        );
      }

      // 5. The restored root signs this drill's transcript.
      ctx.products.provide('openpgp-root', product);
      ctx.setTranscriptSigner({ root: product.primary.key, key: product.transcriptKey });
      ctx.ui.fingerprint('Restored root key fingerprint (compare with the published one)', fpr);
    } finally {
      const files = opened.files.size;
      wipeBackup(opened);
      ctx.transcript.record('drill.scratch-wiped', {
        files,
        note: 'the scratch vault was held in memory only; its buffers were overwritten with zeros',
      });
    }
    ctx.ui.success('Scratch vault wiped (it was never written to disk)');
  },
});
