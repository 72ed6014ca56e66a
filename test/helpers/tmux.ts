/** Driving an interactive program in a real terminal (tmux), as a person would. */
import { randomBytes } from 'node:crypto';
import { run } from './run.js';

export class TmuxSession {
  readonly name = `kc-${randomBytes(4).toString('hex')}`;

  async start(command: string, width = 160, height = 50): Promise<void> {
    const result = await run('tmux', ['new-session', '-d', '-s', this.name, '-x', String(width), '-y', String(height), command]);
    if (result.code !== 0) throw new Error(`tmux: ${result.stderr}`);
  }

  /** The visible screen, or the whole history with `history`. */
  async screen(history = false): Promise<string> {
    const args = ['capture-pane', '-t', this.name, '-p', ...(history ? ['-S', '-5000'] : [])];
    return (await run('tmux', args)).stdout;
  }

  async send(...keys: string[]): Promise<void> {
    await run('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  /** Types text literally (no key-name interpretation), then Enter. */
  async type(text: string): Promise<void> {
    await run('tmux', ['send-keys', '-t', this.name, '-l', text]);
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

  async stop(): Promise<void> {
    await run('tmux', ['kill-session', '-t', this.name]);
  }
}
