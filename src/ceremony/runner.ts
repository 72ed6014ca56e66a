/**
 * Runs a loaded ceremony script: preflight (air gap, tool identity, clock, checklist), the steps in order,
 * then the inventory and the signed transcript. Any failure rolls every output tree back: a ceremony either
 * completes with a signed transcript or leaves nothing behind.
 */
import { hostname } from 'node:os';
import { KeyceremonyError, messageOf } from '../errors.js';
import { armor } from '../openpgp/armor.js';
import { signDetached } from '../openpgp/detached-signature.js';
import { fingerprintHex } from '../openpgp/key-packet.js';
import { renderTranscriptMarkdown } from '../transcript/markdown.js';
import { TranscriptRecorder } from '../transcript/recorder.js';
import { codeSha256, toolVersion } from '../version.js';
import { emptyInventory, type Inventory } from '../vault/inventory.js';
import { publicPath, vaultPath } from '../vault/layout.js';
import { isInside, OutputTree, type WrittenFile } from '../vault/output-tree.js';
import { openVault } from '../vault/open-vault.js';
import { vaultPassphraseCheck } from '../vault/passphrase-check.js';
import { openPublicTree } from '../vault/public-tree.js';
import type { SecretGuard } from '../vault/secret-guard.js';
import type { LoadedScript } from './load-script.js';
import { inspectNetwork, networkProblems, type NetworkState } from './preflight/network.js';
import type { Prompter } from './prompts/prompter.js';
import { REHEARSAL } from './rehearsal-marks.js';
import { Session } from './session.js';
import type { Ui } from './ui.js';

export interface CeremonyOptions {
  readonly script: LoadedScript;
  /** The vault; not given for ceremonies without one (`vault: none`). */
  readonly vaultDir?: string | undefined;
  readonly publicDir: string;
  /** Where hand-off material goes (required by scripts that hand keys to signers). */
  readonly handoffDir?: string;
  /** Set by `keyceremony rehearse`: the rehearsal directory. */
  readonly rehearsalRoot?: string;
  /** Backup media and custodian sheets go under this directory instead of the script's paths (`run --media`). */
  readonly mediaRoot?: string | undefined;
  readonly rehearsal: boolean;
  readonly allowNetwork: boolean;
  readonly prompter: Prompter;
  readonly ui: Ui;
  readonly guard: SecretGuard;
  readonly now?: () => Date;
  readonly inspectNetwork?: () => Promise<NetworkState>;
}

export interface CeremonyResult {
  readonly transcriptName: string;
  readonly entries: number;
  readonly written: readonly WrittenFile[];
  readonly rootFingerprint: string;
}

function transcriptName(script: LoadedScript, start: Date, rehearsal: boolean): string {
  const stamp = start.toISOString().slice(0, 19).replace(/:/g, '-');
  return `${stamp}Z-${script.script.name}${rehearsal ? `-${REHEARSAL}` : ''}`;
}

export async function runCeremony(options: CeremonyOptions): Promise<CeremonyResult> {
  const { script, rehearsal, ui, guard, prompter } = options;
  const now = options.now ?? (() => new Date());
  const mode = script.script.vault;
  if (mode === 'none' && options.vaultDir !== undefined) {
    throw new KeyceremonyError('USAGE', 'this ceremony works without a vault (vault: none): do not give --vault');
  }
  if (mode !== 'none' && options.vaultDir === undefined)
    throw new KeyceremonyError('USAGE', 'this ceremony needs a vault: give --vault DIR');
  const separate = [options.vaultDir, options.publicDir, options.handoffDir].filter(
    (d): d is string => d !== undefined,
  );
  for (const [i, a] of separate.entries()) {
    for (const b of separate.slice(i + 1)) {
      if (isInside(a, b) || isInside(b, a)) {
        throw new KeyceremonyError(
          'USAGE',
          'the vault, public and hand-off directories must be separate, none inside another',
        );
      }
    }
  }
  if (options.mediaRoot !== undefined && separate.some((d) => isInside(options.mediaRoot as string, d))) {
    throw new KeyceremonyError(
      'USAGE',
      'the media directory must not be inside the vault, public or hand-off directory',
    );
  }
  const needsHandoff = script.steps.some((s) =>
    s.action.describe(s.params, script.script).creates?.some((c) => c.tree === 'handoff'),
  );
  if (needsHandoff && !options.handoffDir) {
    throw new KeyceremonyError('USAGE', 'this ceremony hands keys to signers: give --handoff DIR');
  }
  const existingVault = mode === 'existing';
  const opened = existingVault ? await openExistingVault(options, options.vaultDir as string) : undefined;
  const vault =
    mode === 'none'
      ? undefined
      : (opened?.vault ??
        (await OutputTree.fresh('vault', options.vaultDir as string, {
          secret: true,
          guard,
          notify: ui.warn.bind(ui),
        })));
  // Only a new root needs a new public tree; other ceremonies republish into the existing one.
  const publicTree =
    mode === 'new'
      ? await OutputTree.fresh('public', options.publicDir, { secret: false, guard, notify: ui.warn.bind(ui) })
      : await openPublicTree(options.publicDir, guard, ui.warn.bind(ui));
  const started = now();
  const name = transcriptName(script, started, rehearsal);
  const transcript = new TranscriptRecorder(now, guard);
  const inventory = opened?.inventory ?? emptyInventory(script.script.organisation, rehearsal, started);
  // The inventory is dated by the ceremony's start: published files derived from it are then reproducible.
  inventory.updated = started.toISOString();
  const session = new Session({
    script,
    rehearsal,
    prompts: prompter,
    ui,
    transcript,
    guard,
    vault,
    public: publicTree,
    inventory,
    ceremonyName: name,
    ceremonyEntry: {
      name,
      script: script.script.name,
      date: started.toISOString(),
      transcript: vaultPath.transcript(name),
      rehearsal,
    },
    existingVault,
    ...(opened ? { checkVaultPassphrase: opened.checkPassphrase } : {}),
    now,
    handoffDir: options.handoffDir,
    rehearsalRoot: options.rehearsalRoot,
    mediaRoot: options.mediaRoot,
  });
  try {
    return await ceremony(session, options, name);
  } catch (error) {
    // Keys this ceremony created on tokens go with the trees: a failed ceremony leaves nothing behind.
    await session.tokens.rollback();
    // Newest tree first: the first tree written to may have created a parent directory the others sit in.
    for (const tree of [...session.trees].reverse()) await tree.rollback();
    throw error;
  } finally {
    await session.tokens.close();
  }
}

/**
 * Opens the vault of an earlier ceremony: its inventory must validate, and a rehearsal may only work on a
 * rehearsal vault (and a real ceremony only on a real one). The vault passphrase is checked by decrypting
 * the first software-held root key.
 */
async function openExistingVault(
  options: CeremonyOptions,
  vaultDir: string,
): Promise<{
  vault: OutputTree;
  inventory: Inventory;
  checkPassphrase: ((passphrase: string) => Promise<string | undefined>) | undefined;
}> {
  const { vault, inventory } = await openVault(vaultDir, options.guard, options.ui.warn.bind(options.ui));
  if (inventory.rehearsal !== options.rehearsal) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      inventory.rehearsal
        ? 'this is a rehearsal vault: real ceremonies cannot use it'
        : 'this is a real vault: rehearsals must never touch it',
    );
  }
  return { vault, inventory, checkPassphrase: vaultPassphraseCheck(vault, inventory) };
}

async function ceremony(session: Session, options: CeremonyOptions, name: string): Promise<CeremonyResult> {
  const { script, rehearsal, ui, prompter } = options;
  const { transcript } = session;
  const meta = script.script;

  ui.banner(`${meta.title}${rehearsal ? ` — ${REHEARSAL}` : ''}`, [
    `${meta.organisation}`,
    `script ${meta.name} version ${meta.version}  sha256 ${script.sha256}`,
    `keyceremony ${toolVersion()}  code sha256 ${codeSha256()}`,
    'Witnesses: compare the two hashes with the published values before going on.',
    ...(rehearsal ? ['REHEARSAL: throwaway keys, every output is marked and must never be trusted.'] : []),
  ]);
  transcript.record('ceremony.start', {
    script: { name: meta.name, title: meta.title, version: meta.version, file: script.path, sha256: script.sha256 },
    organisation: meta.organisation,
    purpose: meta.purpose.trim(),
    tool: { name: 'keyceremony', version: toolVersion(), codeSha256: codeSha256(), node: process.version },
    host: hostname(),
    rehearsal,
    answers: prompter.source,
    roles: meta.roles.map((r) => ({ id: r.id, title: r.title })),
  });

  // Air gap.
  const network = await (options.inspectNetwork ?? inspectNetwork)();
  const problems = networkProblems(network);
  const override =
    problems.length === 0 ? null : rehearsal ? 'rehearsal' : options.allowNetwork ? 'allow-network' : null;
  if (problems.length > 0 && override === null) {
    throw new KeyceremonyError('NETWORK_UP', 'refusing to run a ceremony on a networked machine', {
      details: [...problems, 'Disconnect (or use --allow-network, which is recorded in the transcript).'],
    });
  }
  transcript.record('preflight.network', {
    verdict: problems.length === 0 ? 'air-gapped' : 'network-up',
    problems,
    override,
    interfaces: network.interfaces.map((i) => ({ name: i.name, addresses: [...i.addresses] })),
  });
  if (problems.length === 0) ui.success('No network: no interface up besides loopback, no default route');
  else
    ui.warn(
      `Network is up (${problems.join('; ')}) — allowed by ${override === 'rehearsal' ? '--rehearsal' : '--allow-network'}`,
    );
  if (options.mediaRoot !== undefined) {
    // Recorded: backup media and sheets do not go where the reviewed script says.
    transcript.record('preflight.media', {
      mediaRoot: options.mediaRoot,
      reason: options.rehearsalRoot !== undefined ? 'rehearsal' : '--media',
    });
    ui.warn(`Backup media and custodian sheets go under ${options.mediaRoot}, not to the paths in the script`);
  }

  // Clock: every signature embeds it.
  if (meta.preflight.confirmClock) {
    const current = session.now();
    const utc = `${current.toISOString().slice(0, 10)} ${current.toISOString().slice(11, 19)} UTC`;
    const local = current.toString().replace(/ \(.*\)$/, '');
    const ok = await prompter.confirm(
      'preflight.clock',
      `The system clock says ${utc} (local: ${local}). Is that correct?`,
    );
    if (!ok)
      throw new KeyceremonyError('ABORTED', 'the system clock was not confirmed; set it (date -s) and start again');
    transcript.record('preflight.clock', {
      systemTime: current.toISOString(),
      confirmed: true,
      source: prompter.source,
    });
  }
  for (const [i, item] of meta.preflight.checklist.entries()) {
    const id = `preflight.checklist.${i + 1}`;
    if (!(await prompter.confirm(id, `Checklist: ${item}`)))
      throw new KeyceremonyError('ABORTED', `checklist item not confirmed: ${item}`);
    transcript.record('preflight.checklist', { item, confirmed: true, prompt: id, source: prompter.source });
  }
  // What each step needs from the room (media mounted, tools installed), checked before any key exists.
  for (const step of script.steps) {
    const { checks = [], warnings = [] } = (await step.action.preflight?.(session, step.params)) ?? {};
    if (checks.length > 0 || warnings.length > 0) {
      transcript.record('preflight.step', {
        step: step.id,
        checks: [...checks],
        ...(warnings.length ? { warnings: [...warnings] } : {}),
      });
      for (const line of checks) ui.success(line);
      for (const line of warnings) ui.warn(line);
    }
  }

  for (const [index, step] of script.steps.entries()) {
    const current = { id: step.id, role: step.role, title: step.title, index: index + 1 };
    session.enterStep(current);
    ui.step(current.index, script.steps.length, step.title, step.role);
    const description = step.action.describe(step.params, meta);
    transcript.record('step.start', { action: step.action.name, title: step.title, summary: description.summary });
    try {
      await step.action.run(session, step.params);
    } catch (error) {
      if (error instanceof KeyceremonyError) throw error;
      throw new KeyceremonyError('CHECK_FAILED', `step "${step.id}" failed: ${messageOf(error)}`, { cause: error });
    }
    transcript.record('step.done', {});
  }
  session.enterStep(undefined);

  const signer = session.transcriptSigner;
  if (!signer)
    throw new KeyceremonyError('SCRIPT_INVALID', 'no step of this ceremony provided a root key to sign the transcript');

  // Inventory last, so it lists everything the steps did (unless a step saved it already and nothing changed since).
  if (session.hasVault) {
    const saved = await session.saveInventory();
    if (saved) session.recordOutput(saved);
  }

  const rootFingerprint = fingerprintHex(signer.root);
  transcript.record('transcript.signer', { root: rootFingerprint, key: fingerprintHex(signer.key.key) });
  const unused = prompter.unused();
  transcript.record('ceremony.end', {
    entries: transcript.entries.length + 1,
    outputs: session.trees.reduce((n, t) => n + t.written.length, 0),
    unusedAnswers: unused,
  });
  const jsonl = transcript.toJsonl();
  const signature = armor('signature', await signDetached(new TextEncoder().encode(jsonl), signer.key, session.now()));
  if (session.hasVault) {
    await session.vault.write(vaultPath.transcript(name), jsonl);
    await session.vault.write(vaultPath.transcriptSignature(name), signature);
  }
  for (const copy of session.transcriptCopies) {
    await copy.tree.write(`${copy.dir}/${name}.jsonl`, jsonl);
    await copy.tree.write(`${copy.dir}/${name}.jsonl.asc`, signature);
  }
  await session.public.write(publicPath.transcript(name), jsonl);
  await session.public.write(publicPath.transcriptSignature(name), signature);
  await session.public.write(publicPath.transcriptMarkdown(name), renderTranscriptMarkdown(transcript.entries));
  if (unused.length > 0) ui.warn(`Answers that no prompt asked for: ${unused.join(', ')}`);
  ui.success(`Transcript signed with the root's ceremony-transcripts key: public/${publicPath.transcript(name)}`);
  return {
    transcriptName: name,
    entries: transcript.entries.length,
    written: session.trees.flatMap((t) => t.written),
    rootFingerprint,
  };
}
