/**
 * Reading release files for hashing, at hashing speed with flat memory: two reused 4 MiB buffers, the next
 * read issued (on libuv's thread pool) while the current chunk is being hashed. Chunks are only valid until
 * the consumer asks for the next one — hash them synchronously, never keep them.
 */
import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { KeyceremonyError } from '../errors.js';

export const CHUNK_SIZE = 4 << 20;

export type ProgressListener = (done: number, total: number) => void;

export async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new KeyceremonyError('INPUT_INVALID', `${path} is not a regular file`);
    await access(path, constants.R_OK); // stat succeeds on a file nobody may read
    return info.size;
  } catch (error) {
    if (error instanceof KeyceremonyError) throw error;
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

export async function* readChunks(
  path: string,
  total: number,
  progress?: ProgressListener,
): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(CHUNK_SIZE), Buffer.allocUnsafe(CHUNK_SIZE)];
    let current: 0 | 1 = 0;
    let position = 0;
    let pending = handle.read(buffers[0], 0, CHUNK_SIZE, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const chunk = buffers[current].subarray(0, bytesRead);
      position += bytesRead;
      current = current === 0 ? 1 : 0;
      // Read ahead into the other buffer while the consumer hashes this chunk.
      pending = handle.read(buffers[current], 0, CHUNK_SIZE, position);
      progress?.(position, total);
      yield chunk;
    }
  } finally {
    await handle.close();
  }
}
