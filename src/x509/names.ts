/**
 * Distinguished names of the certificates keyceremony issues: the attributes, their order and string types,
 * the limits they must keep, and the `x509.subject:` string Notation's trust policy matches them with.
 *
 * Only C, ST, L, O, OU and CN, each at most once and single-valued: Notation parses a signing certificate's
 * subject through Go's pkix.Name.String() and refuses multi-valued RDNs, repeated attributes and any attribute
 * Go prints as `OID=#hex` (notation-go internal/pkix ParseDistinguishedName), and its trust policy needs C, ST
 * and O (trust-store-trust-policy.md, "Trusted Identities Constraints"). Country is a PrintableString of two
 * upper-case letters; everything else a UTF8String (RFC 5280 §4.1.2.6), within the ub-* upper bounds of
 * RFC 5280 Appendix A, which zlint enforces.
 */
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { inputError } from '../errors.js';

export interface DistinguishedName {
  /** ISO 3166-1 alpha-2 country code, e.g. "DE". */
  readonly country?: string | undefined;
  readonly state?: string | undefined;
  readonly locality?: string | undefined;
  readonly organization?: string | undefined;
  readonly organizationalUnit?: string | undefined;
  readonly commonName?: string | undefined;
}

type Field = keyof DistinguishedName;

/** In the order they are written (most general first) and printed; with OID, short name and RFC 5280 bound. */
export const nameFields: readonly { field: Field; oid: string; short: string; max: number }[] = [
  { field: 'country', oid: '2.5.4.6', short: 'C', max: 2 },
  { field: 'state', oid: '2.5.4.8', short: 'ST', max: 128 },
  { field: 'locality', oid: '2.5.4.7', short: 'L', max: 128 },
  { field: 'organization', oid: '2.5.4.10', short: 'O', max: 64 },
  { field: 'organizationalUnit', oid: '2.5.4.11', short: 'OU', max: 64 },
  { field: 'commonName', oid: '2.5.4.3', short: 'CN', max: 64 },
];

/**
 * What is wrong with a name for the given use, as one-line problems (empty when it is fine). Every issued
 * certificate needs a CN and an O; a Notation signing certificate also C and ST.
 */
export function nameProblems(name: DistinguishedName, what: string, required: readonly Field[]): string[] {
  const problems: string[] = [];
  for (const { field, short, max } of nameFields) {
    const value = name[field];
    if (value === undefined) {
      if (required.includes(field)) problems.push(`${what}: ${short} (${field}) is required`);
      continue;
    }
    if (field === 'country') {
      if (!/^[A-Z]{2}$/.test(value))
        problems.push(`${what}: C must be a two-letter country code like DE, not "${value}"`);
      continue;
    }
    if (value.trim() !== value || value.length === 0)
      problems.push(`${what}: ${short} must not be empty or start or end with a space`);
    if ([...value].length > max) problems.push(`${what}: ${short} is longer than ${max} characters`);
    // Control characters and the RFC 4514 specials that break DN strings are refused outright instead of escaped
    // differently by every tool; commas, semicolons and the like are fine (escaped below and by Go).
    if (/[\p{Cc}\p{Cf}\\"+<>=#]/u.test(value)) problems.push(`${what}: ${short} contains a character not allowed here`);
  }
  return problems;
}

/** The ASN.1 Name: one single-valued RDN per attribute, in {@link nameFields} order. */
export function toAsnName(name: DistinguishedName): Name {
  const rdns: RelativeDistinguishedName[] = [];
  for (const { field, oid } of nameFields) {
    const value = name[field];
    if (value === undefined) continue;
    const attributeValue =
      field === 'country' ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value });
    rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value: attributeValue })]));
  }
  return new Name(rdns);
}

/** Reads a Name written by {@link toAsnName} (or anything using only these attributes) back. */
export function fromAsnName(name: Name): DistinguishedName {
  const out: Record<string, string> = {};
  for (const rdn of name) {
    if (rdn.length !== 1) throw inputError('the name has a multi-valued RDN');
    const atv = rdn[0]!;
    const known = nameFields.find((f) => f.oid === atv.type);
    if (!known) throw inputError(`unexpected name attribute ${atv.type}`);
    if (out[known.field] !== undefined) throw inputError(`repeated name attribute ${known.short}`);
    out[known.field] = atv.value.toString();
  }
  return out as DistinguishedName;
}

/** RFC 4514 escaping of one attribute value (as the Notary Project trust policy and Go's String() expect). */
function escapeValue(value: string): string {
  let out = value.replace(/[\\,;+"<>]/g, (c) => `\\${c}`);
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** "C=DE, ST=Berlin, O=…, CN=…": the name as people read it and as Notation's `x509.subject:` identity. */
export function formatName(name: DistinguishedName): string {
  return nameFields
    .filter(({ field }) => name[field] !== undefined)
    .map(({ field, short }) => `${short}=${escapeValue(name[field]!)}`)
    .join(', ');
}

/** True when both names have the same attributes with the same values. */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  return nameFields.every(({ field }) => a[field] === b[field]);
}
