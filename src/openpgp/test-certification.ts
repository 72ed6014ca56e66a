/**
 * A test certification that proves a root's secret key works. The root is certify-only: gpg and sqop refuse
 * document signatures from it, so it is tested doing what it exists for — certifying. It certifies (generic
 * certification, 0x10: no claim about identity) a user ID of a throwaway key whose secret is discarded at
 * once; the certification is checked against the *published* root certificate. The throwaway certificate with
 * the root's certification is returned armored, so an auditor can check it with `gpg --import` and
 * `gpg --check-sigs` against the published KEYS.
 */
import { signatureHash } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import { armor } from './armor.js';
import { type Certificate, serializeCertificate } from './certificate.js';
import { SignatureType } from './constants.js';
import { buildKeyPacket, fingerprintHex } from './key-packet.js';
import { generateSoftwareKey } from './root-key.js';
import { certifyUserId, type SigningKey } from './self-signatures.js';
import { checkSignature } from './signature-check.js';
import { parseSignatureBody, signCovered, userIdCovered } from './signature-packet.js';
import { wholeSeconds } from '../util/duration.js';

export interface TestCertification {
  /** The throwaway certificate with its self-signature and the root's certification, armored. */
  readonly armored: string;
  readonly throwawayFingerprint: string;
  readonly userId: string;
}

export async function certifyThrowawayKey(
  root: SigningKey,
  published: Certificate,
  userId: string,
  now: Date,
): Promise<TestCertification> {
  if (fingerprintHex(published.primary) !== fingerprintHex(root.key)) {
    throw new KeyceremonyError('CHECK_FAILED', 'the restored root is not the published root');
  }
  const created = wholeSeconds(now);
  const throwaway = await generateSoftwareKey('ed25519');
  const key = buildKeyPacket(throwaway.publicKey, created);
  const uid = new TextEncoder().encode(userId);
  const selfSignature = await certifyUserId({ key, signer: throwaway.signer }, userId, { created, primary: true });
  const certification = await signCovered(
    { type: SignatureType.certGeneric, hash: signatureHash(root.key.material.algorithm), created },
    root.key,
    root.signer,
    ...userIdCovered(key, uid),
  );
  // Checked with the published root's public key, not the restored one: the restored secret must match it.
  const check = checkSignature(parseSignatureBody(certification), published.primary, userIdCovered(key, uid));
  if (!check.ok)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the restored root's test certification does not verify against the published root: ${check.reason}`,
    );
  const certificate: Certificate = {
    primary: key,
    directSignatures: [],
    userIds: [{ userId, signatures: [selfSignature, certification] }],
    subkeys: [],
  };
  return {
    armored: armor('publicKey', serializeCertificate(certificate)),
    throwawayFingerprint: fingerprintHex(key),
    userId,
  };
}
