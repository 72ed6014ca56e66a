/**
 * What a bundle is built from: the commit, its date, the tracked files with git's modes, and every difference
 * from the commit — which `keyceremony bundle` refuses (before any expensive step) unless --allow-dirty.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.js';
import { readSource } from '../../src/bundle/source.js';
import { isKeyceremonyError } from '../../src/errors.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const DATE = 1_750_000_000;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.org',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.org',
    GIT_AUTHOR_DATE: `@${DATE - 100}`,
    GIT_COMMITTER_DATE: `@${DATE}`,
  };
  const result = await run('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

let repo: string;
let commit: string;

beforeAll(async () => {
  repo = await tempDir('kc-bundle-src-');
  await mkdir(join(repo, 'docs'));
  await mkdir(join(repo, 'bin'));
  await mkdir(join(repo, 'src'));
  await writeFile(join(repo, 'package.json'), '{"name":"keyceremony","version":"0.0.1"}\n');
  await writeFile(join(repo, 'README.md'), '# x\n');
  await writeFile(join(repo, 'docs', 'a.md'), 'a\n');
  await writeFile(join(repo, 'bin', 'keyceremony.js'), '// x\n');
  await chmod(join(repo, 'bin', 'keyceremony.js'), 0o755);
  await writeFile(join(repo, 'src', 'a.ts'), 'export {};\n');
  await writeFile(join(repo, 'notes.txt'), 'not part of a bundle\n');
  await writeFile(join(repo, '.gitignore'), '*.log\n');
  await git(repo, 'init', '-q');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'first');
  commit = await git(repo, 'rev-parse', 'HEAD');
});

describe('the source of a bundle', () => {
  it('is the commit, its date, and the tracked files with the modes git records', () => {
    const source = readSource(repo, {});
    expect(source.commit).toBe(commit);
    expect(source.epoch).toBe(DATE);
    expect(source.changed).toEqual([]);
    expect(source.files).toEqual([
      { path: 'README.md', executable: false },
      { path: 'bin/keyceremony.js', executable: true },
      { path: 'docs/a.md', executable: false },
      { path: 'package.json', executable: false },
      { path: 'src/a.ts', executable: false },
    ]);
    expect(readSource(repo, { SOURCE_DATE_EPOCH: '1234' }).epoch).toBe(1234);
    const bad = caught(() => readSource(repo, { SOURCE_DATE_EPOCH: 'yesterday' }));
    expect(isKeyceremonyError(bad) && bad.exitCode).toBe(2);
  });

  it('lists every change: modified, untracked, ignored files under what is bundled (and nothing else)', async () => {
    const dirty = await tempDir('kc-bundle-src-');
    await run('cp', ['-a', `${repo}/.`, dirty]);
    await writeFile(join(dirty, 'README.md'), '# changed\n');
    await writeFile(join(dirty, 'docs', 'new.md'), 'new\n');
    await writeFile(join(dirty, 'src', 'debug.log'), 'ignored, but tsc would not care\n');
    await writeFile(join(dirty, 'notes.txt'), 'changed, but not bundled\n');
    expect(readSource(dirty, {}).changed).toEqual(['README.md', 'docs/new.md', 'src/debug.log']);
  });

  it('is refused when it differs from the commit, before anything is built, unless --allow-dirty', async () => {
    const dirty = await tempDir('kc-bundle-src-');
    await run('cp', ['-a', `${repo}/.`, dirty]);
    await writeFile(join(dirty, 'docs', 'a.md'), 'edited\n');
    const out = join(dirty, 'out.tar');
    const refused = caught(() => buildBundle({ checkout: dirty, out, allowDirty: false, env: {} }));
    expect(isKeyceremonyError(refused) && refused.code).toBe('INPUT_INVALID');
    expect(isKeyceremonyError(refused) && refused.message).toMatch(/differs from commit/);
    expect(isKeyceremonyError(refused) && refused.details).toEqual(['docs/a.md']);
    // allowed, it gets as far as needing the checkout's npm ci
    const next = caught(() => buildBundle({ checkout: dirty, out, allowDirty: true, env: {} }));
    expect(isKeyceremonyError(next) && next.code).toBe('TOOL_MISSING');
    expect(await readdir(dirty)).not.toContain('out.tar');
  });

  it('must be a git checkout', async () => {
    const plain = await tempDir('kc-bundle-src-');
    const error = caught(() => readSource(plain, {}));
    expect(isKeyceremonyError(error) && error.message).toMatch(/is not a git checkout/);
  });
});
