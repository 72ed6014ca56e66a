/**
 * keyceremony's verification policy for detached signatures, stricter than gpg's defaults:
 *
 * - the signature must come from a key of the pinned root certificate: a signing-capable subkey bound with a
 *   valid back-signature, or the primary itself if it is signing-capable;
 * - releases are never accepted from the root's ceremony-transcripts subkey, and transcripts only from it;
 * - the primary and the signing key must be valid at the signature's creation time (not yet expired, not
 *   revoked then; a hard revocation — compromised, or no reason — rejects every signature ever made);
 * - the hash must be SHA-256 or stronger, the signature a binary-document signature, and its creation time
 *   not in the future.
 */
import { KeyceremonyError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import type { Certificate } from './certificate.js';
import {
  type CertificateStatus,
  type EvaluateOptions,
  evaluateCertificate,
  type KeyStatus,
} from './certificate-state.js';
import { KeyFlag, SignatureType, TRANSCRIPT_PURPOSE } from './constants.js';
import { type DataSource, digestsFor } from './detached-signature.js';
import { fingerprintHex, keyIdOf } from './key-packet.js';
import { finishCheck, precheck } from './signature-check.js';
import type { ParsedSignature } from './signature-packet.js';
import type { HashAlgorithm } from '../crypto/algorithms.js';
import { bytesEqual } from '../util/bytes.js';
import { normalizeFingerprint } from '../util/fingerprint-display.js';

export type VerifyPurpose = 'release' | 'transcript';

export interface GoodSignature {
  readonly keyFingerprint: string;
  readonly primaryFingerprint: string;
  readonly userId: string | undefined;
  readonly created: Date;
  readonly hash: HashAlgorithm;
  readonly byPrimary: boolean;
  readonly algorithm: string;
}

export interface RejectedSignature {
  readonly issuer: string | undefined;
  readonly created: Date | undefined;
  readonly reason: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly good: readonly GoodSignature[];
  readonly rejected: readonly RejectedSignature[];
}

/**
 * Picks the root certificate: the pinned fingerprint, or the only primary in the keyring. Several primaries
 * without a pin, or a pin that is not in the keyring, are input errors (exit 2).
 */
export function selectRoot(certificates: readonly Certificate[], pinned: string | undefined): Certificate {
  if (pinned !== undefined) {
    const wanted = normalizeFingerprint(pinned);
    if (!/^[0-9A-F]{40}$/.test(wanted)) {
      throw new KeyceremonyError('USAGE', `--root must be a 40-digit hex fingerprint, got "${pinned}"`);
    }
    const found = certificates.find((c) => fingerprintHex(c.primary) === wanted);
    if (!found) throw new KeyceremonyError('INPUT_INVALID', `the keyring has no primary key ${wanted}`);
    return found;
  }
  if (certificates.length === 0) throw new KeyceremonyError('INPUT_INVALID', 'the keyring holds no keys');
  if (certificates.length > 1) {
    throw new KeyceremonyError(
      'USAGE',
      `the keyring holds ${certificates.length} primary keys; pin one with --root FINGERPRINT`,
      { details: certificates.map((c) => `${fingerprintHex(c.primary)} ${c.userIds[0]?.userId ?? ''}`.trim()) },
    );
  }
  return certificates[0] as Certificate;
}

function issuerLabel(sig: ParsedSignature): string | undefined {
  if (sig.issuerFingerprint) return toHex(sig.issuerFingerprint).toUpperCase();
  if (sig.issuerKeyId) return toHex(sig.issuerKeyId).toUpperCase();
  return undefined;
}

function findIssuer(status: CertificateStatus, sig: ParsedSignature): KeyStatus | undefined {
  const keys = [status.primary, ...status.subkeys];
  if (sig.issuerFingerprint)
    return keys.find((k) => bytesEqual(k.key.fingerprint, sig.issuerFingerprint as Uint8Array));
  if (sig.issuerKeyId) return keys.find((k) => bytesEqual(keyIdOf(k.key.fingerprint), sig.issuerKeyId as Uint8Array));
  return undefined;
}

/** Checks the policy for one signature, everything except the cryptographic check of the data digest. */
function policyProblem(
  root: Certificate,
  sig: ParsedSignature,
  purpose: VerifyPurpose,
  now: Date,
  options: EvaluateOptions,
): { reason: string } | { status: CertificateStatus; key: KeyStatus; hash: HashAlgorithm } {
  if (sig.type !== SignatureType.binary) {
    return {
      reason:
        sig.type === SignatureType.text
          ? 'text-mode signatures are not accepted'
          : `not a document signature (type 0x${sig.type.toString(16)})`,
    };
  }
  const created = sig.created;
  if (!created) return { reason: 'signature has no creation time' };
  if (created.getTime() > now.getTime())
    return { reason: `signature creation time ${created.toISOString()} is in the future` };
  const status = evaluateCertificate(root, created, options);
  const key = findIssuer(status, sig);
  if (!key)
    return {
      reason: `made by key ${issuerLabel(sig) ?? '(unknown)'}, which is not part of the pinned root ${fingerprintHex(root.primary)}`,
    };
  const pre = precheck(sig, key.key);
  if ('reason' in pre) return pre;
  const byPrimary = key === status.primary;
  if (status.primary.problems.length > 0) return { reason: status.primary.problems.join('; ') };
  if (!byPrimary && key.problems.length > 0) return { reason: key.problems.join('; ') };
  if ((key.flags & KeyFlag.sign) === 0) {
    return { reason: `key ${key.fingerprint} is not a signing key (key flags do not allow signing)` };
  }
  const transcriptKey = key.purpose === TRANSCRIPT_PURPOSE;
  if (purpose === 'release' && transcriptKey) {
    return { reason: `key ${key.fingerprint} signs ceremony transcripts only, not releases` };
  }
  if (purpose === 'transcript' && !transcriptKey) {
    return { reason: `key ${key.fingerprint} is not the root's ceremony-transcripts key` };
  }
  return { status, key, hash: pre.hash };
}

export async function verifyDetached(request: {
  root: Certificate;
  signatures: readonly ParsedSignature[];
  data: DataSource;
  now: Date;
  purpose: VerifyPurpose;
  /** See EvaluateOptions: only for checking a ceremony's own transcript. */
  ignoreRevocationsFrom?: Date;
}): Promise<VerifyResult> {
  const { root, signatures, purpose, now } = request;
  const options = { ignoreRevocationsFrom: request.ignoreRevocationsFrom };
  const candidates = signatures.map((sig) => ({ sig, verdict: policyProblem(root, sig, purpose, now, options) }));
  const hashes = candidates.flatMap((c) => ('hash' in c.verdict ? [c.verdict.hash] : []));
  const digests = await digestsFor(hashes, request.data);
  const good: GoodSignature[] = [];
  const rejected: RejectedSignature[] = [];
  for (const { sig, verdict } of candidates) {
    if ('reason' in verdict) {
      rejected.push({ issuer: issuerLabel(sig), created: sig.created, reason: verdict.reason });
      continue;
    }
    // Each signature needs its own copy of the data hash: finishing consumes it.
    const hash = digests.get(verdict.hash)?.copy();
    if (!hash) throw new Error('missing digest');
    const check = finishCheck(sig, verdict.key.key, verdict.hash, hash);
    if (!check.ok) {
      rejected.push({ issuer: issuerLabel(sig), created: sig.created, reason: `BAD signature: ${check.reason}` });
      continue;
    }
    good.push({
      keyFingerprint: verdict.key.fingerprint,
      primaryFingerprint: verdict.status.primary.fingerprint,
      userId:
        verdict.status.userIds.find((u) => u.primary)?.userId ?? verdict.status.userIds.find((u) => u.valid)?.userId,
      created: sig.created as Date,
      hash: verdict.hash,
      byPrimary: verdict.key === verdict.status.primary,
      algorithm: verdict.key.key.material.algorithm,
    });
  }
  return { ok: good.length > 0, good, rejected };
}
