/** keyceremony plan SCRIPT [--html FILE] [--vault DIR] */
import { join } from 'node:path';
import { readInputFile } from '../../util/input-file.js';
import { INVENTORY_PATH, type InventoryQuorum, parseInventory } from '../../vault/index.js';
import { actions } from '../../ceremony/actions/index.js';
import { loadScript } from '../../ceremony/load-script.js';
import { renderRunbookHtml } from '../../ceremony/runbook/html.js';
import { buildRunbook } from '../../ceremony/runbook/runbook.js';
import { renderRunbookText } from '../../ceremony/runbook/text.js';
import { writeFileExclusive } from '../../vault/index.js';
import { forTerminal } from '../../util/marks.js';

/** The quorum a vault's inventory names (read only; nothing secret is opened). */
async function vaultQuorum(dir: string): Promise<InventoryQuorum | undefined> {
  const path = join(dir, INVENTORY_PATH);
  return parseInventory(await readInputFile(path, 'vault inventory', { maxBytes: 16 * 1024 * 1024 }), path).quorum;
}

export async function planCommand(
  scriptPath: string,
  options: { html?: string; strict?: boolean; vault?: string },
): Promise<void> {
  const script = await loadScript(scriptPath, actions, { strict: options.strict === true });
  const quorum = options.vault ? await vaultQuorum(options.vault) : undefined;
  const runbook = buildRunbook(script, quorum);
  process.stdout.write(forTerminal(renderRunbookText(runbook)));
  if (options.html) {
    await writeFileExclusive(options.html, renderRunbookHtml(runbook), 0o644);
    process.stdout.write(`Printable runbook written to ${options.html}\n`);
  }
}
