/** keyceremony plan SCRIPT [--html FILE] */
import { actions } from '../../ceremony/actions/index.js';
import { loadScript } from '../../ceremony/load-script.js';
import { renderRunbookHtml } from '../../ceremony/runbook/html.js';
import { buildRunbook } from '../../ceremony/runbook/runbook.js';
import { renderRunbookText } from '../../ceremony/runbook/text.js';
import { writeFileExclusive } from '../../vault/atomic-file.js';
import { forTerminal } from '../../util/marks.js';

export async function planCommand(scriptPath: string, options: { html?: string; strict?: boolean }): Promise<void> {
  const runbook = buildRunbook(await loadScript(scriptPath, actions, { strict: options.strict === true }));
  process.stdout.write(forTerminal(renderRunbookText(runbook)));
  if (options.html) {
    await writeFileExclusive(options.html, renderRunbookHtml(runbook), 0o644);
    process.stdout.write(`Printable runbook written to ${options.html}\n`);
  }
}
