#!/usr/bin/env node
// Entry point: loads the compiled CLI (npm ci runs the build in `prepare`).
import('../dist/cli/main.js').then(
  (cli) => cli.main(process.argv),
  (error) => {
    process.stderr.write(
      `keyceremony: cannot load the compiled code (${error.code ?? error.message}); run "npm run build"\n`,
    );
    process.exitCode = 70;
  },
);
