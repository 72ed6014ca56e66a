/**
 * `x509.revoke-signing-cert`: revokes signing certificates of the container-signing root — every active
 * certificate of a named signer, or one certificate by fingerprint — in a new CRL signed by the root. Once the
 * CRL is published at the root's CRL address, `notation verify` refuses every image those certificates signed
 * (cosign 2 does not read CRLs: docs/containers.md says what cosign users do instead). An unknown signer or
 * certificate stops the ceremony before anything runs.
 */
import { z } from 'zod';
import { formatDuration } from '../../util/duration.js';
import { defineAction, type PreflightResult } from '../action.js';
import { DurationParam, RoleRefParam, StepRefParam } from '../params/common.js';
import { activeRoots } from '../x509/authority.js';
import { CRL_CREATES, findTargets, runCrlStep } from '../x509/crl-step.js';
import { SignerNameParam, ZlintParam } from '../x509/params.js';
import { KeyceremonyError } from '../../errors.js';

const Reason = z.enum([
  'keyCompromise',
  'superseded',
  'cessationOfOperation',
  'affiliationChanged',
  'privilegeWithdrawn',
  'unspecified',
]);

const Target = z
  .strictObject({
    /** Revoke every active certificate of this signer ... */
    signer: SignerNameParam.optional(),
    /** ... or this one certificate (SHA-256 fingerprint, as `keyceremony status` and the transcript show it). */
    certificate: z
      .string()
      .transform((v) => v.replace(/[\s:]/g, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 certificate fingerprint (64 hex digits)'))
      .optional(),
    /** keyCompromise when the key or its passphrase may have leaked; superseded when replaced by a new one. */
    reason: Reason,
  })
  .refine((t) => (t.signer === undefined) !== (t.certificate === undefined), 'name either a signer or a certificate');

const Params = z.strictObject({
  root: StepRefParam,
  revoke: z.array(Target).min(1),
  /** How long the new CRL is valid (its next update). */
  validity: DurationParam.default('1y'),
  confirmBy: z.array(RoleRefParam).min(1),
  zlint: ZlintParam.optional(),
});
type Params = z.infer<typeof Params>;

const targetText = (t: Params['revoke'][number]): string =>
  t.signer !== undefined ? `every active certificate of signer ${t.signer}` : `certificate ${t.certificate}`;

export const x509RevokeSigningCert = defineAction<Params>({
  name: 'x509.revoke-signing-cert',
  title: 'Revoke container signing certificates',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'x509-root-ca' }],
  roleReferences: (p) => p.confirmBy.map((role, i) => ({ path: ['confirmBy', i], role })),
  async preflight(ctx, p): Promise<PreflightResult> {
    // What the vault has is known now: an unknown signer stops the ceremony before the first step.
    const [root] = activeRoots(ctx.inventory);
    const problems = p.revoke.flatMap((t) => {
      const found = findTargets(ctx.inventory.keys, root?.id, t);
      return typeof found === 'string' ? [found] : [];
    });
    if (problems.length) throw new KeyceremonyError('INPUT_INVALID', problems[0]!, { details: problems.slice(1) });
    return { checks: p.revoke.map((t) => `${targetText(t)} is in the vault and active`) };
  },
  describe(p) {
    return {
      summary: `The root CA signs a new CRL that adds the certificates below (valid ${formatDuration(p.validity)}); they are marked revoked in the inventory. The witnesses confirm the serials before the root signs. Publish it and serve it at the root's CRL address: notation then refuses every image they signed.`,
      details: p.revoke.map((t) => `${targetText(t)}: ${t.reason}`),
      changes: p.revoke.map((t) => `x revoked  ${targetText(t)} (${t.reason}); CRL: next number`),
      confirmations: p.confirmBy,
      creates: CRL_CREATES,
    };
  },
  async run(ctx, p) {
    const root = ctx.products.from(p.root, 'x509-root-ca');
    await runCrlStep(ctx, root, { targets: p.revoke, validity: p.validity, confirmBy: p.confirmBy, zlint: p.zlint });
  },
});
