/**
 * Prompts on the operator's terminal (@inquirer/prompts). Secrets are typed hidden, new ones twice; a new
 * passphrase can be generated instead, shown once for writing down, then cleared from the screen and typed
 * back. That display is the only place a secret ever reaches the terminal, and only on the operator's
 * explicit choice.
 */
import { confirm, input, password, select } from '@inquirer/prompts';
import chalk from 'chalk';
import { shareTokens } from '../../backup/index.js';
import { KeyceremonyError } from '../../errors.js';
import { bitsPerWord, generatePassphrase } from '../../util/diceware.js';
import type { Interruption } from '../interruption.js';
import { promptTheme } from '../ui.js';
import { forTerminal } from '../../util/marks.js';
import {
  CHECK_ATTEMPTS,
  INITIALS,
  isSharePath,
  plainTextProblem,
  type Prompter,
  type SecretAnswer,
  type SecretRequest,
  SHARE_ROW_WORDS,
  type ShareRequest,
  type TextRequest,
} from './prompter.js';
import { weakness } from './passphrase-strength.js';

const MAX_ATTEMPTS = 3;

/** Prompt marks readable in the terminal's locale (ASCII when it is not UTF-8). */
const theme = promptTheme();

function clearScreen(): void {
  // Clear the visible screen and the scrollback, so a shown passphrase cannot be scrolled back to.
  process.stdout.write('\x1b[2J\x1b[3J\x1b[H');
}

type Ask = <T>(prompt: (context: { signal: AbortSignal }) => Promise<T>) => Promise<T>;

export class TerminalPrompter implements Prompter {
  readonly source = 'terminal' as const;
  readonly #interruption: Interruption;

  /** `interruption`: the ceremony's; a signal cancels the prompt that waits, Ctrl-C at a prompt is one. */
  constructor(interruption: Interruption) {
    this.#interruption = interruption;
  }

  /**
   * Asks one question. Ctrl-C typed at a prompt (the terminal is in raw mode: no signal is sent) interrupts the
   * ceremony like Ctrl-C anywhere else; a SIGTERM or SIGHUP while a prompt waits cancels it.
   */
  readonly #ask: Ask = async (prompt) => {
    this.#interruption.check();
    try {
      return await prompt({ signal: this.#interruption.signal });
    } catch (error) {
      if (error instanceof Error && error.name === 'ExitPromptError') {
        this.#interruption.interrupt('SIGINT', 'at a prompt');
      }
      if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
        throw this.#interruption.error();
      }
      throw error;
    }
  };

  async confirm(_id: string, message: string): Promise<boolean> {
    return this.#ask((context) => confirm({ message, default: false, theme }, context));
  }

  async initials(_id: string, message: string): Promise<string> {
    const value = await this.#ask((context) =>
      input(
        { message, theme, validate: (v) => (INITIALS.test(v.trim()) ? true : 'type your initials: 2 to 4 letters') },
        context,
      ),
    );
    return value.trim().toUpperCase();
  }

  async text(request: TextRequest): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const value = (
        await this.#ask((context) =>
          input({ message: request.message, theme, validate: (v) => plainTextProblem(v.trim()) ?? true }, context),
        )
      ).trim();
      const wrong = request.check?.(value);
      if (!wrong) return value;
      if (attempt >= CHECK_ATTEMPTS) {
        throw new KeyceremonyError('CHECK_FAILED', `${request.message}: ${wrong} (${CHECK_ATTEMPTS} attempts)`);
      }
      console.log(chalk.red(`  ${wrong}; look again and type it again (${CHECK_ATTEMPTS - attempt} left)`));
    }
  }

  async secret(request: SecretRequest): Promise<SecretAnswer> {
    if (request.purpose === 'existing') return this.#existing(request);
    const how = await this.#ask((context) =>
      select(
        {
          message: `${request.label}: generate one or type your own?`,
          theme,
          choices: [
            {
              name: `Generate ${request.generatedWords} random words (${Math.floor(request.generatedWords * bitsPerWord)} bits, recommended)`,
              value: 'generate',
            },
            { name: 'Type my own', value: 'own' },
          ],
        },
        context,
      ),
    );
    return how === 'generate' ? this.#generated(request) : this.#chosen(request);
  }

  /**
   * A share typed from paper: a row of words at a time (hidden), each row's words checked at once; then the
   * whole share. When the check symbols point at one word, only that word is typed again.
   */
  async share(request: ShareRequest): Promise<string> {
    console.log(
      chalk.dim(
        `  ${request.label}: ${request.words} words, typed ${SHARE_ROW_WORDS} at a time as on the sheet; nothing is shown. Or type the path of a file holding them.`,
      ),
    );
    for (let attempt = 1; ; attempt++) {
      const words = await this.#shareRows(request);
      if (typeof words === 'string') {
        const problem = await request.check(words);
        if (!problem) return words;
        if (attempt >= MAX_ATTEMPTS)
          throw new KeyceremonyError('SHARE_WRONG', `${request.label}: ${problem.message} (${MAX_ATTEMPTS} attempts)`);
        console.log(chalk.red(`  ${request.label}: ${problem.message}; try again (${MAX_ATTEMPTS - attempt} left)`));
        continue;
      }
      let problem = await request.check(words.join(' '));
      for (let retype = 1; problem?.position !== undefined && retype <= MAX_ATTEMPTS; retype++) {
        const position = problem.position;
        console.log(chalk.red(`  ${request.label}: ${problem.message}`));
        const word = await this.#shareWord(request, position);
        words[position - 1] = word;
        problem = await request.check(words.join(' '));
      }
      if (!problem) return words.join(' ');
      if (attempt >= MAX_ATTEMPTS)
        throw new KeyceremonyError('SHARE_WRONG', `${request.label}: ${problem.message} (${MAX_ATTEMPTS} attempts)`);
      console.log(
        chalk.red(`  ${request.label}: ${problem.message}; type the share again (${MAX_ATTEMPTS - attempt} left)`),
      );
    }
  }

  /** The share's words, row by row; or the file path typed at the first row. */
  async #shareRows(request: ShareRequest): Promise<string[] | string> {
    const words: string[] = [];
    while (words.length < request.words) {
      const from = words.length + 1;
      const to = Math.min(words.length + SHARE_ROW_WORDS, request.words);
      for (let tries = 1; ; tries++) {
        const row = await this.#ask((context) =>
          password({ message: `${request.label}, words ${from}–${to} (hidden):` }, context),
        );
        if (words.length === 0 && isSharePath(row)) return row.trim();
        const typed = shareTokens(row);
        const problem =
          typed.length !== to - from + 1
            ? `${typed.length} word(s) typed, ${to - from + 1} expected (words ${from}–${to})`
            : typed.map((w, i) => request.checkWord(w, from + i)).find((p) => p !== undefined);
        if (!problem) {
          words.push(...typed);
          break;
        }
        if (tries >= MAX_ATTEMPTS * 2)
          throw new KeyceremonyError('SHARE_WRONG', `${request.label}: ${problem} (${tries} attempts)`);
        console.log(chalk.red(`  ${problem}; type words ${from}–${to} again`));
      }
    }
    return words;
  }

  /** One word typed again, hidden, until it is a word that can stand at `position`. */
  async #shareWord(request: ShareRequest, position: number): Promise<string> {
    for (let tries = 1; ; tries++) {
      const word = (
        await this.#ask((context) =>
          password({ message: `${request.label}: type word ${position} again (hidden):` }, context),
        )
      ).trim();
      const problem = /\s/.test(word) ? 'type one word' : request.checkWord(word, position);
      if (!problem) return word;
      if (tries >= MAX_ATTEMPTS) throw new KeyceremonyError('SHARE_WRONG', `${request.label}: ${problem}`);
      console.log(chalk.red(`  ${problem}`));
    }
  }

  async #existing(request: SecretRequest): Promise<SecretAnswer> {
    for (let attempt = 1; ; attempt++) {
      const value = await this.#ask((context) => password({ message: `${request.label}:`, theme }, context));
      const wrong = request.check ? await request.check(value) : undefined;
      if (!wrong) return { value, generated: false };
      if (attempt >= MAX_ATTEMPTS || request.kind === 'pin') {
        // PINs are never retried by keyceremony itself: the token counts every wrong try.
        throw new KeyceremonyError('PASSPHRASE_WRONG', `${request.label}: ${wrong}`);
      }
      console.log(chalk.red(`  ${wrong}; try again (${MAX_ATTEMPTS - attempt} left)`));
    }
  }

  async #chosen(request: SecretRequest): Promise<SecretAnswer> {
    for (let attempt = 1; ; attempt++) {
      const value = await this.#ask((context) =>
        password(
          {
            message: `${request.label} (hidden):`,
            theme,
            validate: (v) => weakness(v, request.minBits, request.kind) ?? true,
          },
          context,
        ),
      );
      const again = await this.#ask((context) => password({ message: `${request.label} again:`, theme }, context));
      if (again === value) return { value, generated: false };
      if (attempt >= MAX_ATTEMPTS) {
        throw new KeyceremonyError(
          'PASSPHRASE_MISMATCH',
          `${request.label}: the two entries did not match (${MAX_ATTEMPTS} attempts)`,
        );
      }
      console.log(chalk.red(`  The entries do not match; start again (${MAX_ATTEMPTS - attempt} attempts left).`));
    }
  }

  async #generated(request: SecretRequest): Promise<SecretAnswer> {
    const value = generatePassphrase(request.generatedWords);
    console.log('');
    console.log(chalk.bold(forTerminal(`  ${request.label} — write it down now, on paper, exactly as shown:`)));
    console.log('');
    console.log(`      ${chalk.bold.inverse(` ${value} `)}`);
    console.log('');
    await this.#ask((context) =>
      input({ message: 'Press Enter when it is written down (the screen will be cleared)', theme }, context),
    );
    clearScreen();
    for (let attempt = 1; ; attempt++) {
      const typed = await this.#ask((context) =>
        password({ message: `Type the ${request.label.toLowerCase()} back from paper:`, theme }, context),
      );
      if (typed.trim().replace(/\s+/g, ' ') === value) return { value, generated: true };
      if (attempt >= MAX_ATTEMPTS) {
        throw new KeyceremonyError(
          'PASSPHRASE_MISMATCH',
          `${request.label}: what was typed back does not match (${MAX_ATTEMPTS} attempts)`,
        );
      }
      console.log(chalk.red(`  That does not match; check the paper and try again (${MAX_ATTEMPTS - attempt} left).`));
    }
  }

  unused(): string[] {
    return [];
  }
}
