/**
 * Every signature embeds the machine's time, and nothing on an air-gapped machine can check it: the operator
 * confirms the clock before any key exists, and a "no" stops the ceremony there.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOnlyAbortedRecord } from '../helpers/aborted.js';
import { writeAnswers } from '../helpers/answers.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

describe('the clock confirmation', () => {
  it('a clock the operator does not confirm stops the ceremony before any key exists: exit 2, only the record', async () => {
    const dir = join(await tempDir('kc-clock-'), 'r');
    const answers = await writeAnswers({ 'preflight.clock': false });
    const result = await cli(['rehearse', '--out', dir, '--answers', answers]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/the system clock was not confirmed; set it \(date -s\) and start again/);
    const { entries } = await expectOnlyAbortedRecord(dir, join(dir, 'public'));
    expect(entries.map((e) => e.event)).not.toContain('key.generated');
    expect(entries.map((e) => e.event)).not.toContain('preflight.clock');
    expect(entries.at(-1)?.data).toMatchObject({
      code: 'ABORTED',
      step: null,
      reason: expect.stringMatching(/system clock was not confirmed/),
      rolledBack: [],
    });
  });
});
