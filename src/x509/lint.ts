/**
 * Linting before the real key signs (as Let's Encrypt's ceremony tool does): the TBS is first signed with a
 * throwaway key of the same algorithm, the result is given to every linter, and only a clean result lets the
 * real key sign the very same TBS bytes. A finding at level error, fatal or warn stops issuance; notices and
 * infos are reported. Linters are pluggable: {@link profileLinter} is built in and always runs (it needs
 * nothing but Node); {@link zlintLinter} runs zmap's zlint binary where one is installed.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KeyceremonyError } from '../errors.js';
import { bytesEqual } from '../util/bytes.js';
import { OID_CODE_SIGNING } from './extensions.js';
import { parseCertificateDer, parseCrlDer } from './parse.js';

const execFileAsync = promisify(execFile);

export type LintLevel = 'fatal' | 'error' | 'warn' | 'notice' | 'info';

export interface LintFinding {
  readonly linter: string;
  readonly lint: string;
  readonly level: LintLevel;
  readonly details?: string | undefined;
}

/** The profile a certificate was built for, so linters can hold it to that profile's rules. */
export type LintSubject =
  | { readonly kind: 'certificate'; readonly profile: 'root-ca' | 'signing-cert'; readonly der: Uint8Array }
  | { readonly kind: 'crl'; readonly der: Uint8Array };

export interface Linter {
  readonly name: string;
  lint(subject: LintSubject): Promise<LintFinding[]>;
}

export const blockingLevels: readonly LintLevel[] = ['fatal', 'error', 'warn'];

/** Throws CHECK_FAILED (nothing signed by the real key) when any finding blocks. */
export function requireClean(findings: readonly LintFinding[], what: string): void {
  const blocking = findings.filter((f) => blockingLevels.includes(f.level));
  if (blocking.length === 0) return;
  throw new KeyceremonyError('CHECK_FAILED', `the ${what} failed linting; the real key did not sign it`, {
    details: blocking.map((f) => `${f.linter} ${f.level}: ${f.lint}${f.details ? ` (${f.details})` : ''}`),
  });
}

const FORBIDDEN_LEAF_EKU = new Set([
  '1.3.6.1.5.5.7.3.1', // serverAuth
  '1.3.6.1.5.5.7.3.2', // clientAuth
  '1.3.6.1.5.5.7.3.4', // emailProtection
  '1.3.6.1.5.5.7.3.8', // timeStamping
  '1.3.6.1.5.5.7.3.9', // OCSPSigning
  '2.5.29.37.0', // anyExtendedKeyUsage
]);
const SHA1_SIGNATURES = ['1.2.840.10045.4.1', '1.2.840.113549.1.1.5', '1.2.840.10040.4.3'];

/**
 * keyceremony's own profile rules — RFC 5280 structure, the Notary Project's certificate requirements, what
 * cosign needs — checked on a certificate parsed twice: by @peculiar/asn1-x509 and by OpenSSL (Node's
 * X509Certificate), so a certificate OpenSSL cannot read, or reads differently, is refused.
 */
export const profileLinter: Linter = {
  name: 'keyceremony-profile',
  async lint(subject) {
    const findings: LintFinding[] = [];
    const fail = (lint: string, details?: string): void => {
      findings.push({ linter: 'keyceremony-profile', lint, level: 'error', details });
    };
    if (subject.kind === 'crl') {
      let crl;
      try {
        crl = parseCrlDer(subject.der);
      } catch (error) {
        fail('crl_parses', (error as Error).message);
        return findings;
      }
      if (crl.version !== 2) fail('crl_version_2');
      if (!bytesEqual(crl.signatureAlgorithmDer, crl.tbsSignatureAlgorithmDer)) fail('crl_sig_alg_matches_tbs');
      if (!crl.nextUpdate) fail('crl_has_next_update');
      else if (crl.nextUpdate.getTime() <= crl.thisUpdate.getTime()) fail('crl_next_update_after_this_update');
      if (crl.crlNumber === undefined) fail('crl_has_crl_number');
      if (!crl.authorityKeyIdentifier?.length) fail('crl_has_authority_key_identifier');
      if (crl.entries !== undefined && crl.entries.length === 0) fail('crl_empty_revoked_certificates_absent');
      return findings;
    }
    let cert;
    let openssl: X509Certificate;
    try {
      cert = parseCertificateDer(subject.der);
      openssl = new X509Certificate(Buffer.from(subject.der));
    } catch (error) {
      fail('cert_parses', (error as Error).message);
      return findings;
    }
    if (cert.version !== 3) fail('cert_version_3');
    if (!bytesEqual(cert.signatureAlgorithmDer, cert.tbsSignatureAlgorithmDer)) fail('cert_sig_alg_matches_tbs');
    if (SHA1_SIGNATURES.includes(cert.signatureAlgorithmOid)) fail('cert_no_sha1');
    const serial = Buffer.from(cert.serialHex, 'hex');
    if (serial.length > 20 || (serial[0] ?? 0) & 0x80 || serial.every((b) => b === 0))
      fail('cert_serial_positive_20_octets');
    if (openssl.serialNumber.toLowerCase().replace(/^0+/, '') !== cert.serialHex.replace(/^0+/, ''))
      fail('cert_serial_openssl_agrees');
    if (cert.notAfter.getTime() <= cert.notBefore.getTime()) fail('cert_validity_order');
    if (new Date(openssl.validTo).getTime() !== cert.notAfter.getTime()) fail('cert_not_after_openssl_agrees');
    const ext = cert.extensions;
    const critical = (oid: string): boolean | undefined => ext.list.find((e) => e.oid === oid)?.critical;
    if (critical('2.5.29.15') !== true) fail('cert_key_usage_critical');
    if (critical('2.5.29.19') !== true) fail('cert_basic_constraints_critical');
    if (!ext.subjectKeyIdentifier?.length) fail('cert_has_subject_key_identifier');
    for (const field of ['organization', 'commonName'] as const)
      if (!cert.subject[field]) fail(`cert_subject_has_${field}`);
    if (subject.profile === 'root-ca') {
      if (!ext.basicConstraints?.ca || !openssl.ca) fail('root_basic_constraints_ca');
      if (ext.keyUsage?.join(',') !== 'keyCertSign,cRLSign') fail('root_key_usage_cert_and_crl_sign_only');
      if (ext.extendedKeyUsage) fail('root_no_extended_key_usage');
      // RFC 5280 §4.2.1.1: a self-signed root may leave the AKI out; if it has one, it names its own key.
      if (
        ext.authorityKeyIdentifier &&
        Buffer.compare(ext.authorityKeyIdentifier, ext.subjectKeyIdentifier ?? new Uint8Array())
      )
        fail('root_authority_key_identifier_is_own');
      // The signature itself is checked after the real key signed (a lint copy is signed by a throwaway key).
      if (!openssl.checkIssued(openssl)) fail('root_self_issued');
    } else {
      if (!ext.authorityKeyIdentifier?.length) fail('cert_has_authority_key_identifier');
      if (ext.basicConstraints?.ca !== false || openssl.ca) fail('leaf_basic_constraints_not_ca');
      if (ext.keyUsage?.join(',') !== 'digitalSignature') fail('leaf_key_usage_digital_signature_only');
      if (ext.extendedKeyUsage?.join(',') !== OID_CODE_SIGNING) fail('leaf_eku_code_signing_only');
      if (ext.extendedKeyUsage?.some((oid) => FORBIDDEN_LEAF_EKU.has(oid))) fail('leaf_eku_none_notation_forbids');
      for (const field of ['country', 'state'] as const) if (!cert.subject[field]) fail(`leaf_subject_has_${field}`);
      if (cert.publicKey.algorithm === 'ed25519') fail('leaf_key_not_ed25519');
      for (const url of ext.crlDistributionPoints ?? []) if (!url.startsWith('http://')) fail('leaf_crl_dp_http', url);
    }
    return findings;
  },
};

interface ZlintResult {
  result: 'pass' | 'NA' | 'NE' | LintLevel;
  details?: string;
}

/**
 * zmap's zlint (a Go binary) with the lint sources that apply to a private code-signing PKI: RFC 5280 and the
 * RFCs on algorithms and EC keys. The CA/Browser Forum sources are written for publicly trusted TLS, S/MIME
 * and code-signing CAs and are left out.
 */
export function zlintLinter(binary: string, sources = ['RFC5280', 'RFC5480', 'RFC3279', 'RFC8813']): Linter {
  return {
    name: 'zlint',
    async lint(subject) {
      const dir = await mkdtemp(join(tmpdir(), 'kc-zlint-'));
      try {
        const file = join(dir, subject.kind === 'crl' ? 'crl.der' : 'cert.der');
        await writeFile(file, subject.der);
        const { stdout } = await execFileAsync(binary, ['-includeSources', sources.join(','), '-format', 'der', file], {
          maxBuffer: 16 << 20,
        });
        const results = JSON.parse(stdout) as Record<string, ZlintResult>;
        return Object.entries(results)
          .filter(([, r]) => r.result !== 'pass' && r.result !== 'NA' && r.result !== 'NE')
          .map(([lint, r]) => ({ linter: 'zlint', lint, level: r.result as LintLevel, details: r.details }));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
