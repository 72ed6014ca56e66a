/**
 * keyceremony rehearse [SCRIPT] --out DIR [--answers FILE]
 *
 * A non-interactive rehearsal: every checkpoint confirmed, every secret generated (or taken from --answers),
 * outputs in DIR/vault and DIR/public, and the generated secrets in DIR/rehearsal-secrets.json (0600), named
 * by prompt id (e.g. "vault.passphrase").
 */
import { join } from 'node:path';
import { mkdir, chmod } from 'node:fs/promises';
import { loadScript } from '../../ceremony/load-script.js';
import { ScriptedPrompter, readAnswersFile } from '../../ceremony/prompts/scripted-prompter.js';
import { runCeremony } from '../../ceremony/runner.js';
import { ConsoleUi } from '../../ceremony/ui.js';
import { writeFileExclusive } from '../../vault/atomic-file.js';
import { assertNewOrEmpty, DIRECTORY_MODE, SECRET_FILE_MODE } from '../../vault/output-tree.js';
import { SecretGuard } from '../../vault/secret-guard.js';
import { packageRoot } from '../../util/data-files.js';
import { ceremonyClock } from '../clock.js';

export const DEFAULT_REHEARSAL_SCRIPT = join(packageRoot, 'ceremonies', 'openpgp-root.yaml');
export const REHEARSAL_SECRETS_FILE = 'rehearsal-secrets.json';

export async function rehearseCommand(scriptPath: string | undefined, options: { out: string; answers?: string }): Promise<void> {
  const started = Date.now();
  const script = await loadScript(scriptPath ?? DEFAULT_REHEARSAL_SCRIPT);
  const root = await assertNewOrEmpty(options.out, 'the rehearsal directory');
  const answers = options.answers ? await readAnswersFile(options.answers) : new Map<string, string>();
  const prompter = new ScriptedPrompter(answers, { rehearsal: true });
  const guard = new SecretGuard();
  const result = await runCeremony({
    script,
    vaultDir: join(root, 'vault'),
    publicDir: join(root, 'public'),
    rehearsal: true,
    allowNetwork: false,
    prompter,
    ui: new ConsoleUi(guard),
    guard,
    now: ceremonyClock(true),
  });
  await mkdir(root, { recursive: true, mode: DIRECTORY_MODE });
  await chmod(root, DIRECTORY_MODE);
  const secrets = Object.fromEntries([...prompter.generated.entries()].sort(([a], [b]) => a.localeCompare(b)));
  await writeFileExclusive(join(root, REHEARSAL_SECRETS_FILE), `${JSON.stringify(secrets, null, 2)}\n`, SECRET_FILE_MODE);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    [
      '',
      `Rehearsal complete: ${root}`,
      `  vault/   ${result.written.filter((f) => f.tree === 'vault').length} files (secret)`,
      `  public/  ${result.written.filter((f) => f.tree === 'public').length} files — check with: keyceremony transcript verify ${join(root, 'public')}`,
      `  ${REHEARSAL_SECRETS_FILE}: the throwaway secrets, by prompt id (${Object.keys(secrets).join(', ') || 'none'})`,
      `  root ${result.rootFingerprint}`,
      `Wall time: ${seconds.toFixed(2)} s`,
      '',
    ].join('\n'),
  );
}
