/**
 * `keyceremony bundle --out FILE`: the reproducible offline bundle, built on an online machine from a git
 * checkout that has been through `npm ci`.
 *
 * What goes in, and why each part is reproducible:
 * - dist/: compiled here, from the checkout's src/, by the TypeScript compiler the lockfile pins (tsc's output
 *   depends only on the sources and its version; no source maps, so no paths).
 * - node_modules/: `npm ci --omit=dev` from the lockfile (every package checked against its integrity hash) into
 *   a fresh staging directory, install scripts off; then only pkcs11js is built (`npm rebuild pkcs11js`, which
 *   runs node-gyp). Of its build/ directory only build/Release/pkcs11.node is kept: the makefiles and object
 *   files there name the staging path, the module itself does not (same compiler, same bytes).
 * - node/bin/node: the Node.js binary running this command (process.execPath), copied as is.
 * - README.md, package.json, package-lock.json, bin/keyceremony.js, ceremonies/, data/, docs/, src/ and the
 *   tsconfig files: the checkout's tracked files, with git's executable bits.
 * - bin/keyceremony: the launcher (launcher.ts); MANIFEST.json and SHA256SUMS (manifest.ts).
 * The archive is canonical (archive.ts): sorted, owner 0, modes 0755/0644, every mtime the commit date.
 * Different directories, times, umasks and users give the same bytes; a different Node.js binary, lockfile,
 * commit, C++ compiler (for pkcs11.node) or npm that lays out node_modules differently does not.
 *
 * The archive is written to a temporary name beside FILE, read back and checked against its manifest, then
 * linked to FILE, which must not exist: nothing is overwritten and nothing half-written is left.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import type { ArchiveItem } from './archive.js';
import { elfRequirements } from './elf.js';
import { LAUNCHER } from './launcher.js';
import { LAUNCHER_FILE, MANIFEST_FILE, NODE_FILE } from './layout.js';
import type { BundleManifest } from './manifest.js';
import { dataFile, packBundle, writeBundleFile } from './pack.js';
import { comparePaths } from './paths.js';
import { readSource } from './source.js';
import { listTree } from './tree.js';

export interface BuildOptions {
  /** The git checkout (after `npm ci`) to build from. */
  readonly checkout: string;
  readonly out: string;
  /** Build although the checkout differs from its commit (recorded as "dirty" in the manifest). */
  readonly allowDirty: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (to standard error). */
  readonly log?: (line: string) => void;
}

export interface BuiltBundle {
  readonly file: string;
  /** The bundle hash: SHA-256 of the archive. */
  readonly sha256: string;
  readonly size: number;
  readonly manifest: BundleManifest;
  /**
   * The tools that shaped the output besides the Node.js binary (tsc, npm, the C++ compiler), for two builders
   * whose hashes differ to compare. Not in the manifest: equal outputs from different tool versions should
   * still give equal hashes.
   */
  readonly toolchain: readonly string[];
}

const PKCS11_MODULE = 'node_modules/pkcs11js/build/Release/pkcs11.node';

/** Runs a build step; a failure shows the step's last lines of output. */
function step(
  what: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): void {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error)
    throw new KeyceremonyError('TOOL_MISSING', `${what}: cannot run ${command} (${result.error.message})`);
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15);
    throw new KeyceremonyError('ENVIRONMENT', `${what} failed (exit ${result.status ?? result.signal})`, {
      details: output,
    });
  }
}

/** npm as shipped with this Node.js (so node-gyp builds pkcs11js for exactly this binary), else npm's own path. */
function npmCommand(node: string, env: NodeJS.ProcessEnv): string[] {
  const beside = join(dirname(dirname(node)), 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(beside)) return [node, beside];
  const own = env['npm_execpath'];
  if (own && existsSync(own)) return [node, own];
  throw new KeyceremonyError('TOOL_MISSING', `npm is not installed beside ${node} (expected ${beside})`);
}

/** The environment for npm: no settings inherited from an outer `npm run`/`npx` (they name the checkout). */
function npmEnvironment(node: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!/^npm_/i.test(key) && key !== 'INIT_CWD') clean[key] = value;
  return { ...clean, PATH: `${dirname(node)}:${env['PATH'] ?? '/usr/bin:/bin'}`, npm_config_update_notifier: 'false' };
}

function regularFile(path: string, abs: string, executable: boolean): ArchiveItem {
  const info = lstatSync(abs);
  if (!info.isFile())
    throw new KeyceremonyError('INPUT_INVALID', `${abs} is not a regular file (a bundle holds no links)`);
  return { path, type: 'file', executable, size: info.size, source: { file: abs } };
}

/** Adds a listed tree under `prefix`; links and special files are refused. */
function addTree(items: Map<string, ArchiveItem>, dir: string, prefix: string, skip?: (path: string) => boolean): void {
  const { items: found, special } = listTree(dir, skip ? { skip } : {});
  if (special.length > 0)
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${join(dir, special[0] as string)} is not a regular file or directory (a bundle holds no links)`,
    );
  for (const item of found) items.set(`${prefix}/${item.path}`, { ...item, path: `${prefix}/${item.path}` });
}

export function buildBundle(options: BuildOptions): BuiltBundle {
  const log = options.log ?? (() => undefined);
  const env = options.env ?? process.env;
  const checkout = resolve(options.checkout);
  const out = resolve(options.out);
  // the running binary is the one bundled: process.platform and process.arch describe it
  const node = realpathSync(process.execPath);
  if (existsSync(out)) throw new KeyceremonyError('OUTPUT_EXISTS', `refusing to overwrite ${out}`);
  if (!existsSync(dirname(out)))
    throw new KeyceremonyError('OUTPUT_UNWRITABLE', `cannot write ${out}: the directory does not exist`);
  if (process.platform !== 'linux')
    throw new KeyceremonyError(
      'ENVIRONMENT',
      `bundles are built on Linux for Linux ceremony machines, not on ${process.platform}`,
    );
  if (existsSync(join(checkout, MANIFEST_FILE)))
    throw new KeyceremonyError('INPUT_INVALID', `${checkout} is an unpacked bundle: build bundles from a git checkout`);

  const source = readSource(checkout, env);
  if (source.changed.length > 0 && !options.allowDirty)
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `the checkout differs from commit ${source.commit.slice(0, 12)}: commit or remove the changes (or --allow-dirty, recorded in the manifest)`,
      { details: source.changed.slice(0, 20) },
    );
  const pkg = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as {
    version?: unknown;
    scripts?: unknown;
  };
  if (typeof pkg.version !== 'string')
    throw new KeyceremonyError('INPUT_INVALID', `${checkout}/package.json has no version`);
  const tsc = join(checkout, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc))
    throw new KeyceremonyError('TOOL_MISSING', `${checkout} has no TypeScript compiler: run "npm ci" there first`);

  const staging = mkdtempSync(join(tmpdir(), 'keyceremony-bundle-'));
  try {
    const tscVersion = (
      JSON.parse(readFileSync(join(checkout, 'node_modules', 'typescript', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    log(`compiling src/ (tsc ${tscVersion})`);
    step('compiling', node, [tsc, '-p', join(checkout, 'tsconfig.build.json'), '--outDir', join(staging, 'dist')], {
      cwd: checkout,
      env,
    });

    const install = join(staging, 'install');
    mkdirSync(install);
    delete pkg.scripts; // npm ci would run "prepare" (the build), which needs the dev dependencies
    writeFileSync(join(install, 'package.json'), JSON.stringify(pkg, null, 2));
    writeFileSync(join(install, 'package-lock.json'), readFileSync(join(checkout, 'package-lock.json')));
    const npm = npmCommand(node, env);
    const npmEnv = npmEnvironment(node, env);
    const toolchain = [
      `tsc ${tscVersion}`,
      `npm ${firstLine(npm[0] as string, [...npm.slice(1), '--version'], npmEnv)}`,
      firstLine(npmEnv['CXX'] ?? 'g++', ['--version'], npmEnv),
    ];
    log('installing production dependencies (npm ci --omit=dev)');
    step(
      'npm ci',
      npm[0] as string,
      [
        ...npm.slice(1),
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--no-bin-links',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
      ],
      { cwd: install, env: npmEnv },
    );
    log('building pkcs11js (node-gyp)');
    step(
      'building pkcs11js',
      npm[0] as string,
      [...npm.slice(1), 'rebuild', 'pkcs11js', '--ignore-scripts=false', '--no-bin-links', '--loglevel=error'],
      { cwd: install, env: npmEnv },
    );
    if (!existsSync(join(install, PKCS11_MODULE)))
      throw new KeyceremonyError(
        'TOOL_MISSING',
        'pkcs11js did not build (it needs g++, make and python3): a bundle without it could not use tokens',
      );
    step('loading pkcs11js', node, ['-e', `require(${JSON.stringify(join(install, 'node_modules', 'pkcs11js'))})`], {
      cwd: install,
      env: npmEnv,
    });

    const items = new Map<string, ArchiveItem>();
    for (const file of source.files) {
      const abs = join(checkout, file.path);
      if (existsSync(abs) || !options.allowDirty) items.set(file.path, regularFile(file.path, abs, file.executable));
    }
    addTree(items, join(staging, 'dist'), 'dist');
    // of pkcs11js's build/ only the module: the makefiles and object files there name the staging directory
    const keep = new Set(['pkcs11js/build/Release', 'pkcs11js/build/Release/pkcs11.node']);
    addTree(
      items,
      join(install, 'node_modules'),
      'node_modules',
      (path) => path.startsWith('pkcs11js/build/') && !keep.has(path),
    );
    items.set(NODE_FILE, regularFile(NODE_FILE, node, true));
    items.set(LAUNCHER_FILE, dataFile(LAUNCHER_FILE, LAUNCHER, true));
    const requires = [
      NODE_FILE,
      ...[...items.values()]
        .filter((i) => i.type === 'file' && i.path.endsWith('.node'))
        .map((i) => i.path)
        .sort(comparePaths),
    ].map((path) => {
      const source = items.get(path)?.source;
      return { path, ...elfRequirements(source && 'file' in source ? source.file : '') };
    });
    log('hashing');
    const platform = `${process.platform}-${process.arch}`;
    const bundle = packBundle(items.values(), {
      version: pkg.version,
      root: `keyceremony-${pkg.version}-${source.commit.slice(0, 12)}-${platform}`,
      source: { commit: source.commit, dirty: source.changed.length > 0, epoch: source.epoch },
      node: { version: nodeVersion(node, env), platform: process.platform, arch: process.arch },
      requires,
    });

    log(`writing ${out}`);
    const { sha256, size } = writeBundleFile(bundle, out);
    return { file: out, sha256, size, manifest: bundle.manifest, toolchain };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The first line a tool prints (its version), or what went wrong. */
function firstLine(command: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, args, { encoding: 'utf8', env });
  if (result.error || result.status !== 0) return `${command}: not runnable`;
  return result.stdout.trim().split('\n')[0] ?? command;
}

/** The bundled binary's own version (it need not be the one running). */
function nodeVersion(node: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8', env });
  const version = result.stdout.trim();
  if (result.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version))
    throw new KeyceremonyError('ENVIRONMENT', `${node} --version did not answer with a version`);
  return version;
}
