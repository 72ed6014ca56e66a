/**
 * Writing the encrypted archive to the media and reading every copy back: a copy that is not what was written
 * (here: one byte flipped on disk between writing and reading back, as a failing medium would) is caught and
 * named, and the ceremony's rollback removes every copy. Also the archive itself: gpg 2.2 decrypts it.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MediumCopy, readBackCopies, writeCopies } from '../../src/backup/copies.js';
import { readTar } from '../../src/backup/tar.js';
import { archiveVault, decryptArchive, encryptArchive, readVaultEntries } from '../../src/backup/vault-archive.js';
import { generatePassphrase } from '../../src/util/diceware.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { OutputTree } from '../../src/vault/output-tree.js';
import { newStoppedGpg } from '../helpers/gpg-agents.js';
import { tempDir } from '../helpers/tmp.js';

async function media(count: number): Promise<MediumCopy[]> {
  const base = await tempDir('kc-media-');
  const out: MediumCopy[] = [];
  for (let n = 1; n <= count; n++) {
    out.push({
      number: n,
      label: `Backup medium ${n}`,
      tree: await OutputTree.reusable(`media/${n}`, join(base, String(n)), { secret: true }),
    });
  }
  return out;
}

describe('backup copies', () => {
  const archive = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
  const digest = sha256Hex(archive);

  it('read back intact after writing', async () => {
    const copies = await media(3);
    await writeCopies(copies, 'backup-x', archive);
    await expect(readBackCopies(copies, 'backup-x', digest, archive.length)).resolves.toBeUndefined();
  });

  it('name the copy that does not read back as written, wherever the damage is, and roll back cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: archive.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (bad, offset, flip) => {
          const copies = await media(3);
          await writeCopies(copies, 'backup-x', archive);
          const path = copies[bad]!.tree.path('backup-x/vault.tar.gpg');
          const bytes = await readFile(path);
          bytes[offset] = (bytes[offset] as number) ^ flip;
          await writeFile(path, bytes);
          await expect(readBackCopies(copies, 'backup-x', digest, archive.length)).rejects.toMatchObject({
            code: 'CHECK_FAILED',
            message: expect.stringContaining(`the copy on Backup medium ${bad + 1} (`),
          });
          for (const copy of copies) await copy.tree.rollback();
          for (const copy of copies) expect(await readdir(copy.tree.root).catch(() => [])).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
    const copies = await media(2);
    await writeCopies(copies, 'backup-x', archive);
    await writeFile(copies[1]!.tree.path('backup-x/vault.tar.gpg'), archive.subarray(0, 4096)); // truncated
    await expect(readBackCopies(copies, 'backup-x', digest, archive.length)).rejects.toThrow(
      /Backup medium 2 .* does not read back as written/,
    );
  });

  it('refuse to overwrite an earlier backup on the medium', async () => {
    const copies = await media(1);
    await writeCopies(copies, 'backup-x', archive);
    await expect(writeCopies(copies, 'backup-x', archive)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });
});

describe('the encrypted vault archive', () => {
  it('is decrypted by gpg 2.2 and by keyceremony, and refuses a wrong passphrase', async () => {
    const vault = await tempDir('kc-vault-');
    await writeFile(join(vault, 'inventory.json'), '{}\n', { mode: 0o600 });
    await writeFile(join(vault, `.inventory.json.${'a1'.repeat(6)}.tmp`), 'left over from an interrupted write');
    const entries = await readVaultEntries(vault);
    expect(entries.map((e) => e.path)).toEqual(['vault', 'vault/inventory.json']);
    const tar = archiveVault(entries);
    const passphrase = generatePassphrase(10);
    const encrypted = await encryptArchive(tar, passphrase);
    expect(await decryptArchive(encrypted, passphrase, 'test')).toEqual(tar);
    await expect(decryptArchive(encrypted, generatePassphrase(10), 'the test archive')).rejects.toMatchObject({
      code: 'PASSPHRASE_WRONG',
      message: 'the passphrase does not open the test archive',
    });
    const gpg = await newStoppedGpg();
    const file = join(await tempDir(), 'a.tar.gpg');
    await writeFile(file, encrypted);
    const out = join(await tempDir(), 'a.tar');
    const decrypted = await gpg(
      ['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--output', out, '--decrypt', file],
      `${passphrase}\n`,
    );
    expect(decrypted.code, decrypted.stderr).toBe(0);
    expect(readTar(new Uint8Array(await readFile(out))).map((e) => e.path)).toEqual(['vault', 'vault/inventory.json']);
    const wrong = await gpg(
      ['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--decrypt', file],
      'not the passphrase\n',
    );
    expect(wrong.code).not.toBe(0);
  });
});
