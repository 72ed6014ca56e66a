/**
 * The checkout a bundle is built from: its commit, the commit's date (the archive's mtimes), the tracked files,
 * and whether anything differs from the commit. A bundle says which commit it is; a bundle built from a tree
 * with uncommitted or untracked changes is not that commit, so building one needs `--allow-dirty` and the
 * manifest says `"dirty": true`.
 */
import { execFileSync } from 'node:child_process';
import { KeyceremonyError, messageOf } from '../errors.js';

/** What goes into a bundle from the checkout, and what its compiled code is made from. */
export const SOURCE_PATHS = [
  'README.md',
  'bin/keyceremony.js',
  'ceremonies',
  'data',
  'docs',
  'package-lock.json',
  'package.json',
  'src',
  'tsconfig.build.json',
  'tsconfig.json',
] as const;

export interface SourceState {
  readonly commit: string;
  /** Seconds since the epoch: SOURCE_DATE_EPOCH when set, else the commit date. */
  readonly epoch: number;
  /** Paths (relative to the checkout) that differ from the commit: modified, added, deleted, untracked, ignored. */
  readonly changed: readonly string[];
  /** Tracked files under SOURCE_PATHS, relative, sorted, with the executable bit git records (not the disk's). */
  readonly files: readonly { readonly path: string; readonly executable: boolean }[];
}

function git(checkout: string, args: readonly string[]): string {
  try {
    return execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new KeyceremonyError('TOOL_MISSING', 'git is not installed (bundle builds from a git checkout)');
    const why = (e.stderr ?? messageOf(error)).trim().split('\n')[0];
    throw new KeyceremonyError('INPUT_INVALID', `${checkout} is not a git checkout of keyceremony (${why})`);
  }
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org): whole seconds, or the variable is an error. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const value = env['SOURCE_DATE_EPOCH'];
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,11}$/.test(value))
    throw new KeyceremonyError('USAGE', `SOURCE_DATE_EPOCH must be whole seconds since 1970, not "${value}"`);
  return Number(value);
}

export function readSource(checkout: string, env: NodeJS.ProcessEnv = process.env): SourceState {
  const commit = git(checkout, ['rev-parse', '--verify', 'HEAD^{commit}']).trim();
  const epoch = sourceDateEpoch(env) ?? Number(git(checkout, ['log', '-1', '--format=%ct', commit]).trim());
  const status = git(checkout, [
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--ignored=matching',
    '--',
    ...SOURCE_PATHS,
  ]);
  const changed: string[] = [];
  const records = status.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as string;
    if (record.length < 4) continue;
    changed.push(record.slice(3));
    if (record[0] === 'R' || record[0] === 'C') i++; // a rename's second field is the old name
  }
  // "-s": "<mode> <object> <stage>\t<path>"; the mode is git's (100755 or 100644), whatever the disk says
  const files = git(checkout, ['ls-files', '-s', '-z', '--', ...SOURCE_PATHS])
    .split('\0')
    .filter((f) => f !== '')
    .map((record) => {
      const tab = record.indexOf('\t');
      return { path: record.slice(tab + 1), executable: record.startsWith('100755') };
    })
    .filter((f, i, all) => i === 0 || all[i - 1]?.path !== f.path) // a conflicted file has several stages
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { commit, epoch, changed: changed.sort(), files };
}
