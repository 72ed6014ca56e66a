/**
 * The "what changes" view of TUF metadata (root.json, targets.json) before the DCT root or a repository key
 * signs it: version, expiry, and for every role its threshold and each key ID it lists, before and after.
 * A key ID a role gains is "added", one it loses "removed".
 */
import type { RootSigned, TargetsSigned } from '../../dct/index.js';
import type { ChangeMark, ChangeRow } from '../changes.js';

interface RoleKeys {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

function row(item: string, before: string | undefined, after: string | undefined): ChangeRow {
  const mark: ChangeMark =
    before === undefined ? 'added' : after === undefined ? 'removed' : before === after ? 'unchanged' : 'changed';
  return { item, before: before ?? '—', after: after ?? '—', mark };
}

function roleRows(
  prefix: string,
  before: ReadonlyMap<string, RoleKeys>,
  after: ReadonlyMap<string, RoleKeys>,
): ChangeRow[] {
  const names = [...new Set([...before.keys(), ...after.keys()])];
  return names.flatMap((name) => {
    const b = before.get(name);
    const a = after.get(name);
    const ids = [...new Set([...(b?.keyids ?? []), ...(a?.keyids ?? [])])];
    return [
      row(`${prefix} role ${name} threshold`, b && String(b.threshold), a && String(a.threshold)),
      ...ids.map((id) =>
        row(
          `${prefix} role ${name} key ${id}`,
          b?.keyids.includes(id) ? 'listed' : undefined,
          a?.keyids.includes(id) ? 'listed' : undefined,
        ),
      ),
    ];
  });
}

function headerRows(
  prefix: string,
  before: { version: number; expires: string } | undefined,
  after: { version: number; expires: string },
): ChangeRow[] {
  return [
    row(`${prefix} version`, before && String(before.version), String(after.version)),
    row(`${prefix} expires`, before?.expires, after.expires),
  ];
}

/** root.json of `gun`: `before` is the version in the vault (undefined for the first one). */
export function rootChangeRows(gun: string, before: RootSigned | undefined, after: RootSigned): ChangeRow[] {
  const prefix = `${gun} root.json`;
  const roles = (signed: RootSigned | undefined): Map<string, RoleKeys> =>
    new Map(signed ? Object.entries(signed.roles) : []);
  return [...headerRows(prefix, before, after), ...roleRows(prefix, roles(before), roles(after))];
}

/** targets.json of `gun`: its delegations (targets/releases and one role per signer). */
export function targetsChangeRows(gun: string, before: TargetsSigned | undefined, after: TargetsSigned): ChangeRow[] {
  const prefix = `${gun} targets.json`;
  const roles = (signed: TargetsSigned | undefined): Map<string, RoleKeys> =>
    new Map((signed?.delegations.roles ?? []).map((r) => [r.name, r] as const));
  return [...headerRows(prefix, before, after), ...roleRows(prefix, roles(before), roles(after))];
}
