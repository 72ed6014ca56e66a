/**
 * What a witness types to show they looked: the last four groups of the value shown. Spaces and case do not
 * matter; anything else that is not exactly that is refused — by the terminal (asked again, see
 * test/interop/terminal.test.ts), by an answers file (the ceremony stops), and a rehearsal types it right.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECK_ATTEMPTS, type TextRequest } from '../../src/ceremony/prompts/prompter.js';
import { ScriptedPrompter } from '../../src/ceremony/prompts/scripted-prompter.js';
import { checkProblem, lastGroups, type WitnessCheck } from '../../src/ceremony/witness-check.js';

const fingerprint = '8348 75A3 FD5E 7874 26CC  3B9D BD1C 0C08 A87E 6CD7'.replace(/\s+/g, '');
const check: WitnessCheck = { what: 'root fingerprint', hex: fingerprint };

function request(overrides: Partial<TextRequest> = {}): TextRequest {
  return {
    id: 'read-fingerprint.witness-1.check',
    message: 'Witness (witness-1): type the last 4 groups of the root fingerprint, from your runbook',
    rehearsalAnswer: lastGroups(fingerprint),
    check: (value) => checkProblem(check, value),
    optionalInFile: true,
    ...overrides,
  };
}

describe('the witness check', () => {
  it('accepts the last four groups however they are spaced or cased', () => {
    expect(lastGroups(fingerprint)).toBe('BD1C 0C08 A87E 6CD7');
    for (const typed of ['BD1C 0C08 A87E 6CD7', 'bd1c0c08a87e6cd7', '  bd1c 0C08  a87e 6cd7 '])
      expect(checkProblem(check, typed)).toBeUndefined();
  });

  it('refuses any other value, saying what to type', () => {
    expect(checkProblem(check, 'BD1C 0C08 A87E')).toMatch(/type the last 4 groups of the root fingerprint: 16 hex/);
    expect(checkProblem(check, '3B9D BD1C 0C08 A87E')).toMatch(/that is not how the root fingerprint ends/);
    expect(checkProblem(check, 'WA')).toMatch(/16 hex digits/);
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (typed) => {
        const right = typed.replace(/\s+/g, '').toUpperCase() === fingerprint.slice(-16);
        expect(checkProblem(check, typed) === undefined).toBe(right);
      }),
    );
  });
});

describe('typed answers from files and rehearsals', () => {
  it('a rehearsal answers a check right, and a throwaway value elsewhere', async () => {
    const prompter = new ScriptedPrompter(new Map(), { rehearsal: true });
    await expect(prompter.text(request())).resolves.toBe('BD1C 0C08 A87E 6CD7');
    await expect(prompter.text(request({ id: 'record.place', rehearsalAnswer: 'Rehearsal room' }))).resolves.toBe(
      'Rehearsal room',
    );
  });

  it('an answers file may leave a check out (recorded as not typed), but a wrong one stops the ceremony', async () => {
    const none = new ScriptedPrompter(new Map(), { rehearsal: false });
    await expect(none.text(request())).resolves.toBeUndefined();
    const right = new ScriptedPrompter(new Map([[request().id, 'bd1c 0c08 a87e 6cd7']]), { rehearsal: false });
    await expect(right.text(request())).resolves.toBe('bd1c 0c08 a87e 6cd7');
    const wrong = new ScriptedPrompter(new Map([[request().id, '0000 0000 0000 0000']]), { rehearsal: true });
    await expect(wrong.text(request())).rejects.toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringMatching(/"read-fingerprint\.witness-1\.check": that is not how the root fingerprint ends/),
    });
  });

  it('an answers file must give the paper-trail answers, one short line each', async () => {
    const place = request({ id: 'record.place', optionalInFile: false, check: undefined, rehearsalAnswer: 'x' });
    await expect(new ScriptedPrompter(new Map(), { rehearsal: false }).text(place)).rejects.toMatchObject({
      code: 'ANSWER_MISSING',
    });
    for (const bad of ['', 'line one\nline two', 'x'.repeat(121), 'NUL\u0000byte'])
      await expect(
        new ScriptedPrompter(new Map([['record.place', bad]]), { rehearsal: false }).text(place),
      ).rejects.toMatchObject({ code: 'ANSWERS_INVALID' });
    expect(CHECK_ATTEMPTS).toBe(3);
  });
});
