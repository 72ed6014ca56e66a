/** Reading trees of files in tests: every file (recursively, sorted), and every file with its SHA-256. */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface WalkOptions {
  /** List the directories too, not only what is in them. */
  readonly directories?: boolean;
}

/** Every file under `dir` (hidden ones too; with `directories`, every directory as well): absolute paths, sorted. */
export async function walkFiles(dir: string, options: WalkOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (options.directories) out.push(path);
      out.push(...(await walkFiles(path, options)));
    } else out.push(path);
  }
  return out.sort();
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * Every file under `dir` (relative path, hidden ones too) with its SHA-256: to show that something changed
 * nothing there. With `directories`, every directory too, as `rel/` → 'dir', so an added empty directory shows.
 */
export async function snapshot(dir: string, options: WalkOptions = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await walkFiles(dir, options)) {
    const rel = relative(dir, path);
    if (options.directories && (await lstat(path)).isDirectory()) out[`${rel}/`] = 'dir';
    else out[rel] = await sha256File(path);
  }
  return out;
}
