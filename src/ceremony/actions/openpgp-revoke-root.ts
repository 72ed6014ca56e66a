/**
 * `openpgp.revoke-root`: revokes the root — with a new revocation signature made by the root now (with the
 * reason the script gives), or with the revocation certificate stored at the root ceremony (reason "no
 * reason": every signature ever made through the root becomes invalid). The witnesses confirm first.
 * The revoked certificate stays in the vault and in KEYS, so users see the revocation.
 */
import { z } from 'zod';
import { KeyceremonyError } from '../../errors.js';
import { evaluateCertificate } from '../../openpgp/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { readRevocationCertificate } from '../../openpgp/index.js';
import { rotationTime } from '../../openpgp/index.js';
import { revokePrimary } from '../../openpgp/index.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { vaultPath } from '../../vault/index.js';
import { defineAction } from '../action.js';
import { assertSameChanges, confirmChanges } from '../changes.js';
import { certificateChangeView, certificateStates } from '../openpgp/change-view.js';
import { RoleRefParam, StepRefParam } from '../params/common.js';
import { storeRoot } from '../root-files.js';

const Params = z.strictObject({
  root: StepRefParam,
  /** `key`: a new revocation made by the root now; `stored-certificate`: the one made at the root ceremony. */
  method: z.enum(['key', 'stored-certificate']).default('key'),
  /** For `key`: why. `superseded`/`retired` keep signatures made before now valid; `compromised` does not. */
  reason: z.enum(['superseded', 'compromised', 'retired']).default('superseded'),
  text: z.string().default(''),
  confirmBy: z.array(RoleRefParam).min(1),
});
type Params = z.infer<typeof Params>;

export const openpgpRevokeRoot = defineAction<Params>({
  name: 'openpgp.revoke-root',
  title: 'Revoke the OpenPGP root key',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'openpgp-root' }],
  roleReferences: (p) => p.confirmBy.map((role, i) => ({ path: ['confirmBy', i], role })),
  describe(p) {
    return {
      summary:
        p.method === 'key'
          ? `After the witnesses confirm, the root signs its own revocation (reason: ${p.reason}${p.text ? `, "${p.text}"` : ''}). ${p.reason === 'compromised' ? 'Every signature ever made through the root becomes invalid.' : 'Signatures made before now stay valid.'}`
          : 'After the witnesses confirm, the revocation certificate stored at the root ceremony is applied (no reason given: every signature ever made through the root becomes invalid).',
      confirmations: p.confirmBy,
      changes: [
        `x revoked   root: revoked (${p.method === 'key' ? p.reason : 'noReason'})`,
        'x revoked   every user ID and subkey: unusable (root revoked)',
      ],
      creates: [
        {
          tree: 'vault',
          path: 'openpgp/<FPR>.sec.asc, .pub.asc',
          what: 'the revoked certificate (previous versions kept under .history/)',
        },
      ],
    };
  },
  async run(ctx, params) {
    const root = ctx.products.from(params.root, 'openpgp-root');
    const fpr = fingerprintHex(root.primary.key);
    const before = evaluateCertificate(root.certificate, ctx.now());
    if (before.primary.revocation) throw new KeyceremonyError('INPUT_INVALID', `root ${fpr} is already revoked`);
    // What changes: the root revoked, and with it every user ID and subkey; confirmed before the root signs.
    const labels = new Map(ctx.inventory.keys.map((k) => [k.id, k.label] as const));
    const beforeStates = certificateStates(before, ctx.now(), labels);
    const reason = params.method === 'key' ? params.reason : 'noReason';
    const subject = `OpenPGP root ${groupedHex(fpr)}`;
    const notes = [
      reason === 'superseded' || reason === 'retired'
        ? 'Signatures made before the revocation stay valid.'
        : 'Every signature ever made through the root becomes invalid.',
    ];
    const planned = certificateChangeView(
      subject,
      beforeStates,
      beforeStates.map((state) =>
        state.id === fpr
          ? { ...state, status: `revoked (${reason})`, revoked: true }
          : state.revoked
            ? state
            : { ...state, status: 'unusable (root revoked)', revoked: true },
      ),
      notes,
    );
    await confirmChanges(ctx, planned, params.confirmBy, {
      check: { what: 'fingerprint of the root to revoke', hex: fpr },
    });

    let revocation: Uint8Array;
    if (params.method === 'key') {
      revocation = await revokePrimary(root.primary, {
        created: rotationTime(root.certificate, ctx.now()),
        reason: params.reason,
        text: params.text,
      });
    } else {
      const path = vaultPath.openpgpRevocation(fpr);
      const stored = await readRevocationCertificate(await ctx.vault.read(path), root.primary.key);
      if ('problem' in stored) {
        throw new KeyceremonyError(
          'VAULT_INVALID',
          `vault/${path} is not a valid revocation certificate for ${fpr}: ${stored.problem}`,
        );
      }
      revocation = stored.signature;
    }
    root.certificate = { ...root.certificate, directSignatures: [...root.certificate.directSignatures, revocation] };
    // Seen a little later, as users will: the revocation is made at or just after now (rotationTime).
    const afterTime = new Date(ctx.now().getTime() + 2000);
    const after = evaluateCertificate(root.certificate, afterTime);
    if (!after.primary.revocation) throw new KeyceremonyError('CHECK_FAILED', 'the revocation does not take effect');
    assertSameChanges(
      planned,
      certificateChangeView(subject, beforeStates, certificateStates(after, afterTime, labels), notes),
    );
    await storeRoot(ctx, root.certificate, root.secrets, { replace: true });

    const revokedFor = after.primary.revocation.reason;
    const date = after.primary.revocation.created.toISOString();
    for (const entry of ctx.inventory.keys) {
      if (entry.id === fpr || entry.parent === fpr) {
        entry.status = 'revoked';
        entry.revocation = { reason: entry.id === fpr ? revokedFor : `root revoked (${revokedFor})`, date };
      }
    }
    ctx.transcript.record('key.revoked', {
      id: fpr,
      kind: 'openpgp-primary',
      reason: revokedFor,
      text: after.primary.revocation.text,
      method: params.method,
    });
    ctx.ui.success(`Root ${fpr} revoked (${revokedFor}); publish the revoked key now`);
  },
});
