/**
 * keyceremony's verification policy for detached signatures, stricter than gpg's defaults (docs/verifying-
 * releases.md states it as one table):
 *
 * - the signature must come from a key of a pinned root certificate — the copies of that certificate in the
 *   keyring merged into one (merge.ts): a signing-capable subkey bound with a valid back-signature, or the
 *   primary itself if it is signing-capable;
 * - releases are never accepted from the root's ceremony-transcripts subkey, and transcripts only from it;
 * - the primary and the signing key must be valid at the signature's creation time (evaluated as in
 *   certificate-state.ts: not expired, not revoked then, a hard revocation rejecting every signature ever made,
 *   strong enough);
 * - the signature itself: a binary-document signature, SHA-256 or stronger, no unknown critical subpacket or
 *   notation, a creation time not in the future, not expired (signature expiration time);
 * - keys of other algorithms (DSA at any size, other curves) are named, with their size, and refused.
 */
import { bug, KeyceremonyError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import type { Certificate } from './certificate.js';
import {
  type CertificateStatus,
  type EvaluateOptions,
  evaluateCertificate,
  type KeyStatus,
  signatureExpiry,
} from './certificate-state.js';
import { KeyFlag, SignatureType, TRANSCRIPT_PURPOSE } from './constants.js';
import { type DataSource, digestsFor } from './detached-signature.js';
import { type ForeignKey, foreignKeyProblem } from './foreign-key.js';
import { type KeyPacket, fingerprintHex, keyIdOf } from './key-packet.js';
import { mergeCertificates } from './merge.js';
import { finishCheck, precheck } from './signature-check.js';
import type { ParsedSignature } from './signature-packet.js';
import type { HashAlgorithm } from '../crypto/index.js';
import { bytesEqual } from '../util/bytes.js';
import { normalizeFingerprint } from '../util/fingerprint-display.js';

export type VerifyPurpose = 'release' | 'transcript';

export interface GoodSignature {
  readonly keyFingerprint: string;
  readonly primaryFingerprint: string;
  /** The primary user ID, only if a valid self-signature binds it; undefined otherwise. */
  readonly userId: string | undefined;
  readonly created: Date;
  readonly hash: HashAlgorithm;
  readonly byPrimary: boolean;
  /** The signing key's algorithm and size as read from its packet: "Ed25519", "RSA-3072", ... */
  readonly algorithm: string;
  /** A binary-document signature: the SOP "mode:binary". */
  readonly mode: 'binary';
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

/** The primary user ID a valid self-signature binds now, for naming a certificate to a person. */
function boundUserId(cert: Certificate, now: Date): string | undefined {
  const status = evaluateCertificate(cert, now);
  return status.userIds.find((u) => u.primary)?.userId;
}

/**
 * Picks the root certificate: the pinned fingerprint, or the only primary in the keyring. Copies of one
 * certificate are merged first. Several primaries without a pin, or a pin that is not in the keyring, are
 * input errors (exit 2); a root of an algorithm outside the policy is a refusal (exit 1).
 */
export function selectRoot(
  certificates: readonly Certificate[],
  pinned: string | undefined,
  foreignPrimaries: readonly ForeignKey[] = [],
  now: Date = new Date(),
): Certificate {
  const merged = mergeCertificates(certificates);
  const refuseForeign = (key: ForeignKey): never => {
    throw new KeyceremonyError(
      'SIGNATURE_BAD',
      `the root ${fingerprintHex(key)} is refused: ${foreignKeyProblem(key)}`,
    );
  };
  if (pinned !== undefined) {
    const wanted = normalizeFingerprint(pinned);
    if (!/^[0-9A-F]{40}$/.test(wanted)) {
      throw new KeyceremonyError('USAGE', `--root must be a 40-digit hex fingerprint, got "${pinned}"`);
    }
    const found = merged.filter((c) => fingerprintHex(c.primary) === wanted);
    if (found.length > 1) {
      throw new KeyceremonyError(
        'SIGNATURE_BAD',
        `the keyring holds ${found.length} different keys with the fingerprint ${wanted} (a SHA-1 collision?)`,
      );
    }
    const foreign = foreignPrimaries.find((k) => fingerprintHex(k) === wanted);
    if (found.length === 0 && foreign) refuseForeign(foreign);
    if (!found[0]) throw new KeyceremonyError('INPUT_INVALID', `the keyring has no primary key ${wanted}`);
    return found[0];
  }
  if (merged.length === 0) {
    if (foreignPrimaries.length === 1) refuseForeign(foreignPrimaries[0] as ForeignKey);
    throw new KeyceremonyError('INPUT_INVALID', 'the keyring holds no keys keyceremony can use', {
      details: foreignPrimaries.map((k) => `${fingerprintHex(k)} ${k.description}`),
    });
  }
  if (merged.length > 1) {
    throw new KeyceremonyError(
      'USAGE',
      `the keyring holds ${merged.length} primary keys; pin one with --root FINGERPRINT`,
      { details: merged.map((c) => `${fingerprintHex(c.primary)} ${boundUserId(c, now) ?? ''}`.trim()) },
    );
  }
  return merged[0] as Certificate;
}

function issuerLabel(sig: ParsedSignature): string | undefined {
  if (sig.issuerFingerprint) return toHex(sig.issuerFingerprint).toUpperCase();
  if (sig.issuerKeyId) return toHex(sig.issuerKeyId).toUpperCase();
  return undefined;
}

/** Whether the signature names this key as its issuer (by any of its issuer subpackets). */
function issues(sig: ParsedSignature, fingerprint: Uint8Array): boolean {
  return (
    sig.issuerFingerprints.some((f) => bytesEqual(f, fingerprint)) ||
    sig.issuerKeyIds.some((id) => bytesEqual(id, keyIdOf(fingerprint)))
  );
}

/** The key packets of a certificate that may have issued the signature. */
function issuerKeys(root: Certificate, sig: ParsedSignature): KeyPacket[] {
  return [root.primary, ...root.subkeys.map((s) => s.key)].filter((k) => issues(sig, k.fingerprint));
}

type Verdict = { reason: string } | { status: CertificateStatus; key: KeyStatus; hash: HashAlgorithm };

/** Checks the policy for one signature under one root, everything except the cryptographic data check. */
function policyProblem(
  root: Certificate,
  issuer: KeyPacket,
  sig: ParsedSignature,
  created: Date,
  purpose: VerifyPurpose,
  options: EvaluateOptions,
): Verdict {
  const status = evaluateCertificate(root, created, options);
  const key = [status.primary, ...status.subkeys].find((k) => k.key === issuer);
  if (!key) return { reason: 'internal: issuer not evaluated' };
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

/** The signature's own properties, before any key is looked at. */
function signatureProblem(sig: ParsedSignature, now: Date, window: TimeWindow): string | undefined {
  if (sig.type !== SignatureType.binary) {
    return sig.type === SignatureType.text
      ? 'text-mode signatures are not accepted'
      : `not a document signature (type 0x${sig.type.toString(16)})`;
  }
  const created = sig.created;
  if (!created) return 'signature has no creation time';
  if (created.getTime() > now.getTime()) return `signature creation time ${created.toISOString()} is in the future`;
  const expires = signatureExpiry(sig);
  if (expires && expires.getTime() <= now.getTime()) return `signature expired on ${expires.toISOString()}`;
  if (window.notBefore && created.getTime() < window.notBefore.getTime()) {
    return `signature was made before ${window.notBefore.toISOString()} (--not-before)`;
  }
  if (window.notAfter && created.getTime() > window.notAfter.getTime()) {
    return `signature was made after ${window.notAfter.toISOString()} (--not-after)`;
  }
  return undefined;
}

interface TimeWindow {
  readonly notBefore?: Date | undefined;
  readonly notAfter?: Date | undefined;
}

/** Every root that holds the issuer, with its verdict; or why no root does. */
function judge(
  roots: readonly Certificate[],
  foreignRoots: readonly ForeignKey[],
  sig: ParsedSignature,
  now: Date,
  purpose: VerifyPurpose,
  window: TimeWindow,
  options: EvaluateOptions,
): Verdict[] | { reason: string } {
  const problem = signatureProblem(sig, now, window);
  if (problem) return { reason: problem };
  const created = sig.created as Date;
  const verdicts: Verdict[] = [];
  for (const root of roots) {
    for (const issuer of issuerKeys(root, sig)) {
      verdicts.push(policyProblem(root, issuer, sig, created, purpose, options));
    }
  }
  if (verdicts.length > 0) return verdicts;
  for (const root of roots) {
    const foreign = (root.foreignSubkeys ?? []).find((k) => issues(sig, k.fingerprint));
    if (foreign) {
      return {
        reason: `made by subkey ${fingerprintHex(foreign)} of ${fingerprintHex(root.primary)}, which is refused: ${foreignKeyProblem(foreign)}`,
      };
    }
  }
  const foreignRoot = foreignRoots.find((k) => issues(sig, k.fingerprint));
  if (foreignRoot)
    return { reason: `made by ${fingerprintHex(foreignRoot)}, which is refused: ${foreignKeyProblem(foreignRoot)}` };
  const pinned = roots.map((r) => fingerprintHex(r.primary)).join(', ');
  if (sig.issuerFingerprints.length + sig.issuerKeyIds.length === 0) {
    return { reason: 'the signature does not name the key that made it' };
  }
  return {
    reason: `made by key ${issuerLabel(sig) ?? '(unknown)'}, which is not part of the pinned root ${pinned}`,
  };
}

export interface VerifyRequest {
  readonly signatures: readonly ParsedSignature[];
  readonly data: DataSource;
  readonly now: Date;
  readonly purpose: VerifyPurpose;
  /** Only signatures made in this window count (SOP's --not-before and --not-after). */
  readonly notBefore?: Date | undefined;
  readonly notAfter?: Date | undefined;
  /** See EvaluateOptions: only for checking a ceremony's own transcript. */
  readonly ignoreRevocationsFrom?: Date | undefined;
}

/** Verifies detached signatures against one pinned root. */
export function verifyDetached(request: VerifyRequest & { root: Certificate }): Promise<VerifyResult> {
  return verifyDetachedByRoots({ ...request, roots: [request.root] });
}

/**
 * Verifies detached signatures against several trusted roots (SOP's CERTS): copies are merged, and a signature
 * is good when the root holding its issuer accepts it under the policy.
 */
export async function verifyDetachedByRoots(
  request: VerifyRequest & {
    roots: readonly Certificate[];
    /** Trusted roots of algorithms outside the policy: only named when they made a signature. */
    foreignRoots?: readonly ForeignKey[];
  },
): Promise<VerifyResult> {
  const { signatures, purpose, now } = request;
  const roots = mergeCertificates(request.roots);
  const options = { ignoreRevocationsFrom: request.ignoreRevocationsFrom };
  const window = { notBefore: request.notBefore, notAfter: request.notAfter };
  const candidates = signatures.map((sig) => ({
    sig,
    verdicts: judge(roots, request.foreignRoots ?? [], sig, now, purpose, window, options),
  }));
  const hashes = candidates.flatMap((c) =>
    Array.isArray(c.verdicts) ? c.verdicts.flatMap((v) => ('hash' in v ? [v.hash] : [])) : [],
  );
  const digests = await digestsFor(hashes, request.data);
  const good: GoodSignature[] = [];
  const rejected: RejectedSignature[] = [];
  for (const { sig, verdicts } of candidates) {
    const reject = (reason: string): void => {
      rejected.push({ issuer: issuerLabel(sig), created: sig.created, reason });
    };
    if (!Array.isArray(verdicts)) {
      reject(verdicts.reason);
      continue;
    }
    let accepted: GoodSignature | undefined;
    let firstReason: string | undefined;
    for (const verdict of verdicts) {
      if ('reason' in verdict) {
        firstReason ??= verdict.reason;
        continue;
      }
      // Each check needs its own copy of the data hash: finishing consumes it.
      const hash = digests.get(verdict.hash)?.copy();
      if (!hash) throw bug('missing digest');
      const check = finishCheck(sig, verdict.key.key, verdict.hash, hash);
      if (!check.ok) {
        firstReason ??= `BAD signature: ${check.reason}`;
        continue;
      }
      accepted = {
        keyFingerprint: verdict.key.fingerprint,
        primaryFingerprint: verdict.status.primary.fingerprint,
        userId: verdict.status.userIds.find((u) => u.primary)?.userId,
        created: sig.created as Date,
        hash: verdict.hash,
        byPrimary: verdict.key === verdict.status.primary,
        algorithm: verdict.key.description,
        mode: 'binary',
      };
      break;
    }
    if (accepted) good.push(accepted);
    else reject(firstReason ?? 'no verdict');
  }
  return { ok: good.length > 0, good, rejected };
}
