/** Running real programs (the CLI, gpg, sqop, ...) from tests. */
import { spawn } from 'node:child_process';
import { cliPath } from './paths.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string | Uint8Array;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined); // a program that exits without reading its input is fine
    child.stdin.end(options.input ?? '');
  });
}

/** `arg` single-quoted for sh: one word, taken literally. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The keyceremony CLI as users run it (the compiled code behind bin/keyceremony.js). */
export function cli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [cliPath, ...args], options);
}

/**
 * The CLI in a fresh network namespace (user namespace with root mapped, so no privileges are needed):
 * only a down loopback interface, no routes — an air-gapped machine. With `network`, a veth pair with a
 * TEST-NET address and a default route is set up first: a networked machine that sends nothing anywhere.
 */
export function cliInNetns(
  args: readonly string[],
  options: RunOptions & { network?: boolean } = {},
): Promise<RunResult> {
  const quoted = [process.execPath, cliPath, ...args].map(shellQuote).join(' ');
  const setup = options.network
    ? 'ip link add kc0 type veth peer name kc1 && ip addr add 192.0.2.10/24 dev kc0 && ip link set kc0 up && ip link set kc1 up && ip route add default via 192.0.2.1 dev kc0 && '
    : '';
  return run('unshare', ['--user', '--map-root-user', '--net', 'sh', '-c', `${setup}exec ${quoted}`], options);
}
