/**
 * The certificate and CRL profiles keyceremony issues, as TBS structures built from validated requests.
 *
 * - Offline root CA: self-signed, basicConstraints critical CA:TRUE with a path length (default 0: the root
 *   signs the signing certificates itself), keyUsage critical keyCertSign + cRLSign, SKI (and AKI = SKI),
 *   random serial, subject from the request, default ECDSA P-384 and 10 years.
 * - Signing certificate: what the Notary Project signature specification requires of a leaf ("Certificate
 *   Requirements") and what cosign needs: keyUsage critical digitalSignature only, EKU codeSigning only
 *   (cosign verifies chains for codeSigning; Notation refuses serverAuth, clientAuth, emailProtection,
 *   timeStamping, OCSPSigning and anyEKU), basicConstraints critical CA:FALSE, a subject with C, ST, O and CN
 *   (Notation's trust policy identities need C, ST and O), an optional URI SAN (the identity
 *   `cosign verify --certificate-identity` matches) and an optional http CRL distribution point (where
 *   notation ≥ 1.3 fetches the CRL). Default 1 year, never past the issuer's validity.
 * - CRL: v2, signed by the root, thisUpdate/nextUpdate, CRL number, AKI; revoked serials with reason codes
 *   (no reason extension for "unspecified", as RFC 5280 §5.3.1 asks); no revokedCertificates field when empty.
 *
 * Every request is checked completely before anything is built: all problems at once, one INPUT_INVALID error.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Extensions,
  type Name,
  RevokedCertificate,
  SubjectPublicKeyInfo,
  TBSCertificate,
  TBSCertList,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { KeyAlgorithm, SignatureScheme } from '../crypto/index.js';
import { describeAlgorithm } from '../crypto/index.js';
import { type PublicKeyMaterial, spkiDer } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import { acceptedSchemes, formatAlgorithms, type SchemeChoice, schemeFor } from '../signer/index.js';
import { fromHex } from '../util/bytes.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  crlDistributionPoint,
  crlNumber,
  crlReason,
  extendedKeyUsage,
  keyIdentifier,
  keyUsage,
  OID_CODE_SIGNING,
  subjectAltNameUri,
  subjectKeyIdentifier,
} from './extensions.js';
import { type DistinguishedName, nameProblems, toAsnName } from './names.js';
import type { ParsedCertificate } from './parse.js';
import { randomSerial, serialProblems } from './serial.js';
import { signatureAlgorithmIdentifier, toArrayBuffer } from './signature-algorithm.js';

/** Root key algorithms, default first (src/signer/formats.ts: what X.509 certificates keyceremony signs take). */
export const rootCaAlgorithms = formatAlgorithms('x509');
/** Signing certificate key algorithms: what both Notation and cosign take (P-256, RSA-4096), default first. */
export const signingCertAlgorithms: readonly KeyAlgorithm[] = (['nistp256', 'rsa4096'] as const).filter(
  (a) => formatAlgorithms('notation').includes(a) && formatAlgorithms('cosign').includes(a),
);

export const DEFAULT_ROOT_YEARS = 10;
export const DEFAULT_SIGNING_CERT_YEARS = 1;
/** CRL numbers are written as a JavaScript number: keep them in the exactly representable range. */
const MAX_CRL_NUMBER = Number.MAX_SAFE_INTEGER;

export interface RootCaRequest {
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Intermediate CAs allowed below the root (default 0: the root signs signing certificates directly). */
  readonly pathLength?: number | undefined;
  /** The scheme the root signs with, for RSA roots (default PKCS#1 v1.5; 'rsa-pss' on request). */
  readonly scheme?: SignatureScheme | undefined;
  /** Content octets of the serial; random when left out (tests only). */
  readonly serial?: Uint8Array | undefined;
}

export interface SigningCertRequest {
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A URI SAN: the identity cosign verification pins (`--certificate-identity`). */
  readonly identityUri?: string | undefined;
  /** An http:// URL where the issuer's CRL is published (Notation fetches it at verification). */
  readonly crlDistributionPoint?: string | undefined;
  readonly serial?: Uint8Array | undefined;
}

export type CrlReasonName =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'privilegeWithdrawn';

const crlReasonCodes: Record<CrlReasonName, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

export interface RevokedEntry {
  /** Serial of the revoked certificate, hex content octets (as {@link ParsedCertificate.serialHex}). */
  readonly serialHex: string;
  readonly revocationDate: Date;
  readonly reason: CrlReasonName;
}

export interface CrlRequest {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Monotonically increasing per issuer (RFC 5280 §5.2.3); the caller keeps the counter. */
  readonly crlNumber: number;
  readonly revoked: readonly RevokedEntry[];
  readonly scheme?: SignatureScheme | undefined;
}

/** A built TBS and how it must be signed. */
export interface CertificateTbs {
  readonly kind: 'certificate';
  readonly tbs: TBSCertificate;
  readonly choice: SchemeChoice;
  /** The key the signature must verify with (the issuer's). */
  readonly issuerKey: PublicKeyMaterial;
}

export interface CrlTbs {
  readonly kind: 'crl';
  readonly tbs: TBSCertList;
  readonly choice: SchemeChoice;
  readonly issuerKey: PublicKeyMaterial;
}

function refuse(what: string, problems: string[]): void {
  if (problems.length === 0) return;
  throw new KeyceremonyError(
    'INPUT_INVALID',
    `${what}: ${problems.length === 1 ? problems[0] : 'the request is invalid'}`,
    {
      details: problems.length === 1 ? [] : problems,
    },
  );
}

function validityProblems(notBefore: Date, notAfter: Date): string[] {
  const problems: string[] = [];
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()))
    problems.push('validity dates are invalid');
  else if (notAfter.getTime() <= notBefore.getTime()) problems.push('the certificate must end after it begins');
  return problems;
}

/** How an issuer with this key signs X.509 (the scheme asked for must be one the x509 list accepts). */
export function issuerScheme(algorithm: KeyAlgorithm, scheme?: SignatureScheme): SchemeChoice {
  return schemeFor('x509', algorithm, scheme);
}

function serialOf(serial: Uint8Array | undefined, problems: string[]): Uint8Array {
  if (serial === undefined) return randomSerial();
  problems.push(...serialProblems(serial));
  return serial;
}

function spki(key: PublicKeyMaterial): SubjectPublicKeyInfo {
  return AsnConvert.parse(spkiDer(key), SubjectPublicKeyInfo);
}

/** The TBSCertificate of a self-signed root CA for `key` (the root's own public key). */
export function rootCaTbs(request: RootCaRequest, key: PublicKeyMaterial): CertificateTbs {
  const problems = [
    ...nameProblems(request.subject, 'root CA subject', ['organization', 'commonName']),
    ...validityProblems(request.notBefore, request.notAfter),
  ];
  if (!rootCaAlgorithms.includes(key.algorithm))
    problems.push(`a root CA key cannot be ${describeAlgorithm(key.algorithm)}`);
  const pathLength = request.pathLength ?? 0;
  if (!Number.isSafeInteger(pathLength) || pathLength < 0 || pathLength > 8)
    problems.push('the path length must be a whole number from 0 to 8');
  const serial = serialOf(request.serial, problems);
  let choice: SchemeChoice | undefined;
  try {
    choice = issuerScheme(key.algorithm, request.scheme);
  } catch (error) {
    problems.push((error as Error).message);
  }
  refuse('root CA certificate', problems);
  const name = toAsnName(request.subject);
  const id = keyIdentifier(key);
  return {
    kind: 'certificate',
    choice: choice!,
    issuerKey: key,
    tbs: new TBSCertificate({
      version: Version.v3,
      serialNumber: toArrayBuffer(serial),
      signature: signatureAlgorithmIdentifier(choice!),
      issuer: name,
      validity: new Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
      subject: name,
      subjectPublicKeyInfo: spki(key),
      extensions: new Extensions([
        basicConstraints(true, pathLength),
        keyUsage(['keyCertSign', 'cRLSign']),
        subjectKeyIdentifier(id),
        authorityKeyIdentifier(id),
      ]),
    }),
  };
}

/** What a signing certificate needs from its issuer: the root as it was issued (parsed). */
export interface Issuer {
  readonly certificate: ParsedCertificate;
  /** The scheme the issuer signs with (RSA roots: PKCS#1 v1.5 unless asked otherwise). */
  readonly scheme?: SignatureScheme | undefined;
}

function issuerProblems(issuer: ParsedCertificate): string[] {
  const problems: string[] = [];
  const bc = issuer.extensions.basicConstraints;
  if (!bc?.ca) problems.push('the issuer is not a CA certificate');
  if (!issuer.extensions.keyUsage?.includes('keyCertSign')) problems.push('the issuer may not sign certificates');
  if (!issuer.extensions.subjectKeyIdentifier) problems.push('the issuer has no subject key identifier');
  return problems;
}

function httpUrlProblem(url: string, what: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:')
      return `${what} must be an http:// URL (Notation fetches CRLs over plain HTTP only)`;
    if (parsed.href !== url) return `${what} must be written in normal form (${parsed.href})`;
  } catch {
    return `${what} is not a URL: ${url}`;
  }
  return undefined;
}

function uriProblem(uri: string): string | undefined {
  try {
    const parsed = new URL(uri);
    if (!/^[a-z][a-z0-9+.-]*:$/.test(parsed.protocol)) return `the identity URI has no scheme: ${uri}`;
    if (/\s/.test(uri)) return 'the identity URI must not contain spaces';
  } catch {
    return `the identity is not a URI: ${uri}`;
  }
  return undefined;
}

/** The TBSCertificate of a signing certificate for `key`, issued by `issuer`. */
export function signingCertTbs(request: SigningCertRequest, key: PublicKeyMaterial, issuer: Issuer): CertificateTbs {
  const root = issuer.certificate;
  const problems = [
    ...nameProblems(request.subject, 'signing certificate subject', ['country', 'state', 'organization', 'commonName']),
    ...validityProblems(request.notBefore, request.notAfter),
    ...issuerProblems(root),
  ];
  if (!signingCertAlgorithms.includes(key.algorithm))
    problems.push(
      `a signing certificate key cannot be ${describeAlgorithm(key.algorithm)} (Notation and cosign take ${signingCertAlgorithms.map(describeAlgorithm).join(', ')})`,
    );
  if (request.notBefore.getTime() < root.notBefore.getTime() || request.notAfter.getTime() > root.notAfter.getTime())
    problems.push(
      `the validity must lie within the issuer's (${root.notBefore.toISOString()} to ${root.notAfter.toISOString()})`,
    );
  if (request.identityUri !== undefined) {
    const problem = uriProblem(request.identityUri);
    if (problem) problems.push(problem);
  }
  if (request.crlDistributionPoint !== undefined) {
    const problem = httpUrlProblem(request.crlDistributionPoint, 'the CRL distribution point');
    if (problem) problems.push(problem);
  }
  const serial = serialOf(request.serial, problems);
  let choice: SchemeChoice | undefined;
  try {
    choice = issuerScheme(root.publicKey.algorithm, issuer.scheme);
  } catch (error) {
    problems.push((error as Error).message);
  }
  refuse('signing certificate', problems);
  const extensions = [
    basicConstraints(false),
    keyUsage(['digitalSignature']),
    extendedKeyUsage([OID_CODE_SIGNING]),
    subjectKeyIdentifier(keyIdentifier(key)),
    authorityKeyIdentifier(root.extensions.subjectKeyIdentifier!),
  ];
  if (request.identityUri !== undefined) extensions.push(subjectAltNameUri(request.identityUri));
  if (request.crlDistributionPoint !== undefined) extensions.push(crlDistributionPoint(request.crlDistributionPoint));
  return {
    kind: 'certificate',
    choice: choice!,
    issuerKey: root.publicKey,
    tbs: new TBSCertificate({
      version: Version.v3,
      serialNumber: toArrayBuffer(serial),
      signature: signatureAlgorithmIdentifier(choice!),
      // The issuer's subject exactly as it is encoded in the issuer's certificate: Go and Notation compare the
      // bytes (RawIssuer against RawSubject), not the attributes.
      issuer: root.subjectName as Name,
      validity: new Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
      subject: toAsnName(request.subject),
      subjectPublicKeyInfo: spki(key),
      extensions: new Extensions(extensions),
    }),
  };
}

/** The TBSCertList of a CRL issued by `issuer`. */
export function crlTbs(request: CrlRequest, issuer: Issuer): CrlTbs {
  const root = issuer.certificate;
  const problems = [...issuerProblems(root)];
  if (!root.extensions.keyUsage?.includes('cRLSign')) problems.push('the issuer may not sign CRLs (no cRLSign)');
  if (Number.isNaN(request.thisUpdate.getTime()) || Number.isNaN(request.nextUpdate.getTime()))
    problems.push('the CRL dates are invalid');
  else if (request.nextUpdate.getTime() <= request.thisUpdate.getTime())
    problems.push('the next update must come after this update');
  if (!Number.isSafeInteger(request.crlNumber) || request.crlNumber < 1 || request.crlNumber > MAX_CRL_NUMBER)
    problems.push('the CRL number must be a positive whole number');
  const seen = new Set<string>();
  for (const entry of request.revoked) {
    if (!/^(?:[0-9a-f]{2}){1,20}$/.test(entry.serialHex)) problems.push(`revoked serial ${entry.serialHex} is not hex`);
    else
      problems.push(...serialProblems(fromHex(entry.serialHex)).map((p) => `revoked serial ${entry.serialHex}: ${p}`));
    if (seen.has(entry.serialHex)) problems.push(`serial ${entry.serialHex} is listed twice`);
    seen.add(entry.serialHex);
    if (entry.revocationDate.getTime() > request.thisUpdate.getTime())
      problems.push(`serial ${entry.serialHex} is revoked after this update`);
    if (!(entry.reason in crlReasonCodes)) problems.push(`unknown revocation reason ${entry.reason}`);
  }
  let choice: SchemeChoice | undefined;
  try {
    choice = issuerScheme(root.publicKey.algorithm, issuer.scheme);
  } catch (error) {
    problems.push((error as Error).message);
  }
  refuse('CRL', problems);
  const revoked = request.revoked.map(
    (entry) =>
      new RevokedCertificate({
        userCertificate: toArrayBuffer(fromHex(entry.serialHex)),
        revocationDate: new Time(entry.revocationDate),
        ...(entry.reason === 'unspecified' ? {} : { crlEntryExtensions: [crlReason(crlReasonCodes[entry.reason])] }),
      }),
  );
  return {
    kind: 'crl',
    choice: choice!,
    issuerKey: root.publicKey,
    tbs: new TBSCertList({
      version: Version.v2,
      signature: signatureAlgorithmIdentifier(choice!),
      issuer: root.subjectName as Name,
      thisUpdate: new Time(request.thisUpdate),
      nextUpdate: new Time(request.nextUpdate),
      ...(revoked.length ? { revokedCertificates: revoked } : {}),
      crlExtensions: [authorityKeyIdentifier(root.extensions.subjectKeyIdentifier!), crlNumber(request.crlNumber)],
    }),
  };
}

/** Every algorithm/scheme an issuer can sign X.509 with (for docs and errors). */
export const issuerSchemes = acceptedSchemes.x509;
