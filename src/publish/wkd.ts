/**
 * Web Key Directory (draft-koch-openpgp-webkey-service): the key for address local@domain is served at
 *   direct:   https://domain/.well-known/openpgpkey/hu/<hash>                       (+ .../openpgpkey/policy)
 *   advanced: https://openpgpkey.domain/.well-known/openpgpkey/domain/hu/<hash>     (+ .../domain/policy)
 * where <hash> is the z-base-32 encoding of SHA-1 of the lower-cased local part. The file is the binary
 * certificate with only the user IDs of that address.
 */
import { createHash } from 'node:crypto';
import type { Certificate } from '../openpgp/index.js';
import { serializeCertificate } from '../openpgp/index.js';
import { concatBytes } from '../util/bytes.js';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

export function zBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ZBASE32[(buffer << (5 - bits)) & 31];
  return out;
}

export function wkdHash(localPart: string): string {
  return zBase32(new Uint8Array(createHash('sha1').update(localPart.toLowerCase()).digest()));
}

/** The address in a user ID ("Name (comment) <local@domain>"), lower-cased domain. */
export function addressOf(userId: string): { local: string; domain: string } | undefined {
  const match = /<([^<>@\s]+)@([^<>@\s]+)>\s*$/.exec(userId);
  return match ? { local: match[1] as string, domain: (match[2] as string).toLowerCase() } : undefined;
}

/** What user IDs share a WKD file by: the address with its local part lower-cased, as WKD hashes it. */
function addressKey(userId: string): string | undefined {
  const address = addressOf(userId);
  return address && `${address.local.toLowerCase()}@${address.domain}`;
}

export interface WkdFile {
  readonly path: string;
  readonly content: Uint8Array | string;
}

const POLICY = '# Web Key Directory policy (draft-koch-openpgp-webkey-service); keys are published by keyceremony.\n';

export function wkdFiles(certificates: readonly Certificate[]): WkdFile[] {
  const byAddress = new Map<string, { local: string; domain: string; certs: Certificate[] }>();
  for (const cert of certificates) {
    for (const uid of cert.userIds) {
      const address = addressOf(uid.userId);
      const key = addressKey(uid.userId);
      if (!address || !key) continue;
      const entry = byAddress.get(key) ?? { ...address, certs: [] };
      // Only the user IDs of this address go into its file.
      const filtered: Certificate = { ...cert, userIds: cert.userIds.filter((u) => addressKey(u.userId) === key) };
      if (!entry.certs.some((c) => c.primary === cert.primary)) entry.certs.push(filtered);
      byAddress.set(key, entry);
    }
  }
  const files: WkdFile[] = [];
  const domains = new Set<string>();
  for (const { local, domain, certs } of [...byAddress.values()].sort((a, b) =>
    `${a.local}@${a.domain}`.localeCompare(`${b.local}@${b.domain}`),
  )) {
    const hash = wkdHash(local);
    const content = concatBytes(...certs.map((c) => serializeCertificate(c)));
    files.push({ path: `wkd/direct/${domain}/.well-known/openpgpkey/hu/${hash}`, content });
    files.push({ path: `wkd/advanced/openpgpkey.${domain}/.well-known/openpgpkey/${domain}/hu/${hash}`, content });
    domains.add(domain);
  }
  for (const domain of [...domains].sort()) {
    files.push({ path: `wkd/direct/${domain}/.well-known/openpgpkey/policy`, content: POLICY });
    files.push({ path: `wkd/advanced/openpgpkey.${domain}/.well-known/openpgpkey/${domain}/policy`, content: POLICY });
  }
  return files;
}
