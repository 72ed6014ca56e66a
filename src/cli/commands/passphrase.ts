/**
 * keyceremony passphrase [--words N] [--count M]
 *
 * Diceware passphrases from the EFF large word list (7776 words, 12.9 bits each, chosen with the CSPRNG). The
 * passphrases go to standard output, one per line; their strength to standard error, so that a pipe receives
 * the passphrase alone. The default, 10 words, is 129 bits — what keyceremony uses for backup passphrases.
 */
import { KeyceremonyError } from '../../errors.js';
import { bitsPerWord, generatePassphrase } from '../../util/diceware.js';

export const DEFAULT_PASSPHRASE_WORDS = 10;

function integer(text: string | undefined, fallback: number, what: string, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new KeyceremonyError('USAGE', `${what} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

export function passphraseCommand(options: { words?: string; count?: string }): void {
  const words = integer(options.words, DEFAULT_PASSPHRASE_WORDS, '--words', 4, 64);
  const count = integer(options.count, 1, '--count', 1, 100);
  for (let i = 0; i < count; i++) process.stdout.write(`${generatePassphrase(words)}\n`);
  const bits = Math.floor(words * bitsPerWord);
  process.stderr.write(`${words} words from the EFF large word list: ${bits} bits each${bits < 128 ? ' (below the 128 bits keyceremony wants for backups)' : ''}\n`);
}
