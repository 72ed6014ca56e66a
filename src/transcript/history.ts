/**
 * The history of a public tree: its transcripts form one chain, each ceremony's `ceremony.start` naming the
 * transcript before it (`previous: {name, sha256}`, the SHA-256 of that .jsonl file; `null` for the first
 * ceremony). Deleting or altering any transcript but the newest breaks the chain; the newest one is pinned by
 * the paper (the runbook of the last ceremony carries its SHA-256: `transcript verify --newest`) and by the
 * files it changed.
 *
 * Aborted-ceremony records are links of the chain like any other transcript: the ceremony after one names it.
 *
 * Older trees: transcripts written before this field existed carry no `previous` and are outside the chain
 * ("legacy"); the chain starts at the first transcript that carries one, which names the newest legacy
 * transcript. Legacy transcripts are still checked one by one, but a deleted one cannot be noticed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../crypto/index.js';
import type { JsonValue } from './entry.js';

export interface TranscriptLink {
  readonly name: string;
  readonly sha256: string;
}

export interface HistoryNode {
  readonly name: string;
  /** SHA-256 of the .jsonl file's bytes. */
  readonly sha256: string;
  /** The start time (first entry), for ordering legacy transcripts. */
  readonly started: string;
  /** The transcript this one continues; null: the first of the history; undefined: made before the chain existed. */
  readonly previous: TranscriptLink | null | undefined;
  /**
   * The script's vault mode (`new`, `existing`, `restore`, `none`). Only a ceremony that makes a vault (`new`) or
   * rebuilds one (`restore`) may start a history; any other continues one.
   */
  readonly vault?: string | undefined;
}

/** Script vault modes that may start a history (`previous: null`). */
export const HISTORY_STARTS: readonly string[] = ['new', 'restore'];

export interface HistoryReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** The newest transcript of the chain (or the newest legacy one), if the history has one newest. */
  readonly newest: TranscriptLink | undefined;
  /** The chain, oldest first, followed from the newest transcript. */
  readonly chain: readonly string[];
  /** Transcripts made before the chain existed (not checked for gaps). */
  readonly legacy: readonly string[];
}

function isLink(value: JsonValue | undefined): value is { name: string; sha256: string } {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof value['name'] === 'string' &&
    typeof value['sha256'] === 'string' &&
    /^[0-9a-f]{64}$/.test(value['sha256'])
  );
}

/**
 * Reads what the history needs from a transcript file: its hash, and the `previous` of its first entry. Only
 * the first line is parsed: a transcript whose chain is broken is reported by the chain check; here it still
 * counts with the hash of its bytes.
 */
export function historyNode(name: string, bytes: Uint8Array): HistoryNode {
  const sha256 = sha256Hex(bytes);
  const text = new TextDecoder().decode(bytes);
  let first: { time?: unknown; data?: { previous?: JsonValue; script?: { vault?: unknown } } } | undefined;
  try {
    first = JSON.parse(text.slice(0, text.indexOf('\n') < 0 ? undefined : text.indexOf('\n'))) as typeof first;
  } catch {
    first = undefined;
  }
  const previous = first?.data && 'previous' in first.data ? first.data.previous : undefined;
  return {
    name,
    sha256,
    started: typeof first?.time === 'string' ? first.time : '',
    previous:
      previous === null ? null : isLink(previous) ? { name: previous.name, sha256: previous.sha256 } : undefined,
    vault: typeof first?.data?.script?.vault === 'string' ? first.data.script.vault : undefined,
  };
}

const short = (sha256: string): string => `${sha256.slice(0, 16)}…`;

/** Checks that the transcripts form one unbroken history. */
export function analyseHistory(nodes: readonly HistoryNode[]): HistoryReport {
  const problems: string[] = [];
  const chained = nodes.filter((n) => n.previous !== undefined);
  const legacy = nodes.filter((n) => n.previous === undefined);
  const bySha = new Map(nodes.map((n) => [n.sha256, n] as const));
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const continuedBy = new Map<string, HistoryNode[]>();
  let gaps = false;
  for (const node of chained) {
    const previous = node.previous;
    if (!previous) continue;
    const found = bySha.get(previous.sha256);
    if (!found) {
      gaps = true;
      const same = byName.get(previous.name);
      problems.push(
        same
          ? `${node.name} continues from ${previous.name} with SHA-256 ${short(previous.sha256)}, but that transcript's SHA-256 is now ${short(same.sha256)}: it was altered or replaced`
          : `${node.name} continues from ${previous.name} (SHA-256 ${short(previous.sha256)}), which is missing: a transcript was deleted`,
      );
      continue;
    }
    continuedBy.set(found.sha256, [...(continuedBy.get(found.sha256) ?? []), node]);
  }
  for (const [sha256, next] of continuedBy) {
    if (next.length > 1) {
      problems.push(
        `the history forks: ${next.map((n) => n.name).join(' and ')} both continue from ${bySha.get(sha256)?.name ?? sha256}`,
      );
    }
  }
  const starts = chained.filter((n) => n.previous === null);
  for (const start of starts) {
    if (start.vault !== undefined && !HISTORY_STARTS.includes(start.vault))
      problems.push(
        `${start.name} names no previous transcript, although its ceremony continues an existing vault or tree (vault: ${start.vault}): the transcripts before it are missing`,
      );
  }
  if (starts.length > 1) {
    problems.push(`more than one transcript starts a new history: ${starts.map((n) => n.name).join(', ')}`);
  } else if (starts.length === 1 && legacy.length > 0) {
    problems.push(
      `${starts[0]?.name} starts a new history although older transcripts are present (${legacy.map((n) => n.name).join(', ')})`,
    );
  }
  const heads = chained.filter((n) => !continuedBy.has(n.sha256));
  if (chained.length > 0 && heads.length !== 1 && !gaps) {
    problems.push(
      heads.length === 0
        ? 'the history has no newest transcript (it runs in a circle)'
        : `the history has more than one newest transcript: ${heads.map((n) => n.name).join(', ')}`,
    );
  }
  // The newest transcript: the one no other continues (of several, the one started last; the next ceremony
  // names it, and its transcript records the problems it started with).
  const latest = (list: readonly HistoryNode[]): HistoryNode | undefined =>
    [...list].sort((a, b) => a.started.localeCompare(b.started) || a.name.localeCompare(b.name)).at(-1);
  const newest = chained.length > 0 ? latest(heads) : latest(legacy);

  const chain: string[] = [];
  const seen = new Set<string>();
  for (let node = newest; node && node.previous !== undefined && !seen.has(node.sha256);) {
    seen.add(node.sha256);
    chain.unshift(node.name);
    node = node.previous ? bySha.get(node.previous.sha256) : undefined;
  }
  return {
    ok: problems.length === 0,
    problems,
    newest: newest ? { name: newest.name, sha256: newest.sha256 } : undefined,
    chain,
    legacy: legacy.map((n) => n.name).sort(),
  };
}

/** The transcripts (`*.jsonl`) in `dir`/transcripts, sorted by name; none when there is no such folder. */
export async function transcriptNames(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'transcripts')).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .sort();
}

/** The history of the public tree `dir` (its transcripts folder). */
export async function readHistory(dir: string): Promise<HistoryReport> {
  const nodes: HistoryNode[] = [];
  for (const name of await transcriptNames(dir)) {
    nodes.push(historyNode(name, new Uint8Array(await readFile(join(dir, 'transcripts', `${name}.jsonl`)))));
  }
  return analyseHistory(nodes);
}
