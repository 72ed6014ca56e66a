/**
 * What a certificate says at a point in time: which self-signatures are valid, the primary's and each
 * subkey's flags, expiry and revocation, whether signing subkeys are cross-certified, which user IDs hold.
 *
 * One evaluation model, used for publication, status and every verifier:
 * - A signature counts only if it verifies (by the primary; back-signatures by the subkey), passes the
 *   signature policy of signature-check.ts (SHA-256 or stronger, no unknown critical subpacket or notation),
 *   was made at or before `at`, and has not expired by `at` (signature expiration time, subpacket 3).
 * - Of the valid self-signatures over one thing (a user ID, the primary as such, a subkey), the newest made at or
 *   before `at` is authoritative — this is how expiry is extended without changing the fingerprint. If that
 *   newest one has expired by `at`, the binding has lapsed: an older one does not come back.
 * - The primary's properties come from its newest direct-key signature and the self-signature of its primary
 *   user ID: key flags must be allowed by both, and the earlier of the two expiries applies.
 * - A revocation for "key compromised", "no reason" or an unknown reason is hard: it applies to all time.
 *   "Superseded" and "retired" are soft: they apply from their creation time on. A user-ID revocation applies
 *   whatever its time: a revoked user ID is never shown and never lends the primary its properties.
 * - A signing subkey needs a valid embedded primary-key-binding signature (0x19) made by the subkey.
 * - RSA keys below the size floor (key-strength.ts) are unusable.
 * Ties between signatures made in the same second are broken by their bytes, so nothing depends on the order
 * of packets in the keyring.
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
import { type KeyPacket, fingerprintHex, keyHashPrefix } from './key-packet.js';
import { describeKey, weakKeyProblem } from './key-strength.js';
import { checkSignature } from './signature-check.js';
import { type ParsedSignature, parseSignatureBody, subkeyCovered, userIdCovered } from './signature-packet.js';

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
  /** "RSA-3072", "Ed25519", "ECDSA P-256": read from the key packet. */
  readonly description: string;
  /**
   * The effective self-signature: for the primary, its primary user ID's certification (or, without one, its
   * direct-key signature); for a subkey, its binding.
   */
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
  /** Bound by a valid, unexpired self-signature at the evaluated time and never revoked. */
  readonly valid: boolean;
  readonly primary: boolean;
  readonly revoked: boolean;
}

export interface CertificateStatus {
  readonly primary: KeyStatus;
  readonly userIds: readonly UserIdStatus[];
  readonly subkeys: readonly KeyStatus[];
}

const certificationTypes = new Set<number>([
  SignatureType.certGeneric,
  SignatureType.certPersona,
  SignatureType.certCasual,
  SignatureType.certPositive,
]);

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

const createdMs = (sig: ParsedSignature): number => sig.created?.getTime() ?? Infinity;

/** When a signature stops being valid (signature expiration time), if ever. */
export function signatureExpiry(sig: ParsedSignature): Date | undefined {
  const seconds = sig.signatureExpirationSeconds;
  return seconds && sig.created ? new Date(sig.created.getTime() + seconds * 1000) : undefined;
}

/** Newer first; same second: a fixed order by bytes, whatever the order in the keyring. */
function compareNewestFirst(a: ParsedSignature, b: ParsedSignature): number {
  const d = createdMs(b) - createdMs(a);
  if (d !== 0) return d;
  for (let i = 0; i < Math.min(a.body.length, b.body.length); i++) {
    const e = (a.body[i] ?? 0) - (b.body[i] ?? 0);
    if (e !== 0) return e;
  }
  return a.body.length - b.body.length;
}

/** The authoritative self-signature at `at` among valid ones: the newest made by then, unless it has expired. */
function authoritative(
  sigs: readonly ParsedSignature[],
  atMs: number,
): { sig: ParsedSignature | undefined; lapsed: Date | undefined } {
  const newest = sigs.filter((s) => createdMs(s) <= atMs).sort(compareNewestFirst)[0];
  const expiry = newest ? signatureExpiry(newest) : undefined;
  if (newest && expiry && expiry.getTime() <= atMs) return { sig: undefined, lapsed: expiry };
  return { sig: newest, lapsed: undefined };
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

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

function problemsFor(
  what: string,
  key: KeyPacket,
  selfSignature: ParsedSignature | undefined,
  expires: Date | undefined,
  revocation: Revocation | undefined,
  at: Date,
  lapsed?: Date,
): string[] {
  const problems: string[] = [];
  const weak = weakKeyProblem(key);
  if (weak) problems.push(`${what} is too weak: ${weak}`);
  if (key.created.getTime() > at.getTime()) problems.push(`${what} was created after ${at.toISOString()}`);
  if (lapsed) problems.push(`${what}'s binding signature expired on ${lapsed.toISOString()}`);
  else if (!selfSignature) problems.push(`${what} has no valid self-signature`);
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

const isPrimaryUserId = (sig: ParsedSignature): boolean =>
  sig.hashed.some((sp) => sp.type === SubpacketType.primaryUserId && sp.body[0] === 1);

export function evaluateCertificate(cert: Certificate, at: Date, options: EvaluateOptions = {}): CertificateStatus {
  const primary = cert.primary;
  const atMs = at.getTime();
  const ignoreFrom = options.ignoreRevocationsFrom?.getTime() ?? Infinity;
  const counted = (r: Revocation): boolean => r.created.getTime() < ignoreFrom;
  const byPrimary = (sigs: readonly ParsedSignature[], covered: readonly Uint8Array[]): ParsedSignature[] =>
    // Issuer subpackets are not consulted: a self-signature can only be the primary's, and the cryptographic
    // check is what proves it (implementations differ in which issuer subpackets they write, and where).
    sigs.filter((s) => checkSignature(s, primary, covered).ok);
  const primaryCovered = [keyHashPrefix(primary)];

  const direct = parseAll(cert.directSignatures);
  // Key revocations: all valid ones are collected; which applies depends on hardness (see module comment).
  const keyRevocations = byPrimary(
    direct.filter((s) => s.type === SignatureType.keyRevocation),
    primaryCovered,
  )
    .map(revocationOf)
    .filter(counted);
  const directKey = authoritative(
    byPrimary(
      direct.filter((s) => s.type === SignatureType.directKey),
      primaryCovered,
    ),
    atMs,
  ).sig;

  const userIds = cert.userIds.map((uid) => {
    const covered = userIdCovered(primary, new TextEncoder().encode(uid.userId));
    const sigs = parseAll(uid.signatures);
    const revoked =
      byPrimary(
        sigs.filter((s) => s.type === SignatureType.certificationRevocation),
        covered,
      ).filter((s) => counted(revocationOf(s))).length > 0;
    const certification = authoritative(
      byPrimary(
        sigs.filter((s) => certificationTypes.has(s.type)),
        covered,
      ),
      atMs,
    ).sig;
    return { userId: uid.userId, revoked, selfSignature: revoked ? undefined : certification };
  });
  // The primary user ID: flagged primary first, then the newest self-signature, then a fixed order.
  const primaryUserId = userIds
    .filter((u): u is typeof u & { selfSignature: ParsedSignature } => u.selfSignature !== undefined)
    .sort(
      (a, b) =>
        Number(isPrimaryUserId(b.selfSignature)) - Number(isPrimaryUserId(a.selfSignature)) ||
        createdMs(b.selfSignature) - createdMs(a.selfSignature) ||
        (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
    )[0];
  const uidSig = primaryUserId?.selfSignature;
  const primarySelfSignature = uidSig ?? directKey;
  const primaryFlags =
    uidSig?.keyFlags !== undefined && directKey?.keyFlags !== undefined
      ? uidSig.keyFlags & directKey.keyFlags
      : (uidSig?.keyFlags ?? directKey?.keyFlags ?? 0);
  const primaryRevocation = effectiveRevocation(keyRevocations, at);
  const primaryExpires = earliest(expiryOf(primary, uidSig), expiryOf(primary, directKey));
  const primaryStatus: KeyStatus = {
    key: primary,
    fingerprint: fingerprintHex(primary),
    description: describeKey(primary),
    selfSignature: primarySelfSignature,
    flags: primaryFlags,
    expires: primaryExpires,
    revocation: primaryRevocation ?? keyRevocations[0],
    crossCertified: true,
    purpose: primarySelfSignature?.notations.get(PURPOSE_NOTATION),
    problems: problemsFor('primary key', primary, primarySelfSignature, primaryExpires, primaryRevocation, at),
  };

  const subkeys = cert.subkeys.map((entry): KeyStatus => {
    const sub = entry.key;
    const covered = subkeyCovered(primary, sub);
    const sigs = parseAll(entry.signatures);
    const { sig: binding, lapsed } = authoritative(
      byPrimary(
        sigs.filter((s) => s.type === SignatureType.subkeyBinding),
        covered,
      ),
      atMs,
    );
    const revocations = byPrimary(
      sigs.filter((s) => s.type === SignatureType.subkeyRevocation),
      covered,
    )
      .map(revocationOf)
      .filter(counted);
    const flags = binding?.keyFlags ?? 0;
    const crossCertified =
      !(flags & KeyFlag.sign) ||
      (binding?.embedded ?? []).some((body) => {
        try {
          const back = parseSignatureBody(body);
          return (
            back.type === SignatureType.primaryKeyBinding &&
            createdMs(back) <= atMs &&
            !((signatureExpiry(back)?.getTime() ?? Infinity) <= atMs) &&
            checkSignature(back, sub, covered).ok
          );
        } catch {
          return false;
        }
      });
    const expires = expiryOf(sub, binding);
    const revocation = effectiveRevocation(revocations, at);
    const problems = problemsFor('subkey', sub, binding, expires, revocation, at, lapsed);
    if (binding && !crossCertified) problems.push('signing subkey is not cross-certified (no valid back-signature)');
    return {
      key: sub,
      fingerprint: fingerprintHex(sub),
      description: describeKey(sub),
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
      primary: u.selfSignature !== undefined && u === primaryUserId,
      revoked: u.revoked,
    })),
    subkeys,
  };
}
