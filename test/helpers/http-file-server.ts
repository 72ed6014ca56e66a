/** A tiny HTTP server on 127.0.0.1 serving files from memory (a CRL distribution point for notation). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** Serves `body` at `path` from now on. */
  set(path: string, body: Uint8Array, contentType?: string): void;
  /** How often each path was fetched. */
  readonly hits: Map<string, number>;
  stop(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, { body: Uint8Array; type: string }>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(Buffer.from(file.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    set: (path, body, type = 'application/pkix-crl') => void files.set(path, { body, type }),
    hits,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
