/**
 * TUF canonical JSON as notary writes it (github.com/docker/go/canonical/json): object keys sorted, no
 * whitespace, integers only, strings escaping only `"` and `\`.
 *
 * notary-server and clients re-serialise what they receive with Go's encoder and hash that, so the bytes we
 * write must be exactly what Go would write. To keep that true without reimplementing Go's escaping rules,
 * strings here are limited to printable ASCII without `<`, `>` and `&` (which Go's non-canonical encoder
 * escapes): everything keyceremony puts into TUF metadata — hex IDs, base64, names, RFC 3339 times — is.
 */
import { isoSeconds } from '../util/duration.js';
import { inputError } from '../errors.js';

export type CanonicalValue =
  string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue };

const SAFE_STRING = /^[\x20-\x7e]*$/;

function canonicalString(value: string): string {
  if (!SAFE_STRING.test(value) || /[<>&]/.test(value)) {
    throw inputError(`string not allowed in TUF metadata: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function tufCanonicalJson(value: CanonicalValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw inputError(`only integers are allowed in TUF metadata, not ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return canonicalString(value);
  if (Array.isArray(value)) return `[${(value as readonly CanonicalValue[]).map(tufCanonicalJson).join(',')}]`;
  const object = value as { readonly [key: string]: CanonicalValue };
  const keys = Object.keys(object).sort();
  return `{${keys.map((k) => `${canonicalString(k)}:${tufCanonicalJson(object[k] as CanonicalValue)}`).join(',')}}`;
}

/** TUF times: RFC 3339 in UTC with whole seconds, as Go writes a time without fractional seconds. */
export function tufTime(date: Date): string {
  return isoSeconds(date);
}

/** Parses a TUF time (Go's RFC 3339, fractional seconds allowed). */
export function parseTufTime(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw inputError(`not an RFC 3339 time: ${text}`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw inputError(`not an RFC 3339 time: ${text}`);
  return new Date(ms);
}
