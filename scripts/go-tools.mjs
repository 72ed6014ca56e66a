// The pinned Go tools the tests run (cosign, notation, crane, zlint), built once with the Go toolchain into a
// cache that later runs reuse: ${KEYCEREMONY_TEST_TOOLS:-${XDG_CACHE_HOME:-~/.cache}/keyceremony-test-tools}/
// <tool>@<version>/bin/<tool>, with installed.json beside bin/ once the binary was checked (`go version -m`
// must show the pinned module version). Builds go to a temporary directory and are renamed into place, so an
// interrupted build never leaves a half-written tool behind.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const pins = JSON.parse(readFileSync(new URL('./go-tools.json', import.meta.url), 'utf8')).tools;

export function toolsRoot() {
  if (process.env.KEYCEREMONY_TEST_TOOLS) return process.env.KEYCEREMONY_TEST_TOOLS;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'keyceremony-test-tools');
}

function toolDir(tool) {
  return join(toolsRoot(), `${tool.name}@${tool.version}`);
}

/** The module versions a Go binary was built from (`go version -m`): main and dependencies. */
function builtModules(binary) {
  const result = spawnSync('go', ['version', '-m', binary], { encoding: 'utf8' });
  if (result.status !== 0) return [];
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[0] === 'mod' || f[0] === 'dep')
    .map((f) => `${f[1]}@${f[2]}`);
}

function stampFor(tool, binary, how) {
  return {
    tool: tool.name,
    module: tool.module,
    package: tool.package,
    version: tool.version,
    built: how.method,
    ...(how.refused ? { refused: how.refused } : {}),
    go: goVersion(),
    sha256: createHash('sha256').update(readFileSync(binary)).digest('hex'),
  };
}

function installed(tool) {
  const dir = toolDir(tool);
  const binary = join(dir, 'bin', tool.name);
  if (!existsSync(binary)) return false;
  if (!existsSync(join(dir, 'installed.json'))) {
    // A binary without a stamp (placed by hand, or a build from before stamps): adopt it only if it is the pin.
    if (!builtModules(binary).includes(`${tool.module}@${tool.version}`)) return false;
    writeFileSync(
      join(dir, 'installed.json'),
      `${JSON.stringify(stampFor(tool, binary, { method: 'found in the cache' }), null, 2)}\n`,
    );
  }
  const stamp = JSON.parse(readFileSync(join(dir, 'installed.json'), 'utf8'));
  return stamp.version === tool.version && stamp.module === tool.module;
}

function goVersion() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** `go install module/pkg@version` into `bin`; on a refused version list, a build in a temporary module. */
function build(tool, bin, env) {
  const install = run('go', ['install', '-trimpath', `${tool.package}@${tool.version}`], {
    env: { ...env, GOBIN: bin },
  });
  if (install.ok) return { method: 'go install' };
  // The proxy may serve a version but refuse the module's version list (403). `go install m@v` reads that list
  // to look for a deprecation notice and fails; a module that requires m@v builds the same code (go install
  // refuses modules with replace directives, so there are none to lose).
  if (!/@v\/list: 4\d\d/.test(install.output))
    throw new Error(`go install ${tool.package}@${tool.version} failed:\n${install.output}`);
  const refused = /reading (\S+@v\/list): (\d+ [A-Za-z ]+)/.exec(install.output);
  const work = mkdtempSync(join(tmpdir(), `kc-gotool-${tool.name}-`));
  try {
    writeFileSync(
      join(work, 'go.mod'),
      `module keyceremony-test-tools/${tool.name}\n\ngo 1.23\n\nrequire ${tool.module} ${tool.version}\n`,
    );
    writeFileSync(join(work, 'tools.go'), 'package tools\n');
    const built = run('go', ['build', '-trimpath', '-o', join(bin, tool.name), tool.package], {
      cwd: work,
      env: { ...env, GOFLAGS: `${env.GOFLAGS ?? ''} -mod=mod`.trim() },
    });
    if (!built.ok) throw new Error(`building ${tool.package}@${tool.version} failed:\n${built.output}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { method: 'temporary module', refused: refused ? `${refused[1]} (${refused[2]})` : 'the module version list' };
}

function installOne(tool, log) {
  const dir = toolDir(tool);
  mkdirSync(toolsRoot(), { recursive: true });
  const staging = mkdtempSync(join(toolsRoot(), `.${tool.name}@${tool.version}-`));
  const bin = join(staging, 'bin');
  mkdirSync(bin);
  const env = { ...process.env, GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' };
  try {
    log(`Building ${tool.package}@${tool.version} (once; cached in ${dir})…`);
    const how = build(tool, bin, env);
    if (how.refused)
      log(`  the Go module proxy refused ${how.refused}; built ${tool.module}@${tool.version} in a temporary module`);
    const binary = join(bin, tool.name);
    if (!builtModules(binary).includes(`${tool.module}@${tool.version}`))
      throw new Error(`${binary} does not report ${tool.module}@${tool.version} (go version -m)`);
    const stamp = stampFor(tool, binary, how);
    writeFileSync(join(staging, 'installed.json'), `${JSON.stringify(stamp, null, 2)}\n`);
    chmodSync(staging, 0o755);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Builds every pinned tool that is not in the cache. Returns the problems (empty when all are there):
 * a missing Go toolchain, or a build that failed.
 */
export function ensureGoTools(log = (line) => console.log(line)) {
  const missing = pins.filter((tool) => !installed(tool));
  if (missing.length === 0) return [];
  if (!goVersion()) {
    return [
      `The tests need ${missing.map((t) => `${t.name} ${t.version}`).join(', ')}, built with the Go toolchain (go ≥ 1.23), which is not installed.\nInstall Go from https://go.dev/dl/ and run npm test again (the tools are built once and cached in ${toolsRoot()}).`,
    ];
  }
  const problems = [];
  for (const tool of missing) {
    try {
      installOne(tool, log);
    } catch (error) {
      problems.push(error.message);
    }
  }
  return problems;
}

// Run directly: build (or check) the tools and print where they are.
if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = ensureGoTools();
  for (const tool of pins) console.log(`${tool.name} ${tool.version}: ${join(toolDir(tool), 'bin', tool.name)}`);
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}
