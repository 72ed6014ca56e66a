import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
let hooked = false;

/** A fresh temporary directory, removed after the test file. */
export async function tempDir(prefix = 'kc-test-'): Promise<string> {
  if (!hooked) {
    hooked = true;
    afterAll(async () => {
      await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
    });
  }
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
