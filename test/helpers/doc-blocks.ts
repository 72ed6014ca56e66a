/**
 * The fenced shell blocks of a Markdown page that are marked runnable (docs/architecture.md, "Runnable
 * documentation"): the info string is `sh runnable`, or `sh runnable fresh` for a block that starts in an
 * empty directory of its own. GitHub and other renderers take the first word as the language and ignore the
 * rest, so the marker does not show.
 */

export interface DocBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block starts in an empty directory instead of the page's directory with its rehearsal. */
  readonly fresh: boolean;
  readonly text: string;
}

const OPEN = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/;

export function runnableBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const trimmed = line.trim();
      // A closing fence: the same character, at least as long, nothing after it.
      if (trimmed.startsWith(fence) && /^[`~]+$/.test(trimmed) && trimmed[0] === fence[0]) break;
      // Content of an indented fence loses up to as many spaces as the fence had.
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    const words = info.trim().split(/\s+/);
    if (words[0] === 'sh' && words[1] === 'runnable') {
      if (words.length > 3 || (words[2] !== undefined && words[2] !== 'fresh'))
        throw new Error(`line ${i + 1}: unknown runnable marker "${info.trim()}" (sh runnable [fresh])`);
      blocks.push({ line: i + 1, fresh: words[2] === 'fresh', text: `${body.join('\n')}\n` });
    }
    i = j;
  }
  return blocks;
}
