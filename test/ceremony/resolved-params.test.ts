/**
 * Resolved parameters: plan shows what a step runs with (defaults marked), the transcript records it, and a
 * strict script (or `plan --strict`) that leaves anything to a default is refused before anything runs.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, inject } from 'vitest';
import { actions } from '../../src/ceremony/actions/index.js';
import { parseScript } from '../../src/ceremony/load-script.js';
import { defaultedPaths, resolvedParamLines } from '../../src/ceremony/resolved-params.js';
import { KeyceremonyError } from '../../src/errors.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const base = `keyceremony: 1
name: test-root
title: Test ceremony
version: 1
organisation: Example
purpose: Testing
roles:
  - id: operator
    title: Operator
  - id: witness
    title: Witness
steps:
  - id: make
    action: openpgp.generate-root
    role: operator
    params:
      userIds: ["Test <test@example.org>"]
      subkeys:
        - expires: 1y
  - id: check
    action: confirm
    role: witness
    params:
      statement: ok
`;

function details(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyceremonyError);
    expect((error as KeyceremonyError).exitCode).toBe(2);
    return [...(error as KeyceremonyError).details];
  }
  throw new Error('the script was accepted');
}

describe('resolved parameters', () => {
  it('name every value a default filled in, including values derived from other parameters', () => {
    const loaded = parseScript(base, 'test.yaml', actions);
    const [make, check] = loaded.steps;
    expect(make?.defaults.map((p) => p.join('.')).sort()).toEqual(
      ['algorithm', 'expires', 'location', 'subkeys.0.algorithm', 'subkeys.0.label', 'transcriptKey'].sort(),
    );
    // Derived defaults are resolved, not left to the code that runs the step.
    expect(make?.params).toMatchObject({
      algorithm: 'ed25519',
      subkeys: [{ label: 'signing-1', algorithm: 'ed25519', expires: '1y' }],
      transcriptKey: { algorithm: 'ed25519', expires: '5y' },
    });
    // A checkpoint without roles is confirmed by the step's own role, and says so.
    expect(check?.params).toMatchObject({ roles: ['witness'] });
    expect(check?.defaults).toEqual([['roles']]);
    expect(loaded.defaults.map((p) => p.join('.')).sort()).toEqual(['preflight', 'record', 'vault']);
  });

  it('on a token, the transcripts key and the key label follow the root, and P-256 is the default', () => {
    const token = base.replace(
      'userIds: ["Test <test@example.org>"]',
      'userIds: ["Test <test@example.org>"]\n      location: token\n      token: {label: root, generation: on-token}',
    );
    const make = parseScript(token, 'test.yaml', actions).steps[0];
    expect(make?.params).toMatchObject({
      algorithm: 'nistp256',
      token: { object: 'openpgp-root', copies: [] },
      transcriptKey: { algorithm: 'nistp256', generation: 'on-token' },
    });
    expect(make?.defaults.map((p) => p.join('.'))).toEqual(
      expect.arrayContaining(['algorithm', 'token.object', 'token.copies', 'transcriptKey']),
    );
    expect(make?.defaults.map((p) => p.join('.'))).not.toContain('token.generation');
  });

  it('refuse every default in a strict script, with its line, path and the value to write', () => {
    const strict = base.replace('organisation: Example\n', 'organisation: Example\nstrict: true\n');
    const lines = details(() => parseScript(strict, 'test.yaml', actions));
    expect(lines).toContain('1:1 vault: relies on the default new (strict: true): write it in the script');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\d+:\d+ steps\[0\]\.params\.expires: relies on the default 5y \(strict: true\): write it in the script$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/steps\[0\]\.params\.subkeys\[0\]\.label: .*signing-1/));
    expect(lines).toContainEqual(expect.stringMatching(/steps\[1\]\.params\.roles: .*\["witness"\]/));
    // Nothing else is reported: an optional parameter whose absence means "none" (a token serial) is no default.
    expect(lines).toContainEqual(expect.stringMatching(/^1:1 record: relies on the default \{"place":false/));
    expect(lines).toHaveLength(10);
    // Without strict the same script loads; plan --strict asks for strictness from the outside.
    expect(() => parseScript(base, 'test.yaml', actions)).not.toThrow();
    expect(details(() => parseScript(base, 'test.yaml', actions, { strict: true }))[0]).toMatch(/\(plan --strict\)/);
  });

  it('every shipped script is strict and passes plan --strict', async () => {
    const scripts = (await readdir(ceremoniesDir)).filter((f) => f.endsWith('.yaml'));
    expect(scripts.length).toBeGreaterThan(10);
    for (const file of scripts) {
      const text = await readFile(join(ceremoniesDir, file), 'utf8');
      const loaded = parseScript(text, file, actions, { strict: true });
      expect(loaded.script.strict, file).toBe(true);
      expect(
        loaded.steps.flatMap((s) => s.defaults),
        file,
      ).toEqual([]);
    }
  });

  it('plan prints each step with its resolved parameters and marks the defaults; --strict refuses', async () => {
    const dir = await tempDir('plan-');
    const file = join(dir, 'script.yaml');
    await writeFile(file, base);
    const plan = await cli(['plan', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Parameters \(as the step runs them\):\n\s+algorithm: ed25519 {2}# default\n/);
    expect(plan.stdout).toMatch(/\n\s+userIds: \[ Test <test@example\.org> \]\n/);
    expect(plan.stdout).toMatch(
      /\n\s+- label: signing-1 {2}# default\n\s+algorithm: ed25519 {2}# default\n\s+expires: 1y\n\s+transcriptKey: \{ algorithm: ed25519, expires: 5y \} {2}# default\n/,
    );
    expect(plan.stdout).toMatch(/Script settings not given \(defaults\)\n\s+vault: new\n/);
    const strict = await cli(['plan', '--strict', file]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/10 problems; nothing was done/);
    expect(strict.stdout).toBe('');
  });

  it('the transcript records each step’s resolved parameters and which were defaults', async () => {
    const dir = inject('rehearsalDir');
    const transcripts = join(dir, 'public', 'transcripts');
    const jsonl = (await readdir(transcripts)).find((f) => f.endsWith('.jsonl'));
    const entries = (await readFile(join(transcripts, jsonl as string), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; data: Record<string, unknown> });
    const generate = entries.find((e) => e.event === 'step.start' && e.data['action'] === 'openpgp.generate-root');
    expect(generate?.data['params']).toMatchObject({
      algorithm: 'ed25519',
      location: 'software',
      expires: '5y',
      transcriptKey: { algorithm: 'ed25519', expires: '5y' },
    });
    expect(generate?.data['defaults']).toEqual([]);
  });
});

describe('defaultedPaths', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

  it('finds nothing when the script gave everything', () => {
    fc.assert(fc.property(json, (value) => defaultedPaths(value, value).length === 0));
  });

  it('finds exactly the key a script left out', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), json, { minKeys: 1, maxKeys: 5 }),
        fc.nat(),
        (resolved, pick) => {
          const keys = Object.keys(resolved);
          const dropped = keys[pick % keys.length] as string;
          const raw = Object.fromEntries(Object.entries(resolved).filter(([k]) => k !== dropped));
          expect(defaultedPaths(raw, resolved)).toEqual([[dropped]]);
        },
      ),
    );
  });

  it('renders the resolved parameters as YAML a person can copy into the script', () => {
    expect(resolvedParamLines({ a: 1, b: { c: 'x' }, d: [{ e: true }] }, [['b']])).toEqual([
      'a: 1',
      'b: { c: x }  # default',
      'd:',
      '  - e: true',
    ]);
  });
});
