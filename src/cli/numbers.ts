/** Whole-number command-line options, read strictly: Number() would take " ", "1e3" and "0x10". */
import { KeyceremonyError } from '../errors.js';
import { excerpt } from '../util/excerpt.js';

export function wholeNumberOption(text: string, what: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new KeyceremonyError('USAGE', `${what} must be a whole number from ${min} to ${max}, not ${excerpt(text)}`);
  return value;
}
