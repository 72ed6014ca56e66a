/**
 * What the ceremony prints for the people in the room. Every line passes the secret guard.
 */
import chalk from 'chalk';
import { groupedHex, pgpWordLines } from '../util/fingerprint-display.js';
import type { SecretGuard } from '../vault/secret-guard.js';

export interface Ui {
  banner(title: string, lines: readonly string[]): void;
  step(index: number, total: number, title: string, role: string): void;
  info(text: string): void;
  detail(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  /** A fingerprint (or hash) to be read aloud: hex in groups of four, and PGP words (`wordsPerLine`, default 5). */
  fingerprint(label: string, hex: string, options?: { words?: boolean; wordsPerLine?: number }): void;
}

export class ConsoleUi implements Ui {
  readonly #guard: SecretGuard;
  readonly #write: (line: string) => void;

  constructor(guard: SecretGuard, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    this.#guard = guard;
    this.#write = write;
  }

  #line(text: string): void {
    this.#guard.assertClean(text, 'the terminal');
    this.#write(text);
  }

  banner(title: string, lines: readonly string[]): void {
    const width = Math.max(title.length, ...lines.map((l) => l.length)) + 4;
    this.#line(chalk.bold('═'.repeat(width)));
    this.#line(chalk.bold(`  ${title}`));
    for (const l of lines) this.#line(`  ${l}`);
    this.#line(chalk.bold('═'.repeat(width)));
  }

  step(index: number, total: number, title: string, role: string): void {
    this.#line('');
    this.#line(chalk.bold.cyan(`── Step ${index}/${total}: ${title}`) + chalk.dim(`  [${role}]`));
  }

  info(text: string): void {
    this.#line(`  ${text}`);
  }

  detail(text: string): void {
    this.#line(chalk.dim(`    ${text}`));
  }

  success(text: string): void {
    this.#line(chalk.green(`  ✔ ${text}`));
  }

  warn(text: string): void {
    this.#line(chalk.yellow(`  ! ${text}`));
  }

  fingerprint(label: string, hex: string, options: { words?: boolean; wordsPerLine?: number } = {}): void {
    this.#line(`  ${label}:`);
    this.#line(chalk.bold(`      ${groupedHex(hex)}`));
    if (options.words ?? true) {
      for (const line of pgpWordLines(hex, options.wordsPerLine)) this.#line(chalk.dim(`      ${line}`));
    }
  }
}
