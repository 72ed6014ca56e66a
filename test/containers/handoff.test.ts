/**
 * The hand-off folder is never written into an earlier one. A rehearsal always hands off into a new
 * DIR/handoff-N, so only a real ceremony given a --handoff medium that already holds this ceremony's folder meets
 * this; the check is tested here, on the writer itself.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handoffFolder, type SignerHandoff, writeSignerHandoff } from '../../src/ceremony/x509/handoff.js';
import { OutputTree } from '../../src/vault/output-tree.js';
import { tempDir } from '../helpers/tmp.js';

describe('a container hand-off folder', () => {
  it('that exists already is refused, and nothing is written into it', async () => {
    const root = await tempDir('kc-handoff-');
    const folder = handoffFolder('release-pipeline', '2026-12-04T10-00-00Z');
    await mkdir(join(root, folder), { recursive: true });
    const tree = await OutputTree.reusable('handoff', root, { secret: true });
    // The refusal comes before the key, certificate or passphrase is looked at.
    const handoff = { folder } as SignerHandoff;
    await expect(writeSignerHandoff(tree, handoff, { publicKey: {} as never })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringMatching(/handoff\/release-pipeline\/containers-2026-12-04T10-00-00Z exists already/),
    });
    expect(await readdir(join(root, folder))).toEqual([]);
  });
});
