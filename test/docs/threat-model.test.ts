/**
 * The threat model cannot rot: every control in docs/threat-model.md names the tests that prove it, and this file
 * checks that each named test file exists and still holds a test of exactly that name (not skipped, not a
 * todo). A control without a test must say it is a gap, and every gap must be listed where the page lists them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

const pagePath = join(repoRoot, 'docs', 'threat-model.md');
const page = readFileSync(pagePath, 'utf8');

/** The text of a `## Heading` section, up to the next heading of that level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`docs/threat-model.md has no "## ${heading}" section`);
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Splits a table row at unescaped pipes. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

interface TestLink {
  text: string;
  href: string;
  name: string;
}

interface Control {
  id: string;
  line: number;
  gap: boolean;
  tests: TestLink[];
  proof: string;
}

/** Every row of every table under "## Controls": `| id | control | defends | against | proved by |`. */
function parseControls(markdown: string): Control[] {
  const body = section(markdown, 'Controls');
  const offset = markdown.split('\n').findIndex((line) => line.trim() === '## Controls') + 2;
  const controls: Control[] = [];
  let header: string[] | undefined;
  body.split('\n').forEach((line, index) => {
    if (!line.trim().startsWith('|')) {
      header = undefined;
      return;
    }
    const row = cells(line);
    if (header === undefined) {
      header = row.map((cell) => cell.toLowerCase());
      expect(header, `the table header at line ${offset + index}`).toEqual([
        'id',
        'control',
        'defends',
        'against',
        'proved by',
      ]);
      return;
    }
    if (row.every((cell) => /^:?-+:?$/.test(cell))) return;
    expect(row, `line ${offset + index} has ${header.length} cells`).toHaveLength(header.length);
    const proof = row[4]!;
    const tests = proof
      .split('<br>')
      .map((item) => item.trim())
      .filter((item) => item.startsWith('['))
      .map((item) => {
        const match = /^\[([^\]]+)\]\(([^)\s]+)\) › "(.+)"$/.exec(item);
        if (!match) throw new Error(`line ${offset + index}: cannot read the test link ${item}`);
        return { text: match[1]!, href: match[2]!, name: match[3]! };
      });
    controls.push({
      id: row[0]!.replace(/\*/g, ''),
      line: offset + index,
      gap: /\*\*gap\*\*/.test(proof),
      tests,
      proof,
    });
  });
  return controls;
}

/** The names of the tests a file declares with a literal title and that run (no skip, todo or fails). */
function testTitles(fileName: string, text: string): Set<string> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const runs =
        (ts.isIdentifier(callee) && (callee.text === 'it' || callee.text === 'test')) ||
        (ts.isPropertyAccessExpression(callee) &&
          ts.isIdentifier(callee.expression) &&
          (callee.expression.text === 'it' || callee.expression.text === 'test') &&
          (callee.name.text === 'concurrent' || callee.name.text === 'sequential'));
      const title = node.arguments[0];
      if (runs && title && (ts.isStringLiteral(title) || ts.isNoSubstitutionTemplateLiteral(title))) {
        names.add(title.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

function testNames(file: string): Set<string> {
  return testTitles(file, readFileSync(file, 'utf8'));
}

const controls = parseControls(page);
const docsDir = dirname(pagePath);

describe('docs/threat-model.md', () => {
  it('lists controls, each with a unique id', () => {
    expect(controls.length).toBeGreaterThan(30);
    const ids = controls.map((c) => c.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const id of ids) expect(id).toMatch(/^C\d+$/);
  });

  it('names, for every control, the tests that prove it, or says it is a gap', () => {
    for (const control of controls) {
      if (control.gap) {
        expect(control.tests, `${control.id} (line ${control.line}) is a gap and names a test`).toEqual([]);
      } else {
        expect(
          control.tests.length,
          `${control.id} (line ${control.line}) names no test: ${control.proof}`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('links only test files that exist, each holding a running test of exactly the name given', () => {
    const problems: string[] = [];
    const cache = new Map<string, Set<string>>();
    for (const control of controls) {
      for (const link of control.tests) {
        const target = normalize(join(docsDir, link.href));
        const shown = relative(repoRoot, target);
        if (link.text !== shown) problems.push(`${control.id}: link text ${link.text} but it points at ${shown}`);
        if (!/^test\/.+\.test\.ts$/.test(shown)) problems.push(`${control.id}: ${shown} is not a test file`);
        if (!existsSync(target)) {
          problems.push(`${control.id}: ${shown} does not exist`);
          continue;
        }
        if (!cache.has(target)) cache.set(target, testNames(target));
        if (!cache.get(target)!.has(link.name)) problems.push(`${control.id}: ${shown} has no test "${link.name}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists every gap in its gaps section, and nothing else there', () => {
    const listed = [...section(page, 'Gaps').matchAll(/\*\*(C\d+)\*\*/g)].map((m) => m[1]);
    const gaps = controls.filter((c) => c.gap).map((c) => c.id);
    expect(listed.sort()).toEqual(gaps.sort());
  });

  it('has no relative link to a file that does not exist', () => {
    const missing = [...page.matchAll(/\]\((?!https?:|#|mailto:)([^)\s#]+)(#[^)\s]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((href) => !existsSync(join(docsDir, href)));
    expect(missing).toEqual([]);
  });

  it('is linked from the guides by anchors that exist on the page', () => {
    const anchors = new Set(
      [...page.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
    );
    const linking = ['ceremony-guide.md', 'auditor-guide.md'];
    const broken: string[] = [];
    for (const guide of linking) {
      const text = readFileSync(join(docsDir, guide), 'utf8');
      const links = [...text.matchAll(/\]\(threat-model\.md(?:#([^)\s]+))?\)/g)];
      expect(links.length, `${guide} links to the threat model`).toBeGreaterThan(0);
      for (const [, anchor] of links) if (anchor && !anchors.has(anchor)) broken.push(`${guide}: #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it('reads test titles as TypeScript does, leaving out skipped tests, todos and titles that are not literal', () => {
    const probe = [
      "it('plain', () => {});",
      "it.skip('skipped', () => {});",
      "it.todo('to do');",
      "it.fails('fails', () => {});",
      "it(`made ${'up'}`, () => {});",
      "it('it\\u2019s escaped', () => {});",
      'test.concurrent(`a template`, async () => {});',
      "describe('a group', () => { it('nested', () => {}); });",
    ].join('\n');
    expect([...testTitles('probe.ts', probe)].sort()).toEqual(['a template', 'it’s escaped', 'nested', 'plain']);
  });
});
