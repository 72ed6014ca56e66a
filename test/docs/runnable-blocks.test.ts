/**
 * Every shell block in README.md and docs/ marked `sh runnable` runs as written (docs/architecture.md,
 * "Runnable documentation"). A page's blocks run in order, with bash -e -o pipefail, in one directory of their
 * own that holds what a reader who followed the README has: `rehearsal/` (a rehearsal of the root ceremony, a
 * copy of the shared one), the checkout's `ceremonies/`, and `keyceremony` — on PATH and for `npx` — from this
 * checkout; HOME is that directory (gpg's keyring stays there). A `sh runnable fresh` block starts in an empty
 * directory of its own. Pages run in parallel.
 */
import { cp, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DocBlock, runnableBlocks } from '../helpers/doc-blocks.js';
import { ceremoniesDir, cliPath, repoRoot } from '../helpers/paths.js';
import { sharedRehearsal } from '../helpers/rehearsal.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const pages = [
  'README.md',
  ...(await readdir(join(repoRoot, 'docs'))).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`),
].sort();
const blocksOf = new Map<string, DocBlock[]>();
for (const page of pages) blocksOf.set(page, runnableBlocks(await readFile(join(repoRoot, page), 'utf8')));

let bin: string;

beforeAll(async () => {
  bin = await tempDir('kc-docs-bin-');
  await symlink(cliPath, join(bin, 'keyceremony'));
});

/** A directory as a reader of the docs has it: the checkout's ceremonies/ and keyceremony for `npx`. */
async function readerDir(withRehearsal: boolean): Promise<string> {
  const dir = await tempDir('kc-docs-');
  await symlink(ceremoniesDir, join(dir, 'ceremonies'));
  await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
  await symlink(cliPath, join(dir, 'node_modules', '.bin', 'keyceremony'));
  await mkdir(join(dir, '.gnupg'), { mode: 0o700 });
  if (withRehearsal) await cp(sharedRehearsal(), join(dir, 'rehearsal'), { recursive: true });
  return dir;
}

async function runBlock(block: DocBlock, dir: string): Promise<void> {
  const result = await run('bash', ['-e', '-o', 'pipefail', '-c', block.text], {
    cwd: dir,
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: dir,
      GNUPGHOME: join(dir, '.gnupg'),
      // npx must find keyceremony in node_modules/.bin, never fetch anything.
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
    },
    timeoutMs: 300_000,
  });
  expect(result.code, `block at line ${block.line} exited ${result.code}:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

describe('runnable shell blocks in the docs', () => {
  it('are there: the README and the rotation, DCT, recovery and auditor pages have some', () => {
    for (const page of [
      'README.md',
      'docs/rotation.md',
      'docs/dct.md',
      'docs/backup-and-recovery.md',
      'docs/auditor-guide.md',
    ])
      expect(blocksOf.get(page)?.length, page).toBeGreaterThan(0);
  });

  for (const page of pages.filter((p) => (blocksOf.get(p)?.length ?? 0) > 0)) {
    it.concurrent(
      `${page}: every runnable block runs as written`,
      async () => {
        const blocks = blocksOf.get(page) ?? [];
        let shared: string | undefined;
        for (const block of blocks) {
          if (block.fresh) await runBlock(block, await readerDir(false));
          else await runBlock(block, (shared ??= await readerDir(true)));
        }
      },
      600_000,
    );
  }
});
