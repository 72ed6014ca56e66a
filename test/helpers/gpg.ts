/** A throwaway GnuPG home per test, and helpers to read gpg's colon listings. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunResult, run } from './run.js';
import { tempDir } from './tmp.js';

export interface Gpg {
  readonly home: string;
  (args: readonly string[], input?: string | Uint8Array): Promise<RunResult>;
}

export async function newGpg(): Promise<Gpg> {
  const home = await tempDir('kc-gnupg-');
  await writeFile(join(home, 'gpg.conf'), 'no-auto-key-locate\nno-auto-key-retrieve\n');
  const gpg = ((args: readonly string[], input?: string | Uint8Array) =>
    run('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], input === undefined ? {} : { input })) as Gpg;
  Object.defineProperty(gpg, 'home', { value: home });
  return gpg;
}

export interface ColonKey {
  readonly type: string;
  readonly validity: string;
  readonly algorithm: string;
  readonly keyId: string;
  readonly created: number;
  readonly expires: number | undefined;
  readonly capabilities: string;
  readonly fingerprint: string;
}

/** Parses `gpg --with-colons --list-keys` (pub/sub/sec/ssb records with their fpr lines). */
export function parseColons(text: string): { keys: ColonKey[]; uids: string[] } {
  const keys: ColonKey[] = [];
  const uids: string[] = [];
  let pending: Omit<ColonKey, 'fingerprint'> | undefined;
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (['pub', 'sub', 'sec', 'ssb'].includes(f[0] ?? '')) {
      pending = {
        type: f[0] ?? '',
        validity: f[1] ?? '',
        algorithm: f[3] ?? '',
        keyId: f[4] ?? '',
        created: Number(f[5]),
        expires: f[6] ? Number(f[6]) : undefined,
        capabilities: f[11] ?? '',
      };
    } else if (f[0] === 'fpr' && pending) {
      keys.push({ ...pending, fingerprint: f[9] ?? '' });
      pending = undefined;
    } else if (f[0] === 'uid') {
      uids.push(f[9] ?? '');
    }
  }
  return { keys, uids };
}
