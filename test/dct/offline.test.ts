/** Offline by construction: nothing on the ceremony path can reach the network. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const NETWORK = /from '(?:node:)?(?:http|https|http2|net|tls|dgram|dns)'|\bfetch\(|dct\/online\//;

describe('the network code', () => {
  it('lives only in src/dct/online/ and the dct commands, and only they import it', async () => {
    const offenders: string[] = [];
    for (const file of await sources(join(repoRoot, 'src'))) {
      const rel = relative(repoRoot, file);
      if (rel.startsWith('src/dct/online/') || /^src\/cli\/commands\/dct-[a-z-]+\.ts$/.test(rel)) continue;
      if (NETWORK.test(await readFile(file, 'utf8'))) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });

  it('is really detected by that check', async () => {
    expect(NETWORK.test(await readFile(join(repoRoot, 'src', 'dct', 'online', 'notary-server.ts'), 'utf8'))).toBe(true);
    expect(NETWORK.test(await readFile(join(repoRoot, 'src', 'cli', 'commands', 'dct-publish.ts'), 'utf8'))).toBe(true);
    // A barrel that re-exported the network code would hide it from the first test: the dct surface must not.
    expect(NETWORK.test(await readFile(join(repoRoot, 'src', 'dct', 'index.ts'), 'utf8'))).toBe(false);
  });
});
