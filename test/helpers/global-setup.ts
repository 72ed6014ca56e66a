/**
 * One rehearsal of the shipped OpenPGP root ceremony, shared by every test file that only reads it (tests
 * that change files copy it first). Made once per `vitest run`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { cli } from './run.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rehearsalDir: string;
    /** What `keyceremony rehearse` printed. */
    rehearsalOutput: string;
  }
}

let base: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  base = await mkdtemp(join(tmpdir(), 'kc-shared-'));
  const dir = join(base, 'rehearsal');
  const result = await cli(['rehearse', '--out', dir]);
  if (result.code !== 0)
    throw new Error(`shared rehearsal failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  project.provide('rehearsalDir', dir);
  project.provide('rehearsalOutput', result.stdout);
}

export async function teardown(): Promise<void> {
  if (base) await rm(base, { recursive: true, force: true });
}
