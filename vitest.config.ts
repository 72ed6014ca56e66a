import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Separate processes: PKCS#11 modules allow one C_Initialize per process, and interop tests run real
    // tools (gpg, sqop, notary) side by side.
    pool: 'forks',
    // Most test time is spent waiting on other processes (gpg, notary, cosign, scrypt in the CLI), so more test
    // files than cores run side by side: on 2 cores vitest's default (cores - 1) would run them one at a time.
    maxWorkers: 3,
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
