/**
 * An install where the optional pkcs11js did not build (no compiler): token commands say how to get it, exit 3,
 * and leave nothing behind. The package is laid out again in a temp dir with every dependency but pkcs11js.
 */
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let pkg: string;

beforeAll(async () => {
  pkg = join(await tempDir('kc-nopkcs11-'), 'keyceremony');
  await mkdir(join(pkg, 'node_modules'), { recursive: true });
  // dist and bin are copied: Node resolves modules from a file's real path, which must not be the repository.
  for (const dir of ['dist', 'bin']) await cp(join(repoRoot, dir), join(pkg, dir), { recursive: true });
  for (const entry of ['package.json', 'ceremonies', 'data']) await symlink(join(repoRoot, entry), join(pkg, entry));
  for (const dep of await readdir(join(repoRoot, 'node_modules'))) {
    if (dep !== 'pkcs11js') await symlink(join(repoRoot, 'node_modules', dep), join(pkg, 'node_modules', dep));
  }
});

describe('without pkcs11js', () => {
  it('token list exits 3 and says how to install it, once', async () => {
    const result = await run(process.execPath, [join(pkg, 'bin', 'keyceremony.js'), 'token', 'list']);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/optional dependency pkcs11js is missing or did not build/);
    expect(result.stderr).toMatch(/apt-get install g\+\+ make python3/);
    expect(result.stdout).toBe('');
  });

  it('a token rehearsal exits 3 and leaves no throwaway token directory', async () => {
    const tmp = await tempDir('kc-tmp-');
    const out = join(await tempDir(), 'r');
    const result = await run(
      process.execPath,
      [
        join(pkg, 'bin', 'keyceremony.js'),
        'rehearse',
        join(pkg, 'ceremonies', 'openpgp-root-token.yaml'),
        '--out',
        out,
      ],
      {
        env: { TMPDIR: tmp },
      },
    );
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/pkcs11js is missing/);
    expect(await readdir(tmp)).toEqual([]);
  });
});
