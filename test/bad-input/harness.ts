/**
 * The bad-input suite's tools: the CLI run in this process (hundreds of runs in seconds), the judgement every
 * refused input must pass, and fast-check arbitraries that damage a good file the ways files get damaged.
 */
import { CommanderError } from 'commander';
import fc from 'fast-check';
import { expect } from 'vitest';
import { buildProgram, commanderExit } from '../../src/cli/program.js';
import { reportError } from '../../src/cli/report-error.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `keyceremony ARGS` in this process: what it prints and the exit status main() would set. */
export async function cliInProcess(args: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stderr.write;
  let code = 0;
  try {
    const program = buildProgram();
    program.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    await program.parseAsync(['node', 'keyceremony', ...args]);
  } catch (error) {
    code = error instanceof CommanderError ? commanderExit(error) : reportError(error, (t) => err.push(t));
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Longest line an error may print: the message and each detail are a short line each. */
export const MAX_ERROR_LINE = 300;

/**
 * What every refusal of bad input must look like: the allowed exit codes, one short error line (and short
 * detail lines), no stack trace, no internal error.
 */
export function expectCleanRefusal(result: CliResult, allowed: readonly number[], what: string): void {
  expect(allowed, `${what}: exit ${result.code}\n${result.stderr.slice(0, 2000)}`).toContain(result.code);
  if (result.code === 0) return;
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines.length, `${what}: nothing said`).toBeGreaterThan(0);
  expect(lines[0], what).toMatch(/^keyceremony: error: /);
  for (const line of lines)
    expect(Buffer.byteLength(line), `${what}: ${line.slice(0, 200)}`).toBeLessThan(MAX_ERROR_LINE);
  expect(result.stderr, what).not.toMatch(/internal error|this is a bug|\n\s+at .+:\d+:\d+/);
}

/** Bytes that break text formats: NUL, invalid UTF-8, a BOM in the middle, control and bidi characters. */
const nasty = fc.constantFrom(
  Uint8Array.of(0),
  Uint8Array.of(0xff),
  Uint8Array.of(0xc3),
  Uint8Array.of(0xef, 0xbb, 0xbf),
  Uint8Array.of(0x1b, 0x5b, 0x33, 0x31, 0x6d),
  Uint8Array.of(0xe2, 0x80, 0xae),
  new TextEncoder().encode('\n'),
  new TextEncoder().encode(': '),
  new TextEncoder().encode('- '),
  new TextEncoder().encode('&a [*a]'),
  new TextEncoder().encode('"'),
  new TextEncoder().encode('{'),
  new TextEncoder().encode('-----BEGIN PGP SIGNATURE-----'),
  new TextEncoder().encode('x'.repeat(5000)),
);

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const start = Math.min(at, bytes.length);
  const end = Math.min(start + remove, bytes.length);
  const out = new Uint8Array(bytes.length - (end - start) + insert.length);
  out.set(bytes.subarray(0, start), 0);
  out.set(insert, start);
  out.set(bytes.subarray(end), start + insert.length);
  return out;
}

/**
 * `original` damaged once or a few times: a bit flipped, a byte set, a cut, a range deleted or repeated,
 * random or nasty bytes inserted — the ways a file gets corrupted, truncated, or edited badly.
 */
export function damaged(original: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = Math.max(original.length, 1);
  const position = fc.integer({ min: 0, max: n - 1 });
  const one: fc.Arbitrary<(b: Uint8Array) => Uint8Array> = fc.oneof(
    fc.tuple(position, fc.integer({ min: 0, max: 7 })).map(([at, bit]) => (b: Uint8Array) => {
      const out = b.slice();
      if (out.length) out[at % out.length] = (out[at % out.length] as number) ^ (1 << bit);
      return out;
    }),
    fc.tuple(position, fc.integer({ min: 0, max: 255 })).map(([at, value]) => (b: Uint8Array) => {
      const out = b.slice();
      if (out.length) out[at % out.length] = value;
      return out;
    }),
    position.map((at) => (b: Uint8Array) => b.slice(0, at % (b.length + 1))),
    fc.tuple(position, fc.integer({ min: 1, max: 64 })).map(
      ([at, len]) =>
        (b: Uint8Array) =>
          splice(b, at, len, new Uint8Array()),
    ),
    fc.tuple(position, fc.integer({ min: 1, max: 64 })).map(
      ([at, len]) =>
        (b: Uint8Array) =>
          splice(b, at, 0, b.slice(at % (b.length + 1), (at % (b.length + 1)) + len)),
    ),
    fc.tuple(position, fc.uint8Array({ minLength: 1, maxLength: 32 })).map(
      ([at, bytes]) =>
        (b: Uint8Array) =>
          splice(b, at, 0, bytes),
    ),
    fc.tuple(position, nasty).map(
      ([at, bytes]) =>
        (b: Uint8Array) =>
          splice(b, at, 0, bytes),
    ),
  );
  return fc
    .array(one, { minLength: 1, maxLength: 3 })
    .map((edits) => edits.reduce((b, edit) => edit(b), original))
    .filter((b) => !Buffer.from(b).equals(Buffer.from(original)));
}

/** Inputs made from nothing: empty, random bytes, random text, random JSON and YAML-ish text. */
export const generated: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array()),
  fc.uint8Array({ maxLength: 2048 }),
  fc.string({ maxLength: 512, unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()))
    .map((d) =>
      new TextEncoder().encode(
        Object.entries(d)
          .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
          .join('\n'),
      ),
    ),
);

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An alias bomb ("billion laughs"): 9^6 strings from a few hundred bytes. */
export const ALIAS_BOMB = text(
  [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    ...'bcdef'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`),
    'g: [*f]',
  ].join('\n'),
);

/** Known-bad inputs every reader meets on every run, besides what fast-check makes up. */
export function knownBad(original: Uint8Array): Uint8Array[] {
  const good = new TextDecoder().decode(original);
  return [
    ALIAS_BOMB,
    text(`${'k'.repeat(100_000)}: 1\n${good}`),
    text(`? ${'k'.repeat(100_000)}\n: 1\n${good}`),
    text(good.replace(/\n/, '\u0000\n')),
    Buffer.concat([Buffer.from(good.slice(0, 40)), Buffer.from([0xff, 0xfe]), Buffer.from(good.slice(40))]),
    text(`${good}\n${'['.repeat(100_000)}`),
    text('['.repeat(100_000)),
    text('"\u202e'.repeat(3)),
    new Uint8Array(3 * 1024 * 1024).fill(0x61),
    new Uint8Array(),
  ];
}

/** What a reader is fed: fast-check's inputs, plus known-bad ones every run includes. */
export interface Inputs {
  readonly arbitrary: fc.Arbitrary<Uint8Array>;
  readonly examples: readonly Uint8Array[];
}

/** `original` damaged (see damaged()), and the known-bad inputs made from it. */
export function damagedInputs(original: Uint8Array): Inputs {
  return { arbitrary: damaged(original), examples: knownBad(original) };
}

/** Inputs made from nothing, and the known-bad ones (made from an empty file). */
export const generatedInputs: Inputs = { arbitrary: generated, examples: knownBad(new Uint8Array()) };

export function anyOf(...inputs: Inputs[]): Inputs {
  return { arbitrary: fc.oneof(...inputs.map((i) => i.arbitrary)), examples: inputs.flatMap((i) => i.examples) };
}

export function only(inputs: Inputs, keep: (bytes: Uint8Array) => boolean): Inputs {
  return { arbitrary: inputs.arbitrary.filter(keep), examples: inputs.examples.filter(keep) };
}
