/**
 * Transcript entries: JSON Lines, each `{seq, time, step, role, event, data, prev, hash}`, chained by SHA-256.
 *
 * `hash` is the SHA-256 of the canonical JSON (keys sorted, no whitespace) of the entry without `hash`;
 * `prev` is the previous entry's hash (64 zeros for the first). Lines are written in a fixed key order and
 * re-serialised on verification, so a transcript has exactly one valid byte form.
 */
import { sha256Hex } from '../crypto/index.js';
import { bug } from '../errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface TranscriptEntry {
  readonly seq: number;
  readonly time: string;
  readonly step: string | null;
  readonly role: string | null;
  readonly event: string;
  readonly data: JsonObject;
  readonly prev: string;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical JSON each transcript entry is hashed in (object keys sorted by code point, no insignificant
 * whitespace). Not TUF's canonical JSON (dct/canonical-json.ts), which follows Go's encoder and allows integers only.
 */
export function transcriptCanonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw bug('non-finite number in transcript');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(transcriptCanonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${transcriptCanonicalJson(value[k] as JsonValue)}`).join(',')}}`;
}

export function entryHash(entry: Omit<TranscriptEntry, 'hash'>): string {
  const { seq, time, step, role, event, data, prev } = entry;
  return sha256Hex(transcriptCanonicalJson({ seq, time, step, role, event, data, prev }));
}

/** The one byte form of an entry line (without the newline). */
export function serializeEntry(entry: TranscriptEntry): string {
  const { seq, time, step, role, event, data, prev, hash } = entry;
  return JSON.stringify({
    seq,
    time,
    step,
    role,
    event,
    data: JSON.parse(transcriptCanonicalJson(data)) as JsonObject,
    prev,
    hash,
  });
}
