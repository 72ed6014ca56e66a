/** The notary-server client's own checks: which URLs it talks to, and how a broken exchange is reported. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchServerKey, parseServerUrl } from '../../src/dct/online/notary-server.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

describe('parseServerUrl', () => {
  it('takes https anywhere and plain http only on loopback', () => {
    expect(parseServerUrl('https://notary.example.org').host).toBe('notary.example.org');
    for (const ok of ['http://127.0.0.1:4443', 'http://localhost:4443', 'http://[::1]:4443'])
      expect(parseServerUrl(ok).protocol).toBe('http:');
    for (const bad of [
      'http://notary.example.org',
      'http://10.0.0.1',
      'http://127.0.0.1.example.org',
      'ftp://127.0.0.1',
      'not a url',
    ]) {
      expect(() => parseServerUrl(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
    expect(() => parseServerUrl('https://user:pw@notary.example.org')).toThrow(/credentials/);
  });
});

describe('a notary server that drops the connection mid-response', () => {
  it('is an ENVIRONMENT error naming the server, not an internal error', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"keytype":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const url = parseServerUrl(`http://127.0.0.1:${port}`);
      await expect(fetchServerKey({ url }, 'docker.io/example/app', 'timestamp')).rejects.toMatchObject({
        code: 'ENVIRONMENT',
        message: expect.stringMatching(/cannot reach the notary server at http:\/\/127\.0\.0\.1:\d+/),
      });
    } finally {
      server.close();
    }
  });
});

describe('dct fetch-keys arguments', () => {
  it('refuses a repository named twice before contacting anyone or writing anything', async () => {
    const out = await tempDir();
    const result = await cli([
      'dct',
      'fetch-keys',
      '--server',
      'https://127.0.0.1:9',
      '--out',
      join(out, 'keys'),
      'docker.io/a/b',
      'docker.io/a/b',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/GUN docker\.io\/a\/b is given twice/);
    expect(await readdir(out)).toEqual([]);
  });
});
