/**
 * Hermetic SoftHSM2 for tests: a token directory and config in a temp dir, one per test file (vitest runs
 * each file in its own process: PKCS#11 modules allow one C_Initialize per process, and SoftHSM2 reads
 * SOFTHSM2_CONF only then). PINs here are throwaway test values.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';
import { tempDir } from './tmp.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
/** Throwaway test PINs (fixtures, never real). */
export const TEST_SO_PIN = 'test-so-pin-4711';
export const TEST_USER_PIN = 'test-user-pin-0815';

export interface SoftHsm {
  readonly conf: string;
  readonly env: { SOFTHSM2_CONF: string };
  /** Initialises a token with softhsm2-util (a separate process); returns its serial. */
  initToken(label: string, pins?: { so?: string; user?: string }): Promise<string>;
}

export async function softHsm(): Promise<SoftHsm> {
  const dir = await tempDir('kc-softhsm-');
  await mkdir(join(dir, 'tokens'), { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  return {
    conf,
    env,
    async initToken(label, pins = {}) {
      const result = await run(
        'softhsm2-util',
        [
          '--init-token',
          '--free',
          '--label',
          label,
          '--so-pin',
          pins.so ?? TEST_SO_PIN,
          '--pin',
          pins.user ?? TEST_USER_PIN,
        ],
        { env },
      );
      if (result.code !== 0) throw new Error(`softhsm2-util: ${result.stderr}`);
      const listed = await run('softhsm2-util', ['--show-slots'], { env });
      const blocks = listed.stdout.split(/\n(?=Slot )/);
      const block = blocks.find((b) => /^\s*Label:\s+(.*?)\s*$/m.exec(b)?.[1] === label);
      const serial = /Serial number:\s+(\S+)/.exec(block ?? '')?.[1];
      if (!serial) throw new Error(`cannot find the serial of token ${label}:\n${listed.stdout}`);
      return serial;
    },
  };
}
