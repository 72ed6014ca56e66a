/**
 * Self-signed X.509 certificates signed through a Signer: the per-GUN root certificates that root.json lists
 * (made as notary makes them) and the delegation keys' certificates.
 *
 * notary's root certificate (tuf/utils/x509.go NewCertificate, checked with `openssl x509 -text`): v3,
 * Subject = Issuer = CN=<GUN>, a random serial below 2^128, KeyUsage critical {digitalSignature,
 * keyEncipherment}, ExtKeyUsage codeSigning, BasicConstraints critical CA:FALSE, ecdsa-with-SHA256. Clients
 * accept a root certificate only if its CN is the GUN, it is not a CA, not expired and not SHA-1 signed.
 *
 * The TBSCertificate is composed here and only its SHA-256 digest goes to the Signer, so a root key on a
 * PKCS#11 token (CKM_ECDSA) signs certificates exactly as a software key does.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_kp_codeSigning,
  KeyUsage,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { type PublicKeyMaterial, publicKeyObject, spkiDer } from '../crypto/index.js';
import type { Signer } from '../signer/index.js';
import { bytesEqual, stripLeadingZeros } from '../util/bytes.js';
import { sequence, unsignedInteger } from './der.js';
import { encodePem, decodeSinglePem } from './pem.js';
import { p256FromSpki } from './tuf-key.js';
import { sha256 } from '../crypto/index.js';
import { bug, inputError, KeyceremonyError } from '../errors.js';

const OID_COMMON_NAME = '2.5.4.3';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const SHA1_SIGNATURES = new Set(['1.2.840.10045.4.1', '1.2.840.113549.1.1.5', '1.2.840.10040.4.3']);

export interface CertificateRequest {
  /** CN of both subject and issuer: the GUN for root certificates, the signer's name for delegations. */
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Big-endian serial; a random one below 2^128 (as notary makes them) when left out. */
  readonly serialNumber?: Uint8Array;
}

/** The raw r‖s of a P-256 signature as the DER ECDSA-Sig-Value that X.509 carries. */
export function ecdsaSignatureToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw bug(`an ECDSA P-256 signature is 64 bytes (r‖s), not ${raw.length}`);
  return sequence(unsignedInteger(raw.subarray(0, 32)), unsignedInteger(raw.subarray(32)));
}

function directoryString(value: string): AttributeValue {
  // Go writes a PrintableString when it can and a UTF8String otherwise ('_' is not printable); do the same.
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)
    ? new AttributeValue({ printableString: value })
    : new AttributeValue({ utf8String: value });
}

function commonNameOnly(commonName: string): Name {
  return new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: OID_COMMON_NAME, value: directoryString(commonName) }),
    ]),
  ]);
}

/**
 * The content octets of a positive DER INTEGER for a big-endian serial: leading zeros dropped, a zero byte
 * added when the top bit is set (asn1-schema writes these bytes as they are; a negative or non-minimal serial
 * would be refused by Go and break the re-parse check below).
 */
export function serialIntegerContent(serial: Uint8Array): Uint8Array {
  const magnitude = stripLeadingZeros(serial);
  if (magnitude.length === 0) throw bug('a certificate serial must be positive');
  if (magnitude.length > 20) throw bug('a certificate serial must fit 20 bytes');
  return (magnitude[0] ?? 0) & 0x80 ? Uint8Array.of(0, ...magnitude) : magnitude.slice();
}

/** A random serial below 2^128, as notary makes them. */
function randomSerial(): Uint8Array {
  for (;;) {
    const serial = new Uint8Array(randomBytes(16));
    if (serial.some((b) => b !== 0)) return serial;
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/** notary's root-certificate profile, also used for delegation certificates. */
function codeSigningExtensions(): Extensions {
  return new Extensions([
    new Extension({
      extnID: id_ce_keyUsage,
      critical: true,
      // digitalSignature (bit 0) and keyEncipherment (bit 2): 0b101 with 5 unused bits, as Go encodes it.
      extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(Uint8Array.of(0xa0), 5))),
    }),
    new Extension({
      extnID: id_ce_extKeyUsage,
      critical: false,
      extnValue: new OctetString(AsnConvert.serialize(new ExtendedKeyUsage([id_kp_codeSigning]))),
    }),
    new Extension({
      extnID: id_ce_basicConstraints,
      critical: true,
      extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: false }))),
    }),
  ]);
}

/**
 * Creates a self-signed certificate for the signer's own key: the TBSCertificate is built here, its SHA-256
 * digest signed by `signer` (ECDSA P-256, raw r‖s), the signature converted to DER and checked before the
 * certificate is returned (DER bytes).
 */
export async function createSelfSignedCertificate(signer: Signer, request: CertificateRequest): Promise<Uint8Array> {
  if (signer.publicKey.algorithm !== 'nistp256')
    throw bug(`DCT certificates need an ECDSA P-256 key, not ${signer.publicKey.algorithm}`);
  if (!(request.notAfter.getTime() > request.notBefore.getTime())) throw bug('a certificate must end after it begins');
  const name = commonNameOnly(request.commonName);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serialIntegerContent(request.serialNumber ?? randomSerial())),
    signature: new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 }),
    issuer: name,
    validity: new Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(spkiDer(signer.publicKey), SubjectPublicKeyInfo),
    extensions: codeSigningExtensions(),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const digest = sha256(tbsDer);
  const { signature: raw } = await signer.sign({ digest, hash: 'sha256', scheme: 'ecdsa' });
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 }),
    signatureValue: toArrayBuffer(ecdsaSignatureToDer(raw)),
  });
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  // Re-parse what was written and check the signature with OpenSSL (through Node) before anyone relies on it.
  const parsed = parseCertificate(der);
  if (!bytesEqual(parsed.tbsDer, tbsDer) || !verifyCertificateSignature(parsed, signer.publicKey)) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the certificate for ${request.commonName} does not verify against the key that signed it`,
    );
  }
  return der;
}

/** The certificate as PEM, exactly as Go's encoding/pem writes it (root.json embeds these bytes). */
export function certificatePem(der: Uint8Array): string {
  return encodePem({ type: 'CERTIFICATE', headers: {}, bytes: der });
}

export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly commonName: string | undefined;
  readonly issuerCommonName: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA: boolean;
  readonly signatureAlgorithm: string;
  /** The certified key, when it is ECDSA P-256 (the only kind notary's DCT keys are). */
  readonly publicKey: PublicKeyMaterial | undefined;
  readonly publicKeyProblem: string | undefined;
  readonly serialHex: string;
}

function commonNameOf(name: Name): string | undefined {
  for (const rdn of name) for (const atv of rdn) if (atv.type === OID_COMMON_NAME) return atv.value.toString();
  return undefined;
}

/** Parses a DER or PEM certificate. Throws INPUT_INVALID (or a PemError) for anything that is not one. */
export function parseCertificate(input: Uint8Array | string): ParsedCertificate {
  const der = typeof input === 'string' ? decodeSinglePem(input, ['CERTIFICATE'], 'the certificate').bytes : input;
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (error) {
    throw inputError(`not an X.509 certificate (${(error as Error).message})`);
  }
  const tbs = cert.tbsCertificate;
  let publicKey: PublicKeyMaterial | undefined;
  let publicKeyProblem: string | undefined;
  try {
    publicKey = p256FromSpki(new Uint8Array(AsnConvert.serialize(tbs.subjectPublicKeyInfo)));
  } catch (error) {
    publicKeyProblem = (error as Error).message;
  }
  let isCA = false;
  for (const ext of tbs.extensions ?? []) {
    if (ext.extnID === id_ce_basicConstraints) isCA = AsnConvert.parse(ext.extnValue, BasicConstraints).cA;
  }
  return {
    der,
    tbsDer: new Uint8Array(cert.tbsCertificateRaw ?? AsnConvert.serialize(tbs)),
    commonName: commonNameOf(tbs.subject),
    issuerCommonName: commonNameOf(tbs.issuer),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    isCA,
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    publicKey,
    publicKeyProblem,
    serialHex: Buffer.from(tbs.serialNumber).toString('hex'),
  };
}

/** Checks the certificate's signature with OpenSSL (Node's X509Certificate). */
export function verifyCertificateSignature(cert: ParsedCertificate, issuer: PublicKeyMaterial): boolean {
  try {
    return new X509Certificate(Buffer.from(cert.der)).verify(publicKeyObject(issuer));
  } catch {
    return false;
  }
}

/**
 * What notary clients would object to in a root certificate for `gun` (trustpinning/certs.go,
 * tuf/utils/x509.go ValidateCertificate): an empty list means clients accept it.
 */
export function rootCertificateProblems(cert: ParsedCertificate, gun: string, now: Date): string[] {
  const problems: string[] = [];
  if (cert.commonName !== gun)
    problems.push(
      `its CN is ${cert.commonName === undefined ? 'missing' : `"${cert.commonName}"`}, not the GUN "${gun}"`,
    );
  if (cert.isCA) problems.push('it is a CA certificate (notary needs a leaf certificate)');
  if (SHA1_SIGNATURES.has(cert.signatureAlgorithm)) problems.push('it is signed with SHA-1');
  if (cert.notBefore.getTime() > cert.notAfter.getTime()) problems.push('its validity period ends before it begins');
  else if (now.getTime() > cert.notAfter.getTime()) problems.push(`it expired on ${cert.notAfter.toISOString()}`);
  else if (cert.notBefore.getTime() > now.getTime() + 24 * 3600 * 1000)
    problems.push(`it is not valid before ${cert.notBefore.toISOString()}`);
  if (!cert.publicKey) problems.push(`its key ${cert.publicKeyProblem ?? 'is not ECDSA P-256'}`);
  return problems;
}
