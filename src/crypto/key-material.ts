/**
 * Raw key material, independent of any container format.
 *
 * The OpenPGP packet writer, the notary key files and the PKCS#11 wrapper all convert to and from these
 * shapes, so a key generated in software and a key read back from a token look the same to the code that
 * builds certificates and metadata.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateNodeKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyAlgorithm } from './algorithms.js';
import { bigintFromBytes, bytesEqual, bytesFromBigint, fromBase64Url, leftPad, toBase64Url } from '../util/bytes.js';
import { bug, inputError } from '../errors.js';

const generateKeyPairAsync = promisify(generateNodeKeyPair);

export type PublicKeyMaterial =
  /** 32-byte Ed25519 public key. */
  | { readonly algorithm: 'ed25519'; readonly point: Uint8Array }
  /** 65-byte uncompressed SEC1 point 04‖X‖Y. */
  | { readonly algorithm: 'nistp256'; readonly point: Uint8Array }
  /** 97-byte uncompressed SEC1 point 04‖X‖Y. */
  | { readonly algorithm: 'nistp384'; readonly point: Uint8Array }
  /** Modulus and public exponent, big-endian without leading zeros. */
  | { readonly algorithm: 'rsa4096'; readonly n: Uint8Array; readonly e: Uint8Array };

export type SecretKeyMaterial =
  /** The 32-byte Ed25519 seed. */
  | { readonly algorithm: 'ed25519'; readonly seed: Uint8Array }
  /** The 32-byte P-256 scalar. */
  | { readonly algorithm: 'nistp256'; readonly d: Uint8Array }
  /** The 48-byte P-384 scalar. */
  | { readonly algorithm: 'nistp384'; readonly d: Uint8Array }
  /** RSA private exponent and primes, p < q as RFC 4880 wants them. */
  | { readonly algorithm: 'rsa4096'; readonly d: Uint8Array; readonly p: Uint8Array; readonly q: Uint8Array };

export interface KeyPair {
  readonly publicKey: PublicKeyMaterial;
  readonly secretKey: SecretKeyMaterial;
}

interface RsaJwk {
  n: string;
  e: string;
  d: string;
  p: string;
  q: string;
}

/** Generates a fresh key pair with Node's CSPRNG-backed OpenSSL. */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair> {
  switch (algorithm) {
    case 'ed25519': {
      const { privateKey } = await generateKeyPairAsync('ed25519');
      const jwk = privateKey.export({ format: 'jwk' });
      return {
        publicKey: { algorithm, point: fromBase64Url(jwk.x ?? '') },
        secretKey: { algorithm, seed: fromBase64Url(jwk.d ?? '') },
      };
    }
    case 'nistp256':
    case 'nistp384': {
      const curve = ecCurves[algorithm];
      const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: curve.name });
      const jwk = privateKey.export({ format: 'jwk' });
      return {
        publicKey: { algorithm, point: ecPoint(jwk.x ?? '', jwk.y ?? '', curve.size) },
        secretKey: { algorithm, d: leftPad(fromBase64Url(jwk.d ?? ''), curve.size) },
      };
    }
    case 'rsa4096': {
      const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 4096, publicExponent: 65537 });
      const jwk = privateKey.export({ format: 'jwk' }) as unknown as RsaJwk;
      let p = fromBase64Url(jwk.p);
      let q = fromBase64Url(jwk.q);
      if (bigintFromBytes(p) > bigintFromBytes(q)) [p, q] = [q, p];
      return {
        publicKey: { algorithm, n: fromBase64Url(jwk.n), e: fromBase64Url(jwk.e) },
        secretKey: { algorithm, d: fromBase64Url(jwk.d), p, q },
      };
    }
  }
}

/** The NIST curves: their JWK/OpenSSL name and the byte length of a coordinate (and of the scalar). */
export const ecCurves = {
  nistp256: { name: 'P-256', size: 32 },
  nistp384: { name: 'P-384', size: 48 },
} as const;

function ecPoint(x: string, y: string, size: number): Uint8Array {
  const out = new Uint8Array(1 + 2 * size);
  out[0] = 4;
  out.set(leftPad(fromBase64Url(x), size), 1);
  out.set(leftPad(fromBase64Url(y), size), 1 + size);
  return out;
}

/** The public key as a JWK: the one shape both Node KeyObject conversions below start from. */
function publicJwk(key: PublicKeyMaterial): JsonWebKey {
  switch (key.algorithm) {
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(key.point) };
    case 'nistp256':
    case 'nistp384': {
      const { name, size } = ecCurves[key.algorithm];
      return {
        kty: 'EC',
        crv: name,
        x: toBase64Url(key.point.subarray(1, 1 + size)),
        y: toBase64Url(key.point.subarray(1 + size, 1 + 2 * size)),
      };
    }
    case 'rsa4096':
      return { kty: 'RSA', n: toBase64Url(key.n), e: toBase64Url(key.e) };
  }
}

/** The public key as a Node KeyObject (for verification and SPKI export). */
export function publicKeyObject(key: PublicKeyMaterial): KeyObject {
  return createPublicKey({ format: 'jwk', key: publicJwk(key) });
}

/** The private key as a Node KeyObject. The caller must keep it only as long as it signs. */
export function privateKeyObject(pair: KeyPair): KeyObject {
  const { publicKey, secretKey } = pair;
  const jwk = publicJwk(publicKey);
  if (publicKey.algorithm === 'ed25519' && secretKey.algorithm === 'ed25519') {
    return createPrivateKey({ format: 'jwk', key: { ...jwk, d: toBase64Url(secretKey.seed) } });
  }
  if (
    (publicKey.algorithm === 'nistp256' && secretKey.algorithm === 'nistp256') ||
    (publicKey.algorithm === 'nistp384' && secretKey.algorithm === 'nistp384')
  ) {
    return createPrivateKey({ format: 'jwk', key: { ...jwk, d: toBase64Url(secretKey.d) } });
  }
  if (publicKey.algorithm === 'rsa4096' && secretKey.algorithm === 'rsa4096') {
    const crt = rsaCrtParts(secretKey);
    return createPrivateKey({
      format: 'jwk',
      key: {
        ...jwk,
        d: toBase64Url(crt.d),
        p: toBase64Url(crt.p),
        q: toBase64Url(crt.q),
        dp: toBase64Url(crt.dp),
        dq: toBase64Url(crt.dq),
        qi: toBase64Url(crt.qi),
      },
    });
  }
  throw bug(`public key (${publicKey.algorithm}) and secret key (${secretKey.algorithm}) do not match`);
}

/**
 * An RSA private key in the CRT form JWK and PKCS#11 take. Their coefficient is qi = q⁻¹ mod p; OpenPGP's u
 * is the other one, p⁻¹ mod q (key-packet.ts).
 */
export function rsaCrtParts(secret: { readonly d: Uint8Array; readonly p: Uint8Array; readonly q: Uint8Array }): {
  d: Uint8Array;
  p: Uint8Array;
  q: Uint8Array;
  dp: Uint8Array;
  dq: Uint8Array;
  qi: Uint8Array;
} {
  const d = bigintFromBytes(secret.d);
  const p = bigintFromBytes(secret.p);
  const q = bigintFromBytes(secret.q);
  return {
    d: bytesFromBigint(d),
    p: bytesFromBigint(p),
    q: bytesFromBigint(q),
    dp: bytesFromBigint(d % (p - 1n)),
    dq: bytesFromBigint(d % (q - 1n)),
    qi: bytesFromBigint(modInverse(q, p)),
  };
}

/** Modular inverse by the extended Euclidean algorithm (public RSA-CRT coefficients only). */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw bug('not invertible');
  return ((oldS % m) + m) % m;
}

/** DER SubjectPublicKeyInfo of the key (what notary hashes into key IDs and x509 certificates embed). */
export function spkiDer(key: PublicKeyMaterial): Uint8Array {
  return new Uint8Array(publicKeyObject(key).export({ format: 'der', type: 'spki' }));
}

/** True when both are the same key (compared by their DER SubjectPublicKeyInfo). */
export function samePublicKey(a: PublicKeyMaterial, b: PublicKeyMaterial): boolean {
  return bytesEqual(spkiDer(a), spkiDer(b));
}

/** Reads public key material back from a Node KeyObject (SPKI files, certificates). */
export function publicKeyFromObject(key: KeyObject): PublicKeyMaterial {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { algorithm: 'ed25519', point: fromBase64Url(jwk.x ?? '') };
  if (jwk.kty === 'EC' && jwk.crv === 'P-256')
    return { algorithm: 'nistp256', point: ecPoint(jwk.x ?? '', jwk.y ?? '', 32) };
  if (jwk.kty === 'EC' && jwk.crv === 'P-384')
    return { algorithm: 'nistp384', point: ecPoint(jwk.x ?? '', jwk.y ?? '', 48) };
  if (jwk.kty === 'RSA') {
    const n = fromBase64Url(jwk.n ?? '');
    if (n.length !== 512) throw inputError(`RSA key of ${n.length * 8} bits, keyceremony uses RSA-4096`);
    return { algorithm: 'rsa4096', n, e: fromBase64Url(jwk.e ?? '') };
  }
  throw inputError(`unsupported public key type ${String(jwk.kty)} ${String(jwk.crv ?? '')}`.trim());
}

export function wipeSecretKey(key: SecretKeyMaterial): void {
  switch (key.algorithm) {
    case 'ed25519':
      key.seed.fill(0);
      return;
    case 'nistp256':
    case 'nistp384':
      key.d.fill(0);
      return;
    case 'rsa4096':
      key.d.fill(0);
      key.p.fill(0);
      key.q.fill(0);
      return;
  }
}

/**
 * The key pair as DER PKCS#8 PrivateKeyInfo (RFC 5208; RFC 8410 for Ed25519; SEC1 inside for the curves):
 * what cosign's key file and notation's key file hold. The caller wipes the bytes when done.
 */
export function pkcs8Der(pair: KeyPair): Uint8Array {
  return new Uint8Array(privateKeyObject(pair).export({ format: 'der', type: 'pkcs8' }));
}

/** Reads a key pair back from a Node private KeyObject (PKCS#8 files, cosign key files). */
export function keyPairFromObject(key: KeyObject): KeyPair {
  if (key.type !== 'private') throw bug('not a private key');
  const publicKey = publicKeyFromObject(createPublicKey(key));
  const jwk = key.export({ format: 'jwk' });
  switch (publicKey.algorithm) {
    case 'ed25519':
      return { publicKey, secretKey: { algorithm: 'ed25519', seed: fromBase64Url(jwk.d ?? '') } };
    case 'nistp256':
    case 'nistp384':
      return {
        publicKey,
        secretKey: {
          algorithm: publicKey.algorithm,
          d: leftPad(fromBase64Url(jwk.d ?? ''), ecCurves[publicKey.algorithm].size),
        },
      };
    case 'rsa4096': {
      let p = fromBase64Url(jwk.p ?? '');
      let q = fromBase64Url(jwk.q ?? '');
      if (bigintFromBytes(p) > bigintFromBytes(q)) [p, q] = [q, p];
      return { publicKey, secretKey: { algorithm: 'rsa4096', d: fromBase64Url(jwk.d ?? ''), p, q } };
    }
  }
}

/** Reads a DER PKCS#8 PrivateKeyInfo (unencrypted) into a key pair. */
export function keyPairFromPkcs8(der: Uint8Array): KeyPair {
  return keyPairFromObject(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }));
}
