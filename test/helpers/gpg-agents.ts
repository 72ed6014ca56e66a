/**
 * GnuPG homes whose gpg-agent is stopped after the test file: symmetric decryption (and secret keys) start an
 * agent per home, and tests stop every process they start.
 */
import { afterAll } from 'vitest';
import { type Gpg, newGpg } from './gpg.js';
import { run } from './run.js';

const homes: Gpg[] = [];

// Registered when the test file is collected (a hook registered inside a running test never runs), and after
// tmp.ts's own hook (imported through gpg.js): after-hooks run newest first, so agents stop before homes go.
afterAll(async () => {
  await Promise.all(homes.splice(0).map((g) => run('gpgconf', ['--homedir', g.home, '--kill', 'all'])));
});

export async function newStoppedGpg(): Promise<Gpg> {
  const gpg = await newGpg();
  homes.push(gpg);
  return gpg;
}
