/**
 * The three things an offline container-signing root does, each one call: create itself, issue a signing
 * certificate, publish a CRL. They validate the request completely, build the profile's TBS, lint it, sign it
 * through the Signer seam and check the result (profiles.ts, issue.ts).
 */
import type { PublicKeyMaterial } from '../crypto/index.js';
import { sha256Hex } from '../crypto/index.js';
import { type IssuedCertificate, type IssuedCrl, issueCertificate, issueCrl, type IssueOptions } from './issue.js';
import { type ParsedCertificate, parseCertificateDer } from './parse.js';
import { fromPem } from './pem.js';
import {
  type CrlRequest,
  crlTbs,
  type Issuer,
  type RootCaRequest,
  rootCaTbs,
  type SigningCertRequest,
  signingCertTbs,
} from './profiles.js';

/** A self-signed root CA certificate for the signer's key. */
export async function createRootCa(request: RootCaRequest, options: IssueOptions): Promise<IssuedCertificate> {
  return issueCertificate(rootCaTbs(request, options.signer.publicKey), 'root-ca', options);
}

/** A signing certificate for `subjectKey`, signed by the issuer's key (`options.signer`). */
export async function issueSigningCertificate(
  request: SigningCertRequest,
  subjectKey: PublicKeyMaterial,
  issuer: Issuer,
  options: IssueOptions,
): Promise<IssuedCertificate> {
  return issueCertificate(signingCertTbs(request, subjectKey, issuer), 'signing-cert', {
    ...options,
    issuer: issuer.certificate,
  });
}

/** A CRL signed by the issuer's key. */
export async function createCrl(request: CrlRequest, issuer: Issuer, options: IssueOptions): Promise<IssuedCrl> {
  return issueCrl(crlTbs(request, issuer), options);
}

/** `years` calendar years after `start` (UTC), the way validity periods are counted. */
export function addYears(start: Date, years: number): Date {
  const end = new Date(start.getTime());
  end.setUTCFullYear(end.getUTCFullYear() + years);
  return end;
}

/** Reads a PEM or DER certificate (the first one of a PEM bundle). */
export function readCertificate(input: Uint8Array | string): ParsedCertificate {
  const der = typeof input === 'string' ? fromPem('CERTIFICATE', input)[0]! : input;
  return parseCertificateDer(der);
}

/** SHA-256 fingerprint of the DER certificate, lower-case hex (what `openssl x509 -fingerprint -sha256` shows). */
export function certificateFingerprint(cert: { readonly der: Uint8Array }): string {
  return sha256Hex(cert.der);
}

/** The PEM chain a signer hands to cosign/notation: the signing certificate first, then its issuers up to the root. */
export function chainPem(...certificates: readonly { readonly pem: string }[]): string {
  return certificates.map((c) => c.pem).join('');
}
