/**
 * What the container-signing ceremony tests do with a rehearsal's outputs, the way signers and users do it:
 * run a hand-off folder's sign-image.sh (real cosign, notation and openssl), and run the verification commands
 * the public containers/README.txt prints, in the public containers/ directory. Both against a crane registry
 * on 127.0.0.1: a shim puts `--insecure-registry` into notation's registry commands (plain HTTP), which is the
 * only thing not run exactly as written; cosign treats 127.0.0.1 as insecure by itself.
 */
import { chmod, cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ToolHome, toolHome } from './container-tools.js';
import { type RunResult, run } from './run.js';
import { tempDir } from './tmp.js';
import { toolPath } from './tools.js';

/** A directory for PATH with cosign and a notation that talks plain HTTP to the test registry. */
export async function toolShims(): Promise<string> {
  const dir = await tempDir('kc-shims-');
  await symlink(toolPath('cosign'), join(dir, 'cosign'));
  await writeFile(
    join(dir, 'notation'),
    `#!/bin/sh
case "$1" in
  sign|verify|list|ls|inspect) cmd="$1"; shift; exec '${toolPath('notation')}' "$cmd" --insecure-registry "$@" ;;
esac
exec '${toolPath('notation')}' "$@"
`,
  );
  await chmod(join(dir, 'notation'), 0o755);
  return dir;
}

export interface Signing {
  readonly shims: string;
  readonly home: ToolHome;
}

export async function signingEnvironment(): Promise<Signing> {
  const [shims, home] = await Promise.all([toolShims(), toolHome()]);
  return { shims, home };
}

/**
 * The hand-off folder of a rehearsal: handoff/<signer>/containers-*\/ — or handoff-N/… for a rehearsal that ran
 * after the first on the same directory (the newest ceremony's when there are several).
 */
export async function handoffFolder(dir: string, signer: string): Promise<string> {
  const found: { stamp: string; path: string }[] = [];
  for (const top of (await readdir(dir)).filter((n) => /^handoff(-\d+)?$/.test(n))) {
    const names = await readdir(join(dir, top, signer)).catch(() => [] as string[]);
    for (const n of names.filter((n) => n.startsWith('containers-')))
      found.push({ stamp: n, path: join(dir, top, signer, n) });
  }
  const last = found.sort((a, b) => a.stamp.localeCompare(b.stamp)).at(-1);
  if (!last) throw new Error(`no container hand-off for ${signer} in ${dir}`);
  return last.path;
}

/** Runs the hand-off's sign-image.sh as the CI job does: the key files and passphrase as environment secrets. */
export async function signWithHandoff(
  env: Signing,
  folder: string,
  passphrase: string,
  image: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  const [cosignKey, notationKey] = await Promise.all([
    readFile(join(folder, 'cosign.key'), 'utf8'),
    readFile(join(folder, 'notation.key'), 'utf8'),
  ]);
  return run('bash', [join(folder, 'sign-image.sh'), image], {
    env: {
      ...env.home.env,
      PATH: `${env.shims}:${process.env['PATH'] ?? ''}`,
      COSIGN_PRIVATE_KEY: cosignKey,
      NOTATION_PRIVATE_KEY: notationKey,
      SIGNING_KEY_PASSPHRASE: passphrase,
      ...extra,
    },
    timeoutMs: 90_000,
  });
}

/** The command blocks of containers/README.txt: the cosign command and the notation commands. */
export async function readmeCommands(publicDir: string): Promise<{ cosign: string; notation: string }> {
  const text = await readFile(join(publicDir, 'containers', 'README.txt'), 'utf8');
  const block = (after: string): string => {
    const start = text.indexOf(after);
    if (start < 0) throw new Error(`README.txt has no "${after}"`);
    const lines = text.slice(start).split('\n');
    const first = lines.findIndex((l) => l.startsWith('    '));
    const out: string[] = [];
    for (const line of lines.slice(first)) {
      if (!line.startsWith('    ')) break;
      out.push(line.slice(4));
    }
    return out.join('\n');
  };
  return { cosign: block('With cosign'), notation: block('With Notation') };
}

/**
 * Runs a README command block in public/containers/ with `image` for the example image, in a fresh tool home
 * (a user with nothing configured). `set -e`: the block fails at its first failing command.
 */
export async function runAsUser(
  env: { shims: string },
  publicDir: string,
  commands: string,
  image: string,
  home?: ToolHome,
): Promise<RunResult> {
  const user = home ?? (await toolHome());
  const script = commands.replace(/\S+@sha256:DIGEST/g, image);
  if (script === commands) throw new Error('the README commands name no example image');
  return run('sh', ['-ec', script], {
    cwd: join(publicDir, 'containers'),
    env: { ...user.env, PATH: `${env.shims}:${process.env['PATH'] ?? ''}` },
    timeoutMs: 90_000,
  });
}

/**
 * `notation verify` with the published Notation directory copied as it is into a user's notation
 * configuration ($XDG_CONFIG_HOME/notation: truststore/ and trustpolicy.json), as README.txt offers.
 */
export async function verifyWithNotationDir(
  env: { shims: string },
  publicDir: string,
  image: string,
): Promise<RunResult> {
  const user = await toolHome();
  await cp(join(publicDir, 'containers', 'notation'), join(user.dir, 'config', 'notation'), { recursive: true });
  return run('notation', ['verify', image], {
    env: { ...user.env, PATH: `${env.shims}:${process.env['PATH'] ?? ''}` },
    timeoutMs: 90_000,
  });
}

/** A directory laid out like a hand-off folder (for a look-alike signer of another CA). */
export async function fakeHandoff(files: Record<string, string>): Promise<string> {
  const dir = join(await tempDir('kc-fake-handoff-'), 'containers');
  await mkdir(dir, { mode: 0o700 });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, { mode: 0o600 });
  return dir;
}
