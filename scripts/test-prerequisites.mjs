#!/usr/bin/env node
// Makes sure the real tools the test suite runs against are installed. Tests never skip a missing tool:
// as root this installs the Debian packages with apt-get; otherwise it stops and names them. The Go tools
// (cosign, notation, crane, zlint; pinned in go-tools.json) are built once with the Go toolchain and cached.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ensureGoTools } from './go-tools.mjs';

const tools = [
  ['gpg', 'gnupg'],
  ['/usr/lib/gnupg/gpg-wks-client', 'gpg-wks-client'],
  ['sqop', 'sqop'],
  ['openssl', 'openssl'],
  ['unshare', 'util-linux'],
  ['ip', 'iproute2'],
  ['tmux', 'tmux'],
  ['softhsm2-util', 'softhsm2'],
  ['/usr/lib/softhsm/libsofthsm2.so', 'softhsm2'],
  // pkcs11js (an optional dependency) builds from source with node-gyp.
  ['g++', 'g++'],
  ['make', 'make'],
  ['notary', 'notary'],
  ['notary-server', 'notary'],
  ['notary-signer', 'notary'],
  ['docker-registry', 'docker-registry'],
  ['docker', 'docker.io'],
  ['chromium', 'chromium'],
  ['pdfinfo', 'poppler-utils'],
  ['zbarimg', 'zbar-tools'],
  ['python3', 'python3'],
  // the offline bundle: built from a git checkout; its ELF reader is checked against readelf
  ['git', 'git'],
  ['readelf', 'binutils'],
  // runnable doc blocks read `status --json` with it (test/docs/runnable-blocks.test.ts)
  ['jq', 'jq'],
];

// A tool is a command on PATH, or an absolute path (gpg-wks-client lives in /usr/lib/gnupg).
function has(command) {
  if (command.startsWith('/')) return existsSync(command);
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

// The PKCS#11 tests need pkcs11js, an optional dependency that builds from source with node-gyp: when npm ci
// ran without a compiler it is missing or unbuilt. Checked after the Debian packages (which bring g++ and make).
const require = createRequire(import.meta.url);
function checkPkcs11js() {
  const load = () => {
    try {
      require('pkcs11js');
      return true;
    } catch {
      return false;
    }
  };
  if (load()) return;
  spawnSync('npm', ['rebuild', 'pkcs11js'], { stdio: 'inherit' });
  if (load()) return;
  console.error(
    'The tests need the optional dependency pkcs11js, which did not build. With g++, make and python3 installed, run: npm ci',
  );
  process.exit(1);
}

function checkGoTools() {
  const problems = ensureGoTools();
  if (problems.length === 0) return;
  console.error(problems.join('\n'));
  process.exit(1);
}

const missing = [...new Set(tools.filter(([command]) => !has(command)).map(([, pkg]) => pkg))];
if (missing.length === 0) {
  checkPkcs11js();
  checkGoTools();
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `The tests need these Debian packages: ${missing.join(' ')}\nInstall them with: sudo apt-get install ${missing.join(' ')}`,
  );
  process.exit(1);
}
console.log(`Installing test prerequisites: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
const still = tools.filter(([command]) => !has(command)).map(([command]) => command);
if (still.length) {
  console.error(`Still missing after apt-get: ${still.join(' ')}`);
  process.exit(1);
}
checkPkcs11js();
checkGoTools();
