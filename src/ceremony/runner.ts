/**
 * Runs a loaded ceremony script: preflight (air gap, what the steps need, clock, checklist, code hash, the paper
 * record), the steps in order, then the inventory, the check that a ceremony which changed the vault leaves a
 * backup holding it (backup-check.ts), the signed transcript, and the closing checkpoint that shows the
 * transcript's SHA-256 for the runbook.
 *
 * Any failure before the transcript is written — a failed step, a refused confirmation, a lost token, Ctrl-C,
 * SIGTERM or SIGHUP (interruption.ts) — rolls every output tree and every key made on a token back; once people
 * have started answering, the transcript so far is kept as an aborted-ceremony record (aborted-record.ts). A
 * ceremony either completes with a signed transcript, or leaves nothing but that record.
 */
import { hostname } from 'node:os';
import { InternalError, KeyceremonyError, messageOf } from '../errors.js';
import { armor } from '../openpgp/index.js';
import { signDetached } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { sha256Hex } from '../crypto/index.js';
import { HISTORY_STARTS, type HistoryReport, readHistory } from '../transcript/index.js';
import { renderTranscriptMarkdown } from '../transcript/index.js';
import { TranscriptRecorder } from '../transcript/index.js';
import { codeSha256, toolVersion } from '../version.js';
import { emptyInventory, type Inventory } from '../vault/index.js';
import { publicPath, vaultPath } from '../vault/index.js';
import { isInside, OutputTree, type WrittenFile } from '../vault/index.js';
import { openVault } from '../vault/index.js';
import { vaultPassphraseCheck } from '../vault/index.js';
import { openPublicTree } from '../vault/index.js';
import type { SecretGuard } from '../vault/index.js';
import {
  ABORTED_SUFFIX,
  type AbortedRecord,
  keepAbortedRecord,
  onlyAbortedRecords,
  type RolledBack,
} from './aborted-record.js';
import { checkBackupHoldsVault, vaultStateAtStart } from './backup-check.js';
import { closingCheckpoint, type ClosedTranscript } from './closing.js';
import { Interruption } from './interruption.js';
import type { LoadedScript } from './load-script.js';
import { askPaperRecord } from './paper-record.js';
import { formatParamPath, toResolvedValue } from './resolved-params.js';
import { inspectNetwork, networkProblems, type NetworkState } from './preflight/network.js';
import type { Prompter } from './prompts/prompter.js';
import { REHEARSAL } from './rehearsal-marks.js';
import { Session } from './session.js';
import { type TestHooks, testHooks } from './test-hooks.js';
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
  /** Signals during the ceremony (the terminal prompter shares it); the runner listens for them while it runs. */
  readonly interruption?: Interruption;
}

export interface CeremonyResult {
  readonly transcriptName: string;
  /** SHA-256 of the transcript (.jsonl), shown at the closing checkpoint for the runbook. */
  readonly transcriptSha256: string;
  readonly entries: number;
  readonly written: readonly WrittenFile[];
  readonly rootFingerprint: string;
}

/** How far a run got: whether people started answering (from then on an abort leaves a record), and where. */
interface Progress {
  started: boolean;
  step: { id: string; title: string } | undefined;
}

/**
 * `<time>-<script>[-REHEARSAL]`, made unique in the public tree: two ceremonies started in the same second (a
 * quick refusal, then another try) get `-2`, `-3`, … so that neither's transcript or aborted record is lost.
 */
async function transcriptName(
  publicTree: OutputTree,
  script: LoadedScript,
  start: Date,
  rehearsal: boolean,
): Promise<string> {
  const stamp = start.toISOString().slice(0, 19).replace(/:/g, '-');
  const base = `${stamp}Z-${script.script.name}${rehearsal ? `-${REHEARSAL}` : ''}`;
  const taken = async (name: string): Promise<boolean> =>
    (await publicTree.exists(publicPath.transcript(name))) ||
    (await publicTree.exists(publicPath.transcript(`${name}${ABORTED_SUFFIX}`)));
  let name = base;
  for (let n = 2; await taken(name); n++) name = `${base}-${n}`;
  return name;
}

export async function runCeremony(options: CeremonyOptions): Promise<CeremonyResult> {
  const { script, rehearsal, ui, guard, prompter } = options;
  const now = options.now ?? (() => new Date());
  const interruption = options.interruption ?? new Interruption();
  const hooks = testHooks(rehearsal, interruption);
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
  // Only a new root needs a new public tree (one that holds nothing but the records of aborted attempts);
  // other ceremonies republish into the existing one.
  const publicTree =
    mode !== 'new'
      ? await openPublicTree(options.publicDir, guard, ui.warn.bind(ui))
      : (await onlyAbortedRecords(options.publicDir))
        ? await OutputTree.reusable('public', options.publicDir, { secret: false, guard, notify: ui.warn.bind(ui) })
        : await OutputTree.fresh('public', options.publicDir, { secret: false, guard, notify: ui.warn.bind(ui) });
  const history = await readHistory(publicTree.root);
  const started = now();
  const name = await transcriptName(publicTree, script, started, rehearsal);
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
  const progress: Progress = { started: false, step: undefined };
  const stopListening = interruption.listen();
  // Recording an entry is a safe point: a signal that arrived stops the ceremony there.
  transcript.setGate(() => interruption.check());
  let closed: ClosedTranscript;
  let result: CeremonyResult;
  try {
    try {
      ({ result, closed } = await ceremony(session, options, name, { history, progress, hooks, interruption }));
    } catch (error) {
      transcript.setGate(undefined);
      interruption.holdOff();
      const reason = interruption.received ? interruption.error() : error;
      // (Guarded: nothing may keep the rollback from running, not even a message the secret guard refuses.)
      if (progress.started) {
        try {
          ui.warn(`The ceremony stopped${progress.step ? ` in step "${progress.step.id}"` : ''}: ${messageOf(reason)}`);
        } catch {
          ui.warn('The ceremony stopped.');
        }
      }
      const rolledBack = await rollBack(session, hooks);
      // Stopped before anyone answered anything (network up, a medium missing): nothing happened, nothing to record.
      const reported = reason;
      if (!progress.started) throw reported;
      throw await abortedCeremony(session, options, name, { error, reported, interruption, progress, rolledBack });
    } finally {
      session.dropQuorumSecret();
      await session.tokens.close();
    }
    transcript.setGate(undefined);
    await closingCheckpoint(session, closed);
    const unused = prompter.unused();
    if (unused.length > 0) ui.warn(`Answers that no prompt asked for: ${unused.join(', ')}`);
    return result;
  } finally {
    transcript.setGate(undefined);
    stopListening();
  }
}

/**
 * Removes what this run wrote: keys it made on tokens first, then the output trees, newest first (the first
 * tree written to may have created a parent directory the others sit in). Signals are held off meanwhile.
 */
async function rollBack(session: Session, hooks: TestHooks): Promise<RolledBack[]> {
  const rolledBack = session.trees.map((t) => ({ tree: t.name, files: t.written.length })).filter((r) => r.files > 0);
  const tokenKeys = session.transcript.entries.some(
    (e) => e.event === 'token.key-created' || e.event === 'token.key-imported',
  );
  if (rolledBack.length > 0 || tokenKeys)
    session.ui.warn('Rolling back: removing what this run wrote (Ctrl-C is ignored until this is done)…');
  await session.tokens.rollback();
  await hooks.duringRollback();
  for (const tree of [...session.trees].reverse()) await tree.rollback();
  return rolledBack;
}

/** Keeps the aborted-ceremony record and says where; returns the error to report. */
async function abortedCeremony(
  session: Session,
  options: CeremonyOptions,
  name: string,
  abort: {
    error: unknown;
    reported: unknown;
    interruption: Interruption;
    progress: Progress;
    rolledBack: readonly RolledBack[];
  },
): Promise<unknown> {
  const { ui } = session;
  const files = abort.rolledBack.reduce((n, r) => n + r.files, 0);
  ui.success(
    files > 0
      ? `Rolled back: ${files} file(s) removed or restored (${abort.rolledBack.map((r) => r.tree).join(', ')})`
      : 'Nothing to roll back: no file was written',
  );
  let record: AbortedRecord;
  try {
    record = await keepAbortedRecord({
      session,
      name,
      publicDir: session.public.root,
      guard: options.guard,
      error: abort.error,
      interruption: abort.interruption,
      step: abort.progress.step,
      rolledBack: abort.rolledBack,
    });
  } catch (error) {
    try {
      ui.warn(`The aborted-ceremony record could not be written: ${messageOf(error)}`);
    } catch {
      ui.warn('The aborted-ceremony record could not be written.');
    }
    return abort.reported;
  }
  ui.warn(
    `Aborted-ceremony record kept (${record.signed ? "signed with the root's ceremony-transcripts key" : 'unsigned: hash-chained only'}): ${record.file}`,
  );
  ui.fingerprint('Its SHA-256 — write it on the runbook with the reason the ceremony stopped', record.sha256, {
    words: false,
  });
  const reported = abort.reported;
  if (reported instanceof KeyceremonyError) {
    return new KeyceremonyError(reported.code, reported.message, {
      details: [
        ...reported.details,
        `The ceremony was aborted and rolled back; its record: ${record.file} (sha256 ${record.sha256})`,
      ],
      cause: reported,
    });
  }
  return reported;
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

/**
 * Who must be present: with a quorum (the script's, for a new vault; the vault's, found in its inventory), the
 * script must name at least k of the officer roles — else no officer could be asked for a share, and the
 * ceremony would stop at the step that needs the root. Refused before anyone is asked anything.
 */
function checkQuorumPresent(session: Session, script: LoadedScript): void {
  const meta = script.script;
  const roles = new Set(meta.roles.map((r) => r.id));
  const quorum = meta.quorum
    ? { threshold: meta.quorum.threshold, officers: meta.quorum.officers, set: null, source: 'script' }
    : session.quorum
      ? {
          threshold: session.quorum.threshold,
          officers: session.quorum.officers.map((o) => o.role),
          set: session.quorum.set,
          source: 'vault inventory',
        }
      : undefined;
  if (!quorum) return;
  const present = quorum.officers.filter((o) => roles.has(o));
  if (present.length < quorum.threshold) {
    throw new KeyceremonyError(
      'QUORUM_NOT_MET',
      `the vault is unlocked by ${quorum.threshold} of ${quorum.officers.length} officers, but this script names only ${present.length} of their roles (${present.join(', ') || 'none'})`,
      {
        details: [
          `Officer roles (from the ${quorum.source}): ${quorum.officers.join(', ')}.`,
          `Add at least ${quorum.threshold} of them to the script's roles (with the names of the people who come), then start again. Nothing was done.`,
        ],
      },
    );
  }
  session.transcript.record('preflight.quorum', {
    threshold: quorum.threshold,
    officers: quorum.officers,
    inScript: present,
    ...(quorum.set ? { set: quorum.set } : {}),
    source: quorum.source,
  });
  session.ui.info(
    `Quorum: ${quorum.threshold} of ${quorum.officers.length} officers must type their shares where the root is unlocked; this script names ${present.join(', ')}`,
  );
}

interface RunState {
  readonly history: HistoryReport;
  readonly progress: Progress;
  readonly hooks: TestHooks;
  readonly interruption: Interruption;
}

async function ceremony(
  session: Session,
  options: CeremonyOptions,
  name: string,
  state: RunState,
): Promise<{ result: CeremonyResult; closed: ClosedTranscript }> {
  const { script, rehearsal, ui, prompter } = options;
  const { transcript } = session;
  const { history, progress, hooks, interruption } = state;
  const meta = script.script;
  const previous = history.newest ?? null;
  // What the vault holds before any step runs, for the closing check on backups (backup-check.ts).
  const vaultAtStart = await vaultStateAtStart(session);
  // A ceremony that continues a vault or a tree, on a tree without any transcript: the history was lost.
  const historyProblems = [
    ...history.problems,
    ...(!previous && !HISTORY_STARTS.includes(meta.vault)
      ? [`the public tree holds no transcript, although this ceremony (vault: ${meta.vault}) continues an earlier one`]
      : []),
  ];

  ui.banner(`${meta.title}${rehearsal ? ` — ${REHEARSAL}` : ''}`, [
    `${meta.organisation}`,
    `script ${meta.name} version ${meta.version}  sha256 ${script.sha256}`,
    `keyceremony ${toolVersion()}  code sha256 ${codeSha256()}`,
    'Witnesses: compare the two hashes with the published values before going on.',
    previous
      ? `Previous transcript ${previous.name}  sha256 ${previous.sha256}`
      : 'No earlier transcript: this ceremony starts the history of this public tree.',
    ...(rehearsal ? ['REHEARSAL: throwaway keys, every output is marked and must never be trusted.'] : []),
  ]);
  transcript.record('ceremony.start', {
    script: {
      name: meta.name,
      title: meta.title,
      version: meta.version,
      file: script.path,
      sha256: script.sha256,
      vault: meta.vault,
    },
    organisation: meta.organisation,
    purpose: meta.purpose.trim(),
    tool: { name: 'keyceremony', version: toolVersion(), codeSha256: codeSha256(), node: process.version },
    host: hostname(),
    rehearsal,
    answers: prompter.source,
    roles: meta.roles.map((r) => ({ id: r.id, title: r.title })),
    // The transcript this one continues (transcript/history.ts): deleting any transcript breaks the chain.
    previous: previous ? { name: previous.name, sha256: previous.sha256 } : null,
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
  checkQuorumPresent(session, script);
  // What each step needs from the room (media mounted, tools installed), checked before anyone is asked
  // anything and before any key exists.
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

  // From the first question on, a ceremony that stops leaves an aborted-ceremony record.
  progress.started = true;
  if (historyProblems.length > 0) {
    for (const line of historyProblems) ui.warn(`Transcript history of the public tree: ${line}`);
    const ok = await prompter.confirm(
      'preflight.history',
      'The public tree’s transcript history has the gaps listed above (check with keyceremony transcript verify). Go on anyway (recorded)?',
    );
    if (!ok) throw new KeyceremonyError('ABORTED', 'the gaps in the transcript history were not accepted');
    transcript.record('preflight.history', {
      problems: historyProblems,
      accepted: true,
      source: prompter.source,
    });
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
  if (meta.preflight.codeHashBy.length > 0) {
    ui.fingerprint('Code SHA-256 (read it aloud; compare it with the published value)', codeSha256(), {
      words: false,
    });
    await session.witness(meta.preflight.codeHashBy, 'The code SHA-256 read aloud matches the published value.', {
      prompt: 'preflight.code-hash',
      check: { what: 'code SHA-256', hex: codeSha256() },
    });
  }
  await askPaperRecord(session);

  for (const [index, step] of script.steps.entries()) {
    interruption.check();
    const current = { id: step.id, role: step.role, title: step.title, index: index + 1 };
    progress.step = { id: step.id, title: step.title };
    session.enterStep(current);
    ui.step(current.index, script.steps.length, step.title, step.role);
    const description = step.action.describe(step.params, meta);
    // What the step runs with, defaults filled in and named: the transcript shows what ran, not only what it did.
    transcript.record('step.start', {
      action: step.action.name,
      title: step.title,
      summary: description.summary,
      params: toResolvedValue(step.params) ?? {},
      defaults: step.defaults.map(formatParamPath),
    });
    try {
      await step.action.run(session, step.params);
    } catch (error) {
      // A bug stays a bug (exit 70, "please report it"), not a failed check the operators would try to fix.
      if (error instanceof KeyceremonyError || error instanceof InternalError) throw error;
      throw new KeyceremonyError('CHECK_FAILED', `step "${step.id}" failed: ${messageOf(error)}`, { cause: error });
    }
    await hooks.afterStep(step.id);
    transcript.record('step.done', {});
    // A quorum secret is held no longer than the steps that work on what it opened.
    session.endStep(
      new Set(
        script.steps
          .slice(index + 1)
          .flatMap((later) => (later.action.stepReferences?.(later.params) ?? []).map((r) => r.step)),
      ),
    );
  }
  session.dropQuorumSecret();
  session.enterStep(undefined);
  progress.step = undefined;

  const signer = session.transcriptSigner;
  if (!signer)
    throw new KeyceremonyError('SCRIPT_INVALID', 'no step of this ceremony provided a root key to sign the transcript');

  // Inventory last, so it lists everything the steps did (unless a step saved it already and nothing changed since).
  if (session.hasVault) {
    const saved = await session.saveInventory();
    if (saved) session.recordOutput(saved);
    // A ceremony that changed the vault leaves a backup that holds it, or the room says it will make one.
    await checkBackupHoldsVault(session, vaultAtStart);
  }

  const rootFingerprint = fingerprintHex(signer.root);
  transcript.record('transcript.signer', { root: rootFingerprint, key: fingerprintHex(signer.key.key) });
  // The closing checkpoint's answers are asked after the transcript is closed.
  const unused = prompter.unused().filter((id) => !id.startsWith('closing.'));
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
  ui.success(`Transcript signed with the root's ceremony-transcripts key: public/${publicPath.transcript(name)}`);
  const transcriptSha256 = sha256Hex(new TextEncoder().encode(jsonl));
  return {
    result: {
      transcriptName: name,
      transcriptSha256,
      entries: transcript.entries.length,
      written: session.trees.flatMap((t) => t.written),
      rootFingerprint,
    },
    closed: {
      name,
      sha256: transcriptSha256,
      file: session.public.path(publicPath.transcript(name)),
      places: [...(session.hasVault ? ['vault/transcripts'] : []), 'public/transcripts'],
    },
  };
}
