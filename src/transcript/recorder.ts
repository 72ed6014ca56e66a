/** Appends hash-chained entries during a ceremony; every value passes the secret guard first. */
import type { SecretGuard } from '../vault/index.js';
import { entryHash, GENESIS_HASH, type JsonObject, serializeEntry, type TranscriptEntry } from './entry.js';

export class TranscriptRecorder {
  readonly #entries: TranscriptEntry[] = [];
  readonly #now: () => Date;
  readonly #guard: SecretGuard;
  #step: { id: string; role: string } | null = null;
  #gate: (() => void) | undefined;

  constructor(now: () => Date, guard: SecretGuard) {
    this.#now = now;
    this.#guard = guard;
  }

  /** Entries recorded from now on belong to this step (null: the ceremony itself). */
  setStep(step: { id: string; role: string } | null): void {
    this.#step = step;
  }

  /**
   * Runs before every entry is recorded and may throw to stop the ceremony there: recording an entry is a safe
   * point (the runner's interruption check). Undefined: no gate.
   */
  setGate(gate: (() => void) | undefined): void {
    this.#gate = gate;
  }

  record(event: string, data: JsonObject = {}): TranscriptEntry {
    this.#gate?.();
    const last = this.#entries.at(-1);
    const base = {
      seq: this.#entries.length,
      time: this.#now().toISOString(),
      step: this.#step?.id ?? null,
      role: this.#step?.role ?? null,
      event,
      data,
      prev: last?.hash ?? GENESIS_HASH,
    };
    const entry: TranscriptEntry = { ...base, hash: entryHash(base) };
    this.#guard.assertClean(serializeEntry(entry), `transcript entry ${entry.seq} (${event})`);
    this.#entries.push(entry);
    return entry;
  }

  get entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  toJsonl(): string {
    return this.#entries.map((e) => `${serializeEntry(e)}\n`).join('');
  }
}
