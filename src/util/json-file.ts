/** Reading and writing the JSON files keyceremony keeps (inventory, backup manifests), validated by zod. */
import type { z } from 'zod';
import { type ErrorCode, KeyceremonyError } from '../errors.js';

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
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new KeyceremonyError(code, `${where} is not JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new KeyceremonyError(code, `${where} is not ${what}`, {
      details: result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`),
    });
  }
  return result.data;
}

/** Pretty JSON with a final newline, as keyceremony writes its files. */
export function serializeJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
