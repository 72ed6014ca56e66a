/**
 * Issuing certificates and CRLs through the Signer seam, boulder style:
 *
 * 1. the issuer key the caller gives must be the key the TBS names (and the Signer's);
 * 2. lint first: the same TBS bytes signed by a throwaway key of the same algorithm go through every linter
 *    (the built-in profile rules always, zlint where configured); a blocking finding stops here, before the
 *    real key signs anything;
 * 3. the real key signs the digest of the TBS (a software key or a token: the Signer decides);
 * 4. the result is parsed again and checked: the TBS bytes are the ones that were linted, the signature
 *    verifies with the issuer's public key (ours and OpenSSL's verifier), the profile rules hold, and OpenSSL
 *    reads the fields that were asked for.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
import type { KeyAlgorithm } from '../crypto/index.js';
import { generateKeyPair, publicKeyObject, samePublicKey } from '../crypto/index.js';
import { verifyRequest } from '../crypto/index.js';
import { bug, KeyceremonyError } from '../errors.js';
import { type SchemeChoice, type Signer, SoftwareSigner } from '../signer/index.js';
import { bytesEqual } from '../util/bytes.js';
import { type LintFinding, type Linter, type LintSubject, profileLinter, requireClean } from './lint.js';
import { type ParsedCertificate, type ParsedCrl, parseCertificateDer, parseCrlDer } from './parse.js';
import { toPem } from './pem.js';
import type { CertificateTbs, CrlTbs } from './profiles.js';
import { decodeSignatureValue, encodeSignatureValue, toArrayBuffer } from './signature-algorithm.js';

export interface IssueOptions {
  /** Signs for the issuer's key (for a root: the root's own key). */
  readonly signer: Signer;
  /** Linters besides the built-in profile rules (which always run), e.g. {@link zlintLinter}. */
  readonly linters?: readonly Linter[] | undefined;
}

export interface IssuedCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly parsed: ParsedCertificate;
  /** Non-blocking lint findings (notices, infos) for the record. */
  readonly lintFindings: readonly LintFinding[];
  /** The linters that passed it, by name. */
  readonly lintedBy: readonly string[];
}

export interface IssuedCrl {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly parsed: ParsedCrl;
  readonly lintFindings: readonly LintFinding[];
  readonly lintedBy: readonly string[];
}

function digestOf(choice: SchemeChoice, tbsDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(choice.hash).update(tbsDer).digest());
}

async function rawSignature(signer: Signer, choice: SchemeChoice, tbsDer: Uint8Array): Promise<Uint8Array> {
  if (choice.scheme === 'eddsa') throw bug('X.509 issuance signs digests');
  const result = await signer.sign({ digest: digestOf(choice, tbsDer), hash: choice.hash, scheme: choice.scheme });
  if (!samePublicKey(result.publicKey, signer.publicKey))
    throw new KeyceremonyError('CHECK_FAILED', `the ${signer.location} signed with a different key than it stands for`);
  return result.signature;
}

function assemble(kind: 'certificate' | 'crl', built: CertificateTbs | CrlTbs, signatureValue: Uint8Array): Uint8Array {
  const signatureAlgorithm = built.tbs.signature;
  const value = toArrayBuffer(encodeSignatureValue(built.choice, signatureValue));
  if (kind === 'certificate') {
    const tbsCertificate = (built as CertificateTbs).tbs;
    return new Uint8Array(
      AsnConvert.serialize(new Certificate({ tbsCertificate, signatureAlgorithm, signatureValue: value })),
    );
  }
  const tbsCertList = (built as CrlTbs).tbs;
  return new Uint8Array(
    AsnConvert.serialize(new CertificateList({ tbsCertList, signatureAlgorithm, signature: value })),
  );
}

/**
 * One throwaway key per algorithm and process signs the lint copies. It signs nothing else and its copies are
 * discarded, so reusing it is harmless — and an RSA-4096 key takes seconds to generate.
 */
const lintKeys = new Map<KeyAlgorithm, Promise<SoftwareSigner>>();
function lintSigner(algorithm: KeyAlgorithm): Promise<SoftwareSigner> {
  let signer = lintKeys.get(algorithm);
  if (!signer) {
    signer = generateKeyPair(algorithm).then((pair) => new SoftwareSigner(pair));
    lintKeys.set(algorithm, signer);
  }
  return signer;
}

/** Signs the TBS with a throwaway key of the issuer's algorithm and lints the result. */
async function lintFirst(
  built: CertificateTbs | CrlTbs,
  tbsDer: Uint8Array,
  subject: (der: Uint8Array) => LintSubject,
  linters: readonly Linter[],
  what: string,
): Promise<{ findings: LintFinding[]; lintedBy: string[] }> {
  const der = assemble(
    built.kind,
    built,
    await rawSignature(await lintSigner(built.issuerKey.algorithm), built.choice, tbsDer),
  );
  const all = [profileLinter, ...linters];
  const findings: LintFinding[] = [];
  for (const linter of all) findings.push(...(await linter.lint(subject(der))));
  requireClean(findings, what);
  return { findings, lintedBy: all.map((l) => l.name) };
}

function requireIssuerKey(built: CertificateTbs | CrlTbs, signer: Signer, what: string): void {
  if (!samePublicKey(signer.publicKey, built.issuerKey)) {
    throw new KeyceremonyError('CHECK_FAILED', `the ${signer.location} is not the issuer's key for the ${what}`);
  }
}

function verifies(built: CertificateTbs | CrlTbs, tbsDer: Uint8Array, signatureValue: Uint8Array): boolean {
  const { choice, issuerKey } = built;
  if (choice.scheme === 'eddsa') return false;
  let raw: Uint8Array;
  try {
    raw = decodeSignatureValue(choice, issuerKey.algorithm, signatureValue);
  } catch {
    return false;
  }
  return verifyRequest(issuerKey, { message: tbsDer, hash: choice.hash, scheme: choice.scheme }, raw);
}

/**
 * Issues a certificate from a TBS built by {@link rootCaTbs} or {@link signingCertTbs}. `issuer` is the issuer's
 * certificate (omit for a self-signed root). Nothing is returned unless every check passed.
 */
export async function issueCertificate(
  built: CertificateTbs,
  profile: 'root-ca' | 'signing-cert',
  options: IssueOptions & { readonly issuer?: ParsedCertificate | undefined },
): Promise<IssuedCertificate> {
  const what = profile === 'root-ca' ? 'root CA certificate' : 'signing certificate';
  requireIssuerKey(built, options.signer, what);
  const tbsDer = new Uint8Array(AsnConvert.serialize(built.tbs));
  const { findings, lintedBy } = await lintFirst(
    built,
    tbsDer,
    (der) => ({ kind: 'certificate', profile, der }),
    options.linters ?? [],
    what,
  );

  const der = assemble('certificate', built, await rawSignature(options.signer, built.choice, tbsDer));

  const problems: string[] = [];
  const parsed = parseCertificateDer(der);
  if (!bytesEqual(parsed.tbsDer, tbsDer)) problems.push('the signed TBSCertificate is not the one that was linted');
  if (!verifies(built, parsed.tbsDer, parsed.signatureValue))
    problems.push('its signature does not verify with the issuer key');
  const openssl = new X509Certificate(Buffer.from(der));
  if (!openssl.verify(publicKeyObject(built.issuerKey))) problems.push('OpenSSL does not verify its signature');
  if (options.issuer && !openssl.checkIssued(new X509Certificate(Buffer.from(options.issuer.der))))
    problems.push('OpenSSL does not see it as issued by the issuer certificate');
  const subjectKey = AsnConvert.serialize(built.tbs.subjectPublicKeyInfo);
  if (
    !bytesEqual(new Uint8Array(openssl.publicKey.export({ format: 'der', type: 'spki' })), new Uint8Array(subjectKey))
  )
    problems.push('OpenSSL reads a different subject key');
  if (new Date(openssl.validFrom).getTime() !== built.tbs.validity.notBefore.getTime().getTime())
    problems.push('OpenSSL reads a different notBefore');
  if (openssl.ca !== (profile === 'root-ca')) problems.push('OpenSSL reads a different CA flag');
  problems.push(
    ...(await profileLinter.lint({ kind: 'certificate', profile, der })).map((f) => `${f.lint} ${f.details ?? ''}`),
  );
  if (problems.length) {
    throw new KeyceremonyError('CHECK_FAILED', `the issued ${what} failed its checks and must not be used`, {
      details: problems,
    });
  }
  return { der, pem: toPem('CERTIFICATE', der), parsed, lintFindings: findings, lintedBy };
}

/** Issues a CRL from a TBS built by {@link crlTbs}. */
export async function issueCrl(built: CrlTbs, options: IssueOptions): Promise<IssuedCrl> {
  requireIssuerKey(built, options.signer, 'CRL');
  const tbsDer = new Uint8Array(AsnConvert.serialize(built.tbs));
  const { findings, lintedBy } = await lintFirst(
    built,
    tbsDer,
    (der) => ({ kind: 'crl', der }),
    options.linters ?? [],
    'CRL',
  );

  const der = assemble('crl', built, await rawSignature(options.signer, built.choice, tbsDer));

  const problems: string[] = [];
  const parsed = parseCrlDer(der);
  if (!bytesEqual(parsed.tbsDer, tbsDer)) problems.push('the signed TBSCertList is not the one that was linted');
  if (!verifies(built, parsed.tbsDer, parsed.signatureValue))
    problems.push('its signature does not verify with the issuer key');
  const asked = built.tbs.revokedCertificates ?? [];
  if ((parsed.entries ?? []).length !== asked.length) problems.push('it lists a different number of revoked serials');
  problems.push(...(await profileLinter.lint({ kind: 'crl', der })).map((f) => f.lint));
  if (problems.length) {
    throw new KeyceremonyError('CHECK_FAILED', 'the issued CRL failed its checks and must not be used', {
      details: problems,
    });
  }
  return { der, pem: toPem('X509 CRL', der), parsed, lintFindings: findings, lintedBy };
}
