/**
 * `backup.collect-shares`: the custodians who are present type their shares (or give the path of a file holding
 * them) until the threshold is reached; the backup passphrase is rebuilt and checked against the backup.
 *
 * The backup is found on the medium first (its manifest names the threshold, the share set and which share each
 * custodian holds). Custodians are asked in share order whether they are here (prompt `<step>.present.<id>`);
 * each present custodian types their share from paper (prompt `share.<id>`: hidden, a row at a time, every word
 * checked as it is typed — see share-entry.ts): a mistyped or swapped word, a share of another backup, or another
 * custodian's share is refused with a message that names the share and, where it can, the word's position. The rebuilt passphrase must open the backup copy on this medium.
 */
import { z } from 'zod';
import { findBackup, type FoundBackup, readCheckedCopy } from '../../backup/index.js';
import { mediumLabel, mediumLocation, MediumParam } from '../../backup/index.js';
import { combineShares } from '../../backup/index.js';
import { decryptArchive } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import { collectShares } from '../share-entry.js';
import { shareSecretId } from './backup-create.js';

const Params = z.strictObject({
  /** The medium whose backup copy is restored or drilled (the other copies stay sealed). */
  medium: MediumParam,
  /** A backup folder on the medium (`backup-…`); default: the newest. */
  backup: z
    .string()
    .regex(/^backup-[A-Za-z0-9._-]+$/)
    .optional(),
});
type Params = z.infer<typeof Params>;

export { MAX_SHARE_FILE_BYTES, shareText } from '../share-entry.js';

/** The backup on the medium, which must be a rehearsal backup in rehearsals and a real one otherwise. */
async function locateBackup(ctx: CeremonyContext, p: Params): Promise<FoundBackup> {
  const location = mediumLocation(p.medium, ctx.mediaRoot);
  const found = await findBackup(location.path, mediumLabel(p.medium), p.backup);
  if (found.manifest.rehearsal !== ctx.rehearsal) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      found.manifest.rehearsal
        ? 'this is a rehearsal backup: real ceremonies cannot use it'
        : 'this is a real backup: rehearsals must never touch it',
    );
  }
  return found;
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const found = await locateBackup(ctx, p);
  const { manifest } = found;
  const { sharing } = manifest;
  ctx.ui.info(
    `Backup ${manifest.name} on ${mediumLabel(p.medium)}: made ${manifest.created.slice(0, 10)}, ${sharing.threshold} of ${sharing.count} shares needed (share set ${sharing.set})`,
  );
  ctx.ui.fingerprint('Root key fingerprint of the backup', manifest.root, { words: false });
  ctx.transcript.record('backup.found', {
    name: manifest.name,
    medium: p.medium.number,
    root: manifest.root,
    set: sharing.set,
    threshold: sharing.threshold,
    count: sharing.count,
    archiveSha256: manifest.archive.sha256,
  });

  const collected = await collectShares(
    ctx,
    {
      kind: 'backup share',
      of: 'this backup',
      set: sharing.set,
      threshold: sharing.threshold,
      count: sharing.count,
      shareWords: sharing.shareWords,
      holders: sharing.shares.map((s) => ({ role: s.custodian, title: s.title, number: s.number })),
    },
    {
      presentPrefix: `${ctx.step.id}.present`,
      shareId: shareSecretId,
      presentEvent: 'custodian.present',
      holderKey: 'custodian',
    },
  );

  const passphrase = await combineShares(collected);
  ctx.protectSecret(passphrase);
  // The rebuilt passphrase must open this copy (which must also match its manifest) before anyone goes on.
  const plain = await decryptArchive(await readCheckedCopy(found), passphrase, `the backup ${manifest.name}`);
  plain.fill(0);
  ctx.transcript.record('check.passed', {
    check: `${sharing.threshold} shares rebuild the passphrase that opens the backup`,
    detail: `shares ${collected.map((s) => s.number).join(', ')} of set ${sharing.set}; copy sha256 ${manifest.archive.sha256}`,
  });
  ctx.ui.success(
    `The passphrase rebuilt from shares ${collected.map((s) => s.number).join(', ')} opens the backup (root ${groupedHex(manifest.root)})`,
  );
  ctx.products.provide('backup-passphrase', { passphrase, dir: found.dir, manifest });
}

export const backupCollectShares = defineAction<Params>({
  name: 'backup.collect-shares',
  title: 'Collect the custodians\u2019 shares and rebuild the backup passphrase',
  params: Params,
  produces: 'backup-passphrase',
  async preflight(ctx, p) {
    const { manifest } = await locateBackup(ctx, p);
    return {
      checks: [
        `${mediumLabel(p.medium)} holds ${manifest.name} (${manifest.sharing.threshold} of ${manifest.sharing.count} shares needed)`,
      ],
    };
  },
  describe(p) {
    return {
      summary: `Find the backup on ${mediumLabel(p.medium)} (mounted at ${p.medium.path}); the custodians who are present type their shares, one by one, until the threshold is reached. Each share is checked as it is typed (a mistyped or swapped word is named). The rebuilt passphrase must open the backup.`,
      details: [`backup: ${p.backup ?? 'the newest on the medium'}`],
    };
  },
  run,
});
