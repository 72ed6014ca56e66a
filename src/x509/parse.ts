/**
 * Reading certificates and CRLs back into the fields keyceremony checks: after it signs one (is it exactly what
 * was asked?), when a later ceremony reads the root from the vault, and in the built-in profile lint.
 *
 * The structure is parsed with @peculiar/asn1-x509; the public key goes through OpenSSL (Node's KeyObject), so
 * a key that OpenSSL cannot read is refused here rather than later by a verifier.
 */
import { createPublicKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  CRLDistributionPoints,
  CRLNumber,
  CRLReason,
  ExtendedKeyUsage,
  type Extension,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  type Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { type PublicKeyMaterial, publicKeyFromObject } from '../crypto/index.js';
import { toHex } from '../util/bytes.js';
import { type DistinguishedName, fromAsnName } from './names.js';
import { KeyUsageBit, type KeyUsageName } from './extensions.js';
import { inputError } from '../errors.js';

export interface ParsedExtensions {
  /** Every extension's OID and criticality, in order (for "exactly these extensions" checks). */
  readonly list: readonly { readonly oid: string; readonly critical: boolean }[];
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | undefined } | undefined;
  readonly keyUsage: readonly KeyUsageName[] | undefined;
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly subjectKeyIdentifier: Uint8Array | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly subjectAltNameUris: readonly string[] | undefined;
  readonly crlDistributionPoints: readonly string[] | undefined;
}

export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly version: number;
  /** Content octets of the serial INTEGER, hex. */
  readonly serialHex: string;
  readonly signatureAlgorithmOid: string;
  readonly signatureAlgorithmDer: Uint8Array;
  readonly tbsSignatureAlgorithmDer: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly issuerName: Name;
  readonly subject: DistinguishedName;
  readonly subjectName: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKeyMaterial;
  readonly spkiDer: Uint8Array;
  readonly extensions: ParsedExtensions;
}

function decodeKeyUsage(value: ArrayBuffer): KeyUsageName[] {
  const bits = AsnConvert.parse(value, KeyUsage);
  const bytes = new Uint8Array(bits.value);
  return (Object.keys(KeyUsageBit) as KeyUsageName[]).filter((name) => {
    const p = KeyUsageBit[name];
    return ((bytes[p >> 3] ?? 0) & (0x80 >> (p & 7))) !== 0;
  });
}

function uris(names: readonly { uniformResourceIdentifier?: string | undefined }[]): string[] {
  return names.flatMap((n) => (n.uniformResourceIdentifier === undefined ? [] : [n.uniformResourceIdentifier]));
}

export function parseExtensions(extensions: readonly Extension[] | undefined): ParsedExtensions {
  const list = (extensions ?? []).map((e) => ({ oid: e.extnID, critical: e.critical }));
  const seen = new Set<string>();
  let basicConstraints: ParsedExtensions['basicConstraints'];
  let keyUsage: KeyUsageName[] | undefined;
  let extendedKeyUsage: string[] | undefined;
  let subjectKeyIdentifier: Uint8Array | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  let subjectAltNameUris: string[] | undefined;
  let crlDistributionPoints: string[] | undefined;
  for (const ext of extensions ?? []) {
    if (seen.has(ext.extnID)) throw inputError(`extension ${ext.extnID} appears twice`);
    seen.add(ext.extnID);
    const value = ext.extnValue.buffer;
    switch (ext.extnID) {
      case id_ce_basicConstraints: {
        const bc = AsnConvert.parse(value, BasicConstraints);
        basicConstraints = { ca: bc.cA, pathLength: bc.pathLenConstraint };
        break;
      }
      case id_ce_keyUsage:
        keyUsage = decodeKeyUsage(value);
        break;
      case id_ce_extKeyUsage:
        extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
        break;
      case id_ce_subjectKeyIdentifier:
        subjectKeyIdentifier = new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer);
        break;
      case id_ce_authorityKeyIdentifier: {
        const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
        authorityKeyIdentifier = aki.keyIdentifier ? new Uint8Array(aki.keyIdentifier.buffer) : new Uint8Array();
        break;
      }
      case id_ce_subjectAltName:
        subjectAltNameUris = uris([...AsnConvert.parse(value, SubjectAlternativeName)]);
        break;
      case id_ce_cRLDistributionPoints:
        crlDistributionPoints = [...AsnConvert.parse(value, CRLDistributionPoints)].flatMap((dp) =>
          uris(dp.distributionPoint?.fullName ?? []),
        );
        break;
    }
  }
  return {
    list,
    basicConstraints,
    keyUsage,
    extendedKeyUsage,
    subjectKeyIdentifier,
    authorityKeyIdentifier,
    subjectAltNameUris,
    crlDistributionPoints,
  };
}

/** Parses a DER certificate. Throws INPUT_INVALID for anything that is not one keyceremony can read. */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (error) {
    throw inputError(`not an X.509 certificate (${(error as Error).message})`);
  }
  const tbs = cert.tbsCertificate;
  const spki = new Uint8Array(AsnConvert.serialize(tbs.subjectPublicKeyInfo));
  return {
    der,
    tbsDer: new Uint8Array(cert.tbsCertificateRaw ?? AsnConvert.serialize(tbs)),
    version: tbs.version + 1,
    serialHex: toHex(new Uint8Array(tbs.serialNumber)),
    signatureAlgorithmOid: cert.signatureAlgorithm.algorithm,
    signatureAlgorithmDer: new Uint8Array(AsnConvert.serialize(cert.signatureAlgorithm)),
    tbsSignatureAlgorithmDer: new Uint8Array(AsnConvert.serialize(tbs.signature)),
    signatureValue: new Uint8Array(cert.signatureValue),
    issuer: fromAsnName(tbs.issuer),
    issuerName: tbs.issuer,
    subject: fromAsnName(tbs.subject),
    subjectName: tbs.subject,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    publicKey: publicKeyFromObject(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })),
    spkiDer: spki,
    extensions: parseExtensions(tbs.extensions),
  };
}

export interface ParsedCrlEntry {
  readonly serialHex: string;
  readonly revocationDate: Date;
  readonly reason: number | undefined;
}

export interface ParsedCrl {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly version: number;
  readonly signatureAlgorithmDer: Uint8Array;
  readonly tbsSignatureAlgorithmDer: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly issuerName: Name;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly crlNumber: number | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly extensionOids: readonly string[];
  /** Undefined when the revokedCertificates field is absent (as it must be when empty). */
  readonly entries: readonly ParsedCrlEntry[] | undefined;
}

export function parseCrlDer(der: Uint8Array): ParsedCrl {
  let crl: CertificateList;
  try {
    crl = AsnConvert.parse(der, CertificateList);
  } catch (error) {
    throw inputError(`not an X.509 CRL (${(error as Error).message})`);
  }
  const tbs = crl.tbsCertList;
  let crlNumber: number | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  for (const ext of tbs.crlExtensions ?? []) {
    if (ext.extnID === id_ce_cRLNumber) crlNumber = AsnConvert.parse(ext.extnValue.buffer, CRLNumber).value;
    if (ext.extnID === id_ce_authorityKeyIdentifier) {
      const aki = AsnConvert.parse(ext.extnValue.buffer, AuthorityKeyIdentifier);
      authorityKeyIdentifier = aki.keyIdentifier ? new Uint8Array(aki.keyIdentifier.buffer) : new Uint8Array();
    }
  }
  return {
    der,
    tbsDer: new Uint8Array(crl.tbsCertListRaw ?? AsnConvert.serialize(tbs)),
    version: (tbs.version ?? 0) + 1,
    signatureAlgorithmDer: new Uint8Array(AsnConvert.serialize(crl.signatureAlgorithm)),
    tbsSignatureAlgorithmDer: new Uint8Array(AsnConvert.serialize(tbs.signature)),
    signatureValue: new Uint8Array(crl.signature),
    issuer: fromAsnName(tbs.issuer),
    issuerName: tbs.issuer,
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
    crlNumber,
    authorityKeyIdentifier,
    extensionOids: (tbs.crlExtensions ?? []).map((e) => e.extnID),
    entries: tbs.revokedCertificates?.map((entry) => {
      const reasonExt = entry.crlEntryExtensions?.find((e) => e.extnID === id_ce_cRLReasons);
      return {
        serialHex: toHex(new Uint8Array(entry.userCertificate)),
        revocationDate: entry.revocationDate.getTime(),
        reason: reasonExt ? AsnConvert.parse(reasonExt.extnValue.buffer, CRLReason).reason : undefined,
      };
    }),
  };
}
