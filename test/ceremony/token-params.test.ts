/** Script parameters for roots on tokens: defaults, and the combinations that are refused before anything runs. */
import { describe, expect, it } from 'vitest';
import { loadScript, parseScript } from '../../src/ceremony/load-script.js';
import { actions } from '../../src/ceremony/actions/index.js';
import { KeyceremonyError } from '../../src/errors.js';
import { join } from 'node:path';
import { ceremoniesDir } from '../helpers/paths.js';

const script = (params: string): string => `keyceremony: 1
name: t
title: T
version: 1
organisation: Example
purpose: Testing
roles:
  - id: operator
    title: Operator
steps:
  - id: make
    action: openpgp.generate-root
    role: operator
    params:
      userIds: ["Test <test@example.org>"]
${params.replace(/^/gm, '      ')}
`;

function problems(text: string): string[] {
  try {
    parseScript(text, 'test.yaml', actions);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyceremonyError);
    return [...(error as KeyceremonyError).details];
  }
  throw new Error('the script was accepted');
}

describe('openpgp.generate-root on a token', () => {
  it('defaults to P-256 on a token and Ed25519 in software, and to on-token generation', () => {
    const token = parseScript(script('location: token\ntoken: {label: root}'), 't.yaml', actions).steps[0]?.params;
    expect(token).toMatchObject({
      algorithm: 'nistp256',
      location: 'token',
      token: { label: 'root', generation: 'on-token', copies: [] },
    });
    expect(parseScript(script(''), 't.yaml', actions).steps[0]?.params).toMatchObject({
      algorithm: 'ed25519',
      location: 'software',
    });
    const id = parseScript(script('location: token\ntoken: {label: root, id: "0A:0b"}'), 't.yaml', actions).steps[0]
      ?.params;
    expect(id).toMatchObject({ token: { id: '0a0b' } });
  });

  it('refuses token parameters that do not fit together, with line and path', () => {
    expect(problems(script('location: token'))).toEqual([
      expect.stringMatching(/^\d+:\d+ steps\[0\]\.params\.token: location: token needs token/),
    ]);
    expect(problems(script('token: {label: root}'))).toEqual([
      expect.stringMatching(/steps\[0\]\.params\.token: token is given but location is software/),
    ]);
    expect(problems(script('location: token\ntoken: {label: root, copies: [{label: b}]}'))).toEqual([
      expect.stringMatching(/steps\[0\]\.params\.token\.copies: copies need generation: imported-copies/),
    ]);
    expect(
      problems(script('location: token\ntoken: {label: root, id: xyz, module: relative.so, pin: "1234"}')),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/token\.id: must be 1 to 32 bytes in hex/),
        expect.stringMatching(/token\.module: must be an absolute path/),
        expect.stringMatching(/token\.pin: unknown key "pin"/),
      ]),
    );
  });

  it('ships a token ceremony that validates', async () => {
    const loaded = await loadScript(join(ceremoniesDir, 'openpgp-root-token.yaml'), actions);
    expect(loaded.steps.find((s) => s.id === 'generate-root')?.params).toMatchObject({
      location: 'token',
      algorithm: 'nistp256',
      token: { label: 'wikibase-root', generation: 'on-token' },
    });
  });
});

/** A script whose second step is `action` with `params` (the first makes the root that signs the transcript). */
const dctScript = (action: string, params: string): string => `${script('')}  - id: dct
    action: ${action}
    role: operator
    params:
${params.replace(/^/gm, '      ')}
`;

describe('DCT roots on a token (dct.generate-root, dct.rotate-root)', () => {
  it('refuses copies of a key generated on the token, as openpgp.generate-root does', () => {
    for (const action of ['dct.generate-root', 'dct.rotate-root']) {
      expect(
        problems(dctScript(action, 'location: token\ntoken: {label: root, copies: [{label: b}]}')),
        action,
      ).toEqual([expect.stringMatching(/steps\[1\]\.params\.token\.copies: copies need generation: imported-copies/)]);
      expect(problems(dctScript(action, 'location: token')), action).toEqual([
        expect.stringMatching(/steps\[1\]\.params\.token: location: token needs the token parameters/),
      ]);
      const copies = parseScript(
        dctScript(action, 'location: token\ntoken: {label: root, generation: imported-copies, copies: [{label: b}]}'),
        't.yaml',
        actions,
      );
      expect(copies.steps[1]?.params).toMatchObject({ token: { copies: [{ label: 'b' }] } });
    }
  });
});
