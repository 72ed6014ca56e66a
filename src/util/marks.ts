/**
 * The marks keyceremony puts on a terminal (✔, ✘, ⚠, →, rules, bullets), in Unicode where the terminal's
 * locale is UTF-8 and in ASCII everywhere else. A terminal under LANG=C (a live system's root shell, a serial
 * console, `env -i`) shows each non-ASCII byte as "_" or "?": a "✔" it cannot draw would read as nothing.
 *
 * Only what is drawn on a terminal goes through here. Files (transcripts, Markdown, runbooks) and `--json`
 * output carry no decoration and never depend on the locale.
 */

export interface Marks {
  /** A check passed. */
  readonly ok: string;
  /** A check failed. */
  readonly fail: string;
  /** Look here: a warning that matters (a rehearsal key, an expiry). */
  readonly warn: string;
  /** "before → after". */
  readonly arrow: string;
  /** A cut or an operation in progress. */
  readonly ellipsis: string;
  /** One character of a heavy rule (banners). */
  readonly heavyRule: string;
  /** One character of a light rule (step headings). */
  readonly lightRule: string;
  /** A list bullet. */
  readonly bullet: string;
}

export const UNICODE_MARKS: Marks = {
  ok: '✔',
  fail: '✘',
  warn: '⚠',
  arrow: '→',
  ellipsis: '…',
  heavyRule: '═',
  lightRule: '─',
  bullet: '•',
};

export const ASCII_MARKS: Marks = {
  ok: 'OK',
  fail: 'FAIL',
  warn: '!!',
  arrow: '->',
  ellipsis: '...',
  heavyRule: '=',
  lightRule: '-',
  bullet: '*',
};

/**
 * Whether the locale's character encoding is UTF-8, decided as the C library does: the first of LC_ALL,
 * LC_CTYPE and LANG that is set and not empty names the locale; none means "C" (ASCII).
 */
export function utf8Locale(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = [env['LC_ALL'], env['LC_CTYPE'], env['LANG']].find((v) => v !== undefined && v !== '') ?? 'C';
  return /utf-?8/i.test(locale);
}

export function marksFor(env: NodeJS.ProcessEnv = process.env): Marks {
  return utf8Locale(env) ? UNICODE_MARKS : ASCII_MARKS;
}

/** The marks for this process's terminal. */
export const marks: Marks = marksFor();

/** Decoration characters other modules put into terminal text, and their ASCII forms. */
const ASCII_FORMS: ReadonlyMap<string, string> = new Map([
  ...Object.keys(UNICODE_MARKS).map(
    (k) => [UNICODE_MARKS[k as keyof Marks], ASCII_MARKS[k as keyof Marks]] as [string, string],
  ),
  ['✓', 'OK'],
  ['✗', 'FAIL'],
  ['—', '-'],
  ['–', '-'],
  ['·', '-'],
  ['“', '"'],
  ['”', '"'],
  ['‘', "'"],
  ['’', "'"],
]);
const DECORATION = new RegExp(`[${[...ASCII_FORMS.keys()].join('')}]`, 'gu');

/**
 * Terminal text with its decoration in ASCII when the locale is not UTF-8. Other characters (a user ID's
 * "ü") are left as they are: they are data, not decoration, and must not be rewritten.
 */
export function forTerminal(text: string, env: NodeJS.ProcessEnv = process.env): string {
  if (utf8Locale(env)) return text;
  return text.replace(DECORATION, (c) => ASCII_FORMS.get(c) ?? c);
}
