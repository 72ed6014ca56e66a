/** Parameter types shared by several actions' schemas. */
import { z } from 'zod';
import { keyAlgorithms } from '../../crypto/algorithms.js';
import { DURATION_PATTERN } from '../../util/duration.js';
import { Identifier } from '../script-schema.js';

export const KeyAlgorithmParam = z.enum(keyAlgorithms);

export const DurationParam = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration like 5y, 18m, 90d or 2y6m')
  .refine((v) => !/^(?:0+[ymd])+$/.test(v), 'must not be zero');

/** "Name (optional comment) <address@domain>" — the address is needed for WKD publication. */
export const UserIdParam = z
  .string()
  .regex(/^[^<>\n\r()]+(?: \([^<>\n\r()]*\))? <[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>$/, 'must look like "Name (comment) <address@example.org>"');

export const StepRefParam = Identifier;
export const RoleRefParam = Identifier;
