/**
 * The shared run of x509.issue-crl and x509.revoke-signing-cert: plan the root's next CRL (with the new
 * revocations), show and confirm it, sign it, mark the revoked certificates in the inventory.
 */
import { KeyceremonyError } from '../../errors.js';
import type { InventoryKey } from '../../vault/index.js';
import { loadAuthority, x509VaultPath } from '../../vault/index.js';
import type { CrlReasonName } from '../../x509/index.js';
import { confirmChanges } from '../changes.js';
import type { CeremonyContext } from '../context.js';
import type { X509RootCaProduct } from '../products.js';
import { crlOnlyView, lintersFor, type NewRevocation, planCrl, signCrl } from './authority.js';

/** A certificate to revoke as the script names it: every active certificate of a signer, or one by fingerprint. */
/** What every CRL step writes, as `describe()` names it for the runbook. */
export const CRL_CREATES = [
  {
    tree: 'vault',
    path: x509VaultPath.crl('<ROOT-ID>'),
    what: 'the new CRL (the previous one kept in .history/)',
  },
] as const;

export interface RevokeTarget {
  readonly signer?: string | undefined;
  readonly certificate?: string | undefined;
  readonly reason: CrlReasonName;
}

/** The inventory entries a target names (active signing certificates of the root), or a one-line refusal. */
export function findTargets(
  keys: readonly InventoryKey[],
  rootId: string | undefined,
  target: RevokeTarget,
): InventoryKey[] | string {
  const leaves = keys.filter((k) => k.kind === 'x509-signing-cert' && (rootId === undefined || k.parent === rootId));
  if (target.certificate !== undefined) {
    const found = leaves.find((k) => k.id === target.certificate);
    if (!found) return `the vault has no container signing certificate ${target.certificate}`;
    if (found.status !== 'active') return `certificate ${target.certificate} (${found.label}) is already revoked`;
    return [found];
  }
  const named = leaves.filter((k) => k.label === target.signer);
  if (named.length === 0)
    return `unknown signer "${target.signer}": the vault has no container signing certificate for it`;
  const active = named.filter((k) => k.status === 'active');
  if (active.length === 0) return `every certificate of signer "${target.signer}" is already revoked`;
  return active;
}

export async function runCrlStep(
  ctx: CeremonyContext,
  root: X509RootCaProduct,
  options: {
    readonly targets: readonly RevokeTarget[];
    readonly validity: string;
    readonly confirmBy: readonly string[];
    readonly zlint: string | undefined;
  },
): Promise<void> {
  const authority = await loadAuthority(ctx.vault, ctx.inventory, selectEntry(ctx, root));
  const serials = new Map(
    authority.signingCertificates.map((c) => [c.entry.id, c.certificate.parsed.serialHex] as const),
  );
  const revocations: NewRevocation[] = [];
  const problems: string[] = [];
  for (const target of options.targets) {
    const found = findTargets(ctx.inventory.keys, root.id, target);
    if (typeof found === 'string') problems.push(found);
    else
      for (const leaf of found)
        if (!revocations.some((r) => r.leaf.id === leaf.id))
          revocations.push({ leaf, serialHex: serials.get(leaf.id) ?? '', reason: target.reason });
  }
  if (problems.length) throw new KeyceremonyError('INPUT_INVALID', problems[0]!, { details: problems.slice(1) });
  const rootEnd = root.certificate.parsed.notAfter;
  const plan = planCrl(ctx, {
    rootId: root.id,
    previous: authority.crl,
    serials,
    revocations,
    validity: options.validity,
  });
  if (plan.after.nextUpdate.getTime() > rootEnd.getTime())
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `a CRL valid ${options.validity} would outlive the root CA ${root.settings.name} (until ${rootEnd.toISOString()}): give a shorter validity`,
    );
  await confirmChanges(ctx, crlOnlyView(root, plan), options.confirmBy);
  await signCrl(ctx, root, plan, lintersFor(options.zlint));
  const date = plan.after.thisUpdate.toISOString();
  for (const r of revocations) {
    r.leaf.status = 'revoked';
    r.leaf.revocation = { reason: r.reason, date };
    ctx.transcript.record('certificate.revoked', {
      id: r.leaf.id,
      signer: r.leaf.label ?? '',
      serial: r.serialHex,
      reason: r.reason,
      date,
    });
    ctx.ui.success(`Certificate of ${r.leaf.label} (serial ${r.serialHex}) revoked: ${r.reason}`);
  }
}

function selectEntry(ctx: CeremonyContext, root: X509RootCaProduct): InventoryKey {
  const entry = ctx.inventory.keys.find((k) => k.kind === 'x509-root-ca' && k.id === root.id);
  if (!entry) throw new KeyceremonyError('VAULT_INVALID', `the inventory does not list the root CA ${root.id}`);
  return entry;
}
