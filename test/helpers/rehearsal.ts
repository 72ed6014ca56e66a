/** The shared rehearsal (see global-setup.ts) and what tests need from it. */
import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { tempDir } from './tmp.js';

export function sharedRehearsal(): string {
  return inject('rehearsalDir');
}

export async function rehearsalSecrets(dir: string): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(dir, 'rehearsal-secrets.json'), 'utf8')) as Record<string, string>;
}

export async function rootFingerprint(dir: string): Promise<string> {
  const names = await readdir(join(dir, 'vault', 'openpgp'));
  const sec = names.find((n) => n.endsWith('.sec.asc'));
  if (!sec) throw new Error('no secret key in the rehearsal vault');
  return sec.slice(0, 40);
}

/** A private copy of the shared rehearsal, for tests that change files. */
export async function copyOfRehearsal(): Promise<string> {
  const dir = join(await tempDir('kc-copy-'), 'rehearsal');
  await cp(sharedRehearsal(), dir, { recursive: true });
  return dir;
}
