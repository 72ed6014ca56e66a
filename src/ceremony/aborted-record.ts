/**
 * The record an aborted ceremony leaves: on Ctrl-C (or SIGTERM, SIGHUP), a refused confirmation, a failed step
 * or a lost token, after everything the run wrote was rolled back, the transcript so far is closed with a
 * `ceremony.aborted` entry (why, where, what was rolled back) and kept in the public tree as
 * `transcripts/<name>-ABORTED.jsonl` (+ `.md`, and `.jsonl.asc` when signed).
 *
 * It is signed by the root's ceremony-transcripts key when that root is still usable — it is in the public
 * tree's KEYS, so an auditor can check the signature (a rotation, revocation, drill or restore that stopped);
 * a root made by the aborted ceremony itself is gone with the rollback, so its record is hash-chained only and
 * marked unsigned, with the reason. Either way the next ceremony's transcript names it as its predecessor,
 * which anchors it in the signed history (src/transcript/history.ts).
 *
 * Where: the public tree only. The vault keeps the transcripts of the ceremonies that changed it (its inventory
 * lists them); an aborted ceremony changed nothing there. The public tree is the history auditors check, and
 * the only place a drill's transcript is kept anyway.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyceremonyError, messageOf } from '../errors.js';
import { armor } from '../openpgp/index.js';
import { signDetached } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { readKeyring } from '../openpgp/index.js';
import { sha256Hex } from '../crypto/index.js';
import type { JsonObject } from '../transcript/index.js';
import { renderTranscriptMarkdown } from '../transcript/index.js';
import { publicPath } from '../vault/index.js';
import { OutputTree } from '../vault/index.js';
import type { SecretGuard } from '../vault/index.js';
import type { TranscriptSigner } from './context.js';
import type { Interruption } from './interruption.js';
import type { Session } from './session.js';

/** Appended to the ceremony's name: `<time>-<script>[-REHEARSAL]-ABORTED`. */
export const ABORTED_SUFFIX = '-ABORTED';

/** Longest reason kept in the record (an error's message; one line). */
const MAX_REASON = 300;

export interface AbortedRecord {
  readonly name: string;
  readonly sha256: string;
  /** The public tree's copy (absolute path). */
  readonly file: string;
  readonly signed: boolean;
}

export interface RolledBack {
  readonly tree: string;
  /** Files this run had written or replaced there (all removed or restored). */
  readonly files: number;
}

export interface AbortContext {
  readonly session: Session;
  /** The ceremony's name (its transcript's, without -ABORTED). */
  readonly name: string;
  readonly publicDir: string;
  readonly guard: SecretGuard;
  readonly error: unknown;
  readonly interruption: Interruption;
  /** The step that was running (undefined: before the first step or after the last). */
  readonly step: { readonly id: string; readonly title: string } | undefined;
  readonly rolledBack: readonly RolledBack[];
}

/** The reason as one short line, never holding a secret typed in this session. */
function reasonText(error: unknown, guard: SecretGuard): string {
  let text = messageOf(error).replace(/\s+/g, ' ').trim();
  if (text.length > MAX_REASON) text = `${text.slice(0, MAX_REASON - 1)}…`;
  try {
    guard.assertClean(text, 'the aborted-ceremony record');
    return text;
  } catch {
    return '(the message is withheld: it would contain a secret entered in this session)';
  }
}

/** The signer, when its root is published in the public tree's KEYS (so the signature means something). */
async function usableSigner(
  signer: TranscriptSigner | undefined,
  publicDir: string,
  now: Date,
): Promise<{ signer: TranscriptSigner } | { unsigned: string }> {
  if (!signer) return { unsigned: 'no root key was opened before the ceremony stopped' };
  const root = fingerprintHex(signer.root);
  const keys = await readFile(join(publicDir, publicPath.keys)).catch(() => undefined);
  const published = keys
    ? (await readKeyring(new Uint8Array(keys), 'KEYS').catch(() => [])).some((c) => fingerprintHex(c.primary) === root)
    : false;
  if (!published) return { unsigned: `the root ${root} was made in this ceremony and is gone with the rollback` };
  try {
    // A probe: a token that was pulled out shows here, before the record says it is signed.
    await signDetached(new TextEncoder().encode('keyceremony aborted-record probe'), signer.key, now);
  } catch (error) {
    return { unsigned: `the root ${root} could not sign: ${messageOf(error).replace(/\s+/g, ' ').slice(0, 200)}` };
  }
  return { signer };
}

function errorCode(error: unknown): string {
  return error instanceof KeyceremonyError ? error.code : 'INTERNAL';
}

export async function keepAbortedRecord(context: AbortContext): Promise<AbortedRecord> {
  const { session, interruption, guard } = context;
  const { transcript } = session;
  const name = `${context.name}${ABORTED_SUFFIX}`;
  const now = session.now();
  session.enterStep(undefined);
  const signing = await usableSigner(session.transcriptSigner, context.publicDir, now);
  if ('signer' in signing) {
    transcript.record('transcript.signer', {
      root: fingerprintHex(signing.signer.root),
      key: fingerprintHex(signing.signer.key.key),
    });
  }
  const tokenKeys = transcript.entries.filter(
    (e) => e.event === 'token.key-created' || e.event === 'token.key-imported',
  ).length;
  const data: JsonObject = {
    reason: interruption.received ? `interrupted by ${interruption.received}` : reasonText(context.error, guard),
    code: interruption.received ? 'INTERRUPTED' : errorCode(context.error),
    ...(interruption.received ? { signal: interruption.received } : {}),
    // What surfaced besides the signal (a child process it also stopped, say).
    ...(interruption.received && errorCode(context.error) !== 'INTERRUPTED'
      ? { failure: reasonText(context.error, guard) }
      : {}),
    step: context.step ? { id: context.step.id, title: context.step.title } : null,
    rolledBack: context.rolledBack.map((r) => ({ tree: r.tree, files: r.files })),
    tokenKeysDestroyed: tokenKeys,
    signed: 'signer' in signing,
    ...('unsigned' in signing ? { unsigned: signing.unsigned } : {}),
    entries: transcript.entries.length + 1,
  };
  transcript.record('ceremony.aborted', data);
  const jsonl = transcript.toJsonl();
  const bytes = new TextEncoder().encode(jsonl);
  const tree = await OutputTree.reusable('public', context.publicDir, { secret: false, guard });
  await tree.write(publicPath.transcript(name), jsonl);
  if ('signer' in signing) {
    const signature = armor('signature', await signDetached(bytes, signing.signer.key, now));
    await tree.write(publicPath.transcriptSignature(name), signature);
  }
  await tree.write(publicPath.transcriptMarkdown(name), renderTranscriptMarkdown(transcript.entries));
  return { name, sha256: sha256Hex(bytes), file: tree.path(publicPath.transcript(name)), signed: 'signer' in signing };
}

/** Is `name` a file of an aborted-ceremony record (`…-ABORTED.jsonl`, `.jsonl.asc`, `.md`)? */
function isRecordFile(name: string): boolean {
  return [`${ABORTED_SUFFIX}.jsonl`, `${ABORTED_SUFFIX}.jsonl.asc`, `${ABORTED_SUFFIX}.md`].some((end) =>
    name.endsWith(end),
  );
}

/**
 * True when `dir` holds nothing but aborted-ceremony records, at `<under>/transcripts/` (each .jsonl ending with
 * `ceremony.aborted`): what an aborted root ceremony leaves. A new root ceremony may start there again — the
 * directory is otherwise as empty as it was — and its transcript continues from the record.
 */
export async function onlyAbortedRecords(dir: string, under: readonly string[] = []): Promise<boolean> {
  let path = dir;
  for (const part of [...under, 'transcripts']) {
    const entries = await readdir(path).catch(() => undefined);
    if (!entries || entries.length !== 1 || entries[0] !== part) return false;
    path = join(path, part);
    if (!(await lstat(path)).isDirectory()) return false;
  }
  const files = await readdir(path, { withFileTypes: true });
  if (files.length === 0 || files.some((f) => !f.isFile() || !isRecordFile(f.name))) return false;
  for (const f of files.filter((e) => e.name.endsWith('.jsonl'))) {
    const text = await readFile(join(path, f.name), 'utf8');
    const last = text.trimEnd().split('\n').at(-1) ?? '';
    try {
      if ((JSON.parse(last) as { event?: unknown }).event !== 'ceremony.aborted') return false;
    } catch {
      return false;
    }
  }
  return true;
}
