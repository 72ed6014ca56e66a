/**
 * The tool's version and the SHA-256 of its own installed code, printed at every ceremony for the witnesses
 * to compare with the value published for the release they meant to use.
 *
 * The code hash covers bin/, dist/, ceremonies/, data/, package.json and package-lock.json: the lockfile pins
 * every dependency by its integrity hash, which `npm ci` checks on install.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { packageRoot } from './util/data-files.js';
import { sha256Hex } from './crypto/hash.js';

let version: string | undefined;

export function toolVersion(): string {
  if (version) return version;
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
  version = pkg.version ?? '0.0.0';
  return version;
}

const HASHED = ['bin', 'dist', 'ceremonies', 'data', 'package.json', 'package-lock.json'];

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  const info = statSync(path);
  if (info.isFile()) return [path];
  if (!info.isDirectory()) return [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

let codeHash: string | undefined;

/**
 * SHA-256 over "relative/path\0sha256-of-file\n" for every file, sorted by path. Reproducible: it depends
 * only on file contents and names, not on times or permissions.
 */
export function codeSha256(): string {
  if (codeHash) return codeHash;
  const files = HASHED.flatMap((entry) => filesUnder(join(packageRoot, entry)))
    .map((abs) => ({ rel: relative(packageRoot, abs).split(sep).join('/'), abs }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const outer = createHash('sha256');
  for (const { rel, abs } of files) {
    outer.update(`${rel}\0${sha256Hex(readFileSync(abs))}\n`);
  }
  codeHash = outer.digest('hex');
  return codeHash;
}
