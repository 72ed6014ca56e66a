/**
 * Making a quorum's officer share set (docs/quorum.md), shared by `quorum.split` (the root ceremony) and
 * `quorum.reshare`: the secret split k-of-n and proven before anything is written, the derived PIN set on every
 * token under the quorum, the inventory's quorum record, and one printable officer sheet per officer (HTML, and
 * PDF with Chromium) in its own fresh folder — the same sheets as the custodians', marked "officer share".
 */
import { findChromium, printToPdf, requireChromium } from '../backup/index.js';
import { onRamFilesystem, sheetsLocation, type MediumLocation } from '../backup/index.js';
import { passphraseByteLength } from '../backup/index.js';
import { quorumPinLength, quorumTokenPin } from '../backup/index.js';
import { encodeShare, shareQrText, shareWordCount } from '../backup/index.js';
import { hexSet, proveShareSet, splitPassphrase } from '../backup/index.js';
import { renderSheet } from '../backup/index.js';
import { KeyceremonyError } from '../errors.js';
import { parsePkcs11Uri } from '../pkcs11/index.js';
import { toolVersion } from '../version.js';
import type { InventoryQuorum } from '../vault/index.js';
import { assertNewOrEmpty, OutputTree } from '../vault/index.js';
import type { CeremonyContext } from './context.js';
import { quorumShareId } from './session.js';
import type { CeremonyToken } from './tokens.js';

export interface OfficerShareOptions {
  readonly threshold: number;
  /** Officer roles, in share-number order. */
  readonly officers: readonly string[];
  readonly passphraseWords: number;
  readonly sheets: string;
  readonly pdf: boolean;
  readonly maxSubsets: number;
}

/** The officer sheets' folder: `<sheets>/quorum-<ceremony>/<officer>/`. */
export function quorumSheetsName(ctx: CeremonyContext): string {
  return `quorum-${ctx.ceremonyName}`;
}

function roleTitle(ctx: CeremonyContext, role: string): string {
  return ctx.script.script.roles.find((r) => r.id === role)?.title ?? role;
}

/** Whether the sheets are printed to PDF (a rehearsal without Chromium writes HTML only; a real ceremony needs it). */
export function printsOfficerPdf(ctx: CeremonyContext, pdf: boolean): boolean {
  if (!pdf) return false;
  if (ctx.rehearsal && !findChromium()) return false;
  requireChromium();
  return true;
}

/** Where each officer's sheets go, checked new or empty (preflight and run). */
export async function officerSheetLocations(
  ctx: CeremonyContext,
  options: Pick<OfficerShareOptions, 'officers' | 'sheets'>,
): Promise<Map<string, MediumLocation>> {
  const locations = new Map<string, MediumLocation>();
  for (const officer of options.officers) {
    const location = sheetsLocation(options.sheets, quorumSheetsName(ctx), officer, ctx.mediaRoot);
    await assertNewOrEmpty(location.path, `the officer sheets directory of ${officer}`, {
      base: location.base,
      notify: (message) => ctx.ui.warn(message),
    });
    locations.set(officer, location);
  }
  return locations;
}

/** The tokens opened in this ceremony that hold keys of the root `fingerprint` (their PINs come under the quorum). */
export function rootTokens(ctx: CeremonyContext, fingerprint: string): CeremonyToken[] {
  const uris = ctx.inventory.keys
    .filter((k) => k.id === fingerprint || k.parent === fingerprint)
    .flatMap((k) => (k.location.type === 'pkcs11' ? [parsePkcs11Uri(k.location.uri)] : []));
  return ctx
    .openedTokens()
    .filter((t) => uris.some((u) => u.token === t.description.label && u.serial === t.description.serial));
}

/** Each token's derived-PIN length, or a refusal naming the token that cannot take one. */
export function tokenPinLengths(tokens: readonly CeremonyToken[]): Map<CeremonyToken, number> {
  const lengths = new Map<CeremonyToken, number>();
  for (const token of tokens) {
    const length = quorumPinLength(token.description);
    if (typeof length === 'string') throw new KeyceremonyError('TOKEN_UNSUPPORTED', `token ${token.name}: ${length}`);
    lengths.set(token, length);
  }
  return lengths;
}

/**
 * Splits `passphrase` among the officers, proves the set, sets each token's PIN (derived from it) and writes the
 * sheets; returns the inventory's new quorum record (the caller stores it).
 */
export async function handOutOfficerShares(
  ctx: CeremonyContext,
  passphrase: string,
  options: OfficerShareOptions & {
    readonly rootFingerprint: string;
    readonly tokens: ReadonlyMap<CeremonyToken, number>;
    readonly retired: InventoryQuorum['retired'];
  },
): Promise<InventoryQuorum> {
  const { threshold, officers } = options;
  const count = officers.length;
  const locations = await officerSheetLocations(ctx, options);
  const pdf = printsOfficerPdf(ctx, options.pdf);
  const trees = new Map<string, OutputTree>();
  for (const officer of officers) {
    const location = locations.get(officer) as MediumLocation;
    const tree = await OutputTree.fresh(`sheets/${officer}`, location.path, {
      secret: true,
      base: location.base,
      notify: (message) => ctx.ui.warn(message),
    });
    ctx.addTree(tree);
    trees.set(officer, tree);
  }
  if (ctx.mediaRoot === undefined && !(await onRamFilesystem(options.sheets))) {
    ctx.ui.warn(
      `The sheets directory ${options.sheets} is not on a RAM disk: delete the officer sheets securely once they are printed`,
    );
    ctx.transcript.record('quorum.sheets-on-disk', { path: options.sheets });
  }

  const set = await splitPassphrase(passphrase, count, threshold);
  const words = set.shares.map((share) => encodeShare(share));
  for (const [i, officer] of officers.entries()) {
    const shareWords = words[i] as string[];
    ctx.protectSecret(shareWords.join(' '), quorumShareId(officer));
    ctx.protectSecret(shareQrText(shareWords));
  }
  const proof = await proveShareSet(passphrase, set, options.maxSubsets);
  ctx.transcript.record('check.passed', {
    check: `any ${threshold} of the ${count} officer shares rebuild the quorum secret, ${threshold - 1} do not`,
    detail: `share set ${hexSet(set.set)}: ${proof.reconstructing} ${threshold}-subsets${proof.reconstructingExhaustive ? ' (all)' : ' (random sample)'} rebuild it; ${proof.belowThreshold} ${threshold - 1}-subsets${proof.belowThresholdExhaustive ? ' (all)' : ' (random sample)'} do not`,
  });
  ctx.ui.success(
    `Quorum secret split ${threshold} of ${count} among the officers (share set ${hexSet(set.set)}); every ${threshold}-subset proven to rebuild it, no ${threshold - 1}-subset does`,
  );

  const tokens: InventoryQuorum['tokens'] = [];
  for (const [token, pinLength] of options.tokens) {
    const pin = quorumTokenPin(passphrase, pinLength);
    ctx.protectSecret(pin);
    token.changePin(pin);
    tokens.push({ label: token.description.label, serial: token.description.serial, pinLength });
    ctx.ui.success(
      `The user PIN of token ${token.name} is now derived from the quorum secret (${pinLength} characters); nobody knows it`,
    );
  }

  const created = ctx.now();
  const unlocks = ['the working vault', ...tokens.map((t) => `token "${t.label}" (serial ${t.serial})`)].join(' and ');
  const record: InventoryQuorum = {
    scheme: 'shamir-gf256',
    set: hexSet(set.set),
    threshold,
    count,
    passphraseWords: options.passphraseWords,
    shareWords: shareWordCount(passphraseByteLength(options.passphraseWords)),
    officers: officers.map((role, i) => ({ number: i + 1, role, title: roleTitle(ctx, role) })),
    tokens,
    created: created.toISOString(),
    createdBy: ctx.ceremonyName,
    retired: [...options.retired],
  };

  const paths: string[] = [];
  for (const [i, officer] of officers.entries()) {
    const tree = trees.get(officer) as OutputTree;
    const html = await renderSheet({
      kind: 'officer',
      unlocks,
      organisation: ctx.inventory.organisation,
      rehearsal: ctx.rehearsal,
      custodian: { id: officer, title: roleTitle(ctx, officer) },
      number: i + 1,
      count,
      threshold,
      set: record.set,
      words: words[i] as string[],
      rootFingerprint: options.rootFingerprint,
      backupName: quorumSheetsName(ctx),
      date: created,
      media: [],
      ceremony: ctx.script.script.name,
      toolVersion: toolVersion(),
    });
    const name = `officer-share-${i + 1}-${officer}`;
    ctx.recordOutput(await tree.write(`${name}.html`, html), { officer, share: i + 1 });
    paths.push(tree.path(`${name}.html`));
  }
  if (pdf) {
    const pdfs = await printToPdf(paths);
    for (const [i, officer] of officers.entries()) {
      const bytes = pdfs[i];
      if (!bytes || new TextDecoder().decode(bytes.subarray(0, 5)) !== '%PDF-')
        throw new KeyceremonyError('CHECK_FAILED', `Chromium did not print the officer sheet of ${officer}`);
      const tree = trees.get(officer) as OutputTree;
      ctx.recordOutput(await tree.write(`officer-share-${i + 1}-${officer}.pdf`, bytes), { officer, share: i + 1 });
    }
  }
  ctx.ui.success(
    `Officer sheets for ${count} officers written${pdf ? ' (HTML and PDF)' : ' (HTML)'}: print each one, hand it to its officer, then delete the sheets`,
  );
  for (const officer of officers)
    ctx.ui.detail(`${roleTitle(ctx, officer)} (${officer}) — ${trees.get(officer)?.root}`);
  return record;
}
