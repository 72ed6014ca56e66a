/** Reading and writing the JSON files keyceremony keeps (inventory, backup manifests), validated by zod. */
import type { z } from 'zod';
import { type ErrorCode, KeyceremonyError } from '../errors.js';
import { shorten } from './excerpt.js';
import { decodeUtf8 } from './utf8.js';

/** Parses `bytes` as JSON and validates it; every problem is reported with its path, under `code`. */
export function parseJsonFile<T>(
  schema: z.ZodType<T>,
  bytes: Uint8Array,
  where: string,
  what: string,
  code: ErrorCode,
): T {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes, where, code));
  } catch (error) {
    if (error instanceof KeyceremonyError) throw error;
    // V8's message quotes the text around the error; these files hold secrets (rehearsal-secrets.json), so no.
    throw new KeyceremonyError(code, `${where} is not valid JSON`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new KeyceremonyError(code, `${where} is not ${what}`, {
      details: [
        ...result.error.issues.slice(0, 10).map((i) => `${shorten(i.path.join('.') || '(top)', 60)}: ${i.message}`),
        ...(result.error.issues.length > 10 ? [`… and ${result.error.issues.length - 10} more`] : []),
      ],
    });
  }
  return result.data;
}

/** Pretty JSON with a final newline, as keyceremony writes its files. */
export function serializeJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
