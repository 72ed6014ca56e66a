/**
 * The tool's version and the SHA-256 of its own installed code, printed at every ceremony for the witnesses
 * to compare with the value published for the release they meant to use.
 *
 * Run from an unpacked offline bundle (docs/bundle.md), the code hash is the bundle hash: the SHA-256 of the
 * bundle archive, recomputed from the files as they are now (src/bundle/identity.ts). It is the number
 * `keyceremony bundle` printed, `sha256sum` gives for the archive, and anyone gets by rebuilding the bundle
 * from the same commit — and any changed, added or removed file changes it.
 *
 * Run from a checkout, the code hash covers bin/, dist/, ceremonies/, data/, package.json and
 * package-lock.json (the lockfile pins every dependency by its integrity hash, which `npm ci` checks on
 * install); it is reproducible only by someone with the same checkout and build.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { packageRoot } from './util/data-files.js';
import { sha256Hex } from './crypto/index.js';
// not through bundle/index.ts: this module is loaded by every command, and identity.ts is the light part
import { bundleTreeSha256, isBundleTree } from './bundle/identity.js';

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

/** Is this code running from an unpacked offline bundle (rather than a checkout)? */
export function runningFromBundle(): boolean {
  return isBundleTree(packageRoot);
}

/**
 * The SHA-256 witnesses compare: from a bundle, the bundle hash (see above; a bundle whose manifest cannot be
 * read falls back to the checkout hash, and `keyceremony version` says why); from a checkout, the checkout hash.
 */
export function codeSha256(): string {
  if (codeHash) return codeHash;
  codeHash = (runningFromBundle() ? bundleTreeSha256(packageRoot) : undefined) ?? checkoutSha256();
  return codeHash;
}

/**
 * SHA-256 over "relative/path\0sha256-of-file\n" for every file, sorted by path. Reproducible: it depends
 * only on file contents and names, not on times or permissions.
 */
function checkoutSha256(): string {
  const files = HASHED.flatMap((entry) => filesUnder(join(packageRoot, entry)))
    .map((abs) => ({ rel: relative(packageRoot, abs).split(sep).join('/'), abs }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const outer = createHash('sha256');
  for (const { rel, abs } of files) {
    outer.update(`${rel}\0${sha256Hex(readFileSync(abs))}\n`);
  }
  return outer.digest('hex');
}
