/**
 * PKCS#11 URIs (RFC 7512): how scripts and the inventory name a token and a key on it, e.g.
 * `pkcs11:token=wikibase-root;serial=0123456789abcdef;object=openpgp-root;type=private;id=%01`.
 *
 * Parsing is strict: unknown attributes, duplicates and malformed percent-encoding are refused, because a key
 * reference that means something other than what the reviewer read is worse than none. PINs never belong in a
 * URI: `pin-value` is refused outright. Formatting is canonical (fixed attribute order, everything but RFC 3986
 * unreserved characters percent-encoded; `id` always fully encoded), so a formatted URI parses back to the same
 * value and formats to the same string.
 */
import { inputError } from '../errors.js';

export const objectTypes = ['public', 'private', 'cert', 'secret-key', 'data'] as const;
export type ObjectType = (typeof objectTypes)[number];

export interface Pkcs11Uri {
  readonly token?: string;
  readonly manufacturer?: string;
  readonly serial?: string;
  readonly model?: string;
  readonly libraryManufacturer?: string;
  readonly libraryDescription?: string;
  /** "M" or "M.N". */
  readonly libraryVersion?: string;
  readonly slotDescription?: string;
  readonly slotManufacturer?: string;
  /** Decimal slot ID. */
  readonly slotId?: string;
  readonly object?: string;
  readonly type?: ObjectType;
  /** CKA_ID bytes. */
  readonly id?: Uint8Array;
  /** Query: the module's name (e.g. "softhsm2") or its path. */
  readonly moduleName?: string;
  readonly modulePath?: string;
  /** Query: where a PIN comes from (never the PIN itself). */
  readonly pinSource?: string;
}

type TextField = Exclude<keyof Pkcs11Uri, 'id' | 'type'>;

/** Path attributes in canonical order, then query attributes. */
const pathAttributes: readonly (readonly [string, keyof Pkcs11Uri])[] = [
  ['token', 'token'],
  ['manufacturer', 'manufacturer'],
  ['serial', 'serial'],
  ['model', 'model'],
  ['library-manufacturer', 'libraryManufacturer'],
  ['library-description', 'libraryDescription'],
  ['library-version', 'libraryVersion'],
  ['slot-description', 'slotDescription'],
  ['slot-manufacturer', 'slotManufacturer'],
  ['slot-id', 'slotId'],
  ['object', 'object'],
  ['type', 'type'],
  ['id', 'id'],
];
const queryAttributes: readonly (readonly [string, TextField])[] = [
  ['module-name', 'moduleName'],
  ['module-path', 'modulePath'],
  ['pin-source', 'pinSource'],
];

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function encode(bytes: Uint8Array, keepUnreserved: boolean): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += keepUnreserved && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(text: string, what: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw inputError(`PKCS#11 URI: bad percent-encoding in ${what}`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = char.codePointAt(0) ?? 0;
      // RFC 7512 allows only ASCII characters unencoded.
      if (code > 0x7e || code < 0x21)
        throw inputError(`PKCS#11 URI: character ${JSON.stringify(char)} in ${what} must be percent-encoded`);
      out.push(code);
    }
  }
  return Uint8Array.from(out);
}

function decodeText(text: string, what: string): string {
  const bytes = decode(text, what);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw inputError(`PKCS#11 URI: ${what} is not UTF-8`);
  }
}

export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const path: string[] = [];
  for (const [name, field] of pathAttributes) {
    const value = uri[field];
    if (value === undefined) continue;
    if (field === 'id') path.push(`${name}=${encode(value as Uint8Array, false)}`);
    else path.push(`${name}=${encode(new TextEncoder().encode(value as string), true)}`);
  }
  const query: string[] = [];
  for (const [name, field] of queryAttributes) {
    const value = uri[field];
    if (value !== undefined) query.push(`${name}=${encode(new TextEncoder().encode(value), true)}`);
  }
  return `pkcs11:${path.join(';')}${query.length ? `?${query.join('&')}` : ''}`;
}

export function parsePkcs11Uri(text: string): Pkcs11Uri {
  if (!text.toLowerCase().startsWith('pkcs11:'))
    throw inputError(`not a PKCS#11 URI (must start with "pkcs11:"): ${JSON.stringify(text.slice(0, 40))}`);
  const rest = text.slice('pkcs11:'.length);
  const question = rest.indexOf('?');
  const pathPart = question === -1 ? rest : rest.slice(0, question);
  const queryPart = question === -1 ? '' : rest.slice(question + 1);
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const take = (
    component: string,
    separator: string,
    known: readonly (readonly [string, keyof Pkcs11Uri])[],
    where: string,
  ): void => {
    if (component === '') return;
    for (const attribute of component.split(separator)) {
      const eq = attribute.indexOf('=');
      if (eq <= 0) throw inputError(`PKCS#11 URI: ${where} attribute ${JSON.stringify(attribute)} is not name=value`);
      const name = attribute.slice(0, eq).toLowerCase();
      const value = attribute.slice(eq + 1);
      if (name === 'pin-value') throw inputError('PKCS#11 URI: pin-value is refused — a PIN never goes into a URI');
      const entry = known.find(([n]) => n === name);
      if (!entry) throw inputError(`PKCS#11 URI: unknown ${where} attribute "${name}"`);
      if (seen.has(name)) throw inputError(`PKCS#11 URI: attribute "${name}" given twice`);
      seen.add(name);
      const field = entry[1];
      if (field === 'id') {
        result[field] = decode(value, name);
      } else if (field === 'type') {
        const type = decodeText(value, name);
        if (!(objectTypes as readonly string[]).includes(type))
          throw inputError(`PKCS#11 URI: type must be one of ${objectTypes.join(', ')}`);
        result[field] = type;
      } else {
        result[field] = decodeText(value, name);
      }
    }
  };
  take(pathPart, ';', pathAttributes, 'path');
  take(queryPart, '&', queryAttributes, 'query');
  if (typeof result['slotId'] === 'string' && !/^\d+$/.test(result['slotId']))
    throw inputError('PKCS#11 URI: slot-id must be a decimal number');
  return result as Pkcs11Uri;
}
