/**
 * What the ceremony prints for the people in the room. Every line passes the secret guard. Marks and rules
 * are drawn in ASCII when the terminal's locale is not UTF-8 (util/marks.ts), and so is the decoration other
 * modules put into the text (→, …, —).
 */
import chalk from 'chalk';
import { groupedHex, pgpWordLines } from '../util/fingerprint-display.js';
import { forTerminal, type Marks, marksFor, UNICODE_MARKS } from '../util/marks.js';
import type { SecretGuard } from '../vault/index.js';

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
  readonly #env: NodeJS.ProcessEnv;
  readonly #marks: Marks;

  /** `env`: where the locale is read from (the process's environment; tests give another). */
  constructor(
    guard: SecretGuard,
    write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#guard = guard;
    this.#write = write;
    this.#env = env;
    this.#marks = marksFor(env);
  }

  #line(text: string): void {
    this.#guard.assertClean(text, 'the terminal');
    this.#write(forTerminal(text, this.#env));
  }

  banner(title: string, lines: readonly string[]): void {
    const width = Math.max(title.length, ...lines.map((l) => l.length)) + 4;
    this.#line(chalk.bold(this.#marks.heavyRule.repeat(width)));
    this.#line(chalk.bold(`  ${title}`));
    for (const l of lines) this.#line(`  ${l}`);
    this.#line(chalk.bold(this.#marks.heavyRule.repeat(width)));
  }

  step(index: number, total: number, title: string, role: string): void {
    this.#line('');
    this.#line(
      chalk.bold.cyan(`${this.#marks.lightRule.repeat(2)} Step ${index}/${total}: ${title}`) + chalk.dim(`  [${role}]`),
    );
  }

  info(text: string): void {
    this.#line(`  ${text}`);
  }

  detail(text: string): void {
    this.#line(chalk.dim(`    ${text}`));
  }

  success(text: string): void {
    this.#line(chalk.green(`  ${this.#marks.ok} ${text}`));
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

/**
 * The look of @inquirer prompts: its own marks ("✔" when answered, "❯" in a list) in ASCII when the locale is
 * not UTF-8 (inquirer decides by TERM alone, which says nothing about the encoding).
 */
export function promptTheme(env: NodeJS.ProcessEnv = process.env): {
  prefix: { idle: string; done: string };
  icon: { cursor: string };
} {
  const m = marksFor(env);
  return {
    prefix: { idle: chalk.blue('?'), done: chalk.green(m.ok) },
    icon: { cursor: m === UNICODE_MARKS ? '❯' : '>' },
  };
}
