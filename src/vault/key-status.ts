/**
 * `keyceremony status`: the inventory as a table, with rotation due N days before expiry. Read from the
 * inventory only — no secret is opened. Revoked keys are listed but never "due".
 */
import type { Inventory, InventoryKey } from './inventory.js';

export type KeyState = 'ok' | 'due' | 'expired' | 'revoked';

export interface KeyStatusRow {
  readonly id: string;
  readonly name: string;
  readonly kind: InventoryKey['kind'];
  readonly role: string;
  readonly algorithm: string;
  readonly created: string;
  readonly expires: string | null;
  /** Whole days until expiry (negative once expired); null for keys that do not expire. */
  readonly daysLeft: number | null;
  readonly state: KeyState;
  readonly location: string;
}

const DAY = 86_400_000;

export function keyStatus(inventory: Inventory, now: Date, warnDays: number): KeyStatusRow[] {
  return inventory.keys.map((key) => {
    const expires = key.expires ? new Date(key.expires) : undefined;
    const daysLeft = expires ? Math.floor((expires.getTime() - now.getTime()) / DAY) : null;
    let state: KeyState = 'ok';
    if (key.status === 'revoked') state = 'revoked';
    else if (expires && now.getTime() >= expires.getTime()) state = 'expired';
    else if (expires && now.getTime() >= expires.getTime() - warnDays * DAY) state = 'due';
    return {
      id: key.id,
      name: key.label ?? key.role,
      kind: key.kind,
      role: key.role,
      algorithm: key.algorithm,
      created: key.created,
      expires: key.expires,
      daysLeft,
      state,
      location: key.location.type === 'file' ? `vault/${key.location.path}` : key.location.uri,
    };
  });
}

/** True when every key that is still in use is neither expired nor due for rotation. */
export function allWell(rows: readonly KeyStatusRow[]): boolean {
  return rows.every((r) => r.state === 'ok' || r.state === 'revoked');
}
