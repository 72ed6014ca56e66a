/**
 * Reading YAML that users hand the tool (ceremony scripts, answers files): strict UTF-8, syntax errors as
 * "line:col message" without echoing the source line (an answers file holds passphrases), and aliases bounded
 * so that an alias bomb ("billion laughs") is an input error, not an exhausted process or an internal error.
 */
import { type Document, isScalar, LineCounter, parseDocument, visit, YAMLParseError } from 'yaml';
import { type ErrorCode, KeyceremonyError } from '../errors.js';
import { unsafeCharacter } from './excerpt.js';
import { decodeUtf8 } from './utf8.js';

const TEXT_WHITESPACE = new Set(['\t', '\n', '\r']);

/** Aliases a document may resolve in all: generous for anchors reused by hand, far below any bomb. */
export const MAX_YAML_ALIASES = 100;

export interface YamlInput {
  readonly text: string;
  readonly document: Document;
  readonly lineCounter: LineCounter;
  readonly value: unknown;
}

export function parseYamlInput(bytes: Uint8Array, where: string, code: ErrorCode): YamlInput {
  const text = decodeUtf8(bytes, where, code);
  // Anywhere, comments included: a NUL hides the rest of a line in some viewers, a bidi override makes a
  // reviewed line read differently from what is parsed ("Trojan Source").
  const control = unsafeCharacter(text, TEXT_WHITESPACE);
  if (control) {
    const before = text.slice(0, control.index);
    const line = before.split('\n').length;
    const column = control.index - before.lastIndexOf('\n');
    throw new KeyceremonyError(
      code,
      `${where} contains the control character ${control.escaped} at line ${line}, column ${column}`,
    );
  }
  const lineCounter = new LineCounter();
  // No YAML 1.1 extras (!!binary, !!set, ...): what a reviewer reads is plain strings, numbers, lists and maps.
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, resolveKnownTags: false });
  // Warnings (an unknown tag silently dropped) are errors here: a reviewed input means exactly what it says.
  const problems = [...document.errors, ...document.warnings];
  visit(document, {
    Pair(_, pair) {
      // A list or map used as a key would be flattened to a string by toJS (and a warning printed).
      if (pair.key !== null && !isScalar(pair.key)) {
        const at = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
        problems.push(new YAMLParseError([at, at + 1], 'BAD_INDENT', 'A key must be a plain value, not a list or map'));
      }
    },
  });
  if (problems.length > 0) {
    throw new KeyceremonyError(code, `${where} is not valid YAML`, {
      details: problems.slice(0, 10).map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        // The library's messages are fixed sentences, some followed by source text: keep the sentence only.
        const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+.*$/, '');
        return `${pos.line}:${pos.col} ${[...message].slice(0, 100).join('')}`;
      }),
    });
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    if (error instanceof ReferenceError) {
      throw new KeyceremonyError(
        code,
        /^Unresolved alias/.test(error.message)
          ? `${where} uses a YAML alias (*name) whose anchor (&name) is not defined before it`
          : `${where} uses YAML aliases too much (more than ${MAX_YAML_ALIASES} resolved; an alias bomb?): write the values out`,
      );
    }
    throw error;
  }
  return { text, document, lineCounter, value };
}
