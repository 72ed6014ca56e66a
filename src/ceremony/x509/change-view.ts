/**
 * The "what changes" views of an X.509 root's signatures (src/ceremony/changes.ts):
 *
 * - a certificate (the root's own, or a signing certificate): every field that will be signed, as planned
 *   from the request and the profile, and again as read back from the signed certificate;
 * - a CRL: its number and dates before and after, and every revoked serial (the new ones marked).
 *
 * The planned view is built before the root signs; the one read from what it signed must be the same.
 */
import { describeAlgorithm, type HashAlgorithm, type SignatureScheme } from '../../crypto/index.js';
import { type PublicKeyMaterial, spkiDer } from '../../crypto/index.js';
import { sha256Hex } from '../../crypto/index.js';
import { isoSeconds } from '../../util/duration.js';
import { type DistinguishedName, formatName, type ParsedCertificate, type ParsedCrl } from '../../x509/index.js';
import type { ChangeRow, ChangeView } from '../changes.js';

const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const NONE = '—';

const signatureNames: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'ECDSA with SHA-256',
  '1.2.840.10045.4.3.3': 'ECDSA with SHA-384',
  '1.2.840.10045.4.3.4': 'ECDSA with SHA-512',
  '1.2.840.113549.1.1.11': 'RSA PKCS#1 v1.5 with SHA-256',
  '1.2.840.113549.1.1.12': 'RSA PKCS#1 v1.5 with SHA-384',
  '1.2.840.113549.1.1.13': 'RSA PKCS#1 v1.5 with SHA-512',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
};

const hashNames: Record<HashAlgorithm, string> = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

/** How a signature algorithm is shown: the same words for a planned scheme and a parsed OID. */
export function signatureName(choice: { scheme: SignatureScheme; hash: HashAlgorithm }): string {
  switch (choice.scheme) {
    case 'ecdsa':
      return `ECDSA with ${hashNames[choice.hash]}`;
    case 'rsa-pkcs1v15':
      return `RSA PKCS#1 v1.5 with ${hashNames[choice.hash]}`;
    case 'rsa-pss':
      return 'RSA-PSS';
    case 'eddsa':
      return 'EdDSA';
  }
}

/** A public key as the room compares it: algorithm and the SHA-256 of its SubjectPublicKeyInfo. */
export function keyText(key: PublicKeyMaterial): string {
  return `${describeAlgorithm(key.algorithm)}, SPKI SHA-256 ${sha256Hex(spkiDer(key)).slice(0, 32)}…`;
}

/** The fields of a certificate that a root signs, as text. */
export interface CertificateFields {
  readonly issuer: string;
  readonly subject: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly key: string;
  readonly basicConstraints: string;
  readonly keyUsage: string;
  readonly extendedKeyUsage: string;
  readonly subjectAltName: string;
  readonly crlDistributionPoints: string;
  readonly signature: string;
}

const fieldLabels: Record<keyof CertificateFields, string> = {
  issuer: 'issuer',
  subject: 'subject',
  serial: 'serial number',
  notBefore: 'valid from',
  notAfter: 'valid until',
  key: 'public key',
  basicConstraints: 'basic constraints',
  keyUsage: 'key usage',
  extendedKeyUsage: 'extended key usage',
  subjectAltName: 'subject alternative name',
  crlDistributionPoints: 'CRL distribution point',
  signature: 'signed with',
};

export const basicConstraintsText = (ca: boolean, pathLength: number | undefined): string =>
  ca ? `CA:TRUE, path length ${pathLength ?? 'unlimited'}` : 'CA:FALSE';
const ekuText = (oids: readonly string[] | undefined): string =>
  oids?.length ? oids.map((o) => (o === CODE_SIGNING ? 'codeSigning' : o)).join(', ') : NONE;
const listText = (items: readonly string[] | undefined, prefix = ''): string =>
  items?.length ? items.map((i) => `${prefix}${i}`).join(', ') : NONE;

/** What a root plans to sign: its request and the profile's fixed fields. */
export interface PlannedCertificate {
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly key: PublicKeyMaterial;
  readonly profile: 'root-ca' | 'signing-cert';
  readonly pathLength?: number | undefined;
  readonly identityUri?: string | undefined;
  readonly crlUrl?: string | undefined;
  readonly signature: { scheme: SignatureScheme; hash: HashAlgorithm };
}

export function plannedFields(p: PlannedCertificate): CertificateFields {
  const root = p.profile === 'root-ca';
  return {
    issuer: formatName(p.issuer),
    subject: formatName(p.subject),
    serial: p.serialHex,
    notBefore: isoSeconds(p.notBefore),
    notAfter: isoSeconds(p.notAfter),
    key: keyText(p.key),
    basicConstraints: basicConstraintsText(root, root ? (p.pathLength ?? 0) : undefined),
    keyUsage: root ? 'keyCertSign, cRLSign' : 'digitalSignature',
    extendedKeyUsage: root ? NONE : 'codeSigning',
    subjectAltName: listText(p.identityUri === undefined ? [] : [p.identityUri], 'URI:'),
    crlDistributionPoints: listText(p.crlUrl === undefined ? [] : [p.crlUrl]),
    signature: signatureName(p.signature),
  };
}

export function signedFields(cert: ParsedCertificate): CertificateFields {
  const ext = cert.extensions;
  return {
    issuer: formatName(cert.issuer),
    subject: formatName(cert.subject),
    serial: cert.serialHex,
    notBefore: isoSeconds(cert.notBefore),
    notAfter: isoSeconds(cert.notAfter),
    key: keyText(cert.publicKey),
    basicConstraints: ext.basicConstraints
      ? basicConstraintsText(ext.basicConstraints.ca, ext.basicConstraints.pathLength)
      : NONE,
    keyUsage: listText(ext.keyUsage),
    extendedKeyUsage: ekuText(ext.extendedKeyUsage),
    subjectAltName: listText(ext.subjectAltNameUris, 'URI:'),
    crlDistributionPoints: listText(ext.crlDistributionPoints),
    signature: signatureNames[cert.signatureAlgorithmOid] ?? cert.signatureAlgorithmOid,
  };
}

/** A new certificate: every field added. */
export function certificateView(subject: string, fields: CertificateFields, notes: readonly string[] = []): ChangeView {
  const rows: ChangeRow[] = (Object.keys(fieldLabels) as (keyof CertificateFields)[]).map((field) => ({
    item: fieldLabels[field],
    before: NONE,
    after: fields[field],
    mark: 'added',
  }));
  return { subject, rows, notes };
}

/** One revoked certificate as a CRL lists it. */
export interface CrlEntryText {
  readonly serialHex: string;
  /** Who held it (the signer's name from the inventory), for the room. */
  readonly holder: string;
  readonly revocationDate: Date;
  readonly reason: string;
}

export interface CrlState {
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntryText[];
}

const reasonNames: Record<number, string> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  9: 'privilegeWithdrawn',
};

/** A CRL's state as the view shows it; `holders` names serials (hex) by the signer that held them. */
export function crlState(crl: ParsedCrl, holders: ReadonlyMap<string, string>): CrlState {
  return {
    number: crl.crlNumber ?? 0,
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate ?? crl.thisUpdate,
    entries: (crl.entries ?? []).map((e) => ({
      serialHex: e.serialHex,
      holder: holders.get(e.serialHex) ?? 'unknown holder',
      revocationDate: e.revocationDate,
      reason: e.reason === undefined ? 'unspecified' : (reasonNames[e.reason] ?? String(e.reason)),
    })),
  };
}

const revokedText = (e: CrlEntryText): string => `revoked ${isoSeconds(e.revocationDate)} (${e.reason})`;

/** The change from the current CRL (undefined for the first) to the next. */
export function crlView(subject: string, before: CrlState | undefined, after: CrlState): ChangeView {
  const rows: ChangeRow[] = [
    {
      item: 'CRL number',
      before: before ? String(before.number) : NONE,
      after: String(after.number),
      mark: before ? 'changed' : 'added',
    },
    {
      item: 'this update',
      before: before ? isoSeconds(before.thisUpdate) : NONE,
      after: isoSeconds(after.thisUpdate),
      mark: before ? 'changed' : 'added',
    },
    {
      item: 'next update (renew the CRL before this)',
      before: before ? isoSeconds(before.nextUpdate) : NONE,
      after: isoSeconds(after.nextUpdate),
      mark: !before
        ? 'added'
        : after.nextUpdate > before.nextUpdate
          ? 'extended'
          : after.nextUpdate < before.nextUpdate
            ? 'shortened'
            : 'unchanged',
    },
  ];
  for (const entry of after.entries) {
    const earlier = before?.entries.find((e) => e.serialHex === entry.serialHex);
    rows.push({
      item: `serial ${entry.serialHex} (${entry.holder})`,
      before: earlier ? revokedText(earlier) : 'not revoked',
      after: revokedText(entry),
      mark: earlier ? 'unchanged' : 'revoked',
    });
  }
  for (const entry of before?.entries ?? []) {
    if (!after.entries.some((e) => e.serialHex === entry.serialHex))
      rows.push({
        item: `serial ${entry.serialHex} (${entry.holder})`,
        before: revokedText(entry),
        after: 'not listed',
        mark: 'removed',
      });
  }
  return { subject, rows };
}
