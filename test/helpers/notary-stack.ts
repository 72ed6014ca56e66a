/**
 * A local Docker Content Trust stack from Debian's packages, for end-to-end tests: notary-signer and
 * notary-server (memory storage, gRPC over TLS between them) and docker-registry (in-memory storage), each on
 * a free port on 127.0.0.1, with a throwaway TLS CA made by openssl. Started once per test file; stop() ends
 * every process it started (by its own PID) and is safe to call more than once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { run } from './run.js';
import { tempDir } from './tmp.js';

export interface NotaryStack {
  readonly dir: string;
  /** https://127.0.0.1:PORT of notary-server. */
  readonly serverUrl: string;
  /** 127.0.0.1:PORT, as docker names the server in $DOCKER_CONFIG/tls/<host:port>/. */
  readonly serverHost: string;
  readonly caFile: string;
  readonly caPem: string;
  /** http://127.0.0.1:PORT of docker-registry. */
  readonly registryUrl: string;
  /** Log output of the three daemons (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await run('openssl', args, { cwd });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A throwaway CA and one leaf certificate per service, valid for 127.0.0.1 (test fixtures only). */
async function makeTls(dir: string): Promise<void> {
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=keyceremony throwaway test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  for (const name of ['server', 'signer']) {
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.ec`], dir);
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.ec`, '-out', `${name}.key`], dir);
    await openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=notary-${name}`, '-out', `${name}.csr`], dir);
    await writeFile(
      join(dir, `${name}.ext`),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n',
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-sha256',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  }
}

async function waitForPort(port: number, child: ChildProcess, name: string, deadline: number): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function get(url: string, ca?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? request : httpRequest)(url, ca ? { ca } : {}, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

export async function startNotaryStack(): Promise<NotaryStack> {
  const dir = await tempDir('kc-notary-');
  await makeTls(dir);
  const [signerPort, serverPort, registryPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(
    join(dir, 'signer.json'),
    JSON.stringify({
      server: {
        grpc_addr: `127.0.0.1:${signerPort}`,
        tls_cert_file: join(dir, 'signer.crt'),
        tls_key_file: join(dir, 'signer.key'),
        client_ca_file: join(dir, 'ca.crt'),
      },
      logging: { level: 'info' },
      storage: { backend: 'memory' },
    }),
  );
  await writeFile(
    join(dir, 'server.json'),
    JSON.stringify({
      server: {
        http_addr: `127.0.0.1:${serverPort}`,
        tls_key_file: join(dir, 'server.key'),
        tls_cert_file: join(dir, 'server.crt'),
      },
      trust_service: {
        type: 'remote',
        hostname: '127.0.0.1',
        port: String(signerPort),
        tls_ca_file: join(dir, 'ca.crt'),
        key_algorithm: 'ecdsa',
        tls_client_cert: join(dir, 'server.crt'),
        tls_client_key: join(dir, 'server.key'),
      },
      logging: { level: 'info' },
      storage: { backend: 'memory' },
    }),
  );
  await writeFile(
    join(dir, 'registry.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  inmemory: {}\nhttp:\n  addr: 127.0.0.1:${registryPort}\n`,
  );

  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const start = (name: string, command: string, args: string[]): ChildProcess => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (d: Buffer): void => {
      if (logs.length < 2000) logs.push(`[${name}] ${d.toString('utf8')}`);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    children.push(child);
    return child;
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(
      children.reverse().map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };

  try {
    const deadline = Date.now() + 30_000;
    const signer = start('notary-signer', 'notary-signer', ['-config', join(dir, 'signer.json')]);
    const registry = start('docker-registry', 'docker-registry', ['serve', join(dir, 'registry.yml')]);
    await waitForPort(signerPort, signer, 'notary-signer', deadline);
    const server = start('notary-server', 'notary-server', ['-config', join(dir, 'server.json')]);
    await waitForPort(serverPort, server, 'notary-server', deadline);
    await waitForPort(registryPort, registry, 'docker-registry', deadline);
    const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
    for (;;) {
      const health = await get(`https://127.0.0.1:${serverPort}/_notary_server/health`, caPem);
      const v2 = await get(`http://127.0.0.1:${registryPort}/v2/`);
      if (health === 200 && v2 === 200) break;
      if (Date.now() > deadline) throw new Error(`the stack is not healthy (notary-server ${health}, registry ${v2})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      dir,
      serverUrl: `https://127.0.0.1:${serverPort}`,
      serverHost: `127.0.0.1:${serverPort}`,
      caFile: join(dir, 'ca.crt'),
      caPem,
      registryUrl: `http://127.0.0.1:${registryPort}`,
      logs: () => logs.join(''),
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${logs.join('')}`);
  }
}
