/**
 * The X.509 extensions keyceremony writes, each as RFC 5280 §4.2 says and as Go and OpenSSL read it.
 *
 * Key usage is a named BIT STRING: DER drops trailing zero bits (X.690 §11.2.2), so the unused-bit count is
 * computed from the highest bit set. Key identifiers are RFC 5280 §4.2.1.2 method 1: SHA-1 over the
 * subjectPublicKey BIT STRING's value.
 */
import { createHash } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  CRLNumber,
  CRLReason,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { type PublicKeyMaterial, spkiDer } from '../crypto/index.js';
import { toArrayBuffer } from './signature-algorithm.js';

/** Key usage bits by their RFC 5280 position. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KeyUsageBit;

export const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export function basicConstraints(ca: boolean, pathLength?: number): Extension {
  return extension(
    id_ce_basicConstraints,
    true,
    new BasicConstraints(
      ca ? { cA: true, ...(pathLength === undefined ? {} : { pathLenConstraint: pathLength }) } : {},
    ),
  );
}

/** The DER named-bit-string bytes and unused-bit count for a set of key usages. */
export function keyUsageBits(usages: readonly KeyUsageName[]): { bytes: Uint8Array; unusedBits: number } {
  const positions = usages.map((u) => KeyUsageBit[u]);
  const highest = Math.max(...positions);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const p of positions) bytes[p >> 3] = (bytes[p >> 3] ?? 0) | (0x80 >> (p & 7));
  return { bytes, unusedBits: 7 - (highest & 7) };
}

export function keyUsage(usages: readonly KeyUsageName[]): Extension {
  const { bytes, unusedBits } = keyUsageBits(usages);
  return extension(id_ce_keyUsage, true, new KeyUsage(bytes, unusedBits));
}

export function extendedKeyUsage(purposes: readonly string[]): Extension {
  return extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([...purposes]));
}

/** RFC 5280 §4.2.1.2 (1): the SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(key: PublicKeyMaterial): Uint8Array {
  const spki = AsnConvert.parse(spkiDer(key), SubjectPublicKeyInfo);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

export function subjectKeyIdentifier(id: Uint8Array): Extension {
  return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(id)));
}

export function authorityKeyIdentifier(id: Uint8Array): Extension {
  return extension(
    id_ce_authorityKeyIdentifier,
    false,
    new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(id)) }),
  );
}

/** A subject alternative name of one URI: the identity `cosign verify --certificate-identity` matches. */
export function subjectAltNameUri(uri: string): Extension {
  return extension(
    id_ce_subjectAltName,
    false,
    new SubjectAlternativeName([new GeneralName({ uniformResourceIdentifier: uri })]),
  );
}

/** One distribution point with one full-name URI (where Notation fetches the CRL). */
export function crlDistributionPoint(uri: string): Extension {
  return extension(
    id_ce_cRLDistributionPoints,
    false,
    new CRLDistributionPoints([
      new DistributionPoint({
        distributionPoint: new DistributionPointName({
          fullName: [new GeneralName({ uniformResourceIdentifier: uri })],
        }),
      }),
    ]),
  );
}

export function crlNumber(value: number): Extension {
  return extension(id_ce_cRLNumber, false, new CRLNumber(value));
}

export function crlReason(reason: number): Extension {
  return extension(id_ce_cRLReasons, false, new CRLReason(reason));
}
