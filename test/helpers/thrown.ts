/** What a function threw: the test fails if it threw nothing (a try/catch alone passes when nothing throws). */
import { expect } from 'vitest';

export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected an error, but nothing was thrown');
}

/** The same for a promise: the rejection, or a failed test if it resolved. */
export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected a rejection, but the promise resolved');
}
