/**
 * The hostile-environment suite's tools: the shipped root ceremony run in this process (fast enough to run it
 * a hundred times with something planted), an "attacker" (another uid) with a directory open to everyone,
 * and snapshots of a tree that also see links, FIFOs and modes.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, lchown, lstat, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { actions } from '../../src/ceremony/actions/index.js';
import { loadScript } from '../../src/ceremony/load-script.js';
import type {
  Prompter,
  SecretAnswer,
  SecretRequest,
  ShareRequest,
  TextRequest,
} from '../../src/ceremony/prompts/prompter.js';
import { ScriptedPrompter } from '../../src/ceremony/prompts/scripted-prompter.js';
import { runCeremony } from '../../src/ceremony/runner.js';
import { ConsoleUi } from '../../src/ceremony/ui.js';
import { isKeyceremonyError } from '../../src/errors.js';
import { SecretGuard } from '../../src/vault/secret-guard.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';

/** The attacker: a local account other than the one running the ceremony. */
export const ATTACKER_UID = 65534;

export function requireRoot(): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('the hostile-environment suite plants files owned by another user: run it as root');
  }
}

/** A directory of the attacker's, open to everyone (where a planted link would deliver secrets). */
export async function attackerDir(): Promise<string> {
  const dir = join(await tempDir('kc-attacker-'), 'loot');
  await mkdir(dir);
  await chown(dir, ATTACKER_UID, ATTACKER_UID);
  await chmod(dir, 0o777);
  return dir;
}

export type Plant = 'symlink' | 'fifo';

/** Plants a link (owned by the attacker, into `loot`) or a FIFO at `path`. */
export async function plant(path: string, kind: Plant, loot: string, isDirectory: boolean): Promise<void> {
  if (kind === 'fifo') {
    execFileSync('mkfifo', ['-m', '0666', path]);
    await lchown(path, ATTACKER_UID, ATTACKER_UID);
    return;
  }
  await symlink(isDirectory ? loot : join(loot, 'stolen'), path);
  await lchown(path, ATTACKER_UID, ATTACKER_UID);
}

/**
 * Everything under `dir`, by relative path: file contents' SHA-256, and the kind, mode and owner of everything
 * (links are not followed; FIFOs are not opened).
 */
export async function fullSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(path: string): Promise<void> {
    const info = await lstat(path);
    const rel = relative(dir, path) || '.';
    const meta = `${(info.mode & 0o7777).toString(8)} ${info.uid}`;
    if (info.isSymbolicLink()) out[rel] = `link ${meta}`;
    else if (info.isFIFO()) out[rel] = `fifo ${meta}`;
    else if (info.isDirectory()) {
      out[rel] = `dir ${meta}`;
      for (const name of await readdir(path)) await walk(join(path, name));
    } else
      out[rel] = `file ${meta} ${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`;
  }
  await walk(dir);
  return out;
}

export interface Outputs {
  readonly base: string;
  readonly vault: string;
  readonly public: string;
  readonly handoff: string;
  /** `run --media`: backup media at media/media/<n>, share sheets at media/sheets/backup-<ceremony>/<custodian>. */
  readonly media: string;
}

export async function outputs(): Promise<Outputs> {
  const base = await tempDir('kc-hostile-');
  return {
    base,
    vault: join(base, 'vault'),
    public: join(base, 'public'),
    handoff: join(base, 'handoff'),
    media: join(base, 'media'),
  };
}

/** Every ceremony here starts at this time, so the ceremony's name (and its backup folder's) is known. */
export const CEREMONY_START = Date.parse('2026-03-01T10:00:00Z');

/** A rehearsal prompter that runs `hook` before answering prompt `id` (to plant something mid-ceremony). */
class HookedPrompter implements Prompter {
  readonly source;
  readonly #inner: ScriptedPrompter;
  readonly #hooks: ReadonlyMap<string, () => Promise<void>>;

  constructor(hooks: ReadonlyMap<string, () => Promise<void>>) {
    this.#inner = new ScriptedPrompter(new Map(), { rehearsal: true });
    this.source = this.#inner.source;
    this.#hooks = hooks;
  }

  async #hook(id: string): Promise<void> {
    await this.#hooks.get(id)?.();
  }

  async confirm(id: string, message: string): Promise<boolean> {
    await this.#hook(id);
    return this.#inner.confirm(id, message);
  }

  async initials(id: string, message: string): Promise<string> {
    await this.#hook(id);
    return this.#inner.initials(id, message);
  }

  async secret(request: SecretRequest): Promise<SecretAnswer> {
    await this.#hook(request.id);
    return this.#inner.secret(request);
  }

  async share(request: ShareRequest): Promise<string> {
    await this.#hook(request.id);
    return this.#inner.share(request);
  }

  async text(request: TextRequest): Promise<string | undefined> {
    await this.#hook(request.id);
    return this.#inner.text(request);
  }

  unused(): string[] {
    return this.#inner.unused();
  }

  recordGenerated(id: string, value: string): void {
    this.#inner.recordGenerated(id, value);
  }

  get generated(): ReadonlyMap<string, string> {
    return this.#inner.generated;
  }
}

export interface InProcessResult {
  /** The exit status the CLI would give (0, or the error's). */
  readonly code: number;
  readonly message: string;
  readonly lines: readonly string[];
  readonly secrets: ReadonlyMap<string, string>;
}

/**
 * The shipped OpenPGP root ceremony as `keyceremony run --rehearsal --media` runs it, in this process, with
 * throwaway secrets; `hooks` run before the prompts they name.
 */
export async function rehearseInProcess(
  o: Outputs,
  hooks: ReadonlyMap<string, () => Promise<void>> = new Map(),
): Promise<InProcessResult> {
  const script = await loadScript(join(ceremoniesDir, 'openpgp-root.yaml'), actions);
  const guard = new SecretGuard();
  const lines: string[] = [];
  const prompter = new HookedPrompter(hooks);
  const realStart = Date.now();
  try {
    await runCeremony({
      script,
      vaultDir: o.vault,
      publicDir: o.public,
      handoffDir: o.handoff,
      mediaRoot: o.media,
      rehearsal: true,
      allowNetwork: false,
      prompter,
      ui: new ConsoleUi(guard, (line) => lines.push(line)),
      guard,
      now: () => new Date(CEREMONY_START + (Date.now() - realStart)),
    });
    return { code: 0, message: '', lines, secrets: prompter.generated };
  } catch (error) {
    if (!isKeyceremonyError(error)) throw error;
    return { code: error.exitCode, message: error.message, lines, secrets: prompter.generated };
  }
}

/** A file of an aborted-ceremony record (`public/transcripts/<name>-ABORTED.*`), relative to the outputs' base. */
const ABORTED_RECORD = /(^|\/)public\/transcripts\/[^/]+-ABORTED\.(jsonl|jsonl\.asc|md)$/;

/**
 * `after` without what an aborted ceremony keeps on purpose: its record in the public tree (and the public and
 * transcripts directories made to hold it, when they were not there `before`). Everything else must be as it
 * was: that is what "rolled back" means once the paper trail keeps a record of the attempt.
 */
export function withoutAbortedRecord(
  after: Record<string, string>,
  before: Record<string, string> = {},
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(after).filter(([rel]) => {
      if (ABORTED_RECORD.test(rel)) return false;
      if ((rel === 'public' || rel === 'public/transcripts') && !(rel in before)) return false;
      return true;
    }),
  );
}

/** Paths (relative) left after a run, without the aborted-ceremony record's files. */
export function leftWithoutAbortedRecord(paths: readonly string[]): string[] {
  return paths.filter((p) => !ABORTED_RECORD.test(p));
}
