/**
 * `confirm`: a witnessed checkpoint. The statement is read aloud; each named role types its initials.
 * With `fingerprintOf`, the root fingerprint made in that step is shown again for comparison, and each role
 * first types its last four groups from the runbook, to show they looked.
 */
import { z } from 'zod';
import { fingerprintHex } from '../../openpgp/index.js';
import { defineAction } from '../action.js';
import { RoleRefParam, StepRefParam } from '../params/common.js';

const Params = z.strictObject({
  statement: z.string().trim().min(1),
  /** Roles that confirm (default: the step's own role). */
  roles: z.array(RoleRefParam).min(1).optional(),
  /** Show the root fingerprint produced by this earlier step. */
  fingerprintOf: StepRefParam.optional(),
});
type Params = z.infer<typeof Params>;

export const confirm = defineAction<Params>({
  name: 'confirm',
  title: 'Witnessed checkpoint',
  params: Params,
  stepReferences: (p) =>
    p.fingerprintOf ? [{ path: ['fingerprintOf'], step: p.fingerprintOf, product: 'openpgp-root' }] : [],
  // Without `roles`, the step's own role confirms: filled in here so the resolved parameters say who.
  resolve: (p, step) => ({ ...p, roles: p.roles ?? [step.role] }),
  roleReferences: (p) => (p.roles ?? []).map((role, i) => ({ path: ['roles', i], role })),
  describe(p) {
    return {
      summary: p.statement,
      ...(p.fingerprintOf
        ? {
            details: [
              `the root fingerprint from step "${p.fingerprintOf}" is shown for comparison; each role types its last four groups from the runbook`,
            ],
          }
        : {}),
      ...(p.roles ? { confirmations: p.roles } : {}),
    };
  },
  async run(ctx, p) {
    const fingerprint = p.fingerprintOf
      ? fingerprintHex(ctx.products.from(p.fingerprintOf, 'openpgp-root').primary.key)
      : undefined;
    if (fingerprint) ctx.ui.fingerprint('Root key fingerprint', fingerprint);
    ctx.ui.info(p.statement);
    await ctx.witness(
      p.roles ?? [ctx.step.role],
      p.statement,
      fingerprint ? { check: { what: 'root fingerprint', hex: fingerprint } } : {},
    );
  },
});
