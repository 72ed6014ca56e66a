/**
 * `backup.collect-shares`: the custodians who are present type their shares (or give the path of a file holding
 * them) until the threshold is reached; the backup passphrase is rebuilt and checked against the backup.
 *
 * The backup is found on the medium first (its manifest names the threshold, the share set and which share each
 * custodian holds). Custodians are asked in share order whether they are here (prompt `<step>.present.<id>`);
 * each present custodian's share is read (prompt `share.<id>`, hidden) and checked at once: a mistyped or
 * swapped word, a share of another backup, or another custodian's share is refused with a message that names
 * the share and, where it can, the word. The rebuilt passphrase must open the backup copy on this medium.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { findBackup, type FoundBackup, readCheckedCopy } from '../../backup/open-backup.js';
import { mediumLabel, mediumLocation, MediumParam } from '../../backup/media.js';
import { decodeShare, encodeShare, type Share, ShareFormatError } from '../../backup/share-code.js';
import { combineShares, hexSet } from '../../backup/sharing.js';
import { decryptArchive } from '../../backup/vault-archive.js';
import { KeyceremonyError } from '../../errors.js';
import { readInputFile } from '../../util/input-file.js';
import { decodeUtf8 } from '../../util/utf8.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import type { BackupManifest } from '../../backup/manifest.js';
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

/** The largest share file read: a share with comments fits in far less. */
export const MAX_SHARE_FILE_BYTES = 64 * 1024;

/** A share answer is the words themselves, or the path of a text file holding them ('#' lines ignored). */
export async function shareText(answer: string): Promise<string> {
  const trimmed = answer.trim();
  if (!/^(\/|\.\.?\/|~\/)/.test(trimmed)) return trimmed;
  const path = trimmed.startsWith('~/') ? resolve(process.env['HOME'] ?? '/', trimmed.slice(2)) : resolve(trimmed);
  let text: string;
  try {
    // A share is a few dozen words: a file much larger than that (or not a file) is not one, and is not read.
    const bytes = await readInputFile(path, 'share file', { maxBytes: MAX_SHARE_FILE_BYTES });
    text = decodeUtf8(bytes, `the share file ${path}`, 'INPUT_INVALID');
  } catch (error) {
    if (error instanceof KeyceremonyError) throw new ShareFormatError(error.message);
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join(' ');
}

/** Why `share` is not the one `custodian` should hold for this backup, or undefined. */
function shareProblem(
  share: Share,
  manifest: BackupManifest,
  expectedNumber: number,
  collected: readonly Share[],
): string | undefined {
  const { sharing } = manifest;
  if (hexSet(share.set) !== sharing.set || share.threshold !== sharing.threshold || share.count !== sharing.count) {
    return `it belongs to another backup (share set ${hexSet(share.set)}, ${share.threshold} of ${share.count}; this backup's is ${sharing.set}, ${sharing.threshold} of ${sharing.count})`;
  }
  if (share.number !== expectedNumber) {
    const holder = sharing.shares.find((s) => s.number === share.number);
    return `it is share ${share.number}, which was given to ${holder ? `${holder.title} (${holder.custodian})` : 'nobody'}, not share ${expectedNumber}`;
  }
  if (collected.some((c) => c.number === share.number)) return `share ${share.number} was already given`;
  return undefined;
}

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

  const collected: Share[] = [];
  for (const holder of sharing.shares) {
    if (collected.length >= sharing.threshold) break;
    const presentId = `${ctx.step.id}.present.${holder.custodian}`;
    const present = await ctx.prompts.confirm(
      presentId,
      `Is ${holder.title} (${holder.custodian}) here with share ${holder.number}?`,
    );
    ctx.transcript.record('custodian.present', {
      custodian: holder.custodian,
      share: holder.number,
      present,
      prompt: presentId,
      source: ctx.prompts.source,
    });
    if (!present) continue;
    const who = `the share of ${holder.title} (${holder.custodian})`;
    const read = async (answer: string): Promise<Share> => {
      const share = decodeShare(await shareText(answer), sharing.shareWords);
      const problem = shareProblem(share, manifest, holder.number, collected);
      if (problem) throw new ShareFormatError(problem);
      return share;
    };
    const answer = await ctx.secret({
      id: shareSecretId(holder.custodian),
      label: `Share ${holder.number} (${holder.title}): type the ${sharing.shareWords} words, or the path of a file holding them`,
      kind: 'share',
      purpose: 'existing',
      minBits: 0,
      generatedWords: 0,
      check: async (value) => {
        try {
          await read(value);
          return undefined;
        } catch (error) {
          if (error instanceof ShareFormatError) return `${who}: ${error.message}`;
          throw error;
        }
      },
    });
    const share = await read(answer);
    ctx.protectSecret(encodeShare(share).join(' '));
    collected.push(share);
    ctx.transcript.record('check.passed', {
      check: 'share accepted (checksum, share set, holder)',
      detail: `share ${share.number} of ${holder.custodian}`,
    });
    ctx.ui.success(`Share ${share.number} of ${holder.title} accepted`);
  }
  if (collected.length < sharing.threshold) {
    throw new KeyceremonyError(
      'ABORTED',
      `only ${collected.length} of the ${sharing.threshold} shares needed were given: the backup cannot be opened`,
    );
  }

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
