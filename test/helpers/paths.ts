import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'bin', 'keyceremony.js');
export const ceremoniesDir = join(repoRoot, 'ceremonies');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
