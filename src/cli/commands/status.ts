/** keyceremony status --vault DIR [--json] [--warn-days N] [--now TIME] — exit 1 when a key is expired or due. */
import chalk from 'chalk';
import { KeyceremonyError } from '../../errors.js';
import { excerpt } from '../../util/excerpt.js';
import { allWell, keyStatus, type KeyState } from '../../vault/key-status.js';
import { openVault } from '../../vault/open-vault.js';
import { inventoryCertificateExpiries } from '../../vault/vault-certificates.js';
import { wholeNumberOption } from '../numbers.js';

export interface StatusOptions {
  readonly vault: string;
  readonly json: boolean;
  readonly warnDays: string;
  readonly now?: string;
}

/** Late enough that every self-signature in a certificate counts. */
const LATEST = new Date(8_640_000_000_000_000);

const paint: Record<KeyState, (s: string) => string> = {
  ok: chalk.green,
  due: chalk.yellow,
  expired: chalk.red,
  revoked: chalk.dim,
};

export async function statusCommand(options: StatusOptions): Promise<void> {
  const warnDays = wholeNumberOption(options.warnDays, '--warn-days', 0, 36_500);
  const now = options.now ? new Date(options.now) : new Date();
  if (Number.isNaN(now.getTime()))
    throw new KeyceremonyError('USAGE', `--now is not a time: ${excerpt(options.now ?? '')}`);
  const { vault, inventory } = await openVault(options.vault);
  // Expiries as the certificates hold them, with every self-signature counted (the inventory is the latest state).
  const expiries = await inventoryCertificateExpiries(vault, inventory, LATEST);
  const rows = keyStatus(inventory, now, warnDays, expiries);
  const ok = allWell(rows);
  const disagree = rows.some((r) => r.inventoryExpires !== undefined);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ organisation: inventory.organisation, rehearsal: inventory.rehearsal, now: now.toISOString(), warnDays, ok, keys: rows }, null, 2)}\n`,
    );
  } else {
    const header = ['key', 'role', 'algorithm', 'created', 'expires', 'days left', 'status'];
    const prefix: Record<string, string> = {
      'openpgp-primary': 'OpenPGP ',
      'dct-root': 'DCT ',
      'dct-targets': 'DCT ',
      'dct-delegation': 'DCT signer ',
      'x509-root-ca': 'container root CA ',
      'x509-signing-cert': 'container signer ',
      'x509-crl': 'CRL of ',
    };
    // A CRL is not rotated but renewed before its next update (x509.issue-crl).
    const dueText = (kind: string): string => (kind === 'x509-crl' ? 'renewal due' : 'rotation due');
    const table = rows.map((r) => [
      `${prefix[r.kind] ?? ''}${r.name} ${r.id.slice(-16)}`,
      r.role,
      r.algorithm,
      r.created.slice(0, 10),
      r.expires?.slice(0, 10) ?? 'never',
      r.daysLeft === null ? '-' : String(r.daysLeft),
      r.state === 'due' ? dueText(r.kind) : r.state,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    process.stdout.write(
      `${inventory.organisation}${inventory.rehearsal ? ' (REHEARSAL vault)' : ''} — keys as of ${now.toISOString().slice(0, 10)}, rotation due ${warnDays} days before expiry\n\n`,
    );
    process.stdout.write(`${chalk.bold(line(header))}\n`);
    rows.forEach((r, i) => process.stdout.write(`${paint[r.state](line(table[i] ?? []))}\n`));
    for (const r of rows.filter((row) => row.inventoryExpires !== undefined)) {
      process.stdout.write(
        chalk.red(
          `\n${r.name} ${r.id.slice(-16)}: the inventory says it expires ${r.inventoryExpires ?? 'never'}, its certificate says ${r.expires ?? 'never'} (shown above)`,
        ) + '\n',
      );
    }
    process.stdout.write(
      `\n${ok ? chalk.green('All keys in use are valid and not yet due.') : disagree ? chalk.red('The inventory disagrees with the certificates: the vault was changed outside keyceremony.') : chalk.red('Keys are expired or due for rotation: schedule a rotation session.')}\n`,
    );
  }
  if (disagree) {
    throw new KeyceremonyError('CHECK_FAILED', 'the inventory disagrees with the certificates in the vault');
  }
  if (!ok) throw new KeyceremonyError('CHECK_FAILED', 'keys are expired or due for rotation');
}
