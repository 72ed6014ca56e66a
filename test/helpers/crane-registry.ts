/**
 * A throwaway OCI registry on 127.0.0.1 for container-signing tests: go-containerregistry's
 * `crane registry serve` (in memory, a free port), and `crane append` to push a one-file image into it.
 * crane's registry does not answer the OCI referrers API (it is not enabled in `crane registry serve`), so
 * notation stores and finds its signatures through the referrers tag schema (`sha256-<hex>` tags), and cosign 2
 * uses its `sha256-<hex>.sig` tags.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';
import { tempDir } from './tmp.js';
import { toolPath } from './tools.js';

export interface CraneRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startCraneRegistry(): Promise<CraneRegistry> {
  const child: ChildProcess = spawn(toolPath('crane'), ['registry', 'serve', '--address', '127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`crane registry did not start:\n${seen}`)), 15_000);
    child.stderr?.on('data', (d: Buffer) => {
      seen += d.toString();
      const match = /serving on port (\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    });
    child.on('exit', (code) => reject(new Error(`crane registry exited (${code}):\n${seen}`)));
  });
  child.stderr?.resume();
  return {
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface PushedImage {
  /** repository reference without tag or digest: 127.0.0.1:PORT/wikibase/test */
  readonly repository: string;
  readonly digest: string;
  /** repository@digest */
  readonly byDigest: string;
}

/** Pushes a one-layer image (one small random file) with `crane append` and returns its digest. */
export async function pushTestImage(registry: CraneRegistry, path: string, tag: string): Promise<PushedImage> {
  const dir = await tempDir('kc-image-');
  await mkdir(join(dir, 'root'));
  await writeFile(join(dir, 'root', 'hello.txt'), `keyceremony test image ${randomBytes(8).toString('hex')}\n`);
  const tar = await run('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'layer.tar'), 'hello.txt']);
  if (tar.code !== 0) throw new Error(`tar: ${tar.stderr}`);
  const repository = `${registry.host}/${path}`;
  const pushed = await run(toolPath('crane'), [
    'append',
    '--insecure',
    '-f',
    join(dir, 'layer.tar'),
    '-t',
    `${repository}:${tag}`,
  ]);
  if (pushed.code !== 0) throw new Error(`crane append: ${pushed.stderr}`);
  const digest = await run(toolPath('crane'), ['digest', '--insecure', `${repository}:${tag}`]);
  if (digest.code !== 0) throw new Error(`crane digest: ${digest.stderr}`);
  const value = digest.stdout.trim();
  return { repository, digest: value, byDigest: `${repository}@${value}` };
}
