import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScript, loadScript } from '../../src/ceremony/load-script.js';
import { actions } from '../../src/ceremony/actions/index.js';
import { KeyceremonyError } from '../../src/errors.js';
import { ceremoniesDir } from '../helpers/paths.js';

const good = `keyceremony: 1
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
  - id: check
    action: confirm
    role: witness
    params:
      statement: ok
      fingerprintOf: make
`;

function problems(text: string): string[] {
  try {
    parseScript(text, 'test.yaml', actions);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyceremonyError);
    expect((error as KeyceremonyError).code).toBe('SCRIPT_INVALID');
    expect((error as KeyceremonyError).exitCode).toBe(2);
    return [...(error as KeyceremonyError).details];
  }
  throw new Error('the script was accepted');
}

describe('ceremony scripts', () => {
  it('read the paper-trail sections, and check their roles, item ids and reserved step ids', () => {
    const withTrail = `${good}record:\n  place: true\n  names: true\n  items:\n    - id: laptop\n      what: Laptop\n    - id: medium\n      what: Medium 1\n      record: [serial, bag-sealed]\npreflight:\n  codeHashBy: [witness]\nclosing:\n  statement: Sealed.\n  roles: [operator, witness]\n`;
    const loaded = parseScript(withTrail, 'test.yaml', actions);
    expect(loaded.script.record).toEqual({
      place: true,
      names: true,
      items: [
        { id: 'laptop', what: 'Laptop', record: ['serial'] },
        { id: 'medium', what: 'Medium 1', record: ['serial', 'bag-sealed'] },
      ],
    });
    expect(loaded.script.preflight.codeHashBy).toEqual(['witness']);
    expect(loaded.script.closing).toEqual({ statement: 'Sealed.', roles: ['operator', 'witness'] });
    // Defaults: nothing asked, no closing roles.
    expect(parseScript(good, 'test.yaml', actions).script.record).toEqual({ place: false, names: false, items: [] });
    const bad = withTrail
      .replace('codeHashBy: [witness]', 'codeHashBy: [auditor]')
      .replace('roles: [operator, witness]', 'roles: [operator, janitor]')
      .replace('id: medium', 'id: laptop')
      .replace('record: [serial, bag-sealed]', 'record: [serial, serial]')
      .replace('id: check', 'id: closing');
    const found = problems(bad);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/steps\[1\]\.id: is reserved/),
        expect.stringMatching(/record\.items\[1\]\.record: lists a field twice/),
      ]),
    );
    // Role and item references are checked once the rest of the script is valid.
    const refs = problems(
      withTrail
        .replace('codeHashBy: [witness]', 'codeHashBy: [auditor]')
        .replace('roles: [operator, witness]', 'roles: [operator, janitor]')
        .replace('id: medium', 'id: laptop'),
    );
    expect(refs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/preflight\.codeHashBy\[0\]: role "auditor" is not defined in roles/),
        expect.stringMatching(/closing\.roles\[1\]: role "janitor" is not defined in roles/),
        expect.stringMatching(/record\.items\[1\]\.id: item "laptop" is listed twice/),
      ]),
    );
  });

  it('ship scripts that all ask for the paper trail and close after the transcript', async () => {
    for (const name of (await readdir(ceremoniesDir)).filter((n) => n.endsWith('.yaml'))) {
      const { script } = await loadScript(join(ceremoniesDir, name), actions);
      expect(script.record, name).toMatchObject({ place: true, names: true });
      expect(
        script.record.items.map((i) => i.id),
        name,
      ).toContain('laptop');
      expect(script.preflight.codeHashBy.length, name).toBeGreaterThan(0);
      expect(script.closing?.roles.length, name).toBeGreaterThan(0);
    }
  });

  it('accept a good script and fill in the defaults', () => {
    const loaded = parseScript(good, 'test.yaml', actions);
    expect(loaded.steps.map((s) => s.id)).toEqual(['make', 'check']);
    expect(loaded.script.version).toBe('1');
    expect(loaded.script.preflight.confirmClock).toBe(true);
    expect(loaded.steps[0]?.params).toMatchObject({ algorithm: 'ed25519', expires: '5y', subkeys: [] });
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('report every problem at once, each with line, column and path', () => {
    const bad = good
      .replace('organisation: Example', 'organisation: Example\ncolour: blue') // unknown key
      .replace(
        'role: operator\n    params:\n      userIds',
        'role: nobody\n    params:\n      algorithm: dsa\n      userIds',
      ) // undefined role, bad value
      .replace('fingerprintOf: make', 'fingerprintOf: missing'); // undefined step
    const lines = problems(bad);
    expect(lines).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(/^6:1 colour: unknown key "colour"/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d+:\d+ steps\[0\]\.role: role "nobody" is not defined in roles/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\d+:\d+ steps\[0\]\.params\.algorithm: Invalid option/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d+:\d+ steps\[1\]\.params\.fingerprintOf: step "missing" is not defined/),
    );
  });

  it('refuse references to later steps, steps that produce the wrong thing, and duplicates', () => {
    const itself = good.replace('fingerprintOf: make', 'fingerprintOf: check');
    expect(problems(itself)).toContainEqual(expect.stringContaining('a step cannot refer to itself'));
    const later =
      good.replace('fingerprintOf: make', 'fingerprintOf: after') +
      `  - id: after
    action: openpgp.generate-root
    role: operator
    params:
      userIds: ["Later <later@example.org>"]
`;
    expect(problems(later)).toContainEqual(expect.stringContaining('step "after" comes later'));
    const wrongProduct =
      good.replace('fingerprintOf: make', 'fingerprintOf: make') +
      `  - id: again
    action: confirm
    role: witness
    params:
      statement: x
      fingerprintOf: check
`;
    expect(problems(wrongProduct)).toContainEqual(
      expect.stringContaining('step "check" does not produce an openpgp-root'),
    );
    const duplicate = good.replace('id: check', 'id: make');
    expect(problems(duplicate)).toContainEqual(expect.stringContaining('duplicate step id "make"'));
    const duplicateRole = good.replace('id: witness', 'id: operator');
    expect(problems(duplicateRole)).toContainEqual(expect.stringContaining('duplicate role id "operator"'));
  });

  it('refuse unknown actions, missing fields, bad user IDs and witness roles', () => {
    expect(problems(good.replace('action: confirm', 'action: launch-rockets'))).toContainEqual(
      expect.stringContaining('unknown action "launch-rockets"'),
    );
    expect(problems(good.replace('title: Test ceremony\n', ''))).toContainEqual(
      expect.stringMatching(/title: Invalid input/),
    );
    expect(problems(good.replace('Test <test@example.org>', 'no address'))).toContainEqual(
      expect.stringContaining('userIds[0]'),
    );
    expect(problems(good.replace('statement: ok', 'statement: ok\n      roles: [ghost]'))).toContainEqual(
      expect.stringContaining('params.roles[0]: role "ghost" is not defined'),
    );
    expect(
      problems(
        good
          .replace('expires', 'expires')
          .replace('userIds: ["Test <test@example.org>"]', 'userIds: ["Test <test@example.org>"]\n      expires: 0y'),
      ),
    ).toContainEqual(expect.stringContaining('params.expires'));
  });

  it('refuse a subkey label used twice, before anything runs (defaults count: signing-<n>)', async () => {
    const twice = good.replace(
      'userIds: ["Test <test@example.org>"]',
      'userIds: ["Test <test@example.org>"]\n      subkeys: [{label: release}, {label: signing-3}, {}, {label: release}]',
    );
    expect(problems(twice)).toEqual([
      expect.stringMatching(/steps\[0\]\.params\.subkeys\[2\]\.label: subkey label "signing-3" is used twice/),
      expect.stringMatching(/steps\[0\]\.params\.subkeys\[3\]\.label: subkey label "release" is used twice/),
    ]);
    const rotate = await readFile(join(ceremoniesDir, 'openpgp-rotate.yaml'), 'utf8');
    const added = rotate.replace(/( +)- label: release-pipeline-next\n(?:\1 {2}.*\n)+/, (entry) => entry + entry);
    expect(added).not.toBe(rotate);
    expect(problems(added)).toEqual([
      expect.stringMatching(/params\.addSubkeys\[1\]\.label: subkey label "release-pipeline-next" is used twice/),
    ]);
  });

  it('report YAML syntax errors and duplicate keys with their position', () => {
    expect(problems(`${good}  - id: [unclosed\n`)[0]).toMatch(/^\d+:\d+ /);
    expect(problems(good.replace('name: test-root', 'name: test-root\nname: again'))[0]).toMatch(/^\d+:\d+ .*unique/i);
  });

  it('name an unreadable file clearly', async () => {
    await expect(loadScript('/nonexistent/script.yaml', actions)).rejects.toMatchObject({ code: 'SCRIPT_UNREADABLE' });
  });

  it('include shipped ceremonies that validate', async () => {
    const loaded = await loadScript(join(ceremoniesDir, 'openpgp-root.yaml'), actions);
    expect(loaded.script.organisation).toContain('Wikimedia Deutschland');
    const text = await readFile(join(ceremoniesDir, 'openpgp-root.yaml'), 'utf8');
    expect(text).toContain('algorithm: ed25519');
  });
});
