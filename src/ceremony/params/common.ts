/** Parameter types shared by several actions' schemas. */
import { z } from 'zod';
import { openpgpKeyAlgorithms } from '../../signer/index.js';
import { DURATION_PATTERN, durationProblem } from '../../util/duration.js';
import { Identifier } from '../script-schema.js';

/** Key algorithms of OpenPGP roots and subkeys (src/signer/formats.ts). */
export const KeyAlgorithmParam = z.enum(openpgpKeyAlgorithms);

/** A validity (key expiry, certificate or metadata lifetime): the one expiry model of util/duration.ts. */
export const DurationParam = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration like 5y, 18m, 90d or 2y6m')
  .refine((v) => !/^(?:0+[ymd])+$/.test(v), 'must not be zero')
  .superRefine((v, ctx) => {
    if (!DURATION_PATTERN.test(v) || /^(?:0+[ymd])+$/.test(v)) return;
    const problem = durationProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** "Name (optional comment) <address@domain>" — the address is needed for WKD publication. */
export const UserIdParam = z
  .string()
  .regex(
    /^[^<>\n\r()]+(?: \([^<>\n\r()]*\))? <[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>$/,
    'must look like "Name (comment) <address@example.org>"',
  );

/** A subkey's name in the inventory and the KEYS file (e.g. "release-2026"). */
export const SubkeyLabelParam = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'must be lower-case letters, digits, dots, dashes');

/** The indexes of the values that occurred earlier in the list. */
export function repeatedIndexes<T>(values: readonly T[]): number[] {
  return values.flatMap((v, i) => (values.indexOf(v) !== i ? [i] : []));
}

/** A non-empty list without repeats (GUNs, signer names). */
export function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .array(item)
    .min(1)
    .superRefine((values, ctx) => {
      for (const i of repeatedIndexes(values))
        ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${values[i]}" is listed twice` });
    });
}

export const StepRefParam = Identifier;
export const RoleRefParam = Identifier;
