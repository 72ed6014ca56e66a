/**
 * gpg-style text listings of certificates (`pub`/`uid`/`sub` lines), for the human-readable part of KEYS
 * files (as Apache's and MediaWiki's KEYS files carry) and for fingerprints.txt.
 */
import type { Certificate } from '../openpgp/index.js';
import { evaluateCertificate, type KeyStatus } from '../openpgp/index.js';
import { describeKeyFlags } from '../openpgp/index.js';
import { groupedHex } from '../util/fingerprint-display.js';
import { isoDate } from '../util/duration.js';

function validity(status: KeyStatus, now: Date): string {
  if (status.revocation && (status.revocation.hard || status.revocation.created <= now)) {
    return `[revoked: ${isoDate(status.revocation.created)}, ${status.revocation.reason}]`;
  }
  if (status.expires) return `[${status.expires <= now ? 'expired' : 'expires'}: ${isoDate(status.expires)}]`;
  return '';
}

/** Lines like `gpg --list-keys` prints them; `labels` adds inventory names to subkeys. */
export function listCertificate(cert: Certificate, now: Date, labels: ReadonlyMap<string, string>): string[] {
  const status = evaluateCertificate(cert, now);
  const lines: string[] = [];
  const keyLine = (tag: string, key: KeyStatus): string =>
    [
      `${tag}   ${key.key.material.algorithm.padEnd(8)} ${isoDate(key.key.created)} [${describeKeyFlags(key.flags) || '-'}]`,
      validity(key, now),
      labels.get(key.fingerprint) ?? '',
    ]
      .filter(Boolean)
      .join(' ');
  lines.push(keyLine('pub', status.primary));
  lines.push(`      ${groupedHex(status.primary.fingerprint)}`);
  for (const uid of status.userIds) if (uid.valid) lines.push(`uid           ${uid.userId}`);
  for (const sub of status.subkeys) {
    lines.push(keyLine('sub', sub));
    lines.push(`      ${groupedHex(sub.fingerprint)}`);
  }
  return lines;
}
