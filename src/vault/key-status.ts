/**
 * `keyceremony status`: the inventory as a table, with rotation due N days before expiry. No secret is opened.
 * Revoked keys are listed but never "due". The expiry of an OpenPGP key is the one its certificate holds (given
 * by the caller, read from the vault's public certificates); an inventory that says otherwise is reported, and
 * the certificate wins, since it is what gpg and every verifier go by.
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
  /** When the inventory's expiry differs from the certificate's: what the inventory says. */
  readonly inventoryExpires?: string | null;
}

const DAY = 86_400_000;

export function keyStatus(
  inventory: Inventory,
  now: Date,
  warnDays: number,
  certificateExpiries: ReadonlyMap<string, string | null> = new Map(),
): KeyStatusRow[] {
  return inventory.keys.map((key) => {
    const fromCertificate = certificateExpiries.get(key.id);
    const expiresText = fromCertificate === undefined ? key.expires : fromCertificate;
    const disagrees = fromCertificate !== undefined && !sameTime(fromCertificate, key.expires);
    const expires = expiresText ? new Date(expiresText) : undefined;
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
      expires: expiresText,
      daysLeft,
      state,
      location: key.location.type === 'file' ? `vault/${key.location.path}` : key.location.uri,
      ...(disagrees ? { inventoryExpires: key.expires } : {}),
    };
  });
}

function sameTime(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : Date.parse(a) === Date.parse(b);
}

/** True when every key that is still in use is neither expired nor due, and the inventory agrees with it. */
export function allWell(rows: readonly KeyStatusRow[]): boolean {
  return rows.every((r) => (r.state === 'ok' || r.state === 'revoked') && r.inventoryExpires === undefined);
}
