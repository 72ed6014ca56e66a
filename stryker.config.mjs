// Mutation testing of the code that decides trust (npm run mutate; not part of npm test). The score and the
// surviving mutants judged equivalent are recorded in docs/verifying-releases.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'src/openpgp/verify-policy.ts',
    'src/openpgp/certificate-state.ts',
    'src/openpgp/signature-check.ts',
    'src/openpgp/merge.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
