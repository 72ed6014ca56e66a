/**
 * `backup.create`: the whole vault, encrypted, onto every backup medium; its passphrase split among custodians.
 *
 * In order, so that nothing is written before everything that can be checked in memory was checked:
 *   1. a diceware backup passphrase (≥ 10 words, ≥ 128 bits) is generated; nobody ever sees it;
 *   2. it is split k-of-n among the custodians, and it is proven that every k-subset of the shares — as
 *      words, decoded again — rebuilds it and no (k−1)-subset does (a random sample when there are too many);
 *   3. the backup is recorded in the inventory with the vault state it holds (backup/vault-state.ts: what
 *      `status` and the runner's closing check compare to tell a current backup from an out-of-date one),
 *      the inventory is saved (so the vault on disk is complete), the vault is archived (ustar) and encrypted
 *      (OpenPGP, AES-256, iterated+salted S2K at the maximum count), and decrypted again in memory with the
 *      passphrase rebuilt from k shares;
 *   4. the archive is written to every medium, and every copy read back and compared (SHA-256);
 *   5. manifest, README and restore kit are written next to each copy; the signed transcript follows at the
 *      end of the ceremony (it records the archive's hash, so it cannot be inside it);
 *   6. each custodian's sheet (HTML, and PDF via headless Chromium) is written to its own directory.
 * The passphrase and every share are registered with the secret guard: no public file, transcript line or
 * terminal line can contain them.
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { findChromium, printToPdf, requireChromium } from '../../backup/index.js';
import { backupReadme, type MediumCopy, readBackCopies, restoreKitFiles, writeCopies } from '../../backup/index.js';
import {
  ARCHIVE_FILE,
  type BackupManifest,
  MANIFEST_FILE,
  README_FILE,
  serializeManifest,
  TRANSCRIPTS_DIR,
} from '../../backup/index.js';
import {
  checkMediaMounted,
  mediumLabel,
  type MediumLocation,
  mediumLocation,
  MediumParam,
  onRamFilesystem,
  sheetsLocation,
} from '../../backup/index.js';
import { passphraseByteLength } from '../../backup/index.js';
import { encodeShare, shareQrText, shareWordCount } from '../../backup/index.js';
import { combineShares, hexSet, proveShareSet, splitPassphrase } from '../../backup/index.js';
import { renderSheet } from '../../backup/index.js';
import { readTar } from '../../backup/index.js';
import {
  archiveVault,
  decryptArchive,
  ENCRYPTION_FORMAT,
  encryptArchive,
  fileDigests,
  readVaultEntries,
  S2K_COUNT,
} from '../../backup/index.js';
import { bug, KeyceremonyError } from '../../errors.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { bitsPerWord, generatePassphrase } from '../../util/diceware.js';
import { bytesEqual } from '../../util/bytes.js';
import { sha256Hex } from '../../crypto/index.js';
import { assertAbsent, assertNewOrEmpty, isInside, OutputTree, type WrittenFile } from '../../vault/index.js';
import { currentVaultState, VAULT_STATE_FORMAT, vaultStateOf } from '../../backup/index.js';
import { toolVersion } from '../../version.js';
import { defineAction, type PreflightResult } from '../action.js';
import type { CeremonyContext } from '../context.js';
import { repeatedIndexes, RoleRefParam, StepRefParam } from '../params/common.js';

/** 10 EFF words: 129 bits. */
export const BACKUP_PASSPHRASE_WORDS = 10;
export const BACKUP_PASSPHRASE_ID = 'backup.passphrase';
export const shareSecretId = (custodian: string): string => `share.${custodian}`;

const Params = z
  .strictObject({
    /** The step that generated or unlocked the root (its fingerprint goes on the sheets and into the manifest). */
    root: StepRefParam,
    /** The backup media; each gets a complete copy. */
    media: z.array(MediumParam).min(1).max(9),
    /** Words of the generated backup passphrase (12.9 bits each); at least 10, i.e. 129 bits. */
    passphraseWords: z.number().int().min(BACKUP_PASSPHRASE_WORDS).max(24).default(BACKUP_PASSPHRASE_WORDS),
    sharing: z.strictObject({
      /** Shares needed to rebuild the passphrase (k). */
      threshold: z.number().int().min(2).max(255),
      /** Roles that each receive one share, in share-number order (n = their count). */
      custodians: z.array(RoleRefParam).min(2).max(255),
      /** Where the sheets are written for printing (one folder per custodian); a RAM disk is best. */
      sheets: z.string().refine((p) => isAbsolute(p), 'must be an absolute path'),
      /** Also print each sheet to PDF with headless Chromium. */
      pdf: z.boolean().default(true),
      /** Beyond this many k-subsets (and k−1-subsets), a random sample of this size is proven. */
      maxSubsets: z.number().int().min(10).max(100_000).default(2000),
    }),
  })
  .superRefine((p, issues) => {
    if (p.sharing.threshold > p.sharing.custodians.length) {
      issues.addIssue({
        code: 'custom',
        path: ['sharing', 'threshold'],
        message: `the threshold (${p.sharing.threshold}) is more than the number of custodians (${p.sharing.custodians.length})`,
      });
    }
    for (const i of repeatedIndexes(p.sharing.custodians)) {
      issues.addIssue({
        code: 'custom',
        path: ['sharing', 'custodians', i],
        message: `custodian "${p.sharing.custodians[i]}" is listed twice`,
      });
    }
    p.media.forEach((m, i) => {
      if (p.media.findIndex((o) => o.number === m.number) !== i)
        issues.addIssue({
          code: 'custom',
          path: ['media', i, 'number'],
          message: `medium number ${m.number} is used twice`,
        });
      if (p.media.findIndex((o) => o.path === m.path) !== i)
        issues.addIssue({ code: 'custom', path: ['media', i, 'path'], message: `two media at ${m.path}` });
    });
  });
type Params = z.infer<typeof Params>;

function roleTitle(ctx: CeremonyContext, role: string): string {
  return ctx.script.script.roles.find((r) => r.id === role)?.title ?? role;
}

/** The backup's folder on every medium, and its sheets' folder: named after the ceremony that makes it. */
function backupName(ctx: CeremonyContext): string {
  return `backup-${ctx.ceremonyName}`;
}

/** Where the copies and the sheets go, checked: real media mounted and distinct, apart from vault and public tree. */
async function locate(
  ctx: CeremonyContext,
  p: Params,
): Promise<{ media: { medium: MediumParam; location: MediumLocation }[]; sheets: Map<string, MediumLocation> }> {
  const media = p.media.map((medium) => ({ medium, location: mediumLocation(medium, ctx.mediaRoot) }));
  await checkMediaMounted(media);
  for (const { medium, location } of media) {
    if (
      isInside(location.path, ctx.vault.root) ||
      isInside(ctx.vault.root, location.path) ||
      isInside(location.path, ctx.public.root)
    ) {
      throw new KeyceremonyError(
        'USAGE',
        `${mediumLabel(medium)} (${location.path}) must be apart from the vault and the public tree`,
      );
    }
  }
  // The backup's folder on each medium is made new by this ceremony: checked here, before any key exists (the
  // media themselves must be ours and private, or are refused), and again when it is written.
  for (const { medium, location } of media) {
    await assertAbsent(join(location.path, backupName(ctx)), `the backup folder on ${mediumLabel(medium)}`, {
      base: location.base,
      notify: (message) => ctx.ui.warn(message),
    });
  }
  const sheets = new Map<string, MediumLocation>();
  for (const custodian of p.sharing.custodians) {
    const location = sheetsLocation(p.sharing.sheets, backupName(ctx), custodian, ctx.mediaRoot);
    await assertNewOrEmpty(location.path, `the sheets directory of ${custodian}`, {
      base: location.base,
      notify: (message) => ctx.ui.warn(message),
    });
    sheets.set(custodian, location);
  }
  return { media, sheets };
}

/**
 * Whether this run prints PDF sheets. A real ceremony that asks for them needs Chromium (stops at preflight
 * otherwise); a rehearsal without Chromium writes the HTML sheets only and says so — so that a rehearsal works
 * on a fresh machine with nothing but Node.
 */
function printsPdf(ctx: CeremonyContext, p: Params): boolean {
  if (!p.sharing.pdf) return false;
  if (ctx.rehearsal && !findChromium()) return false;
  requireChromium();
  return true;
}

async function preflight(ctx: CeremonyContext, p: Params): Promise<PreflightResult> {
  const { media } = await locate(ctx, p);
  const pdf = printsPdf(ctx, p);
  return {
    checks: [
      ...media.map(
        ({ medium, location }) =>
          `${mediumLabel(medium)}: ${location.mapped ? 'mapped to' : 'mounted at'} ${location.path}`,
      ),
      ...(pdf ? [`Chromium for the PDF share sheets: ${findChromium() ?? ''}`] : []),
    ],
    warnings:
      p.sharing.pdf && !pdf
        ? [
            'Chromium is not installed: this rehearsal writes the share sheets as HTML only (a real ceremony would stop here)',
          ]
        : [],
  };
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const root = ctx.products.from(p.root, 'openpgp-root');
  const fpr = fingerprintHex(root.primary.key);
  const { threshold, custodians } = p.sharing;
  const count = custodians.length;

  // Where everything goes, checked again (preflight checked it before any key existed) before anything is made.
  const { media, sheets } = await locate(ctx, p);
  const pdf = printsPdf(ctx, p);
  const copies: MediumCopy[] = [];
  for (const { medium, location } of media) {
    const tree = await OutputTree.reusable(`media/${medium.number}`, location.path, {
      secret: true,
      base: location.base,
      newFolders: true,
      notify: (message) => ctx.ui.warn(message),
    });
    ctx.addTree(tree);
    copies.push({ number: medium.number, label: mediumLabel(medium), tree });
  }
  const sheetTrees = new Map<string, OutputTree>();
  for (const custodian of custodians) {
    const location = sheets.get(custodian) as MediumLocation;
    const tree = await OutputTree.fresh(`sheets/${custodian}`, location.path, {
      secret: true,
      base: location.base,
      notify: (message) => ctx.ui.warn(message),
    });
    ctx.addTree(tree);
    sheetTrees.set(custodian, tree);
  }
  if (ctx.mediaRoot === undefined && !(await onRamFilesystem(p.sharing.sheets))) {
    ctx.ui.warn(
      `The sheets directory ${p.sharing.sheets} is not on a RAM disk: delete the sheets securely once they are printed`,
    );
    ctx.transcript.record('backup.sheets-on-disk', { path: p.sharing.sheets });
  }

  // 1–2: passphrase, shares, proof.
  const passphrase = generatePassphrase(p.passphraseWords);
  ctx.protectSecret(passphrase, BACKUP_PASSPHRASE_ID);
  ctx.transcript.record('secret.generated', {
    id: BACKUP_PASSPHRASE_ID,
    words: p.passphraseWords,
    bits: Math.floor(p.passphraseWords * bitsPerWord),
  });
  const set = await splitPassphrase(passphrase, count, threshold);
  const words = set.shares.map((share) => encodeShare(share));
  for (const [i, custodian] of custodians.entries()) {
    const shareWords = words[i] as string[];
    ctx.protectSecret(shareWords.join(' '), shareSecretId(custodian));
    ctx.protectSecret(shareQrText(shareWords));
  }
  const proof = await proveShareSet(passphrase, set, p.sharing.maxSubsets);
  ctx.transcript.record('check.passed', {
    check: `any ${threshold} of the ${count} shares rebuild the backup passphrase, ${threshold - 1} do not`,
    detail: `share set ${hexSet(set.set)}: ${proof.reconstructing} ${threshold}-subsets${proof.reconstructingExhaustive ? ' (all)' : ' (random sample)'} rebuild it; ${proof.belowThreshold} ${threshold - 1}-subsets${proof.belowThresholdExhaustive ? ' (all)' : ' (random sample)'} do not`,
  });
  ctx.ui.success(
    `Backup passphrase (${p.passphraseWords} words) split ${threshold} of ${count}; every ${threshold}-subset proven to rebuild it, no ${threshold - 1}-subset does`,
  );

  // 3: what the backup covers, recorded in the inventory it holds — the vault state (backup/vault-state.ts)
  // leaves the inventory's own lists out, so recording the backup does not change the state it records. Then
  // the archive, checked in memory with the passphrase rebuilt from shares.
  const folder = backupName(ctx);
  const created = ctx.now();
  const state = await currentVaultState(ctx.vault.root, ctx.inventory.keys);
  ctx.inventory.backups = [
    ...(ctx.inventory.backups ?? []),
    {
      name: folder,
      ceremony: ctx.ceremonyName,
      created: created.toISOString(),
      media: copies.map((c) => ({ number: c.number, label: c.label })),
      vaultState: state,
    },
  ];
  const savedInventory = await ctx.saveInventory();
  if (savedInventory) ctx.recordOutput(savedInventory);
  const entries = await readVaultEntries(ctx.vault.root);
  if (vaultStateOf(entries) !== state)
    throw new KeyceremonyError('CHECK_FAILED', 'the vault changed while it was being backed up');
  ctx.transcript.record('backup.covers', { backup: folder, vaultState: state, format: VAULT_STATE_FORMAT });
  const tar = archiveVault(entries);
  const encrypted = await encryptArchive(tar, passphrase);
  const rebuilt = await combineShares(set.shares.slice(0, threshold));
  const decrypted = await decryptArchive(encrypted, rebuilt, 'the new backup archive');
  if (!bytesEqual(decrypted, tar) || readTar(decrypted).length !== entries.length) {
    throw new KeyceremonyError('CHECK_FAILED', 'the encrypted archive does not decrypt back to the vault');
  }
  tar.fill(0);
  decrypted.fill(0);
  const digest = sha256Hex(encrypted);
  const files = fileDigests(entries);
  for (const entry of entries) entry.data.fill(0);
  ctx.transcript.record('check.passed', {
    check: 'the encrypted vault archive decrypts with the passphrase rebuilt from shares',
    detail: `${files.length} files, ${encrypted.length} bytes, sha256 ${digest}`,
  });

  // 4: every copy, read back.
  const written = await writeCopies(copies, folder, encrypted);
  await readBackCopies(copies, folder, digest, encrypted.length);
  for (const [i, copy] of copies.entries()) {
    ctx.recordOutput(written[i] as WrittenFile, { medium: copy.number, label: copy.label, readBack: true });
    ctx.ui.success(`Backup copy written and read back: ${copy.label} (${copy.tree.root}/${folder}/${ARCHIVE_FILE})`);
  }

  // 5: manifest, README and restore kit on every medium; the signed transcript at the end.
  const manifest: BackupManifest = {
    format: 'keyceremony-backup',
    version: 1,
    name: folder,
    created: created.toISOString(),
    organisation: ctx.inventory.organisation,
    rehearsal: ctx.rehearsal,
    ceremony: { script: ctx.script.script.name, transcript: ctx.ceremonyName },
    root: fpr,
    vaultState: state,
    keys: ctx.inventory.keys.map((k) => ({
      id: k.id,
      kind: k.kind,
      ...(k.label ? { label: k.label } : {}),
      status: k.status,
    })),
    archive: {
      file: ARCHIVE_FILE,
      sha256: digest,
      size: encrypted.length,
      encryption: { format: ENCRYPTION_FORMAT, cipher: 'AES-256', s2k: 'iterated-salted-sha256', s2kCount: S2K_COUNT },
      files,
    },
    copies: copies.map((c) => ({
      medium: c.number,
      label: c.label,
      path: `${folder}/${ARCHIVE_FILE}`,
      sha256: digest,
    })),
    sharing: {
      scheme: 'shamir-gf256',
      set: hexSet(set.set),
      threshold,
      count,
      passphraseWords: p.passphraseWords,
      shareWords: shareWordCount(passphraseByteLength(p.passphraseWords)),
      shares: custodians.map((custodian, i) => ({ number: i + 1, custodian, title: roleTitle(ctx, custodian) })),
    },
  };
  const beside = [
    { path: MANIFEST_FILE, content: serializeManifest(manifest) },
    { path: README_FILE, content: backupReadme(manifest) },
    ...restoreKitFiles(),
  ];
  for (const copy of copies) {
    for (const file of beside) {
      const written = await copy.tree.write(`${folder}/${file.path}`, file.content);
      if (file.path === MANIFEST_FILE) ctx.recordOutput(written, { medium: copy.number });
    }
    ctx.copyTranscriptTo(copy.tree, `${folder}/${TRANSCRIPTS_DIR}`);
  }

  // 6: the sheets.
  const sheetPaths: string[] = [];
  for (const [i, custodian] of custodians.entries()) {
    const share = set.shares[i];
    const tree = sheetTrees.get(custodian) as OutputTree;
    if (!share) throw bug('missing share');
    const html = await renderSheet({
      organisation: ctx.inventory.organisation,
      rehearsal: ctx.rehearsal,
      custodian: { id: custodian, title: roleTitle(ctx, custodian) },
      number: share.number,
      count,
      threshold,
      set: hexSet(set.set),
      words: words[i] as string[],
      rootFingerprint: fpr,
      backupName: folder,
      date: created,
      media: copies.map((c) => c.label),
      ceremony: ctx.script.script.name,
      toolVersion: toolVersion(),
    });
    const name = `share-${share.number}-${custodian}`;
    ctx.recordOutput(await tree.write(`${name}.html`, html), { custodian, share: share.number });
    sheetPaths.push(tree.path(`${name}.html`));
  }
  if (pdf) {
    const pdfs = await printToPdf(sheetPaths);
    for (const [i, custodian] of custodians.entries()) {
      const pdf = pdfs[i];
      if (!pdf || new TextDecoder().decode(pdf.subarray(0, 5)) !== '%PDF-')
        throw new KeyceremonyError('CHECK_FAILED', `Chromium did not print the sheet of ${custodian}`);
      const tree = sheetTrees.get(custodian) as OutputTree;
      ctx.recordOutput(await tree.write(`share-${i + 1}-${custodian}.pdf`, pdf), { custodian, share: i + 1 });
    }
  }
  ctx.ui.success(
    `Share sheets for ${count} custodians written${pdf ? ' (HTML and PDF)' : ' (HTML)'}: print each one, hand it to its custodian, then delete the sheets`,
  );
  for (const [i, custodian] of custodians.entries())
    ctx.ui.detail(`share ${i + 1}: ${roleTitle(ctx, custodian)} — ${sheetTrees.get(custodian)?.root}`);
}

export const backupCreate = defineAction<Params>({
  name: 'backup.create',
  title: 'Back up the vault to the backup media',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'openpgp-root' }],
  roleReferences: (p) => p.sharing.custodians.map((role, i) => ({ path: ['sharing', 'custodians', i], role })),
  preflight,
  describe(p) {
    const { threshold, custodians } = p.sharing;
    return {
      summary: `Generate a ${p.passphraseWords}-word backup passphrase (${Math.floor(p.passphraseWords * bitsPerWord)} bits) that nobody sees, split it so that any ${threshold} of ${custodians.length} custodians can rebuild it (proven for every ${threshold}-subset before anything is written), encrypt the whole vault with it (OpenPGP, AES-256) and write a copy to each of ${p.media.length} backup media, reading every copy back. Each custodian gets a printable sheet with their share.`,
      details: [
        ...p.media.map((m) => `${mediumLabel(m)}: mounted at ${m.path}`),
        `custodians (share 1..${custodians.length}): ${custodians.join(', ')}`,
        `sheets for printing: ${p.sharing.sheets}/backup-<ceremony>/<custodian>/ (HTML${p.sharing.pdf ? ' and PDF' : ''})`,
        'restore: ceremonies/restore.yaml, or without keyceremony: python3 restore-kit/recover-passphrase.py | gpg --decrypt vault.tar.gpg | tar -x',
      ],
      creates: [
        ...p.media.map((m) => ({
          tree: `media/${m.number}`,
          path: 'backup-<ceremony>/',
          what: `${ARCHIVE_FILE} (the vault, encrypted), ${MANIFEST_FILE}, ${README_FILE}, restore-kit/, ${TRANSCRIPTS_DIR}/`,
        })),
        ...custodians.map((c, i) => ({
          tree: `sheets/${c}`,
          path: `share-${i + 1}-${c}.html${p.sharing.pdf ? ', .pdf' : ''}`,
          what: 'SECRET share sheet (in <sheets>/backup-<ceremony>/<custodian>/): print, hand over, delete',
        })),
      ],
    };
  },
  run,
});
