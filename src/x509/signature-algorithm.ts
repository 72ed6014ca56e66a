/**
 * The signature algorithms of the certificates and CRLs keyceremony issues: the AlgorithmIdentifier for a
 * scheme choice, the BIT STRING contents for a raw signature, and both read back.
 *
 * ecdsa-with-SHA256/384 (RFC 5758: parameters absent; the signature is a DER ECDSA-Sig-Value),
 * sha256WithRSAEncryption (RFC 4055: parameters NULL), RSASSA-PSS (RFC 4055 parameters: SHA-256, MGF1 with
 * SHA-256, salt 32, trailer 1 — the same DER Go's crypto/x509 writes).
 */
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { id_mgf1, id_RSASSA_PSS, RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import type { HashAlgorithm, KeyAlgorithm } from '../crypto/index.js';
import { rawSignatureLength } from '../crypto/index.js';
import type { SchemeChoice } from '../signer/index.js';
import { leftPad, stripLeadingZeros } from '../util/bytes.js';
import { bug } from '../errors.js';

const NULL = new Uint8Array([0x05, 0x00]).buffer;

const hashOid: Record<HashAlgorithm, string> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const ecdsaOid: Record<HashAlgorithm, string> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};
const rsaPkcs1Oid: Record<HashAlgorithm, string> = {
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
};
const saltLength: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

function hashIdentifier(hash: HashAlgorithm): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: hashOid[hash], parameters: NULL });
}

/** The signatureAlgorithm (and TBS `signature`) field for a scheme choice. */
export function signatureAlgorithmIdentifier(choice: SchemeChoice): AlgorithmIdentifier {
  switch (choice.scheme) {
    case 'ecdsa':
      return new AlgorithmIdentifier({ algorithm: ecdsaOid[choice.hash] });
    case 'rsa-pkcs1v15':
      return new AlgorithmIdentifier({ algorithm: rsaPkcs1Oid[choice.hash], parameters: NULL });
    case 'rsa-pss': {
      const params = new RsaSaPssParams({
        hashAlgorithm: hashIdentifier(choice.hash),
        maskGenAlgorithm: new AlgorithmIdentifier({
          algorithm: id_mgf1,
          parameters: AsnConvert.serialize(hashIdentifier(choice.hash)),
        }),
        saltLength: saltLength[choice.hash],
      });
      return new AlgorithmIdentifier({ algorithm: id_RSASSA_PSS, parameters: AsnConvert.serialize(params) });
    }
    case 'eddsa':
      throw bug('keyceremony does not issue Ed25519-signed certificates (Notation refuses Ed25519)');
  }
}

/** DER of an AlgorithmIdentifier, for comparing two of them exactly. */
export function algorithmIdentifierDer(id: AlgorithmIdentifier): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(id));
}

/** The BIT STRING contents of a certificate or CRL signature for a raw Signer signature. */
export function encodeSignatureValue(choice: SchemeChoice, raw: Uint8Array): Uint8Array {
  if (choice.scheme !== 'ecdsa') return raw;
  const half = raw.length / 2;
  const value = new ECDSASigValue({
    r: toArrayBuffer(unsigned(raw.subarray(0, half))),
    s: toArrayBuffer(unsigned(raw.subarray(half))),
  });
  return new Uint8Array(AsnConvert.serialize(value));
}

/** The raw signature (fixed-width r‖s, or s) from the BIT STRING contents, for a key of `algorithm`. */
export function decodeSignatureValue(choice: SchemeChoice, algorithm: KeyAlgorithm, value: Uint8Array): Uint8Array {
  if (choice.scheme !== 'ecdsa') return value;
  const parsed = AsnConvert.parse(value, ECDSASigValue);
  const width = rawSignatureLength[algorithm] / 2;
  const r = stripLeadingZeros(new Uint8Array(parsed.r));
  const s = stripLeadingZeros(new Uint8Array(parsed.s));
  const out = new Uint8Array(width * 2);
  out.set(leftPad(r, width), 0);
  out.set(leftPad(s, width), width);
  return out;
}

/** The content octets of a positive DER INTEGER (minimal, a zero byte before a set top bit). */
function unsigned(bytes: Uint8Array): Uint8Array {
  const magnitude = stripLeadingZeros(bytes);
  if (magnitude.length === 0) return Uint8Array.of(0);
  return (magnitude[0] ?? 0) & 0x80 ? Uint8Array.of(0, ...magnitude) : magnitude.slice();
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
