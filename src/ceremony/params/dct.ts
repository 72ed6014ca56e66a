/** Parameter types of the DCT actions. */
import { z } from 'zod';
import { gunProblem, signerNameProblem } from '../../dct/names.js';

export const GunParam = z.string().superRefine((value, ctx) => {
  const problem = gunProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `GUN "${value}" ${problem}` });
});

export const SignerNameParam = z.string().superRefine((value, ctx) => {
  const problem = signerNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `signer name "${value}" ${problem}` });
});

/** A list without repeats (GUNs, signer names). */
export function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .array(item)
    .min(1)
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${v}" is listed twice` });
        seen.add(v);
      });
    });
}
