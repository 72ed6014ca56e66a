/**
 * PEM with headers, as Go's encoding/pem writes and reads it — the form of notary's key files
 * (`role: targets`, `gun: docker.io/...`, `path: <keyID>`) and docker's `.pub` files (`role: NAME`).
 *
 * Go writes headers sorted by name, a blank line after them, and the base64 body in 64-character lines.
 * OpenSSL reads such headers as legacy encryption headers and refuses the block, so tools that hand a key to
 * `openssl` must strip them first (docs/dct.md says how).
 */
import { bug } from '../errors.js';

export interface PemBlock {
  readonly type: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: Uint8Array;
}

const HEADER_NAME = /^[A-Za-z0-9-]+$/;

export function encodePem(block: PemBlock): string {
  const names = Object.keys(block.headers).sort();
  const lines = [`-----BEGIN ${block.type}-----`];
  for (const name of names) {
    const value = block.headers[name] ?? '';
    if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) throw bug(`invalid PEM header ${name}`);
    lines.push(`${name}: ${value}`);
  }
  if (names.length > 0) lines.push('');
  const body = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength).toString('base64');
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  lines.push(`-----END ${block.type}-----`, '');
  return lines.join('\n');
}

export class PemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PemError';
  }
}

/** Every PEM block in `text`, in order (text between blocks is ignored, as Go does). */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const begin = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/.exec(lines[i] ?? '');
    if (!begin) continue;
    const type = begin[1] ?? '';
    const headers: Record<string, string> = {};
    let j = i + 1;
    // Headers run until the first line without a colon; a blank line ends them.
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const header = /^([^:\s]+):\s*(.*?)\s*$/.exec(line);
      if (!header) break;
      const name = header[1] ?? '';
      if (Object.hasOwn(headers, name)) throw new PemError(`PEM block ${type} repeats the header ${name}`);
      headers[name] = header[2] ?? '';
    }
    if (Object.keys(headers).length > 0 && (lines[j] ?? '').trim() === '') j++;
    let body = '';
    for (; j < lines.length; j++) {
      const line = (lines[j] ?? '').trim();
      if (line === `-----END ${type}-----`) break;
      if (!/^[A-Za-z0-9+/=]*$/.test(line)) throw new PemError(`PEM block ${type} has a line that is not base64`);
      body += line;
    }
    if (j >= lines.length) throw new PemError(`PEM block ${type} has no END line`);
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) {
      throw new PemError(`PEM block ${type} is not valid base64`);
    }
    blocks.push({ type, headers, bytes: new Uint8Array(Buffer.from(body, 'base64')) });
    i = j;
  }
  return blocks;
}

/** Exactly one PEM block of one of `types`. */
export function decodeSinglePem(text: string, types: readonly string[], what: string): PemBlock {
  const blocks = decodePemBlocks(text);
  if (blocks.length !== 1) {
    throw new PemError(`${what} must hold exactly one PEM block, found ${blocks.length}`);
  }
  const [block] = blocks as [PemBlock];
  if (!types.includes(block.type)) throw new PemError(`${what} is a ${block.type}, expected ${types.join(' or ')}`);
  return block;
}
