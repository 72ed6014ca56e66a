/**
 * Listing a directory tree for the bundle: every directory and regular file below it, with paths relative to
 * it (forward slashes), sizes, and whether each file is executable (the owner's x bit — the only mode bit a
 * bundle keeps, since an unpacker's umask changes the others). Symbolic links, devices, sockets and FIFOs are
 * reported, never followed: a bundle holds none, and a link in an unpacked tree could point anywhere.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveItem } from './archive.js';

export interface TreeListing {
  readonly items: ArchiveItem[];
  /** Paths (relative) of entries that are neither regular files nor directories. */
  readonly special: string[];
}

export function listTree(dir: string, options: { skip?: (path: string) => boolean } = {}): TreeListing {
  const items: ArchiveItem[] = [];
  const special: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (options.skip?.(path)) continue;
      const file = join(abs, name);
      const info = lstatSync(file);
      if (info.isDirectory()) {
        items.push({ path, type: 'directory', executable: true, size: 0 });
        walk(file, path);
      } else if (info.isFile()) {
        items.push({ path, type: 'file', executable: (info.mode & 0o100) !== 0, size: info.size, source: { file } });
      } else special.push(path);
    }
  };
  walk(dir, '');
  return { items, special };
}
