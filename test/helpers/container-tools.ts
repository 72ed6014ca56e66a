/**
 * Running the real cosign and notation against a crane registry on 127.0.0.1, each in its own HOME and XDG
 * directories. Every run gets HTTP(S)_PROXY pointing at a closed port with 127.0.0.1 exempt, so a tool that
 * tried to reach the Sigstore TUF repository, Rekor or anything else off this machine would fail loudly
 * instead of quietly depending on the network.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunResult, run } from './run.js';
import { tempDir } from './tmp.js';
import { toolPath } from './tools.js';

const offline = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1',
};

export interface ToolHome {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A fresh HOME with XDG config and cache inside it (notation reads $XDG_CONFIG_HOME/notation). */
export async function toolHome(): Promise<ToolHome> {
  const dir = await tempDir('kc-toolhome-');
  await mkdir(join(dir, 'config', 'notation'), { recursive: true });
  await mkdir(join(dir, 'cache'), { recursive: true });
  return {
    dir,
    env: {
      ...offline,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_CACHE_HOME: join(dir, 'cache'),
      TUF_ROOT: join(dir, 'sigstore'),
    },
  };
}

/** Writes files under the home's notation config directory ({NOTATION_CONFIG}). */
export async function writeNotationConfig(
  home: ToolHome,
  files: readonly { path: string; content: string }[],
): Promise<void> {
  for (const file of files) {
    const path = join(home.dir, 'config', 'notation', file.path);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, file.content, { mode: 0o600 });
  }
}

export function cosign(home: ToolHome, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(toolPath('cosign'), args, { env: { ...home.env, ...env }, timeoutMs: 60_000 });
}

export function notation(home: ToolHome, args: readonly string[]): Promise<RunResult> {
  return run(toolPath('notation'), args, { env: home.env, timeoutMs: 60_000 });
}
