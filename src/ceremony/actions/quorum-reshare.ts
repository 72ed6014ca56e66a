/**
 * `quorum.reshare`: when an officer leaves or a share is lost or exposed. The vault was unlocked by k officers of
 * the current share set (the step named by `root`); here a new quorum secret is generated (shown to nobody),
 * every OpenPGP and X.509 secret key file in the vault is re-encrypted with it, and every DCT key file with the
 * DCT passphrase derived from it (each read back, and checked to refuse the old one), the user PIN of every token
 * under the quorum is changed to the one derived from it (C_SetPIN), and a new share set is handed out — possibly to other officers, with another threshold. The old
 * set is recorded as retired: its shares open nothing any more, and one typed later is named as retired.
 *
 * Backups made before hold the vault encrypted with the old secret, so the old shares would still open them
 * (with k custodians): the re-sharing script makes a new backup in the same ceremony, and the old backup folders
 * and old vault-medium copies are destroyed (docs/quorum.md).
 */
import { z } from 'zod';
import { findChromium } from '../../backup/index.js';
import { quorumDctPassphrase } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { bitsPerWord, generatePassphrase } from '../../util/diceware.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import { repeatedIndexes, RoleRefParam, StepRefParam } from '../params/common.js';
import { handOutOfficerShares, officerSheetLocations, printsOfficerPdf } from '../quorum-shares.js';
import { reencryptDctKeys } from '../dct/vault-keys.js';
import { reencryptVaultKeys } from '../root-files.js';
import { reencryptX509Keys } from '../x509/vault-keys.js';
import type { CeremonyToken } from '../tokens.js';

const Params = z
  .strictObject({
    /** The step that unlocked the root with the current officers' shares. */
    root: StepRefParam,
    /** Officer shares needed from now on (k). */
    threshold: z.number().int().min(2).max(255),
    /** The officers of the new share set, in share-number order (n = their count). */
    officers: z.array(RoleRefParam).min(2).max(255),
    /** Words of the new quorum secret; at least 10 (129 bits). */
    passphraseWords: z.number().int().min(10).max(24).default(10),
    /** Where the new officer sheets are written for printing; a RAM disk is best. */
    sheets: z.string().refine((p) => p.startsWith('/'), 'must be an absolute path'),
    pdf: z.boolean().default(true),
    maxSubsets: z.number().int().min(10).max(100_000).default(2000),
  })
  .superRefine((p, issues) => {
    if (p.threshold > p.officers.length)
      issues.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: `the threshold (${p.threshold}) is more than the number of officers (${p.officers.length})`,
      });
    for (const i of repeatedIndexes(p.officers))
      issues.addIssue({ code: 'custom', path: ['officers', i], message: `officer "${p.officers[i]}" is listed twice` });
  });
type Params = z.infer<typeof Params>;

function currentQuorum(ctx: CeremonyContext): NonNullable<CeremonyContext['quorum']> {
  const quorum = ctx.quorum;
  if (!quorum)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      'this vault has no quorum (its inventory names no officers): there is nothing to re-share',
    );
  return quorum;
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const quorum = currentQuorum(ctx);
  const root = ctx.products.from(p.root, 'openpgp-root');
  const fpr = fingerprintHex(root.primary.key);
  const oldPassphrase = await ctx.vaultPassphrase();

  // The tokens under the quorum, logged in with the PIN derived from the current secret.
  const tokens = new Map<CeremonyToken, number>();
  for (const t of quorum.tokens) tokens.set(await ctx.token({ label: t.label, serial: t.serial }, 'use'), t.pinLength);

  const passphrase = generatePassphrase(p.passphraseWords);
  ctx.protectSecret(passphrase, 'vault.passphrase');
  ctx.transcript.record('secret.generated', {
    id: 'vault.passphrase',
    words: p.passphraseWords,
    bits: Math.floor(p.passphraseWords * bitsPerWord),
    quorum: true,
  });
  const files = await reencryptVaultKeys(ctx, oldPassphrase, passphrase);
  // The DCT keys' passphrase is derived from the quorum secret: they follow it.
  const dctFiles = await reencryptDctKeys(ctx, quorumDctPassphrase(oldPassphrase), quorumDctPassphrase(passphrase));
  // The container-signing root CA and the signers' key copies are encrypted with the vault passphrase itself.
  const x509Files = await reencryptX509Keys(ctx, oldPassphrase, passphrase);
  ctx.ui.success(
    `Vault re-encrypted with the new quorum secret (${files.length} OpenPGP key file(s)${dctFiles.length ? `, ${dctFiles.length} DCT key file(s)` : ''}${x509Files.length ? `, ${x509Files.length} X.509 key file(s)` : ''}); the old passphrase no longer opens it`,
  );
  ctx.replaceVaultPassphrase(passphrase);

  const retired = [...quorum.retired, { set: quorum.set, retired: ctx.now().toISOString(), by: ctx.ceremonyName }];
  const record = await handOutOfficerShares(ctx, passphrase, {
    threshold: p.threshold,
    officers: p.officers,
    passphraseWords: p.passphraseWords,
    sheets: p.sheets,
    pdf: p.pdf,
    maxSubsets: p.maxSubsets,
    rootFingerprint: fpr,
    tokens,
    retired,
  });
  ctx.inventory.quorum = record;
  ctx.transcript.record('quorum.reshared', {
    from: { set: quorum.set, threshold: quorum.threshold, officers: quorum.officers.map((o) => o.role) },
    to: { set: record.set, threshold: record.threshold, officers: record.officers.map((o) => o.role) },
    reencrypted: [...files, ...dctFiles, ...x509Files],
    tokens: record.tokens.map((t) => ({ label: t.label, serial: t.serial })),
    root: fpr,
  });
  ctx.ui.warn(
    `Share set ${quorum.set} is retired: collect and destroy its sheets. Backups made before this ceremony still open with it — replace them (this script's backup step) and destroy the old backup folders and vault-medium copies.`,
  );
}

export const quorumReshare = defineAction<Params>({
  name: 'quorum.reshare',
  title: 'Re-share the quorum: new secret, vault re-encrypted, new officer shares',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'openpgp-root' }],
  roleReferences: (p) => p.officers.map((role, i) => ({ path: ['officers', i], role })),
  async preflight(ctx, p) {
    const quorum = currentQuorum(ctx);
    await officerSheetLocations(ctx, p);
    const pdf = printsOfficerPdf(ctx, p.pdf);
    return {
      checks: [
        `current quorum: share set ${quorum.set}, ${quorum.threshold} of ${quorum.count} (${quorum.officers.map((o) => o.role).join(', ')})`,
        `new quorum: ${p.threshold} of ${p.officers.length} (${p.officers.join(', ')})`,
        ...(pdf ? [`Chromium for the PDF officer sheets: ${findChromium() ?? ''}`] : []),
      ],
      warnings:
        p.pdf && !pdf ? ['Chromium is not installed: this rehearsal writes the officer sheets as HTML only'] : [],
    };
  },
  describe(p) {
    return {
      summary: `With the vault unlocked by the current officers, generate a new ${p.passphraseWords}-word quorum secret that nobody sees, re-encrypt every OpenPGP, DCT and X.509 key file of the vault with it (each read back; the old secret must no longer open it), change the user PIN of every token under the quorum to the one derived from it (C_SetPIN), and split it so that any ${p.threshold} of the ${p.officers.length} officers listed can rebuild it. The old share set is retired: its shares open nothing any more. Old backups still hold the vault under the old secret: replace them in this ceremony and destroy the old ones.`,
      details: [
        `new officers (share 1..${p.officers.length}): ${p.officers.join(', ')}`,
        `sheets for printing: ${p.sheets}/quorum-<ceremony>/<officer>/ (HTML${p.pdf ? ' and PDF' : ''})`,
      ],
      creates: [
        { tree: 'vault', path: 'openpgp/<FPR>.sec.asc', what: 'the root key file, re-encrypted with the new secret' },
        {
          tree: 'vault',
          path: 'dct/private/<keyID>.key',
          what: 'each DCT key file, if any, re-encrypted with the DCT passphrase derived from the new secret',
        },
        {
          tree: 'vault',
          path: 'x509/<root>/root-ca.key, x509/<root>/signers/<id>.key',
          what: 'the container-signing root CA and signer key files, if any, re-encrypted with the new secret',
        },
        ...p.officers.map((o, i) => ({
          tree: `sheets/${o}`,
          path: `officer-share-${i + 1}-${o}.html${p.pdf ? ', .pdf' : ''}`,
          what: 'SECRET officer share sheet (in <sheets>/quorum-<ceremony>/<officer>/): print, hand over, delete',
        })),
      ],
    };
  },
  run,
});
