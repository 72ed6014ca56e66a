/**
 * Choosing the subkey that signs a release. gpg picks among subkeys made in the same second arbitrarily, so
 * keyceremony decides deterministically: the newest valid release-signing subkey — newest binding first, then
 * newest key, then the lowest fingerprint.
 */
import { KeyceremonyError } from '../errors.js';
import type { CertificateStatus, KeyStatus } from './certificate-state.js';
import { KeyFlag, TRANSCRIPT_PURPOSE } from './constants.js';
import { normalizeFingerprint } from '../util/fingerprint-display.js';

export function releaseSigningCandidates(status: CertificateStatus): KeyStatus[] {
  return status.subkeys
    .filter((k) => (k.flags & KeyFlag.sign) !== 0 && k.purpose !== TRANSCRIPT_PURPOSE && k.problems.length === 0)
    .sort(
      (a, b) =>
        (b.selfSignature?.created?.getTime() ?? 0) - (a.selfSignature?.created?.getTime() ?? 0) ||
        b.key.created.getTime() - a.key.created.getTime() ||
        a.fingerprint.localeCompare(b.fingerprint),
    );
}

/**
 * The subkey to sign with: `requested` (a fingerprint) when given, else the newest valid release subkey among
 * those `usable` says we hold the secret for.
 */
export function selectSigningSubkey(
  status: CertificateStatus,
  usable: (fingerprint: string) => boolean,
  requested?: string,
): KeyStatus {
  const candidates = releaseSigningCandidates(status).filter((k) => usable(k.fingerprint));
  if (requested !== undefined) {
    const wanted = normalizeFingerprint(requested);
    const subkey = status.subkeys.find((k) => k.fingerprint === wanted || k.fingerprint.endsWith(wanted));
    if (!subkey) throw new KeyceremonyError('USAGE', `the key has no subkey ${requested}`);
    if (!candidates.includes(subkey)) {
      const why =
        subkey.purpose === TRANSCRIPT_PURPOSE
          ? 'it signs ceremony transcripts only'
          : !usable(subkey.fingerprint)
            ? 'its secret is not in this key file'
            : subkey.problems.join('; ') || 'it is not a signing subkey';
      throw new KeyceremonyError('INPUT_INVALID', `subkey ${subkey.fingerprint} cannot sign: ${why}`);
    }
    return subkey;
  }
  const chosen = candidates[0];
  if (!chosen) {
    const reasons = status.subkeys.map(
      (k) =>
        `${k.fingerprint}: ${k.purpose === TRANSCRIPT_PURPOSE ? 'transcripts only' : k.problems.join('; ') || (usable(k.fingerprint) ? 'not a signing key' : 'no secret here')}`,
    );
    throw new KeyceremonyError('INPUT_INVALID', 'no valid release-signing subkey in this key file', {
      details: reasons,
    });
  }
  return chosen;
}
