/**
 * `openpgp.rotate`: the periodic rotation session. Shows a "what changes" view — old → new expiry of every
 * renewed key, subkeys added, subkeys revoked with their reason — and lets the root sign nothing until the
 * named witnesses have confirmed it. Then renews, adds and revokes, checks the result (same fingerprint, the
 * planned expiries and revocations), and updates the vault and the inventory. Also used, with only new
 * subkeys, by the ceremony that issues a signing key to a new signer.
 */
import { z } from 'zod';
import { describeAlgorithm } from '../../crypto/index.js';
import { KeyceremonyError } from '../../errors.js';
import { type CertificateStatus, evaluateCertificate } from '../../openpgp/index.js';
import { TRANSCRIPT_PURPOSE } from '../../openpgp/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { applyRotation, type RotationPlan, rotationTime } from '../../openpgp/index.js';
import type { SigningKey } from '../../openpgp/index.js';
import { addDuration, formatDuration, parseDuration } from '../../util/duration.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { defineAction } from '../action.js';
import { assertSameChanges, confirmChanges } from '../changes.js';
import { certificateChangeView, certificateStates, type KeyState, subkeyItem } from '../openpgp/change-view.js';
import type { CeremonyContext } from '../context.js';
import type { OpenPgpRootProduct } from '../products.js';
import {
  DurationParam,
  KeyAlgorithmParam,
  repeatedIndexes,
  RoleRefParam,
  StepRefParam,
  SubkeyLabelParam,
} from '../params/common.js';
import { storeRoot } from '../root-files.js';
import { normalizeFingerprint } from '../../util/fingerprint-display.js';

const SubkeyRef = z.string().min(1);

const Params = z
  .strictObject({
    root: StepRefParam,
    /** New validity of the root, counted from the session (the transcripts subkey follows it). */
    rootExpires: DurationParam.optional(),
    extendSubkeys: z.array(z.strictObject({ subkey: SubkeyRef, expires: DurationParam })).default([]),
    addSubkeys: z
      .array(
        z.strictObject({
          label: SubkeyLabelParam,
          algorithm: KeyAlgorithmParam.default('ed25519'),
          expires: DurationParam.default('2y'),
        }),
      )
      .default([]),
    revokeSubkeys: z
      .array(
        z.strictObject({
          subkey: SubkeyRef,
          reason: z.enum(['superseded', 'compromised', 'retired']),
          text: z.string().default(''),
        }),
      )
      .default([]),
    /** Roles that confirm the "what changes" view before the root signs anything. */
    confirmBy: z.array(RoleRefParam).min(1),
  })
  .refine((p) => p.rootExpires || p.extendSubkeys.length || p.addSubkeys.length || p.revokeSubkeys.length, {
    message: 'a rotation must change something (rootExpires, extendSubkeys, addSubkeys or revokeSubkeys)',
  })
  .superRefine((p, issues) => {
    const labels = p.addSubkeys.map((a) => a.label);
    for (const i of repeatedIndexes(labels))
      issues.addIssue({
        code: 'custom',
        path: ['addSubkeys', i, 'label'],
        message: `subkey label "${labels[i]}" is used twice`,
      });
  });
type Params = z.infer<typeof Params>;

export function resolveSubkey(ctx: CeremonyContext, root: OpenPgpRootProduct, ref: string): string {
  const normalized = normalizeFingerprint(ref);
  const fingerprints = root.certificate.subkeys.map((s) => fingerprintHex(s.key));
  const byLabel = ctx.inventory.keys.filter((k) => k.label === ref && fingerprints.includes(k.id));
  if (byLabel.length > 1)
    throw new KeyceremonyError('SCRIPT_INVALID', `several subkeys are labelled "${ref}": name it by fingerprint`);
  const found = byLabel[0]?.id ?? fingerprints.find((f) => f === normalized);
  if (!found) throw new KeyceremonyError('SCRIPT_INVALID', `the root has no subkey "${ref}"`);
  return found;
}

/**
 * The root as the plan will leave it, predicted before anything is signed: new expiries (the transcripts
 * subkey follows the root unless renewed itself, as applyRotation does), revocations, new subkeys.
 */
function predictRotation(states: readonly KeyState[], before: CertificateStatus, plan: RotationPlan): KeyState[] {
  const purposeOf = (id: string): string | undefined => before.subkeys.find((s) => s.fingerprint === id)?.purpose;
  const after = states.map((state): KeyState => {
    const revoked = plan.revokeSubkeys.find((r) => r.fingerprint === state.id);
    if (revoked) return { ...state, status: `revoked (${revoked.reason})`, revoked: true };
    const extended = plan.extendSubkeys.find((e) => e.fingerprint === state.id);
    if (extended) return { ...state, expires: extended.expires };
    if (plan.rootExpires) {
      const followsRoot =
        state.id === before.primary.fingerprint ||
        (state.id.startsWith('uid:') && state.status === 'valid') ||
        (purposeOf(state.id) === TRANSCRIPT_PURPOSE && !state.revoked);
      if (followsRoot) return { ...state, expires: plan.rootExpires };
    }
    return state;
  });
  for (const added of plan.addSubkeys) {
    after.push({
      id: `new:${added.label}`,
      item: subkeyItem(added.label, undefined),
      expires: added.expires,
      status: 'active',
      revoked: false,
    });
  }
  return after;
}

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  const root = ctx.products.from(params.root, 'openpgp-root');
  const fpr = fingerprintHex(root.primary.key);
  const now = rotationTime(root.certificate, ctx.now());
  const before = evaluateCertificate(root.certificate, now);
  const labels = new Map(ctx.inventory.keys.map((k) => [k.id, k.label] as const));

  for (const add of params.addSubkeys) {
    if (ctx.inventory.keys.some((k) => k.label === add.label))
      throw new KeyceremonyError('SCRIPT_INVALID', `a key labelled "${add.label}" exists already`);
  }
  const plan: RotationPlan = {
    rootExpires: params.rootExpires ? addDuration(now, parseDuration(params.rootExpires)) : undefined,
    extendSubkeys: params.extendSubkeys.map((e) => ({
      fingerprint: resolveSubkey(ctx, root, e.subkey),
      expires: addDuration(now, parseDuration(e.expires)),
    })),
    addSubkeys: params.addSubkeys.map((a) => ({
      label: a.label,
      algorithm: a.algorithm,
      expires: addDuration(now, parseDuration(a.expires)),
      purpose: 'release' as const,
    })),
    revokeSubkeys: params.revokeSubkeys.map((r) => ({
      fingerprint: resolveSubkey(ctx, root, r.subkey),
      reason: r.reason,
      text: r.text,
    })),
  };
  for (const r of plan.revokeSubkeys) {
    if (before.subkeys.find((s) => s.fingerprint === r.fingerprint)?.purpose === TRANSCRIPT_PURPOSE) {
      throw new KeyceremonyError(
        'SCRIPT_INVALID',
        'the transcripts subkey cannot be revoked in a rotation (revoke the root instead)',
      );
    }
  }

  // The "what changes" view: every part of the root before and as planned, confirmed before the root signs.
  const beforeStates = certificateStates(before, now, labels);
  const subject = `OpenPGP root ${groupedHex(fpr)}`;
  const notes = [`The root fingerprint stays ${groupedHex(fpr)}.`];
  const planned = certificateChangeView(subject, beforeStates, predictRotation(beforeStates, before, plan), notes);
  await confirmChanges(ctx, planned, params.confirmBy, { check: { what: 'root fingerprint', hex: fpr } });

  const subkeySigners = new Map<string, SigningKey>(
    root.subkeys.map((s) => [fingerprintHex(s.key.key), s.key] as const),
  );
  const result = await applyRotation(
    { certificate: root.certificate, primary: root.primary, subkeySigners },
    plan,
    ctx.now(),
  );

  // Check the result before anything is written.
  const after = evaluateCertificate(result.certificate, result.created);
  if (fingerprintHex(result.certificate.primary) !== fpr)
    throw new KeyceremonyError('CHECK_FAILED', 'the root fingerprint changed');
  if (plan.rootExpires && after.primary.expires?.getTime() !== plan.rootExpires.getTime()) {
    throw new KeyceremonyError('CHECK_FAILED', 'the root expiry did not change as planned');
  }
  for (const e of plan.extendSubkeys) {
    if (after.subkeys.find((s) => s.fingerprint === e.fingerprint)?.expires?.getTime() !== e.expires.getTime()) {
      throw new KeyceremonyError('CHECK_FAILED', `subkey ${e.fingerprint} did not get its new expiry`);
    }
  }
  for (const r of plan.revokeSubkeys) {
    if (after.subkeys.find((s) => s.fingerprint === r.fingerprint)?.revocation?.reason !== r.reason) {
      throw new KeyceremonyError('CHECK_FAILED', `subkey ${r.fingerprint} is not revoked as planned`);
    }
  }
  // What was signed is exactly what the room confirmed.
  const signedLabels = new Map(labels);
  for (const a of result.added) signedLabels.set(fingerprintHex(a.key.key), a.label);
  assertSameChanges(
    planned,
    certificateChangeView(subject, beforeStates, certificateStates(after, result.created, signedLabels), notes),
  );

  root.certificate = result.certificate;
  for (const a of result.added) {
    root.subkeys.push({ key: a.key, label: a.label, purpose: a.purpose });
    root.secrets.set(fingerprintHex(a.key.key), a.secret ?? 'stub');
  }
  const { secretPath } = await storeRoot(ctx, root.certificate, root.secrets, { replace: true });

  // Inventory and transcript.
  for (const entry of ctx.inventory.keys) {
    const state = entry.id === fpr ? after.primary : after.subkeys.find((s) => s.fingerprint === entry.id);
    if (!state) continue;
    const previous = entry.expires;
    entry.expires = state.expires?.toISOString() ?? null;
    if (previous !== entry.expires)
      ctx.transcript.record('key.renewed', {
        id: entry.id,
        label: entry.label ?? null,
        from: previous,
        to: entry.expires,
      });
    const revoked = plan.revokeSubkeys.find((r) => r.fingerprint === entry.id);
    if (revoked) {
      entry.status = 'revoked';
      entry.revocation = { reason: revoked.reason, date: result.created.toISOString() };
      ctx.transcript.record('key.revoked', {
        id: entry.id,
        label: entry.label ?? null,
        reason: revoked.reason,
        text: revoked.text,
      });
    }
  }
  for (const a of result.added) {
    const state = after.subkeys.find((s) => s.fingerprint === fingerprintHex(a.key.key));
    const spec = plan.addSubkeys.find((p) => p.label === a.label);
    ctx.inventory.keys.push({
      id: fingerprintHex(a.key.key),
      kind: 'openpgp-subkey',
      role: 'signing',
      label: a.label,
      algorithm: spec?.algorithm ?? 'ed25519',
      created: result.created.toISOString(),
      expires: state?.expires?.toISOString() ?? null,
      status: 'active',
      location: { type: 'file', path: secretPath },
      parent: fpr,
      createdBy: ctx.script.script.name,
    });
    ctx.transcript.record('key.generated', {
      id: fingerprintHex(a.key.key),
      kind: 'openpgp-subkey',
      label: a.label,
      purpose: 'release',
      algorithm: spec?.algorithm ?? 'ed25519',
      created: result.created.toISOString(),
      expires: state?.expires?.toISOString() ?? null,
      flags: 'S',
      parent: fpr,
      location: 'software',
    });
    ctx.ui.fingerprint(`New signing subkey "${a.label}"`, fingerprintHex(a.key.key), { words: false });
  }
  ctx.ui.success(`Rotation applied; root fingerprint unchanged: ${groupedHex(fpr)}`);
}

export const openpgpRotate = defineAction<Params>({
  name: 'openpgp.rotate',
  title: 'Renew, add and revoke keys under the root',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'openpgp-root' }],
  roleReferences: (p) => p.confirmBy.map((role, i) => ({ path: ['confirmBy', i], role })),
  describe(p) {
    const details = [
      ...(p.rootExpires
        ? [`root: renewed for ${formatDuration(p.rootExpires)} from the session (its transcripts subkey follows)`]
        : []),
      ...p.extendSubkeys.map((e) => `renew subkey ${e.subkey} for ${formatDuration(e.expires)}`),
      ...p.addSubkeys.map(
        (a) => `add signing subkey "${a.label}" (${describeAlgorithm(a.algorithm)}, ${formatDuration(a.expires)})`,
      ),
      ...p.revokeSubkeys.map((r) => `revoke subkey ${r.subkey} as ${r.reason}${r.text ? `: ${r.text}` : ''}`),
    ];
    return {
      summary:
        'Show what changes (old → new expiries, subkeys added, subkeys revoked with their reason); after the witnesses confirm, the root signs the new self-signatures and revocations. The root fingerprint does not change.',
      details,
      confirmations: p.confirmBy,
      changes: [
        ...(p.rootExpires
          ? [
              `> extended  root: expires ${formatDuration(p.rootExpires)} after the session, as does every valid user ID`,
              `> extended  subkey "ceremony-transcripts": follows the root`,
            ]
          : []),
        ...p.extendSubkeys.map(
          (e) => `> extended  subkey "${e.subkey}": expires ${formatDuration(e.expires)} after the session`,
        ),
        ...p.revokeSubkeys.map((r) => `x revoked   subkey "${r.subkey}": revoked (${r.reason})`),
        ...p.addSubkeys.map(
          (a) =>
            `+ added     subkey "${a.label}" (new): ${describeAlgorithm(a.algorithm)}, expires ${formatDuration(a.expires)} after the session`,
        ),
        '= unchanged every other key and user ID; the root fingerprint',
      ],
      creates: [
        {
          tree: 'vault',
          path: 'openpgp/<FPR>.sec.asc, .pub.asc',
          what: 'updated (previous versions kept under .history/)',
        },
      ],
    };
  },
  run,
});
