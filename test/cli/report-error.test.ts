import { afterEach, describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import { bug, KeyceremonyError } from '../../src/errors.js';

function reported(error: unknown): { code: number; text: string } {
  let text = '';
  const code = reportError(error, (t) => (text += t));
  return { code, text };
}

describe('reporting errors', () => {
  afterEach(() => {
    delete process.env['KEYCEREMONY_DEBUG'];
  });

  it('prints a typed error as one line plus its details, with its exit code and no stack', () => {
    const { code, text } = reported(new KeyceremonyError('INPUT_INVALID', 'bad keyring', { details: ['line 3'] }));
    expect(code).toBe(2);
    expect(text).toMatch(/^keyceremony: error: bad keyring\n {2}line 3\n$/);
  });

  it('calls anything else a bug, says where to report it, and shows the stack only on request', () => {
    const plain = reported(new TypeError('x is undefined'));
    expect(plain.code).toBe(70);
    expect(plain.text).toMatch(/internal error: x is undefined/);
    expect(plain.text).toMatch(/This is a bug in keyceremony/);
    expect(plain.text).toMatch(/README\.md, "Reporting problems".*SECURITY\.md/);
    expect(plain.text).not.toMatch(/ at .*\.ts:\d+/);
    process.env['KEYCEREMONY_DEBUG'] = '1';
    expect(reported(new TypeError('x is undefined')).text).toMatch(/ at /);
  });

  it('reports bug() as an internal error that asks for a report (exit 70), never as a typed error', () => {
    const { code, text } = reported(bug('the token session is closed'));
    expect(code).toBe(70);
    expect(text).toMatch(/^keyceremony: internal error: the token session is closed\n {2}This is a bug in keyceremony/);
  });
});
