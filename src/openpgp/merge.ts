/**
 * One certificate per key, however many copies a keyring holds.
 *
 * KEYS files grow by appending (Apache, MediaWiki): an old copy of the organisation's certificate, later a copy
 * with a new subkey, later one with a revocation. A verifier that takes the first copy misses the revocation.
 * Like gpg's import, copies of one primary key are merged: the union of their user IDs, subkeys and signatures.
 * The result is canonical — entries and signatures sorted, duplicates dropped — so nothing a verifier decides
 * can depend on the order the copies came in.
 *
 * Copies are matched by the whole key packet, not only the fingerprint: two different key packets with one
 * (SHA-1) fingerprint would be a collision attack, and stay two certificates for the verifier to refuse.
 */
import { bytesEqual } from '../util/bytes.js';
import type { Certificate, SubkeyEntry, UserIdEntry } from './certificate.js';
import type { ForeignKey } from './foreign-key.js';
import { fingerprintHex } from './key-packet.js';

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function unionSignatures(lists: readonly (readonly Uint8Array[])[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const sig of lists.flat().sort(compareBytes)) {
    const last = out[out.length - 1];
    if (!last || !bytesEqual(last, sig)) out.push(sig);
  }
  return out;
}

function mergeCopies(copies: readonly Certificate[]): Certificate {
  const first = copies[0] as Certificate;
  const userIds = new Map<string, Uint8Array[][]>();
  const subkeys: { key: SubkeyEntry['key']; lists: Uint8Array[][] }[] = [];
  const foreign = new Map<string, ForeignKey>();
  for (const copy of copies) {
    for (const uid of copy.userIds) {
      const lists = userIds.get(uid.userId) ?? [];
      lists.push(uid.signatures);
      userIds.set(uid.userId, lists);
    }
    for (const sub of copy.subkeys) {
      const same = subkeys.find((s) => bytesEqual(s.key.body, sub.key.body));
      if (same) same.lists.push(sub.signatures);
      else subkeys.push({ key: sub.key, lists: [sub.signatures] });
    }
    for (const key of copy.foreignSubkeys ?? []) foreign.set(fingerprintHex(key), key);
  }
  const mergedUserIds: UserIdEntry[] = [...userIds.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([userId, lists]) => ({ userId, signatures: unionSignatures(lists) }));
  const mergedSubkeys: SubkeyEntry[] = subkeys
    .sort((a, b) => compareBytes(a.key.fingerprint, b.key.fingerprint) || compareBytes(a.key.body, b.key.body))
    .map((s) => ({ key: s.key, signatures: unionSignatures(s.lists) }));
  return {
    primary: first.primary,
    directSignatures: unionSignatures(copies.map((c) => c.directSignatures)),
    userIds: mergedUserIds,
    subkeys: mergedSubkeys,
    foreignSubkeys: [...foreign.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, key]) => key),
  };
}

/** Merges copies of the same certificate; distinct certificates keep the order of their first copy. */
export function mergeCertificates(certificates: readonly Certificate[]): Certificate[] {
  const groups: Certificate[][] = [];
  for (const cert of certificates) {
    const group = groups.find((g) => bytesEqual((g[0] as Certificate).primary.body, cert.primary.body));
    if (group) group.push(cert);
    else groups.push([cert]);
  }
  return groups.map(mergeCopies);
}
