/**
 * `backup.restore`: rebuilds the vault from a backup copy, onto the new (empty) vault of a `vault: restore`
 * ceremony. Every file of the archive is written exactly as it was (exclusive, atomic, read back), the signed
 * transcript kept beside the copy is put back into `transcripts/`, the inventory is taken over, and the result is
 * checked like a vault of its own: every transcript's chain and signature and every recorded file hash
 * (`transcript verify`), and every key the manifest lists. The vault passphrase is then that of the restored
 * vault: a later `openpgp.unlock-root` asks for it and checks it against the restored root.
 */
import { z } from 'zod';
import { backupInventory, keysMissingFromManifest, openBackup, wipeBackup } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { verifyTranscriptDirectory } from '../../transcript/index.js';
import { INVENTORY_PATH } from '../../vault/index.js';
import { vaultPath } from '../../vault/index.js';
import { vaultPassphraseCheck } from '../../vault/index.js';
import { loadRootCertificates } from '../../vault/index.js';
import { defineAction } from '../action.js';
import { StepRefParam } from '../params/common.js';

const Params = z.strictObject({
  /** The step that collected the shares (backup.collect-shares). */
  shares: StepRefParam,
});
type Params = z.infer<typeof Params>;

export const backupRestore = defineAction<Params>({
  name: 'backup.restore',
  title: 'Restore the vault from the backup',
  params: Params,
  stepReferences: (p) => [{ path: ['shares'], step: p.shares, product: 'backup-passphrase' }],
  describe(p) {
    return {
      summary: `Decrypt the backup opened in step "${p.shares}", check every file against its manifest, and write the vault exactly as it was into the new vault directory; then check the restored vault's transcripts, file hashes and keys.`,
      creates: [{ tree: 'vault', path: '(every file of the backed-up vault)', what: 'the restored vault' }],
    };
  },
  async run(ctx, p) {
    if (ctx.script.script.vault !== 'restore')
      throw new KeyceremonyError('SCRIPT_INVALID', 'backup.restore belongs in a script with "vault: restore"');
    const { passphrase, manifest, dir } = ctx.products.from(p.shares, 'backup-passphrase');
    const opened = await openBackup({ dir, manifest }, passphrase);
    const fileCount = opened.files.size;
    // The decrypted vault files are wiped however this ends, also when a check below refuses the backup.
    try {
      const inventory = backupInventory(opened, manifest, `backup/${INVENTORY_PATH}`);
      if (inventory.rehearsal !== ctx.rehearsal) {
        throw new KeyceremonyError(
          'VAULT_INVALID',
          inventory.rehearsal
            ? 'this backup holds a rehearsal vault: real ceremonies cannot restore it'
            : 'this backup holds a real vault: rehearsals must never touch it',
        );
      }
      for (const [rel, data] of [...opened.files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        ctx.recordOutput(await ctx.vault.write(rel, data), { restoredFrom: manifest.name });
      }
      for (const [name, data] of opened.transcripts) {
        const rel = `transcripts/${name}`;
        if (!opened.files.has(rel))
          ctx.recordOutput(await ctx.vault.write(rel, data), { restoredFrom: `${manifest.name}/transcripts` });
      }
      Object.assign(ctx.inventory, inventory);
    } finally {
      wipeBackup(opened);
    }

    // The restored vault, checked as a vault: keys against the manifest, transcripts and recorded hashes.
    const certificates = await loadRootCertificates(ctx.vault, ctx.inventory);
    const missing = keysMissingFromManifest(manifest, certificates);
    if (missing.length > 0)
      throw new KeyceremonyError('CHECK_FAILED', 'the restored vault lacks keys the backup manifest lists', {
        details: missing,
      });
    if (!(await ctx.vault.exists(vaultPath.openpgpSecretKey(manifest.root)))) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the restored vault has no secret key file for the root ${manifest.root}`,
      );
    }
    const report = await verifyTranscriptDirectory(ctx.vault.root, { now: ctx.now() });
    if (!report.ok) {
      const bad = [
        ...report.transcripts.filter((t) => !t.ok).map((t) => `${t.name}: ${t.chain?.reason ?? t.signature.detail}`),
        ...report.outputs.filter((o) => o.status === 'mismatch').map((o) => `${o.path}: changed since ${o.transcript}`),
      ];
      throw new KeyceremonyError('CHECK_FAILED', 'the restored vault does not verify', { details: bad });
    }
    ctx.transcript.record('check.passed', {
      check: 'restored vault verifies (keys, transcripts, recorded file hashes)',
      detail: `${fileCount} files, ${report.transcripts.length} transcript(s), ${report.outputs.filter((o) => o.status === 'ok').length} recorded file(s) unchanged`,
    });
    const check = vaultPassphraseCheck(ctx.vault, ctx.inventory);
    if (check) ctx.setVaultPassphraseCheck(check, ctx.inventory.quorum);
    ctx.ui.fingerprint('Restored root key fingerprint', manifest.root);
    ctx.ui.success(
      `Vault restored from ${manifest.name} into ${ctx.vault.root}: ${ctx.inventory.keys.length} keys, ${report.transcripts.length} transcript(s) verified`,
    );
  },
});
