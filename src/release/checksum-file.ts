/**
 * SHA256SUMS as GNU `sha256sum` writes and `sha256sum -c` reads it: one line per file, 64 hex digits, a space,
 * a mode character (" " text, "*" binary — the same bytes on POSIX), the name. A name holding a backslash, a
 * line feed or a carriage return is escaped ("\\", "\n", "\r") and its line starts with a backslash.
 *
 * The reader is for a *signed* list: it refuses what sha256sum would only skip with a warning — a line it
 * cannot read, a name twice, a name that leaves the list's directory (absolute, or with ".."), an empty list —
 * because a verifier that skips a line it cannot read checks less than the signer meant.
 */

export interface ChecksumEntry {
  /** Lower-case hex SHA-256. */
  readonly sha256: string;
  /** The name as listed: a path relative to the list's directory, "/"-separated. */
  readonly name: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

export class ChecksumFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ChecksumFormatError';
  }
}

function escapeName(name: string): { escaped: boolean; text: string } {
  if (!/[\\\n\r]/.test(name)) return { escaped: false, text: name };
  return {
    escaped: true,
    text: name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r'),
  };
}

function unescapeName(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    throw new ChecksumFormatError(line, `unknown escape "\\${c}" in the file name`);
  });
}

/** One line as `sha256sum` writes it (text mode, two spaces). */
export function formatChecksumLine(sha256: string, name: string): string {
  const { escaped, text } = escapeName(name);
  return `${escaped ? '\\' : ''}${sha256.toLowerCase()}  ${text}\n`;
}

/** Why a listed name may not be checked: it must name a file in or below the list's directory. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the file name is empty';
  if (name.startsWith('/')) return `"${name}" is an absolute path: a checksum list names files beside it`;
  if (name.split('/').some((part) => part === '..')) return `"${name}" leaves the list's directory ("..")`;
  if (name.includes('\0')) return 'the file name holds a NUL character';
  return undefined;
}

const LINE = /^(\\?)([0-9a-fA-F]{64}) ([ *])(.*)$/s;

export function parseChecksumFile(text: string): ChecksumEntry[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries: ChecksumEntry[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, index) => {
    const number = index + 1;
    const match = LINE.exec(raw);
    if (!match) {
      throw new ChecksumFormatError(
        number,
        raw.trim() === ''
          ? 'an empty line'
          : 'not a checksum line (64 hex digits, two spaces — or space and "*" — and a file name)',
      );
    }
    const [, escaped, sha256, , rawName] = match as unknown as [string, string, string, string, string];
    if (!escaped && rawName.endsWith('\r')) {
      throw new ChecksumFormatError(number, 'the line ends in a carriage return (a list edited on Windows?)');
    }
    const name = escaped ? unescapeName(rawName, number) : rawName;
    const problem = nameProblem(name);
    if (problem) throw new ChecksumFormatError(number, problem);
    const normalized = name.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
    const first = seen.get(normalized);
    if (first !== undefined) throw new ChecksumFormatError(number, `"${name}" is listed twice (also on line ${first})`);
    seen.set(normalized, number);
    entries.push({ sha256: sha256.toLowerCase(), name, line: number });
  });
  if (entries.length === 0) throw new ChecksumFormatError(1, 'the list is empty');
  return entries;
}
