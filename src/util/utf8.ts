/**
 * Strict UTF-8 for files users hand the tool (ceremony scripts, answers files). Invalid bytes are an error
 * naming where they are — never silently replaced, because the SHA-256 a witness compares is over the bytes
 * read, and what is shown must be exactly what was hashed.
 */
import { type ErrorCode, KeyceremonyError } from '../errors.js';

/** Byte offset of the first byte that does not belong to well-formed UTF-8 (RFC 3629), or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min, cp] = [1, 0x80, b & 0x1f];
    else if (b >= 0xe0 && b <= 0xef) [need, min, cp] = [2, 0x800, b & 0x0f];
    else if (b >= 0xf0 && b <= 0xf4) [need, min, cp] = [3, 0x10000, b & 0x07];
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Line and column (1-based, columns in bytes) of byte `offset`. */
function position(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** `bytes` as text; `where` names the file in the error (exit 2 under `code`). A leading BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array, where: string, code: ErrorCode): string {
  const bad = invalidUtf8Offset(bytes);
  if (bad !== -1) {
    const { line, column } = position(bytes, bad);
    throw new KeyceremonyError(
      code,
      `${where} is not valid UTF-8: byte ${bad} (line ${line}, column ${column}) is 0x${(bytes[bad] as number).toString(16).padStart(2, '0')}; save it as UTF-8`,
    );
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
