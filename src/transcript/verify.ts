/**
 * `keyceremony transcript verify DIR`: for every transcript in DIR/transcripts, checks
 *  1. the hash chain (each line canonical, seq in order, prev linking, hash matching) and its ends
 *     (`ceremony.start` first; `ceremony.end` — or, for an aborted ceremony's record, `ceremony.aborted` —
 *     last, with the right count) — naming the first bad entry;
 *  2. the detached signature, by the ceremony-transcripts subkey of the root recorded in the transcript (or
 *     pinned with --root), against DIR's KEYS (or, in a vault, its public certificates); the armor must be
 *     byte-exact. An aborted ceremony's record may be unsigned (its root was rolled back): it says so in its
 *     chained last entry, and then must have no signature file;
 *  3. the Markdown rendering, which must be exactly what the entries render to;
 *  4. every output the completed ceremonies recorded for this tree that is present in DIR, against its
 *     SHA-256. When a later ceremony replaced a file (KEYS after a rotation), the latest record counts. An
 *     aborted ceremony's outputs were rolled back and are not looked for;
 *  5. the history (history.ts): in a public tree, the transcripts form one chain, each naming the one before
 *     it, so a deleted or replaced transcript is reported; in a vault, every ceremony the inventory lists has
 *     its transcript there. With `newest`, the newest transcript must have that SHA-256 (from the runbook).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import type { Certificate } from '../openpgp/index.js';
import { readKeyring } from '../openpgp/index.js';
import { armorSignatures, readDetachedSignatures } from '../openpgp/index.js';
import { selectRoot, verifyDetached } from '../openpgp/index.js';
import { sha256Hex } from '../crypto/index.js';
import { entryHash, GENESIS_HASH, type JsonObject, serializeEntry, type TranscriptEntry } from './entry.js';
import { analyseHistory, historyNode, type HistoryNode, type HistoryReport, transcriptNames } from './history.js';
import { renderTranscriptMarkdown } from './markdown.js';
import { wholeSeconds } from '../util/duration.js';
import { normalizeFingerprint } from '../util/fingerprint-display.js';
import { readOptionalFile } from '../util/input-file.js';

export interface ChainProblem {
  readonly seq: number;
  readonly line: number;
  readonly reason: string;
}

export interface OutputCheck {
  readonly path: string;
  readonly status: 'ok' | 'mismatch' | 'absent';
  readonly transcript: string;
}

/** How a ceremony ended, by its transcript's last entry. */
export type Outcome = 'completed' | 'aborted';

export interface AbortInfo {
  readonly reason: string;
  /** The step that was running, if any. */
  readonly step: string | null;
  readonly signed: boolean;
  /** Why the record is unsigned. */
  readonly unsigned?: string;
}

export interface TranscriptReport {
  readonly name: string;
  /** SHA-256 of the .jsonl file (what the runbook and the next transcript name). */
  readonly sha256: string;
  readonly entries: number;
  /** Undefined when the chain is broken (the outcome cannot be trusted). */
  readonly outcome: Outcome | undefined;
  readonly aborted?: AbortInfo;
  readonly chain: ChainProblem | undefined;
  readonly signature: { readonly ok: boolean; readonly detail: string; readonly signed: boolean };
  readonly markdown: 'ok' | 'absent' | 'differs';
  readonly ok: boolean;
}

export interface HistoryCheck extends HistoryReport {
  /** The SHA-256 the newest transcript was required to have (--newest), and whether it has it. */
  readonly expectedNewest?: { readonly sha256: string; readonly ok: boolean };
}

export interface DirectoryReport {
  readonly tree: 'vault' | 'public';
  readonly transcripts: readonly TranscriptReport[];
  readonly completed: number;
  readonly aborted: number;
  readonly history: HistoryCheck;
  readonly outputs: readonly OutputCheck[];
  readonly ok: boolean;
}

function isEntry(value: unknown): value is TranscriptEntry {
  if (!value || typeof value !== 'object') return false;
  const e = value as Record<string, unknown>;
  return (
    Number.isInteger(e['seq']) &&
    typeof e['time'] === 'string' &&
    (e['step'] === null || typeof e['step'] === 'string') &&
    (e['role'] === null || typeof e['role'] === 'string') &&
    typeof e['event'] === 'string' &&
    !!e['data'] &&
    typeof e['data'] === 'object' &&
    !Array.isArray(e['data']) &&
    typeof e['prev'] === 'string' &&
    typeof e['hash'] === 'string' &&
    Object.keys(e).length === 8
  );
}

function holdsNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(holdsNonFiniteNumber);
}

/**
 * Parses and checks the chain; returns the entries up to the first problem, the problem, and (when the chain is
 * intact) how the ceremony ended.
 */
export function checkChain(text: string): {
  entries: TranscriptEntry[];
  problem: ChainProblem | undefined;
  outcome?: Outcome;
} {
  const entries: TranscriptEntry[] = [];
  if (!text.endsWith('\n'))
    return { entries, problem: { seq: 0, line: 1, reason: 'the transcript does not end with a newline (truncated?)' } };
  const lines = text.slice(0, -1).split('\n');
  let prev = GENESIS_HASH;
  for (const [index, line] of lines.entries()) {
    const at = (reason: string): { entries: TranscriptEntry[]; problem: ChainProblem } => ({
      entries,
      problem: { seq: index, line: index + 1, reason },
    });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return at('not valid JSON');
    }
    if (!isEntry(value)) return at('not a transcript entry (fields missing or of the wrong type)');
    // JSON.parse reads 1e999 as Infinity, which no transcript writer can have written (nor hash).
    if (holdsNonFiniteNumber(value.data)) return at('not in canonical form (a number JSON cannot hold exactly)');
    if (serializeEntry(value) !== line) return at('not in canonical form (the line was edited)');
    if (value.seq !== index)
      return at(`has seq ${value.seq}, expected ${index} (an entry was deleted, inserted or moved)`);
    if (value.prev !== prev) return at('does not link to the entry before it (prev hash differs)');
    const { hash, ...rest } = value;
    if (entryHash(rest) !== hash) return at('its hash does not match its content (the entry was changed)');
    entries.push(value);
    prev = hash;
  }
  const first = entries[0];
  const last = entries.at(-1);
  if (!first || first.event !== 'ceremony.start')
    return { entries, problem: { seq: 0, line: 1, reason: 'the first entry is not ceremony.start' } };
  const ending =
    last?.event === 'ceremony.end' ? 'completed' : last?.event === 'ceremony.aborted' ? 'aborted' : undefined;
  if (!last || !ending || last.data['entries'] !== entries.length) {
    const seq = entries.length - 1;
    return {
      entries,
      problem: {
        seq,
        line: seq + 1,
        reason:
          'the last entry is not a ceremony.end (or ceremony.aborted) counting every entry (entries were removed at the end?)',
      },
    };
  }
  return { entries, problem: undefined, outcome: ending };
}

/** What an aborted ceremony's record says about itself (its last, chained entry). */
function abortInfo(entries: readonly TranscriptEntry[]): AbortInfo {
  const data = entries.at(-1)?.data ?? {};
  const step = data['step'];
  return {
    reason: typeof data['reason'] === 'string' ? data['reason'] : '',
    step:
      step && typeof step === 'object' && !Array.isArray(step) && typeof step['id'] === 'string' ? step['id'] : null,
    signed: data['signed'] === true,
    ...(typeof data['unsigned'] === 'string' ? { unsigned: data['unsigned'] } : {}),
  };
}

async function loadKeyring(dir: string, tree: 'vault' | 'public'): Promise<Certificate[]> {
  if (tree === 'public') {
    const keys = await readOptionalFile(join(dir, 'KEYS'));
    if (!keys)
      throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} has no KEYS file to check the transcript signatures with`);
    return readKeyring(keys, join(dir, 'KEYS'));
  }
  const certs: Certificate[] = [];
  const names = (await readdir(join(dir, 'openpgp')).catch(() => [] as string[])).filter((n) => n.endsWith('.pub.asc'));
  for (const name of names.sort()) {
    const path = join(dir, 'openpgp', name);
    certs.push(...(await readKeyring(new Uint8Array(await readFile(path)), path)));
  }
  return certs;
}

async function checkSignature(
  dir: string,
  name: string,
  bytes: Uint8Array,
  entries: readonly TranscriptEntry[],
  keyring: () => Promise<Certificate[]>,
  pinned: string | undefined,
  now: Date,
): Promise<{ ok: boolean; detail: string }> {
  const sigBytes = await readOptionalFile(join(dir, 'transcripts', `${name}.jsonl.asc`));
  if (!sigBytes) return { ok: false, detail: 'signature file is missing' };
  if (!entries.some((e) => e.event === 'transcript.signer'))
    return { ok: false, detail: 'a signature file is present, but the transcript names no signer' };
  let signatures;
  try {
    signatures = await readDetachedSignatures(sigBytes);
  } catch (error) {
    return { ok: false, detail: `signature file is unreadable: ${(error as Error).message}` };
  }
  const canonical = armorSignatures(signatures.map((s) => s.body));
  if (canonical !== new TextDecoder().decode(sigBytes))
    return { ok: false, detail: 'signature file was altered (not in the form keyceremony writes)' };
  const recorded = entries.find((e) => e.event === 'transcript.signer')?.data['root'];
  if (typeof recorded !== 'string') return { ok: false, detail: 'the transcript does not name its root' };
  const wanted = pinned === undefined ? recorded : normalizeFingerprint(pinned);
  if (wanted !== recorded)
    return { ok: false, detail: `the transcript names signer ${recorded}, but ${wanted} is pinned` };
  let root: Certificate;
  try {
    root = selectRoot(await keyring(), wanted);
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  // Revocations this ceremony made itself (it signs its transcript after them) do not count against it.
  // (OpenPGP times are whole seconds.)
  const started = wholeSeconds(new Date(Date.parse(entries[0]?.time ?? '0')));
  const result = await verifyDetached({
    root,
    signatures,
    data: bytes,
    now,
    purpose: 'transcript',
    ignoreRevocationsFrom: started,
  });
  const good = result.good[0];
  if (!good) return { ok: false, detail: result.rejected.map((r) => r.reason).join('; ') || 'no good signature' };
  return {
    ok: true,
    detail: `good signature by root ${good.primaryFingerprint} (transcripts key ${good.keyFingerprint}), made ${good.created.toISOString()}`,
  };
}

/** The signature of an aborted ceremony's record that says it is unsigned: there must be no signature file. */
async function unsignedRecord(
  dir: string,
  name: string,
  info: AbortInfo,
): Promise<{ ok: boolean; detail: string; signed: boolean }> {
  if (await readOptionalFile(join(dir, 'transcripts', `${name}.jsonl.asc`)))
    return { ok: false, signed: false, detail: 'a signature file is present, but the record says it is unsigned' };
  return {
    ok: true,
    signed: false,
    detail: `unsigned aborted-ceremony record (${info.unsigned ?? 'no reason given'})`,
  };
}

/** In a vault: every ceremony its inventory lists has its transcript there. */
async function inventoryProblems(dir: string, names: readonly string[]): Promise<string[]> {
  const bytes = await readOptionalFile(join(dir, 'inventory.json'));
  if (!bytes) return [];
  let listed: unknown;
  try {
    listed = (JSON.parse(new TextDecoder().decode(bytes)) as { ceremonies?: unknown }).ceremonies;
  } catch {
    return ['inventory.json is not valid JSON'];
  }
  if (!Array.isArray(listed)) return [];
  const present = new Set(names);
  return listed
    .map((c: { name?: unknown }) => c?.name)
    .filter((n): n is string => typeof n === 'string' && !present.has(n))
    .map((n) => `the inventory lists ceremony ${n}, but its transcript transcripts/${n}.jsonl is missing`);
}

export async function verifyTranscriptDirectory(
  dir: string,
  options: { root?: string; now: Date; newest?: string },
): Promise<DirectoryReport> {
  const isDirectory = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} is not a directory`);
  const tree = (await readOptionalFile(join(dir, 'inventory.json'))) ? 'vault' : 'public';
  const names = await transcriptNames(dir);
  const hasKeys = tree === 'public' && !!(await readOptionalFile(join(dir, 'KEYS')));
  const listed = tree === 'vault' ? await inventoryProblems(dir, names) : [];
  // Not a tree a ceremony made (a public tree has KEYS, a vault's inventory lists its ceremonies): nothing to check.
  if (names.length === 0 && !hasKeys && listed.length === 0)
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir}/transcripts holds no transcript (*.jsonl)`);
  // A damaged KEYS is bad input (exit 2); a missing one only fails the signatures that need it — a tree that
  // holds nothing but an aborted root ceremony's record has none.
  const loaded = names.length > 0 && (tree === 'vault' || hasKeys) ? await loadKeyring(dir, tree) : undefined;
  const certificates = (): Promise<Certificate[]> => (loaded ? Promise.resolve(loaded) : loadKeyring(dir, tree));

  const reports: TranscriptReport[] = [];
  const nodes: HistoryNode[] = [];
  const latest = new Map<string, { sha256: string; transcript: string }>();
  for (const name of names) {
    const bytes = new Uint8Array(await readFile(join(dir, 'transcripts', `${name}.jsonl`)));
    nodes.push(historyNode(name, bytes));
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const { entries, problem, outcome } = checkChain(text);
    const aborted = outcome === 'aborted' ? abortInfo(entries) : undefined;
    const signature = problem
      ? { ok: false, signed: false, detail: 'not checked: the chain is broken' }
      : aborted && !aborted.signed
        ? await unsignedRecord(dir, name, aborted)
        : {
            signed: true,
            ...(await checkSignature(dir, name, bytes, entries, certificates, options.root, options.now)),
          };
    const md = await readOptionalFile(join(dir, 'transcripts', `${name}.md`));
    const markdown = !md
      ? 'absent'
      : !problem && new TextDecoder().decode(md) === renderTranscriptMarkdown(entries)
        ? 'ok'
        : 'differs';
    // An aborted ceremony's outputs were rolled back: they are not in the tree, and must not count.
    if (!problem && outcome === 'completed') {
      for (const e of entries) {
        const data: JsonObject = e.data;
        if (
          e.event === 'output.written' &&
          data['tree'] === tree &&
          typeof data['path'] === 'string' &&
          typeof data['sha256'] === 'string'
        ) {
          latest.set(data['path'], { sha256: data['sha256'], transcript: name });
        }
      }
    }
    const markdownOk = markdown !== 'differs' && (tree === 'vault' || markdown === 'ok');
    reports.push({
      name,
      sha256: sha256Hex(bytes),
      entries: entries.length,
      outcome,
      ...(aborted ? { aborted } : {}),
      chain: problem,
      signature,
      markdown,
      ok: !problem && signature.ok && markdownOk,
    });
  }

  // The vault holds only the transcripts of ceremonies that changed it (no drills, no aborted records): its
  // history is what its inventory lists. The public tree holds them all, chained.
  const chained = analyseHistory(tree === 'public' ? nodes : []);
  const problems = [...chained.problems];
  problems.push(...listed);
  if (names.length === 0 && hasKeys)
    problems.push(
      'no transcript, although the tree holds KEYS: at least the transcript of the ceremony that made it was deleted',
    );
  let expectedNewest: HistoryCheck['expectedNewest'];
  if (options.newest !== undefined) {
    const wanted = options.newest.replace(/\s+/g, '').toLowerCase();
    const newest = tree === 'public' ? chained.newest : undefined;
    const ok = newest?.sha256 === wanted;
    expectedNewest = { sha256: wanted, ok };
    if (!ok)
      problems.push(
        newest
          ? `the newest transcript is ${newest.name} with SHA-256 ${newest.sha256}, not ${wanted}: a later transcript is missing, or this is not the tree the runbook names`
          : `no newest transcript to compare with ${wanted}`,
      );
  }
  const history: HistoryCheck = {
    ...chained,
    ok: problems.length === 0,
    problems,
    ...(expectedNewest ? { expectedNewest } : {}),
  };

  const outputs: OutputCheck[] = [];
  for (const [path, record] of [...latest.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const content = await readOptionalFile(join(dir, ...path.split('/')));
    outputs.push({
      path,
      transcript: record.transcript,
      status: !content ? 'absent' : sha256Hex(content) === record.sha256 ? 'ok' : 'mismatch',
    });
  }
  const ok = reports.every((r) => r.ok) && outputs.every((o) => o.status !== 'mismatch') && history.ok;
  return {
    tree,
    transcripts: reports,
    completed: reports.filter((r) => r.outcome === 'completed').length,
    aborted: reports.filter((r) => r.outcome === 'aborted').length,
    history,
    outputs,
    ok,
  };
}
