/**
 * The "what changes" view of an OpenPGP root: its primary key, user IDs and subkeys, each with expiry and
 * status, before a rotation or revocation and after it. The planned "after" is predicted from the script;
 * once the root has signed, the view computed from the signed certificate must be the same (changes.ts).
 */
import type { CertificateStatus, KeyStatus } from '../../openpgp/index.js';
import { isoDate } from '../../util/duration.js';
import type { ChangeMark, ChangeRow, ChangeView } from '../changes.js';

/** One thing of the certificate as the room sees it. */
export interface KeyState {
  /** Stable identity across before/after: the fingerprint, `uid:<user ID>`, or `new:<label>` for a planned key. */
  readonly id: string;
  readonly item: string;
  readonly expires: Date | undefined;
  /** active, expired, revoked (reason), not valid, unusable (root revoked) */
  readonly status: string;
  readonly revoked: boolean;
}

const when = (d: Date | undefined): string =>
  d ? `expires ${isoDate(d)} ${d.toISOString().slice(11, 16)}` : 'no expiry';
const stateText = (s: KeyState): string => `${when(s.expires)}, ${s.status}`;

function keyStatusText(key: KeyStatus, at: Date): { status: string; revoked: boolean } {
  if (key.revocation && (key.revocation.hard || key.revocation.created.getTime() <= at.getTime())) {
    return { status: `revoked (${key.revocation.reason})`, revoked: true };
  }
  if (key.expires && key.expires.getTime() <= at.getTime()) return { status: 'expired', revoked: false };
  return { status: 'active', revoked: false };
}

/** The states of a certificate's parts at `at`; `labels` names subkeys as the inventory does. */
export function certificateStates(
  status: CertificateStatus,
  at: Date,
  labels: ReadonlyMap<string, string | undefined>,
): KeyState[] {
  const primary = keyStatusText(status.primary, at);
  const states: KeyState[] = [
    {
      id: status.primary.fingerprint,
      item: `root …${status.primary.fingerprint.slice(-16)}`,
      expires: status.primary.expires,
      ...primary,
    },
  ];
  for (const uid of status.userIds) {
    states.push({
      id: `uid:${uid.userId}`,
      item: `user ID ${uid.userId}`,
      expires: uid.valid ? status.primary.expires : undefined,
      status: uid.valid ? (primary.revoked ? 'unusable (root revoked)' : 'valid') : 'not valid',
      revoked: primary.revoked,
    });
  }
  for (const sub of status.subkeys) {
    const own = keyStatusText(sub, at);
    states.push({
      id: sub.fingerprint,
      item: subkeyItem(labels.get(sub.fingerprint), sub.fingerprint),
      expires: sub.expires,
      ...(primary.revoked && !own.revoked ? { status: 'unusable (root revoked)', revoked: true } : own),
    });
  }
  return states;
}

export function subkeyItem(label: string | undefined, fingerprint: string | undefined): string {
  const name = label ? `subkey "${label}"` : 'subkey';
  return fingerprint ? `${name} …${fingerprint.slice(-16)}` : `${name} (new)`;
}

function markOf(before: KeyState | undefined, after: KeyState | undefined): ChangeMark {
  if (!before) return 'added';
  if (!after) return 'removed';
  if (after.revoked && !before.revoked) return 'revoked';
  const b = before.expires?.getTime() ?? Infinity;
  const a = after.expires?.getTime() ?? Infinity;
  if (a > b) return 'extended';
  if (a < b) return 'shortened';
  return stateText(before) === stateText(after) ? 'unchanged' : 'changed';
}

/**
 * The view of a change from `before` to `after`. Planned keys (ids `new:<label>`) and the keys the signature
 * made (their fingerprints) are matched by label, so the planned view and the signed one compare equal.
 */
export function certificateChangeView(
  subject: string,
  before: readonly KeyState[],
  after: readonly KeyState[],
  notes: readonly string[] = [],
): ChangeView {
  const rows: ChangeRow[] = [];
  for (const a of after) {
    const b = before.find((s) => s.id === a.id);
    rows.push({
      item: b ? a.item : a.item.replace(/ …[0-9A-F]{16}$/, ' (new)'),
      before: b ? stateText(b) : '—',
      after: stateText(a),
      mark: markOf(b, a),
    });
  }
  for (const b of before) {
    if (!after.some((a) => a.id === b.id))
      rows.push({ item: b.item, before: stateText(b), after: '—', mark: 'removed' });
  }
  return { subject, rows, notes };
}
