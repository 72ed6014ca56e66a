/**
 * `keyceremony transcript verify DIR`: for every transcript in DIR/transcripts, checks
 *  1. the hash chain (each line canonical, seq in order, prev linking, hash matching) and its ends
 *     (`ceremony.start` first, `ceremony.end` last with the right count) — naming the first bad entry;
 *  2. the detached signature, by the ceremony-transcripts subkey of the root recorded in the transcript (or
 *     pinned with --root), against DIR's KEYS (or, in a vault, its public certificates); the armor must be
 *     byte-exact;
 *  3. the Markdown rendering, which must be exactly what the entries render to;
 *  4. every output the transcripts recorded for this tree that is present in DIR, against its SHA-256. When
 *     a later ceremony replaced a file (KEYS after a rotation), the latest record counts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import { armor } from '../openpgp/armor.js';
import type { Certificate } from '../openpgp/certificate.js';
import { readKeyring } from '../openpgp/keyring.js';
import { readDetachedSignatures } from '../openpgp/detached-signature.js';
import { PacketTag } from '../openpgp/constants.js';
import { writePacket } from '../openpgp/encoding.js';
import { selectRoot, verifyDetached } from '../openpgp/verify-policy.js';
import { sha256Hex } from '../crypto/hash.js';
import { entryHash, GENESIS_HASH, type JsonObject, serializeEntry, type TranscriptEntry } from './entry.js';
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

export interface TranscriptReport {
  readonly name: string;
  readonly entries: number;
  readonly chain: ChainProblem | undefined;
  readonly signature: { readonly ok: boolean; readonly detail: string };
  readonly markdown: 'ok' | 'absent' | 'differs';
  readonly ok: boolean;
}

export interface DirectoryReport {
  readonly tree: 'vault' | 'public';
  readonly transcripts: readonly TranscriptReport[];
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

/** Parses and checks the chain; returns the entries up to the first problem, and the problem. */
export function checkChain(text: string): { entries: TranscriptEntry[]; problem: ChainProblem | undefined } {
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
  if (!last || last.event !== 'ceremony.end' || last.data['entries'] !== entries.length) {
    const seq = entries.length - 1;
    return {
      entries,
      problem: {
        seq,
        line: seq + 1,
        reason: 'the last entry is not a ceremony.end counting every entry (entries were removed at the end?)',
      },
    };
  }
  return { entries, problem: undefined };
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
  keyring: readonly Certificate[],
  pinned: string | undefined,
  now: Date,
): Promise<{ ok: boolean; detail: string }> {
  const sigBytes = await readOptionalFile(join(dir, 'transcripts', `${name}.jsonl.asc`));
  if (!sigBytes) return { ok: false, detail: 'signature file is missing' };
  let signatures;
  try {
    signatures = await readDetachedSignatures(sigBytes);
  } catch (error) {
    return { ok: false, detail: `signature file is unreadable: ${(error as Error).message}` };
  }
  const canonical = armor(
    'signature',
    new Uint8Array(Buffer.concat(signatures.map((s) => writePacket(PacketTag.signature, s.body)))),
  );
  if (canonical !== new TextDecoder().decode(sigBytes))
    return { ok: false, detail: 'signature file was altered (not in the form keyceremony writes)' };
  const recorded = entries.find((e) => e.event === 'transcript.signer')?.data['root'];
  if (typeof recorded !== 'string') return { ok: false, detail: 'the transcript does not name its root' };
  const wanted = pinned === undefined ? recorded : normalizeFingerprint(pinned);
  if (wanted !== recorded)
    return { ok: false, detail: `the transcript names signer ${recorded}, but ${wanted} is pinned` };
  let root: Certificate;
  try {
    root = selectRoot(keyring, wanted);
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

export async function verifyTranscriptDirectory(
  dir: string,
  options: { root?: string; now: Date },
): Promise<DirectoryReport> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error();
  } catch {
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir} is not a directory`);
  }
  const tree = (await readOptionalFile(join(dir, 'inventory.json'))) ? 'vault' : 'public';
  const names = (await readdir(join(dir, 'transcripts')).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .sort();
  if (names.length === 0)
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${dir}/transcripts holds no transcript (*.jsonl)`);
  const keyring = await loadKeyring(dir, tree);

  const reports: TranscriptReport[] = [];
  const latest = new Map<string, { sha256: string; transcript: string }>();
  for (const name of names) {
    const bytes = new Uint8Array(await readFile(join(dir, 'transcripts', `${name}.jsonl`)));
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const { entries, problem } = checkChain(text);
    const signature = problem
      ? { ok: false, detail: 'not checked: the chain is broken' }
      : await checkSignature(dir, name, bytes, entries, keyring, options.root, options.now);
    const md = await readOptionalFile(join(dir, 'transcripts', `${name}.md`));
    const markdown = !md
      ? 'absent'
      : !problem && new TextDecoder().decode(md) === renderTranscriptMarkdown(entries)
        ? 'ok'
        : 'differs';
    if (!problem) {
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
      entries: entries.length,
      chain: problem,
      signature,
      markdown,
      ok: !problem && signature.ok && markdownOk,
    });
  }

  const outputs: OutputCheck[] = [];
  for (const [path, record] of [...latest.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const content = await readOptionalFile(join(dir, ...path.split('/')));
    outputs.push({
      path,
      transcript: record.transcript,
      status: !content ? 'absent' : sha256Hex(content) === record.sha256 ? 'ok' : 'mismatch',
    });
  }
  const ok = reports.every((r) => r.ok) && outputs.every((o) => o.status !== 'mismatch');
  return { tree, transcripts: reports, outputs, ok };
}
