/** Shared steps of the DCT tests: rehearsals of the DCT ceremonies, script variants. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ceremoniesDir } from './paths.js';
import { copyOfRehearsal } from './rehearsal.js';
import { cli, type RunResult, type RunOptions } from './run.js';
import { tempDir } from './tmp.js';

export const DCT_ROOT_SCRIPT = join(ceremoniesDir, 'dct-root.yaml');
export const DCT_ROTATE_SCRIPT = join(ceremoniesDir, 'dct-rotate-root.yaml');
export const DCT_ADD_SIGNER_SCRIPT = join(ceremoniesDir, 'dct-add-signer.yaml');
export const GUNS = [
  'docker.io/wikibase/wikibase',
  'docker.io/wikibase/wdqs',
  'docker.io/wikibase/quickstatements',
] as const;
export const SIGNERS = ['release-pipeline', 'release-manager'] as const;
/** Where a DCT ceremony rehearsed after the root ceremony hands off (each ceremony's signer folders are new). */
export const DCT_HANDOFF_DIR = 'handoff-2';

export async function rehearse(script: string, dir: string, options: RunOptions = {}): Promise<RunResult> {
  return cli(['rehearse', script, '--out', dir], options);
}

/**
 * A rehearsal of the OpenPGP root ceremony followed by the DCT root ceremony. `prepare` runs in between
 * (e.g. to put server keys into DIR/server-keys).
 */
export async function dctRehearsal(
  options: { prepare?: (dir: string) => Promise<void>; script?: string } = {},
): Promise<{ dir: string; stdout: string }> {
  const dir = await copyOfRehearsal();
  await options.prepare?.(dir);
  const result = await rehearse(options.script ?? DCT_ROOT_SCRIPT, dir);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return { dir, stdout: result.stdout };
}

/** An edited copy of a shipped script. */
export async function scriptVariant(script: string, edit: (text: string) => string): Promise<string> {
  const text = await readFile(script, 'utf8');
  const changed = edit(text);
  if (changed === text) throw new Error('the edit changed nothing');
  const file = join(await tempDir('kc-script-'), 'variant.yaml');
  await writeFile(file, changed);
  return file;
}
