/** Driving an interactive program in a real terminal (tmux), as a person would. */
import { randomBytes } from 'node:crypto';
import { run } from './run.js';

export class TmuxSession {
  readonly name = `kc-${randomBytes(4).toString('hex')}`;

  async start(command: string, width = 160, height = 50): Promise<void> {
    const result = await this.#tmux([
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(width),
      '-y',
      String(height),
      command,
    ]);
    if (result.code !== 0) throw new Error(`tmux: ${result.stderr}`);
  }

  /** The visible screen, or the whole history with `history`. */
  async screen(history = false): Promise<string> {
    const args = ['capture-pane', '-t', this.name, '-p', ...(history ? ['-S', '-5000'] : [])];
    return (await this.#tmux(args)).stdout;
  }

  async send(...keys: string[]): Promise<void> {
    await this.#tmux(['send-keys', '-t', this.name, ...keys]);
  }

  /** Types text literally (no key-name interpretation), then Enter. */
  async type(text: string): Promise<void> {
    await this.#tmux(['send-keys', '-t', this.name, '-l', text]);
    await this.send('Enter');
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Answers the prompt whose text starts with `prompt`: waits until it is the active prompt ("? …"), types
   * `keys`, and waits until it shows as answered ("✔ …") one more time than before — so a prompt shown
   * several times (the same witness in two steps) is never answered twice by a fast test.
   */
  async answer(prompt: string, keys: { text?: string; keys?: string[] }, timeoutMs = 20_000): Promise<void> {
    const answered = async (): Promise<number> =>
      (await this.screen(true)).split('\n').filter((l) => l.startsWith(`✔ ${prompt}`)).length;
    const before = await answered();
    const escaped = prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await this.waitFor(new RegExp(`^\\? ${escaped}`, 'm'), timeoutMs);
    if (keys.text !== undefined) await this.type(keys.text);
    if (keys.keys) await this.send(...keys.keys);
    const deadline = Date.now() + timeoutMs;
    while ((await answered()) <= before) {
      if (Date.now() > deadline) throw new Error(`"${prompt}" was not answered; screen:\n${await this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.#tmux(['kill-server']);
  }

  /** Each session has a tmux server of its own (-L), so sessions never race each other's shutdown. */
  #tmux(args: string[]): ReturnType<typeof run> {
    return run('tmux', ['-L', this.name, ...args]);
  }
}
