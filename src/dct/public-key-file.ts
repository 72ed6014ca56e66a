/**
 * Public key files at the edges of a DCT ceremony:
 *  - docker's `.pub` format for delegation keys (what `docker trust key generate NAME` writes and
 *    `docker trust signer add --key` / `notary delegation add` read):
 *      -----BEGIN PUBLIC KEY-----
 *      role: NAME
 *
 *      <base64 SubjectPublicKeyInfo>
 *      -----END PUBLIC KEY-----
 *  - the notary server's timestamp and snapshot public keys, fetched online beforehand: either the JSON TUF
 *    key notary-server returns for `GET /v2/<gun>/_trust/tuf/timestamp.key`, or a PEM public key.
 */
import { z } from 'zod';
import { type PublicKeyMaterial, spkiDer } from '../crypto/index.js';
import { decodePemBlocks, encodePem, PemError } from './pem.js';
import { KeyFileProblem, p256FromSpki } from './tuf-key.js';

export function dockerPublicKeyFile(publicKey: PublicKeyMaterial, role: string): string {
  return encodePem({ type: 'PUBLIC KEY', headers: { role }, bytes: spkiDer(publicKey) });
}

const ServerKeyJson = z.object({
  keytype: z.string(),
  keyval: z.object({ public: z.string(), private: z.null().optional() }),
});

/**
 * Reads a server's public key file and insists on an ECDSA P-256 key (notary-server's keys; the only kind
 * keyceremony puts into root.json). Throws a KeyFileProblem whose message says what the file is instead; the
 * caller names the file.
 */
export function readServerPublicKey(text: string): PublicKeyMaterial {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new KeyFileProblem(`is not valid JSON (${(error as Error).message})`);
    }
    const key = ServerKeyJson.safeParse(json);
    if (!key.success)
      throw new KeyFileProblem('is JSON but not a notary public key ({"keytype":…,"keyval":{"public":…}})');
    if (key.data.keytype !== 'ecdsa')
      throw new KeyFileProblem(`holds a "${key.data.keytype}" key, not an ECDSA P-256 ("ecdsa") key`);
    return p256FromSpki(new Uint8Array(Buffer.from(key.data.keyval.public, 'base64')));
  }
  let blocks;
  try {
    blocks = decodePemBlocks(text);
  } catch (error) {
    if (error instanceof PemError) throw new KeyFileProblem(`is not a readable PEM file (${error.message})`);
    throw error;
  }
  if (blocks.length === 0) throw new KeyFileProblem('is neither a notary JSON key nor a PEM public key');
  const [block] = blocks;
  if (blocks.length > 1 || !block)
    throw new KeyFileProblem(`holds ${blocks.length} PEM blocks, expected one public key`);
  if (block.type.includes('PRIVATE KEY'))
    throw new KeyFileProblem('holds a PRIVATE key: only the public key may be brought to the ceremony');
  if (block.type !== 'PUBLIC KEY') throw new KeyFileProblem(`holds a ${block.type}, not a PUBLIC KEY`);
  return p256FromSpki(block.bytes);
}
