/**
 * Recognising a rehearsal root: every user ID a rehearsal ceremony gives the root carries the REHEARSAL mark
 * (util/rehearsal-mark.ts). Only user IDs a valid self-signature binds count — one appended to KEYS without a
 * signature could otherwise make a real root look like a rehearsal (or, missing, the other way round).
 */
import type { Certificate } from '../openpgp/index.js';
import { type CertificateStatus, evaluateCertificate } from '../openpgp/index.js';
import { isRehearsalUserId } from '../util/rehearsal-mark.js';

export function rehearsalMarked(status: CertificateStatus): boolean {
  return status.userIds.some((u) => u.valid && isRehearsalUserId(u.userId));
}

/** Whether `root` was a rehearsal root at any of `times` (the creation times of the signatures it vouched for). */
export function rehearsalRootAt(root: Certificate, times: readonly Date[]): boolean {
  return times.some((t) => rehearsalMarked(evaluateCertificate(root, t)));
}
