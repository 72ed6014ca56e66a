/**
 * keyceremony dct fetch-keys --server URL [--tlscacert F] --out DIR GUN...
 *
 * The online step before a DCT ceremony: asks the notary server for each repository's timestamp and snapshot
 * public keys (the server makes them on the first request and keeps the private halves) and writes them, as
 * the server sent them, to DIR/<GUN>/timestamp.key and DIR/<GUN>/snapshot.key — the layout the ceremony's
 * dct.sign-metadata step reads from its transfer medium. Prints each key ID for the paper runbook.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { serverKeyPath } from '../../dct/index.js';
import { gunProblem } from '../../dct/index.js';
import { fetchServerKey, notaryServer } from '../../dct/online/index.js';
import { readServerPublicKey } from '../../dct/index.js';
import { spkiKeyId } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { writeFileExclusive } from '../../vault/index.js';

export interface DctFetchKeysOptions {
  readonly server: string;
  readonly out: string;
  readonly tlscacert?: string;
}

export async function dctFetchKeysCommand(guns: readonly string[], options: DctFetchKeysOptions): Promise<void> {
  for (const gun of guns) {
    const problem = gunProblem(gun);
    if (problem) throw new KeyceremonyError('USAGE', `GUN ${gun} ${problem}`);
  }
  // A GUN named twice would pass the "nothing exists yet" check and then collide with itself mid-write.
  const twice = guns.find((gun, i) => guns.indexOf(gun) !== i);
  if (twice) throw new KeyceremonyError('USAGE', `GUN ${twice} is given twice`);
  const server = await notaryServer(options.server, options.tlscacert);
  const out = resolve(options.out);
  // Fetch and check everything first, then write: a failure leaves no partial set behind.
  const fetched: { gun: string; role: 'timestamp' | 'snapshot'; bytes: Uint8Array; id: string }[] = [];
  for (const gun of guns) {
    for (const role of ['timestamp', 'snapshot'] as const) {
      const bytes = await fetchServerKey(server, gun, role);
      let id: string;
      try {
        id = spkiKeyId(readServerPublicKey(new TextDecoder().decode(bytes)));
      } catch (error) {
        throw new KeyceremonyError('CHECK_FAILED', `the server's ${role} key for ${gun} ${(error as Error).message}`);
      }
      fetched.push({ gun, role, bytes, id });
    }
  }
  for (const { gun, role } of fetched) {
    const path = join(out, serverKeyPath(gun, role));
    if (existsSync(path)) throw new KeyceremonyError('OUTPUT_EXISTS', `refusing to overwrite ${path}`);
  }
  for (const { gun, role, bytes, id } of fetched) {
    const path = join(out, serverKeyPath(gun, role));
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFileExclusive(path, bytes, 0o644);
    process.stdout.write(`${gun}  ${role.padEnd(9)}  ${id}  ${path}\n`);
  }
  process.stdout.write(
    `Write these key IDs on the runbook: the ceremony shows them again before it signs root.json.\n`,
  );
}
