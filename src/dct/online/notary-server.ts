/**
 * The notary server's HTTP API, as far as the online side of keyceremony needs it — the only network code
 * in keyceremony, used by `keyceremony dct fetch-keys` and `keyceremony dct publish` and never on the
 * ceremony path:
 *   GET  /v2/<gun>/_trust/tuf/timestamp.key | snapshot.key   the server's public keys (made on first request)
 *   GET  /v2/<gun>/_trust/tuf/<role>.json                     current metadata (404 when there is none)
 *   GET  /v2/<gun>/_trust/tuf/<version>.root.json             one version of root.json
 *   POST /v2/<gun>/_trust/tuf/                                multipart, field `files`, file name = role
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KeyceremonyError } from '../../errors.js';

export interface NotaryServer {
  readonly url: URL;
  /** PEM of the CA that signed the server's TLS certificate (`--tlscacert`), instead of the system's. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

/** Loopback hosts, the only ones plain http may reach (a TLS proxy on the same machine). */
const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/**
 * Parses and checks a server URL (https, or http for a server on loopback behind a TLS proxy). Plain http to
 * anywhere else would let the network swap the timestamp and snapshot keys the offline root then signs.
 */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KeyceremonyError('USAGE', `--server ${text} is not a URL (e.g. https://notary.example.org)`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new KeyceremonyError(
      'USAGE',
      `--server must be an https:// URL (http:// only on loopback), not ${url.protocol}//${url.host}`,
    );
  }
  if (url.search || url.hash || url.username || url.password)
    throw new KeyceremonyError('USAGE', '--server must not carry a query, fragment or credentials');
  return url;
}

/** The server of `--server URL [--tlscacert FILE]`, as both online commands take it. */
export async function notaryServer(server: string, tlscacert: string | undefined): Promise<NotaryServer> {
  const url = parseServerUrl(server);
  if (!tlscacert) return { url };
  const ca = await readFile(tlscacert, 'utf8').catch(() => {
    throw new KeyceremonyError('INPUT_NOT_FOUND', `cannot read --tlscacert ${tlscacert}`);
  });
  return { url, ca };
}

function endpoint(server: NotaryServer, gun: string, rest: string): URL {
  const base = server.url.pathname.replace(/\/+$/, '');
  const url = new URL(server.url.href);
  url.pathname = `${base}/v2/${gun}/_trust/tuf/${rest}`;
  return url;
}

/** Why we broke off an exchange ourselves; `send` reports it, like a network error, as ENVIRONMENT. */
class ExchangeBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeBroken';
  }
}

function send(
  server: NotaryServer,
  method: 'GET' | 'POST',
  url: URL,
  body?: { contentType: string; bytes: Uint8Array },
): Promise<HttpResponse> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // One mapping for every way the exchange can break (connect, TLS, a connection dropped mid-response).
    const fail = (error: NodeJS.ErrnoException): void => {
      const hint = /certificate|self.signed|CERT_|UNABLE_TO_VERIFY/i.test(`${error.code ?? ''} ${error.message}`)
        ? " (is the server's CA given with --tlscacert?)"
        : '';
      reject(
        new KeyceremonyError(
          'ENVIRONMENT',
          `cannot reach the notary server at ${server.url.origin}: ${error.code ?? error.message}${hint}`,
        ),
      );
    };
    const req = request(
      url,
      {
        method,
        ...(server.ca ? { ca: server.ca } : {}),
        headers: {
          'user-agent': 'keyceremony',
          ...(body ? { 'content-type': body.contentType, 'content-length': String(body.bytes.length) } : {}),
        },
        timeout: server.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 16 * 1024 * 1024) req.destroy(new ExchangeBroken('response larger than 16 MiB'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new ExchangeBroken('timed out')));
    req.on('error', fail);
    if (body) req.end(Buffer.from(body.bytes));
    else req.end();
  });
}

/** The message of a notary-server error response ({"errors":[{"code","message","detail"}]}), or the status. */
export function serverErrorMessage(response: HttpResponse): string {
  const text = new TextDecoder().decode(response.body).trim();
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    const errors = (parsed.errors ?? []).map((e) =>
      [e.code, e.message, typeof e.detail === 'string' ? e.detail : e.detail ? JSON.stringify(e.detail) : '']
        .filter(Boolean)
        .join(': '),
    );
    if (errors.length) return `HTTP ${response.status}: ${errors.join('; ')}`;
  } catch {
    // not JSON
  }
  return `HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
}

/** The server's public key for `role` of `gun` (notary-server makes it on the first request). */
export async function fetchServerKey(
  server: NotaryServer,
  gun: string,
  role: 'timestamp' | 'snapshot',
): Promise<Uint8Array> {
  const response = await send(server, 'GET', endpoint(server, gun, `${role}.key`));
  if (response.status !== 200) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the notary server did not give the ${role} key of ${gun}: ${serverErrorMessage(response)}`,
    );
  }
  return response.body;
}

/** The server's current root.json or targets.json of `gun`, or undefined when it has none. */
export async function fetchMetadata(
  server: NotaryServer,
  gun: string,
  role: 'root' | 'targets' | 'timestamp',
): Promise<Uint8Array | undefined> {
  const response = await send(server, 'GET', endpoint(server, gun, `${role}.json`));
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the notary server did not give ${role}.json of ${gun}: ${serverErrorMessage(response)}`,
    );
  return response.body;
}

/** One version of root.json as the server keeps it (`<version>.root.json`), or undefined when it has none. */
export async function fetchRootVersion(
  server: NotaryServer,
  gun: string,
  version: number,
): Promise<Uint8Array | undefined> {
  const response = await send(server, 'GET', endpoint(server, gun, `${version}.root.json`));
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the notary server did not give root.json version ${version} of ${gun}: ${serverErrorMessage(response)}`,
    );
  return response.body;
}

/** Uploads metadata files as notary's client does (multipart, field `files`, file name = role). */
export async function uploadMetadata(
  server: NotaryServer,
  gun: string,
  files: readonly { role: 'root' | 'targets'; bytes: Uint8Array }[],
): Promise<void> {
  const boundary = `keyceremony-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.role}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(file.bytes),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const response = await send(server, 'POST', endpoint(server, gun, ''), {
    contentType: `multipart/form-data; boundary=${boundary}`,
    bytes: new Uint8Array(Buffer.concat(parts)),
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the notary server refused the metadata for ${gun}: ${serverErrorMessage(response)}`,
    );
  }
}
