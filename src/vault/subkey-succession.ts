/**
 * Which signing subkey each signer uses now, which one it replaced, and how long the two overlap — the time in
 * which both may make signatures users accept. For `keyceremony status` and docs/rotation.md.
 *
 * A signer is a name a subkey was handed off to (`handedOffTo`); a subkey nobody received is its own signer,
 * by label. The previous subkey stops when it is revoked or expires, whichever comes first; its successor
 * starts when it is created. The shipped rotation revokes the old pipeline key (superseded) in the session that
 * issues the new one: no overlap. Dropping the revocation from the script leaves both valid until the old one
 * expires.
 *
 * Users pin the root fingerprint (`keyceremony verify --root`, docs/verifying-releases.md): a new subkey is
 * then accepted as soon as they have the new KEYS. Whoever pinned a subkey's fingerprint instead must switch
 * to the successor, which is why each replacement names both.
 */
import type { Inventory, InventoryKey } from './inventory.js';
import type { KeyState, KeyStatusRow } from './key-status.js';

const DAY = 86_400_000;

export interface SubkeyInfo {
  readonly id: string;
  readonly label: string;
  readonly created: string;
  /** As the certificate says (from the status rows). */
  readonly expires: string | null;
  readonly state: KeyState;
}

export interface SubkeySuccession {
  readonly signer: string;
  /** The newest subkey that may sign now (neither revoked nor expired); undefined when there is none. */
  readonly current?: SubkeyInfo;
  /** The subkey the current one replaced: the newest one created before it. */
  readonly previous?: SubkeyInfo & {
    /** When it stops signing: its revocation or its expiry, whichever comes first; null when never. */
    readonly ends: string | null;
    readonly endsBy: 'revocation' | 'expiry' | 'never';
    readonly revocationReason?: string;
  };
  /**
   * From the current subkey's creation until the previous one ends: both sign. `days` (whole days) 0 when the
   * previous one stopped the day the current one started; null `to` and `days` when the previous one never ends.
   */
  readonly overlap?: { readonly from: string; readonly to: string | null; readonly days: number | null };
}

function signersOf(key: InventoryKey): string[] {
  return key.handedOffTo?.length ? key.handedOffTo : [key.label ?? key.id];
}

export function subkeySuccessions(inventory: Inventory, rows: readonly KeyStatusRow[]): SubkeySuccession[] {
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const bySigner = new Map<string, InventoryKey[]>();
  for (const key of inventory.keys) {
    if (key.kind !== 'openpgp-subkey' || key.role !== 'signing') continue;
    for (const signer of signersOf(key)) bySigner.set(signer, [...(bySigner.get(signer) ?? []), key]);
  }
  const info = (key: InventoryKey): SubkeyInfo => {
    const row = rowById.get(key.id);
    return {
      id: key.id,
      label: key.label ?? key.role,
      created: key.created,
      expires: row ? row.expires : key.expires,
      state: row?.state ?? (key.status === 'revoked' ? 'revoked' : 'ok'),
    };
  };
  return [...bySigner.entries()].map(([signer, keys]) => {
    const sorted = [...keys].sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.id.localeCompare(b.id));
    const usable = sorted.filter((k) => {
      const state = info(k).state;
      return state === 'ok' || state === 'due';
    });
    const currentKey = usable.at(-1);
    if (!currentKey) return { signer };
    const current = info(currentKey);
    const previousKey = sorted
      .filter((k) => k !== currentKey && Date.parse(k.created) <= Date.parse(current.created))
      .at(-1);
    if (!previousKey) return { signer, current };
    const previous = info(previousKey);
    const revoked = previousKey.revocation?.date ?? null;
    const ends =
      revoked && previous.expires
        ? Date.parse(revoked) <= Date.parse(previous.expires)
          ? revoked
          : previous.expires
        : (revoked ?? previous.expires);
    const endsBy = ends === null ? 'never' : ends === revoked ? 'revocation' : 'expiry';
    const overlapMs = ends === null ? null : Math.max(0, Date.parse(ends) - Date.parse(current.created));
    return {
      signer,
      current,
      previous: {
        ...previous,
        ends,
        endsBy,
        ...(previousKey.revocation ? { revocationReason: previousKey.revocation.reason } : {}),
      },
      overlap: {
        from: current.created,
        to: overlapMs === 0 ? current.created : ends,
        // Whole days: a revocation made in the session that issued the successor is no overlap.
        days: overlapMs === null ? null : Math.floor(overlapMs / DAY),
      },
    };
  });
}
