/** keyceremony run SCRIPT [--vault DIR] --public DIR [--media DIR] [--rehearsal] [--answers FILE] [--allow-network] */
import { actions } from '../../ceremony/actions/index.js';
import { loadScript } from '../../ceremony/load-script.js';
import type { Prompter } from '../../ceremony/prompts/prompter.js';
import { readAnswersFile, ScriptedPrompter } from '../../ceremony/prompts/scripted-prompter.js';
import { Interruption } from '../../ceremony/interruption.js';
import { runCeremony } from '../../ceremony/runner.js';
import { ConsoleUi } from '../../ceremony/ui.js';
import { KeyceremonyError } from '../../errors.js';
import { SecretGuard } from '../../vault/index.js';
import { ceremonyClock } from '../clock.js';

export interface RunOptions {
  /** Not given for scripts without a vault (`vault: none`). */
  readonly vault?: string;
  readonly media?: string;
  readonly public: string;
  readonly handoff?: string;
  readonly rehearsal: boolean;
  readonly answers?: string;
  readonly allowNetwork: boolean;
}

export async function runCommand(scriptPath: string, options: RunOptions): Promise<void> {
  const script = await loadScript(scriptPath, actions);
  const now = ceremonyClock(options.rehearsal);
  const interruption = new Interruption();
  let prompter: Prompter;
  if (options.answers) {
    prompter = new ScriptedPrompter(await readAnswersFile(options.answers), { rehearsal: false });
  } else {
    if (!process.stdin.isTTY) {
      throw new KeyceremonyError('USAGE', 'no terminal to ask questions on: run in a terminal, or give --answers FILE');
    }
    const { TerminalPrompter } = await import('../../ceremony/prompts/terminal-prompter.js');
    prompter = new TerminalPrompter(interruption);
  }
  const guard = new SecretGuard();
  const started = Date.now();
  const result = await runCeremony({
    script,
    vaultDir: options.vault,
    publicDir: options.public,
    ...(options.media ? { mediaRoot: options.media } : {}),
    ...(options.handoff ? { handoffDir: options.handoff } : {}),
    rehearsal: options.rehearsal,
    allowNetwork: options.allowNetwork,
    prompter,
    ui: new ConsoleUi(guard),
    guard,
    now,
    interruption,
  });
  process.stdout.write(
    `\nCeremony complete in ${((Date.now() - started) / 1000).toFixed(2)} s; transcript ${result.transcriptName} (${result.entries} entries, sha256 ${result.transcriptSha256}).\n`,
  );
}
