/**
 * Prompts on the operator's terminal (@inquirer/prompts). Secrets are typed hidden, new ones twice; a new
 * passphrase can be generated instead, shown once for writing down, then cleared from the screen and typed
 * back. That display is the only place a secret ever reaches the terminal, and only on the operator's
 * explicit choice.
 */
import { confirm, input, password, select } from '@inquirer/prompts';
import chalk from 'chalk';
import { KeyceremonyError } from '../../errors.js';
import { bitsPerWord, generatePassphrase } from '../../util/diceware.js';
import { INITIALS, type Prompter, type SecretAnswer, type SecretRequest } from './prompter.js';
import { weakness } from './passphrase-strength.js';

const MAX_ATTEMPTS = 3;

/** Ctrl-C inside a prompt ends the ceremony cleanly (rolled back), not with a stack trace. */
async function ask<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt;
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new KeyceremonyError('ABORTED', 'the ceremony was interrupted at a prompt');
    }
    throw error;
  }
}

function clearScreen(): void {
  // Clear the visible screen and the scrollback, so a shown passphrase cannot be scrolled back to.
  process.stdout.write('\x1b[2J\x1b[3J\x1b[H');
}

export class TerminalPrompter implements Prompter {
  readonly source = 'terminal' as const;

  async confirm(_id: string, message: string): Promise<boolean> {
    return ask(confirm({ message, default: false }));
  }

  async initials(_id: string, message: string): Promise<string> {
    const value = await ask(
      input({ message, validate: (v) => (INITIALS.test(v.trim()) ? true : 'type your initials: 2 to 4 letters') }),
    );
    return value.trim().toUpperCase();
  }

  async secret(request: SecretRequest): Promise<SecretAnswer> {
    if (request.purpose === 'existing') return this.#existing(request);
    const how = await ask(
      select({
        message: `${request.label}: generate one or type your own?`,
        choices: [
          {
            name: `Generate ${request.generatedWords} random words (${Math.floor(request.generatedWords * bitsPerWord)} bits, recommended)`,
            value: 'generate',
          },
          { name: 'Type my own', value: 'own' },
        ],
      }),
    );
    return how === 'generate' ? this.#generated(request) : this.#chosen(request);
  }

  async #existing(request: SecretRequest): Promise<SecretAnswer> {
    for (let attempt = 1; ; attempt++) {
      const value = await ask(password({ message: `${request.label}:` }));
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
      const value = await ask(
        password({
          message: `${request.label} (hidden):`,
          validate: (v) => weakness(v, request.minBits, request.kind) ?? true,
        }),
      );
      const again = await ask(password({ message: `${request.label} again:` }));
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
    console.log(chalk.bold(`  ${request.label} — write it down now, on paper, exactly as shown:`));
    console.log('');
    console.log(`      ${chalk.bold.inverse(` ${value} `)}`);
    console.log('');
    await ask(input({ message: 'Press Enter when it is written down (the screen will be cleared)' }));
    clearScreen();
    for (let attempt = 1; ; attempt++) {
      const typed = await ask(password({ message: `Type the ${request.label.toLowerCase()} back from paper:` }));
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
