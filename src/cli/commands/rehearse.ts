/**
 * keyceremony rehearse [SCRIPT] --out DIR [--answers FILE]
 *
 * A non-interactive rehearsal: every checkpoint confirmed, every secret generated (or taken from --answers),
 * outputs in DIR/vault, DIR/public and DIR/handoff, and the generated secrets in DIR/rehearsal-secrets.json
 * (0600), named by prompt id (e.g. "vault.passphrase"). A script that works on an existing vault (rotation,
 * revocation, ...) rehearses on the DIR of an earlier rehearsal and reuses its secrets; so do scripts without a
 * vault (recovery drills, which read DIR/media) and restores, which rebuild the vault into DIR/restored-vault.
 * Backup media and custodian sheets go to DIR/media/<n> and DIR/sheets/backup-<ceremony>/<custodian>; hand-off
 * folders of later rehearsals on the same vault to DIR/handoff-2, DIR/handoff-3, ...
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { KeyceremonyError } from '../../errors.js';
import { actions } from '../../ceremony/actions/index.js';
import { onlyAbortedRecords } from '../../ceremony/aborted-record.js';
import { Interruption } from '../../ceremony/interruption.js';
import { type LoadedScript, loadScript } from '../../ceremony/load-script.js';
import { ScriptedPrompter, readAnswersFile } from '../../ceremony/prompts/scripted-prompter.js';
import { runCeremony } from '../../ceremony/runner.js';
import { ConsoleUi } from '../../ceremony/ui.js';
import { assertNewOrEmpty, SECRET_FILE_MODE } from '../../vault/index.js';
import { SafeDir } from '../../vault/index.js';
import { SecretGuard } from '../../vault/index.js';
import { packageRoot } from '../../util/data-files.js';
import { parseJsonFile, serializeJsonFile } from '../../util/json-file.js';
import { ceremonyClock } from '../clock.js';
import { forTerminal } from '../../util/marks.js';

export const DEFAULT_REHEARSAL_SCRIPT = join(packageRoot, 'ceremonies', 'openpgp-root.yaml');
export const REHEARSAL_SECRETS_FILE = 'rehearsal-secrets.json';
/** Where `rehearse` puts the vault a restore ceremony rebuilds (DIR/vault is the one backed up). */
export const RESTORED_VAULT_DIR = 'restored-vault';

/** DIR/rehearsal-secrets.json: the throwaway secrets of the rehearsals so far, by prompt id. */
const RehearsalSecrets = z.record(z.string(), z.string());

/** The rehearsal directory: ours and private (see safe-fs.ts), created when missing. */
async function rehearsalDirectory(root: string, create: boolean): Promise<SafeDir | undefined> {
  const { dir } = await SafeDir.open(root, { what: 'the rehearsal directory', create, secret: true });
  return dir;
}

/**
 * Where a rehearsal's hand-off folders go: DIR/handoff for the first ceremony, DIR/handoff-2, -3, ... for later
 * ones on the same vault (each signer's hand-off folder is made new by its ceremony, never added to).
 */
function handoffDirectory(root: string, existing: boolean): string {
  if (!existing) return join(root, 'handoff');
  for (let n = 2; ; n++) {
    const dir = join(root, `handoff-${n}`);
    if (!existsSync(dir)) return dir;
  }
}

async function earlierSecrets(root: string): Promise<Record<string, string>> {
  const file = join(root, REHEARSAL_SECRETS_FILE);
  const dir = await rehearsalDirectory(root, false);
  if (!dir || !existsSync(join(root, 'vault', 'inventory.json')) || !(await dir.lstat(REHEARSAL_SECRETS_FILE))) {
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      `${root} is not the directory of an earlier rehearsal (this script works on an existing vault)`,
    );
  }
  const bytes = await dir.readFile(REHEARSAL_SECRETS_FILE);
  return parseJsonFile(RehearsalSecrets, bytes, file, 'a rehearsal secrets file', 'INPUT_INVALID');
}

export async function rehearseCommand(
  scriptPath: string | undefined,
  options: { out: string; answers?: string },
): Promise<void> {
  const started = Date.now();
  const script = await loadScript(scriptPath ?? DEFAULT_REHEARSAL_SCRIPT, actions);
  const mode = script.script.vault;
  const existing = mode !== 'new';
  if (existing && !existsSync(join(resolve(options.out), 'vault', 'inventory.json'))) {
    // A ceremony on an existing vault (or its backup) needs one: rehearse the root ceremony first, into the same directory.
    await assertNewOrEmpty(options.out, 'the rehearsal directory');
    process.stdout.write(
      `${script.script.name} works on an existing vault: rehearsing ${DEFAULT_REHEARSAL_SCRIPT} first.\n`,
    );
    await rehearseCommand(DEFAULT_REHEARSAL_SCRIPT, { out: options.out });
  }
  // A root rehearsal starts in a new or empty directory — or one that holds only the record of an aborted one.
  const root =
    existing || (await onlyAbortedRecords(options.out, ['public']))
      ? ((await rehearsalDirectory(options.out, false)) ?? { path: resolve(options.out) }).path
      : await assertNewOrEmpty(options.out, 'the rehearsal directory');
  const known = existing ? await earlierSecrets(root) : {};
  const answers = new Map<string, string | boolean | number>(Object.entries(known));
  if (options.answers) for (const [k, v] of await readAnswersFile(options.answers)) answers.set(k, v);
  // The earlier rehearsal's secrets are offered to the prompts that need them; the rest are not "unused answers".
  const prompter = new ScriptedPrompter(answers, { rehearsal: true, optional: new Set(Object.keys(known)) });
  const guard = new SecretGuard();
  const handoffDir = handoffDirectory(root, existing);
  for (const secret of Object.values(known)) guard.register(secret);
  // Listening until the secrets file is written: a signal after the ceremony finished must not lose it.
  const interruption = new Interruption();
  const stopListening = interruption.listen();
  try {
    await rehearse(script, { root, mode, known, prompter, guard, interruption, started, existing, handoffDir });
  } finally {
    stopListening();
  }
}

async function rehearse(
  script: LoadedScript,
  state: {
    root: string;
    mode: LoadedScript['script']['vault'];
    known: Record<string, string>;
    prompter: ScriptedPrompter;
    guard: SecretGuard;
    interruption: Interruption;
    started: number;
    existing: boolean;
    handoffDir: string;
  },
): Promise<void> {
  const { root, mode, known, prompter, guard, interruption, started, existing, handoffDir } = state;
  const result = await runCeremony({
    script,
    vaultDir: mode === 'none' ? undefined : join(root, mode === 'restore' ? RESTORED_VAULT_DIR : 'vault'),
    publicDir: join(root, 'public'),
    handoffDir,
    rehearsalRoot: root,
    mediaRoot: root,
    rehearsal: true,
    allowNetwork: false,
    prompter,
    ui: new ConsoleUi(guard),
    guard,
    now: ceremonyClock(true),
    interruption,
  });
  const secrets = Object.fromEntries(
    [...Object.entries(known), ...prompter.generated.entries()].sort(([a], [b]) => a.localeCompare(b)),
  );
  const content = new TextEncoder().encode(serializeJsonFile(secrets));
  const dir = (await rehearsalDirectory(root, true)) as SafeDir;
  if (existing) await dir.replaceFile(REHEARSAL_SECRETS_FILE, content, SECRET_FILE_MODE);
  else await dir.createFile(REHEARSAL_SECRETS_FILE, content, SECRET_FILE_MODE);
  const seconds = (Date.now() - started) / 1000;
  const count = (tree: string): number => result.written.filter((f) => f.tree === tree).length;
  const countUnder = (prefix: string): number => result.written.filter((f) => f.tree.startsWith(prefix)).length;
  process.stdout.write(
    forTerminal(
      [
        '',
        `Rehearsal complete: ${root}`,
        ...(mode === 'none'
          ? []
          : [
              `  ${mode === 'restore' ? `${RESTORED_VAULT_DIR}/` : 'vault/   '} ${count('vault')} files written (secret)`,
            ]),
        `  public/   ${count('public')} files written — check with: keyceremony transcript verify ${join(root, 'public')}`,
        ...(count('handoff')
          ? [`  ${basename(handoffDir)}/  ${count('handoff')} files written (one folder per signer)`]
          : []),
        ...(countUnder('media/')
          ? [`  media/    ${countUnder('media/')} files written (encrypted backups, one folder per medium)`]
          : []),
        ...(countUnder('sheets/')
          ? [`  sheets/   ${countUnder('sheets/')} files written (custodian share sheets: secret)`]
          : []),
        `  ${REHEARSAL_SECRETS_FILE}: the throwaway secrets, by prompt id (${Object.keys(secrets).join(', ') || 'none'})`,
        `  root ${result.rootFingerprint}`,
        `Wall time: ${seconds.toFixed(2)} s`,
        '',
      ].join('\n'),
    ),
  );
}
