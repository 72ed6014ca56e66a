/** Ways to show a fingerprint to people who compare it by eye or read it aloud. */
import { fromHex } from './bytes.js';
import { toPgpWords } from './pgp-words.js';

/** "ABCD 1234 ..." — hex in groups of four, upper case, with a double space in the middle as gpg prints it. */
/** A fingerprint as typed or pasted ("ABCD 1234 …", lower case) in the form keyceremony compares: hex, upper case. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

export function groupedHex(hex: string): string {
  const groups = hex.toUpperCase().match(/.{1,4}/g) ?? [];
  const half = Math.ceil(groups.length / 2);
  return groups.length > 5 ? `${groups.slice(0, half).join(' ')}  ${groups.slice(half).join(' ')}` : groups.join(' ');
}

/** The fingerprint as PGP words, in lines of `perLine` words. */
export function pgpWordLines(hex: string, perLine = 5): string[] {
  const words = toPgpWords(fromHex(hex));
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += perLine) lines.push(words.slice(i, i + perLine).join(' '));
  return lines;
}
