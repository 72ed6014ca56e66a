/**
 * Quoting what a user gave (an answer, a word, a value from a file) in an error message: one line of it at
 * most, a few characters, control and bidirectional-formatting characters shown as \u{…} escapes, and how much
 * was left out. An error never echoes a whole input: a share answer may name a file of hundreds of kilobytes,
 * and what was typed may be secret.
 */

/** Characters that change how text displays or what a terminal does: C0/C1 controls, DEL, bidi formatting. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/u;

export const DEFAULT_EXCERPT_LENGTH = 24;

function escapeCharacter(c: string): string {
  return `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;
}

/** `value` cut to `max` characters of its first line ('…' marks a cut), unsafe characters escaped. */
export function shorten(value: string, max = DEFAULT_EXCERPT_LENGTH): string {
  const newline = value.search(/[\r\n]/);
  const line = newline === -1 ? value : value.slice(0, newline);
  const characters = [...line];
  const shown = characters
    .slice(0, max)
    .map((c) => (UNSAFE_CHARACTER.test(c) ? escapeCharacter(c) : c))
    .join('');
  return characters.length > max || newline !== -1 ? `${shown}…` : shown;
}

/** `value` as shorten() gives it, in double quotes, with its full length when it was cut. */
export function excerpt(value: string, max = DEFAULT_EXCERPT_LENGTH): string {
  const shown = shorten(value, max);
  const cut = shown.endsWith('…') && shown !== value;
  return `"${shown}"${cut ? ` (${[...value].length} characters in all)` : ''}`;
}

/** The first character of `text` that must not appear in it (see UNSAFE_CHARACTER), with `allow` exempted. */
export function unsafeCharacter(
  text: string,
  allow: ReadonlySet<string> = new Set(),
): { index: number; escaped: string } | undefined {
  let index = 0;
  for (const c of text) {
    if (UNSAFE_CHARACTER.test(c) && !allow.has(c)) return { index, escaped: escapeCharacter(c) };
    index += c.length;
  }
  return undefined;
}
