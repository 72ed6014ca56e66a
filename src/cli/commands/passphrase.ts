/**
 * keyceremony passphrase [--words N] [--count M]
 *
 * Diceware passphrases from the EFF large word list (7776 words, 12.9 bits each, chosen with the CSPRNG). The
 * passphrases go to standard output, one per line; their strength to standard error, so that a pipe receives
 * the passphrase alone. The default, 10 words, is 129 bits — what keyceremony uses for backup passphrases.
 */
import { bitsPerWord, generatePassphrase } from '../../util/diceware.js';
import { wholeNumberOption } from '../numbers.js';

export const DEFAULT_PASSPHRASE_WORDS = 10;

function integer(text: string | undefined, fallback: number, what: string, min: number, max: number): number {
  return text === undefined ? fallback : wholeNumberOption(text, what, min, max);
}

export function passphraseCommand(options: { words?: string; count?: string }): void {
  const words = integer(options.words, DEFAULT_PASSPHRASE_WORDS, '--words', 4, 64);
  const count = integer(options.count, 1, '--count', 1, 100);
  for (let i = 0; i < count; i++) process.stdout.write(`${generatePassphrase(words)}\n`);
  const bits = Math.floor(words * bitsPerWord);
  process.stderr.write(
    `${words} words from the EFF large word list: ${bits} bits each${bits < 128 ? ' (below the 128 bits keyceremony wants for backups)' : ''}\n`,
  );
}
