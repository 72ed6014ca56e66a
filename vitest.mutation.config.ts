/**
 * The tests mutation testing runs (npm run mutate, stryker.config.mjs): the in-process tests of the code that
 * decides trust. No global rehearsal and no command-line tests — those run the compiled dist/, which Stryker
 * does not mutate.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/openpgp/verify-policy.test.ts',
      'test/openpgp/corpus-policy.test.ts',
      'test/openpgp/certificate-state.test.ts',
      'test/openpgp/merge.test.ts',
    ],
    testTimeout: 60_000,
  },
});
