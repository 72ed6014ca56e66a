/**
 * Ctrl-C, SIGTERM and SIGHUP during a ceremony.
 *
 * A signal never kills a ceremony half-way: the handler only notes it (and cancels a prompt that is waiting),
 * and the ceremony stops at the next safe point — before a step, at a prompt, or when the next transcript entry
 * is recorded. Nothing is ever stopped inside a file write or a token operation: those run to their end, and
 * every file and token key they made is known to the rollback. The runner then rolls back (the same path as a
 * failed step) and keeps the aborted-ceremony record. While it rolls back, further signals are noted on screen
 * and ignored, so a second Ctrl-C cannot leave a half-removed tree.
 *
 * An interrupted ceremony exits with status 130 (ExitCode.interrupted), whichever of the three signals stopped it.
 */
import { KeyceremonyError } from '../errors.js';

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const NAMES: Record<StopSignal, string> = {
  SIGINT: 'Ctrl-C (SIGINT)',
  SIGTERM: 'SIGTERM',
  SIGHUP: 'SIGHUP (the terminal went away)',
};

export class Interruption {
  readonly #controller = new AbortController();
  readonly #write: (line: string) => void;
  #received: StopSignal | undefined;
  #where: string | undefined;
  #holding = false;
  #waiters: (() => void)[] = [];
  #listening = false;

  constructor(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    this.#write = write;
  }

  /** Aborted when the first signal arrives: prompts that wait for a person give up. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The signal that stopped the ceremony, if one did. */
  get received(): StopSignal | undefined {
    return this.#received;
  }

  /** Notes a signal (also Ctrl-C typed at a prompt, which a terminal in raw mode does not send as a signal). */
  interrupt(signal: StopSignal, where?: string): void {
    for (const wake of this.#waiters.splice(0)) wake();
    if (this.#holding) {
      this.#write(
        `keyceremony: ${NAMES[signal]} ignored: rolling back, which must not stop half-way — please wait until it is done`,
      );
      return;
    }
    if (this.#received) {
      this.#write(`keyceremony: ${NAMES[signal]}: already stopping (at the next safe point, then rolling back)`);
      return;
    }
    this.#received = signal;
    this.#where = where;
    this.#write(
      `keyceremony: ${NAMES[signal]}${where ? ` ${where}` : ''}: stopping at the next safe point, then removing what this run wrote`,
    );
    this.#controller.abort(this.error());
  }

  /** Throws the interruption at a safe point, once a signal arrived (not while rolling back). */
  check(): void {
    if (this.#received && !this.#holding) throw this.error();
  }

  error(): KeyceremonyError {
    const signal = this.#received ?? 'SIGINT';
    return new KeyceremonyError(
      'INTERRUPTED',
      `the ceremony was interrupted by ${NAMES[signal]}${this.#where ? ` ${this.#where}` : ''}`,
    );
  }

  /** Resolves at the next signal (test hooks wait for one), or after `ms`. */
  nextSignal(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** From now on signals are noted and ignored: the rollback and the aborted-ceremony record run to their end. */
  holdOff(): void {
    this.#holding = true;
  }

  /**
   * Installs the signal handlers; returns the function that removes them again. Listening twice (a command that
   * keeps listening past the ceremony, and the runner) installs them once: the inner call's remover does nothing.
   */
  listen(): () => void {
    if (this.#listening) return () => undefined;
    this.#listening = true;
    const handlers = SIGNALS.map((signal) => {
      const handler = (): void => this.interrupt(signal);
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    return () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      this.#listening = false;
    };
  }
}
