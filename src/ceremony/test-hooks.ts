/**
 * Test-only hooks for the abort and interruption tests, set through the environment. They are honoured in
 * rehearsals only: a real ceremony started with one of them set refuses to start (exit 3).
 *
 *   KEYCEREMONY_TEST_FAIL_AT=<step>       the step fails right after its action ran (its outputs exist and
 *                                         must be rolled back)
 *   KEYCEREMONY_TEST_PAUSE_AT=<step>      after the step ran, print "keyceremony: test hook: paused …" and wait
 *                                         up to 60 s for a signal (the test sends one)
 *   KEYCEREMONY_TEST_PAUSE_AT=rollback    the same, in the middle of a rollback (after the token keys, before
 *                                         the files): a second signal there must change nothing
 *
 * KEYCEREMONY_TEST_PAUSE_AT takes a comma-separated list (e.g. `backup,rollback`).
 */
import { KeyceremonyError } from '../errors.js';
import type { Interruption } from './interruption.js';

const FAIL = 'KEYCEREMONY_TEST_FAIL_AT';
const PAUSE = 'KEYCEREMONY_TEST_PAUSE_AT';
const PAUSE_MS = 60_000;

export interface TestHooks {
  /** Called after a step's action ran. */
  afterStep(step: string): Promise<void>;
  /** Called in the middle of a rollback. */
  duringRollback(): Promise<void>;
}

export function testHooks(rehearsal: boolean, interruption: Interruption): TestHooks {
  const fail = process.env[FAIL];
  const pause = process.env[PAUSE];
  const pauses = new Set((pause ?? '').split(',').filter(Boolean));
  if ((fail || pause) && !rehearsal) {
    throw new KeyceremonyError(
      'ENVIRONMENT',
      `${fail ? FAIL : PAUSE} is set: test hooks are for rehearsals only; refusing to run a real ceremony with one`,
    );
  }
  const wait = async (where: string): Promise<void> => {
    process.stdout.write(`keyceremony: test hook: paused ${where} (pid ${process.pid})\n`);
    await interruption.nextSignal(PAUSE_MS);
  };
  return {
    async afterStep(step) {
      if (pauses.has(step)) {
        await wait(`after step "${step}"`);
        interruption.check();
      }
      if (fail === step) throw new KeyceremonyError('CHECK_FAILED', `step "${step}" failed: injected by ${FAIL}`);
    },
    async duringRollback() {
      if (pauses.has('rollback')) await wait('during the rollback');
    },
  };
}
