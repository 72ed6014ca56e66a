/** Locates the data files shipped in the package's `data/` folder (word lists). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The package root: two levels above this file in both `src/util` and `dist/util`. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function readDataFile(name: string): string {
  return readFileSync(join(packageRoot, 'data', name), 'utf8');
}
