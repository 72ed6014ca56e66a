/**
 * What a certificate says at a point in time: which self-signatures are valid, the primary's and each
 * subkey's flags, expiry and revocation, and whether signing subkeys are cross-certified.
 *
 * The rules, applied the same way for publication, status and verification:
 * - Only signatures that verify, by the primary (or, for back-signatures, by the subkey), with SHA-256 or
 *   stronger, and made at or before `at` count. Of those, the newest self-signature wins (this is how expiry
 *   is extended without changing the fingerprint).
 * - A revocation for "key compromised", "no reason" or an unknown reason is hard: it applies to all time.
 *   "Superseded" and "retired" are soft: they apply from their creation time on.
 * - A signing subkey needs a valid embedded primary-key-binding signature (0x19) made by the subkey.
 */
import {
  KeyFlag,
  PURPOSE_NOTATION,
  RevocationReason,
  type RevocationReasonName,
  SignatureType,
  SubpacketType,
} from './constants.js';
import type { Certificate } from './certificate.js';
import { type KeyPacket, fingerprintHex, keyHashPrefix, keyIdOf } from './key-packet.js';
import { checkSignature } from './signature-check.js';
import { type ParsedSignature, parseSignatureBody, subkeyCovered, userIdCovered } from './signature-packet.js';
import { bytesEqual } from '../util/bytes.js';

export interface Revocation {
  readonly reason: RevocationReasonName | 'unknown';
  readonly code: number;
  readonly text: string;
  readonly created: Date;
  /** Hard revocations invalidate every signature ever made by the key. */
  readonly hard: boolean;
}

export interface KeyStatus {
  readonly key: KeyPacket;
  readonly fingerprint: string;
  /** The effective self-signature (user-ID certification for the primary, binding for a subkey). */
  readonly selfSignature: ParsedSignature | undefined;
  readonly flags: number;
  readonly expires: Date | undefined;
  readonly revocation: Revocation | undefined;
  readonly crossCertified: boolean;
  /** The keyceremony purpose notation on the effective self-signature (e.g. ceremony-transcripts). */
  readonly purpose: string | undefined;
  /** Why the key cannot be used at the evaluated time; empty when it can. */
  readonly problems: readonly string[];
}

export interface UserIdStatus {
  readonly userId: string;
  readonly valid: boolean;
  readonly primary: boolean;
}

export interface CertificateStatus {
  readonly primary: KeyStatus;
  readonly userIds: readonly UserIdStatus[];
  readonly subkeys: readonly KeyStatus[];
}

const certificationTypes = new Set<number>([0x10, 0x11, 0x12, SignatureType.certPositive]);

function parseAll(bodies: readonly Uint8Array[]): ParsedSignature[] {
  const out: ParsedSignature[] = [];
  for (const body of bodies) {
    try {
      out.push(parseSignatureBody(body));
    } catch {
      // Unparseable signatures (other versions, garbage) carry no weight; skipping them is the safe reading.
    }
  }
  return out;
}

function issuedBy(sig: ParsedSignature, key: KeyPacket): boolean {
  if (sig.issuerFingerprint) return bytesEqual(sig.issuerFingerprint, key.fingerprint);
  if (sig.issuerKeyId) return bytesEqual(sig.issuerKeyId, keyIdOf(key.fingerprint));
  return true; // no issuer given: try the key the signature would have to come from
}

function newest(sigs: readonly ParsedSignature[]): ParsedSignature | undefined {
  let best: ParsedSignature | undefined;
  for (const sig of sigs) if (!best || (sig.created?.getTime() ?? 0) >= (best.created?.getTime() ?? 0)) best = sig;
  return best;
}

function revocationOf(sig: ParsedSignature): Revocation {
  const code = sig.revocationReason?.code ?? RevocationReason.noReason;
  const entry = Object.entries(RevocationReason).find(([, v]) => v === code);
  const reason = (entry?.[0] as RevocationReasonName | undefined) ?? 'unknown';
  return {
    reason,
    code,
    text: sig.revocationReason?.text ?? '',
    created: sig.created ?? new Date(0),
    hard: !(code === RevocationReason.superseded || code === RevocationReason.retired),
  };
}

/** The revocation that applies at `at`, if any (a hard one always applies). */
function effectiveRevocation(revocations: readonly Revocation[], at: Date): Revocation | undefined {
  return revocations.find((r) => r.hard) ?? revocations.find((r) => !r.hard && r.created.getTime() <= at.getTime());
}

function expiryOf(key: KeyPacket, sig: ParsedSignature | undefined): Date | undefined {
  const seconds = sig?.keyExpirationSeconds;
  return seconds ? new Date(key.created.getTime() + seconds * 1000) : undefined;
}

function problemsFor(
  what: string,
  key: KeyPacket,
  selfSignature: ParsedSignature | undefined,
  expires: Date | undefined,
  revocation: Revocation | undefined,
  at: Date,
): string[] {
  const problems: string[] = [];
  if (key.created.getTime() > at.getTime()) problems.push(`${what} was created after ${at.toISOString()}`);
  if (!selfSignature) problems.push(`${what} has no valid self-signature`);
  if (expires && expires.getTime() <= at.getTime()) problems.push(`${what} expired on ${expires.toISOString()}`);
  if (revocation) {
    problems.push(`${what} was revoked (${revocation.reason}) on ${revocation.created.toISOString()}`);
  }
  return problems;
}

export interface EvaluateOptions {
  /**
   * Revocations made at or after this time are left out. A ceremony's own transcript is checked this way: the
   * ceremony that revokes a root signs its transcript after the revocation it records.
   */
  readonly ignoreRevocationsFrom?: Date | undefined;
}

export function evaluateCertificate(cert: Certificate, at: Date, options: EvaluateOptions = {}): CertificateStatus {
  const primary = cert.primary;
  const atMs = at.getTime();
  const ignoreFrom = options.ignoreRevocationsFrom?.getTime() ?? Infinity;
  const counted = (r: Revocation): boolean => r.created.getTime() < ignoreFrom;
  const inTime = (sig: ParsedSignature): boolean => (sig.created?.getTime() ?? Infinity) <= atMs;

  // Key revocations: all valid ones are collected; which applies depends on hardness (see module comment).
  const keyRevocations = parseAll(cert.directSignatures)
    .filter((s) => s.type === SignatureType.keyRevocation && issuedBy(s, primary))
    .filter((s) => checkSignature(s, primary, [keyHashPrefix(primary)]).ok)
    .map(revocationOf)
    .filter(counted);

  const userIds = cert.userIds.map((uid) => {
    const covered = userIdCovered(primary, new TextEncoder().encode(uid.userId));
    const valid = parseAll(uid.signatures)
      .filter((s) => certificationTypes.has(s.type) && issuedBy(s, primary) && inTime(s))
      .filter((s) => checkSignature(s, primary, covered).ok);
    return { userId: uid.userId, selfSignature: newest(valid) };
  });
  const validUserIds = userIds.filter((u) => u.selfSignature);
  const primaryUserId =
    newest(
      validUserIds
        .filter((u) =>
          u.selfSignature?.hashed.some((sp) => sp.type === SubpacketType.primaryUserId && sp.body[0] === 1),
        )
        .map((u) => u.selfSignature as ParsedSignature),
    ) ?? validUserIds[0]?.selfSignature;
  const primaryRevocation = effectiveRevocation(keyRevocations, at);
  const primaryExpires = expiryOf(primary, primaryUserId);
  const primaryStatus: KeyStatus = {
    key: primary,
    fingerprint: fingerprintHex(primary),
    selfSignature: primaryUserId,
    flags: primaryUserId?.keyFlags ?? 0,
    expires: primaryExpires,
    revocation: primaryRevocation ?? keyRevocations[0],
    crossCertified: true,
    purpose: primaryUserId?.notations.get(PURPOSE_NOTATION),
    problems: problemsFor('primary key', primary, primaryUserId, primaryExpires, primaryRevocation, at),
  };

  const subkeys = cert.subkeys.map((entry): KeyStatus => {
    const sub = entry.key;
    const covered = subkeyCovered(primary, sub);
    const sigs = parseAll(entry.signatures).filter((s) => issuedBy(s, primary));
    const bindings = sigs
      .filter((s) => s.type === SignatureType.subkeyBinding && inTime(s))
      .filter((s) => checkSignature(s, primary, covered).ok);
    const binding = newest(bindings);
    const revocations = sigs
      .filter((s) => s.type === SignatureType.subkeyRevocation)
      .filter((s) => checkSignature(s, primary, covered).ok)
      .map(revocationOf)
      .filter(counted);
    const flags = binding?.keyFlags ?? 0;
    const crossCertified =
      !(flags & KeyFlag.sign) ||
      (binding?.embedded ?? []).some((body) => {
        try {
          const back = parseSignatureBody(body);
          return back.type === SignatureType.primaryKeyBinding && checkSignature(back, sub, covered).ok;
        } catch {
          return false;
        }
      });
    const expires = expiryOf(sub, binding);
    const revocation = effectiveRevocation(revocations, at);
    const problems = problemsFor('subkey', sub, binding, expires, revocation, at);
    if (binding && !crossCertified) problems.push('signing subkey is not cross-certified (no valid back-signature)');
    return {
      key: sub,
      fingerprint: fingerprintHex(sub),
      selfSignature: binding,
      flags,
      expires,
      revocation: revocation ?? revocations[0],
      crossCertified,
      purpose: binding?.notations.get(PURPOSE_NOTATION),
      problems,
    };
  });

  return {
    primary: primaryStatus,
    userIds: userIds.map((u) => ({
      userId: u.userId,
      valid: u.selfSignature !== undefined,
      primary: u.selfSignature !== undefined && u.selfSignature === primaryUserId,
    })),
    subkeys,
  };
}
