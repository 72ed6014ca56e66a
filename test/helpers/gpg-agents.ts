/**
 * GnuPG homes whose gpg-agent is stopped after the test file: symmetric decryption (and secret keys) start an
 * agent per home, and tests stop every process they start.
 */
import { afterAll } from 'vitest';
import { type Gpg, newGpg } from './gpg.js';
import { run } from './run.js';

const homes: Gpg[] = [];
let hooked = false;

export async function newStoppedGpg(): Promise<Gpg> {
  if (!hooked) {
    hooked = true;
    afterAll(async () => {
      await Promise.all(homes.splice(0).map((g) => run('gpgconf', ['--homedir', g.home, '--kill', 'all'])));
    });
  }
  const gpg = await newGpg();
  homes.push(gpg);
  return gpg;
}
