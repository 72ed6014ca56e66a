/**
 * The pinned Go tools (cosign, notation, crane, zlint) the container tests run: built once by
 * scripts/test-prerequisites.mjs (scripts/go-tools.mjs) into the user's cache, found here. A missing or
 * wrong-version tool fails the test with one clear message; it is never skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export type GoTool = 'cosign' | 'notation' | 'crane' | 'zlint';

interface Pin {
  readonly name: GoTool;
  readonly module: string;
  readonly version: string;
}

const pins = (JSON.parse(readFileSync(join(repoRoot, 'scripts', 'go-tools.json'), 'utf8')) as { tools: Pin[] }).tools;

function toolsRoot(): string {
  const explicit = process.env['KEYCEREMONY_TEST_TOOLS'];
  if (explicit) return explicit;
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'keyceremony-test-tools');
}

/** The pinned version of a tool, e.g. "v2.6.5". */
export function toolVersion(name: GoTool): string {
  const pin = pins.find((p) => p.name === name);
  if (!pin) throw new Error(`${name} is not pinned in scripts/go-tools.json`);
  return pin.version;
}

/** Absolute path of the pinned tool's binary. */
export function toolPath(name: GoTool): string {
  const version = toolVersion(name);
  const dir = join(toolsRoot(), `${name}@${version}`);
  const binary = join(dir, 'bin', name);
  const stamp = join(dir, 'installed.json');
  const ok =
    existsSync(binary) &&
    existsSync(stamp) &&
    (JSON.parse(readFileSync(stamp, 'utf8')) as { version?: string }).version === version;
  if (!ok)
    throw new Error(
      `${name} ${version} is not installed in ${dir}: run \`node scripts/test-prerequisites.mjs\` (npm test does) to build it`,
    );
  return binary;
}
