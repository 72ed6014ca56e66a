/**
 * A bug met inside a ceremony step (bug(), an InternalError) must reach the user as what it is — an internal
 * error, exit 70, "please report it" — not as a failed check the operators would try to fix; any other
 * untyped error keeps being reported as the step having failed (exit 1). Both roll back.
 */
import { describe, expect, it } from 'vitest';
import { bug, InternalError } from '../../src/errors.js';
import { rejected } from '../helpers/thrown.js';
import { outputs, rehearseInProcess } from '../hostile/harness.js';

// When the witnesses read the fingerprint: inside a step, after its keys were made (so there is something to roll back).
const AT = 'read-fingerprint.witness-1';

describe('an error inside a ceremony step', () => {
  it('is passed on unchanged when it is a bug (the CLI reports it as an internal error, exit 70)', async () => {
    const error = await rejected(
      rehearseInProcess(
        await outputs(),
        new Map([
          [
            AT,
            async () => {
              throw bug('injected invariant');
            },
          ],
        ]),
      ),
    );
    expect(error).toBeInstanceOf(InternalError);
    expect((error as Error).message).toBe('injected invariant');
  });

  it('is a failed step (exit 1) when it is neither typed nor a bug', async () => {
    const result = await rehearseInProcess(
      await outputs(),
      new Map([
        [
          AT,
          async () => {
            throw new TypeError('x is undefined');
          },
        ],
      ]),
    );
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/^step "[a-z-]+" failed: x is undefined$/);
  });
});
