/** Parameter types of the DCT actions. */
import { z } from 'zod';
import { gunProblem, signerNameProblem } from '../../dct/index.js';

export const GunParam = z.string().superRefine((value, ctx) => {
  const problem = gunProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `GUN "${value}" ${problem}` });
});

export const SignerNameParam = z.string().superRefine((value, ctx) => {
  const problem = signerNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `signer name "${value}" ${problem}` });
});
