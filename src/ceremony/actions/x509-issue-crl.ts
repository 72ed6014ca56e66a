/**
 * `x509.issue-crl`: the container-signing root's next CRL — every certificate revoked so far, a new number, a
 * new next-update deadline. Notation refuses every image once the published CRL has passed its next update, so
 * each ceremony that opens the root renews it (and `keyceremony status` warns ahead of the deadline).
 */
import { z } from 'zod';
import { formatDuration } from '../../util/duration.js';
import { defineAction } from '../action.js';
import { DurationParam, RoleRefParam, StepRefParam } from '../params/common.js';
import { CRL_CREATES, runCrlStep } from '../x509/crl-step.js';
import { ZlintParam } from '../x509/params.js';

const Params = z.strictObject({
  /** The step that made or opened the root CA. */
  root: StepRefParam,
  /** How long the new CRL is valid (its next update). */
  validity: DurationParam.default('1y'),
  confirmBy: z.array(RoleRefParam).min(1),
  zlint: ZlintParam.optional(),
});
type Params = z.infer<typeof Params>;

export const x509IssueCrl = defineAction<Params>({
  name: 'x509.issue-crl',
  title: "Renew the container-signing root's CRL",
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'x509-root-ca' }],
  roleReferences: (p) => p.confirmBy.map((role, i) => ({ path: ['confirmBy', i], role })),
  describe(p) {
    return {
      summary: `The root CA signs its next CRL: every certificate revoked so far, the next CRL number, valid ${formatDuration(p.validity)}. The witnesses confirm the number, dates and serials before the root signs. Publish it (the publish step) and serve it at the root's CRL address.`,
      changes: [
        `> extended  CRL: next number, next update after ${formatDuration(p.validity)}; revoked serials unchanged`,
      ],
      confirmations: p.confirmBy,
      creates: CRL_CREATES,
    };
  },
  async run(ctx, p) {
    const root = ctx.products.from(p.root, 'x509-root-ca');
    await runCrlStep(ctx, root, { targets: [], validity: p.validity, confirmBy: p.confirmBy, zlint: p.zlint });
  },
});
