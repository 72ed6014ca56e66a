/**
 * keyceremony status --vault DIR [--json] [--warn-days N] [--now TIME] — exit 1 when a key is expired or due, or
 * when no backup holds the vault as it is (backup/currency.ts). Also shows, per signer, the signing subkey in
 * use, the one it replaced and how long they overlap (vault/subkey-succession.ts).
 */
import chalk from 'chalk';
import { type BackupCurrency, backupCurrency } from '../../backup/index.js';
import { currentVaultState } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { excerpt } from '../../util/excerpt.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { forTerminal, marks } from '../../util/marks.js';
import { allWell, keyStatus, type KeyState } from '../../vault/index.js';
import type { Inventory } from '../../vault/index.js';
import { type SubkeySuccession, subkeySuccessions } from '../../vault/index.js';
import { openVault } from '../../vault/index.js';
import { inventoryCertificateExpiries } from '../../vault/index.js';
import { wholeNumberOption } from '../numbers.js';

export interface StatusOptions {
  readonly vault: string;
  readonly json: boolean;
  readonly warnDays: string;
  readonly now?: string;
}

/** Late enough that every self-signature in a certificate counts. */
const LATEST = new Date(8_640_000_000_000_000);

/** A mark before each row, so the state reads at a glance without colour (ASCII when the locale is not UTF-8). */
const rowMark: Record<KeyState, string> = {
  ok: marks.ok,
  due: marks.warn,
  expired: marks.fail,
  revoked: '-',
};
const markWidth = Math.max(...Object.values(rowMark).map((m) => [...m].length));

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
  const keysOk = allWell(rows);
  const disagree = rows.some((r) => r.inventoryExpires !== undefined);
  const backup = backupCurrency(inventory, await currentVaultState(vault.root));
  const signers = subkeySuccessions(inventory, rows);
  const ok = keysOk && backup.verdict === 'current';
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ organisation: inventory.organisation, rehearsal: inventory.rehearsal, now: now.toISOString(), warnDays, ok, keys: rows, backup: backupJson(backup), signers, rootFingerprints: roots(inventory) }, null, 2)}\n`,
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
    const write = (text: string): boolean => process.stdout.write(forTerminal(text));
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[], mark = ''): string =>
      [mark.padEnd(markWidth), ...cells.map((c, i) => c.padEnd(widths[i] ?? 0))].join('  ').trimEnd();
    write(
      `${inventory.organisation}${inventory.rehearsal ? ' (REHEARSAL vault)' : ''} — keys as of ${now.toISOString().slice(0, 10)}, rotation due ${warnDays} days before expiry\n\n`,
    );
    write(`${chalk.bold(line(header))}\n`);
    rows.forEach((r, i) => write(`${paint[r.state](line(table[i] ?? [], rowMark[r.state]))}\n`));
    for (const r of rows.filter((row) => row.inventoryExpires !== undefined)) {
      write(
        chalk.red(
          `\n${r.name} ${r.id.slice(-16)}: the inventory says it expires ${r.inventoryExpires ?? 'never'}, its certificate says ${r.expires ?? 'never'} (shown above)`,
        ) + '\n',
      );
    }
    write(
      `\n${keysOk ? chalk.green(`${marks.ok} All keys in use are valid and not yet due.`) : disagree ? chalk.red(`${marks.fail} The inventory disagrees with the certificates: the vault was changed outside keyceremony.`) : chalk.red(`${marks.fail} Keys are expired or due for rotation: schedule a rotation session.`)}\n`,
    );
    write(signersText(signers, roots(inventory)));
    write(`\n${backupText(backup)}\n`);
  }
  if (disagree) {
    throw new KeyceremonyError('CHECK_FAILED', 'the inventory disagrees with the certificates in the vault');
  }
  const problems = [
    ...(keysOk ? [] : ['keys are expired or due for rotation']),
    ...(backup.verdict === 'out-of-date' ? ['the newest backup is older than the vault'] : []),
    ...(backup.verdict === 'none' ? ['no backup of the vault is recorded'] : []),
  ];
  if (problems.length > 0) throw new KeyceremonyError('CHECK_FAILED', problems.join('; '));
}

/** The OpenPGP roots still in force: what users pin. */
function roots(inventory: Inventory): string[] {
  return inventory.keys.filter((k) => k.kind === 'openpgp-primary' && k.status === 'active').map((k) => k.id);
}

function backupJson(backup: BackupCurrency): object {
  return {
    verdict: backup.verdict,
    vaultState: backup.vaultState,
    newest: backup.newest ?? null,
    ceremoniesSince: backup.ceremoniesSince,
  };
}

function backupText(backup: BackupCurrency): string {
  const { newest } = backup;
  if (!newest) {
    return chalk.red(
      'No backup of this vault is recorded: back it up (ceremonies/backup.yaml) before the vault media are all that hold these keys.',
    );
  }
  const made = `${newest.name}, made ${newest.created.slice(0, 10)} on ${newest.media.map((m) => m.label).join(' and ')}`;
  if (backup.verdict === 'current') return chalk.green(`The newest backup holds the vault as it is now: ${made}.`);
  const since = backup.ceremoniesSince.map((c) => `${c.name} (${c.date.slice(0, 10)})`);
  return chalk.red(
    `The newest backup is OLDER THAN THE VAULT: ${made}, holds the vault as it was before ${since.length > 0 ? `the later ceremonies ${since.join(', ')}` : 'later changes'}. A restore from it would bring back old keys: make a new backup (ceremonies/backup.yaml), then destroy the old copies and sheets.`,
  );
}

/** The key ID (last 16 hex digits of the fingerprint), as the table names keys. */
const short = (id: string): string => id.slice(-16);

function signersText(signers: readonly SubkeySuccession[], rootIds: readonly string[]): string {
  if (signers.length === 0) return '';
  const lines = [
    '',
    chalk.bold('Signing subkeys by signer'),
    `Users verify against the root${rootIds.length > 1 ? 's' : ''} ${rootIds.map(groupedHex).join(', ')}, not a subkey: a new subkey is accepted once they have the new KEYS.`,
  ];
  for (const s of signers) {
    const { current, previous, overlap } = s;
    if (!current) {
      lines.push(
        `  ${s.signer}: ${chalk.red('no subkey that may sign')} — issue one (ceremonies/openpgp-issue-signing-key.yaml)`,
      );
      continue;
    }
    lines.push(
      `  ${s.signer}: ${current.label} ${short(current.id)}, since ${current.created.slice(0, 10)}, until ${current.expires?.slice(0, 10) ?? 'it is revoked'}`,
    );
    if (!previous || !overlap) continue;
    const stopped =
      previous.endsBy === 'revocation'
        ? `revoked ${previous.ends?.slice(0, 10)} as ${previous.revocationReason ?? 'no reason given'}`
        : previous.endsBy === 'expiry'
          ? `expires ${previous.ends?.slice(0, 10)}`
          : 'never expires and is not revoked';
    const overlapText =
      overlap.days === null
        ? 'both sign until the old one is revoked'
        : overlap.days === 0
          ? 'no overlap: the old one stopped signing when the new one was issued'
          : `both sign until ${overlap.to?.slice(0, 10)} (${overlap.days} days): switch every signer to the new one before then`;
    const earlier =
      previous.revocationReason === 'compromised'
        ? 'its signatures are all invalid (compromised)'
        : 'its earlier signatures stay valid';
    lines.push(`    replaced ${previous.label} ${short(previous.id)} (${stopped}): ${overlapText}; ${earlier}.`);
    lines.push(
      `    Anyone who pinned the subkey ${previous.id} must pin ${current.id} instead — or, better, the root.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
