/**
 * Output directories that exist before the ceremony (issue 14, item 6): ours but open to other users (0777) —
 * tightened, and the operator told; owned by another user, or shared (sticky) — refused with exit 3 before
 * anything is written anywhere.
 */
import { chmod, chown, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTACKER_UID,
  fullSnapshot,
  outputs,
  rehearseInProcess,
  requireRoot,
  withoutAbortedRecord,
} from './harness.js';

beforeAll(() => requireRoot());

describe('existing output directories', () => {
  it('of ours but open to others are tightened (and said so); the ceremony then completes', async () => {
    const o = await outputs();
    const media1 = join(o.media, 'media', '1');
    for (const dir of [o.vault, o.public, o.handoff, o.media, media1]) {
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
    }
    await chmod(join(o.media, 'media'), 0o777);
    const result = await rehearseInProcess(o);
    expect(result.code, result.message).toBe(0);
    for (const dir of [o.vault, o.handoff, o.media, join(o.media, 'media'), media1]) {
      expect((await stat(dir)).mode & 0o777, dir).toBe(0o700);
      expect(result.lines.join('\n')).toContain(`${dir} had mode 0777 (open to other users); tightened to 0700`);
    }
    expect((await stat(o.public)).mode & 0o777).toBe(0o755);
  }, 120_000);

  it.each([
    ['the vault', (o: { vault: string }) => o.vault],
    ['the public tree', (o: { public: string }) => o.public],
    ['the hand-off directory', (o: { handoff: string }) => o.handoff],
    ['the --media directory', (o: { media: string }) => o.media],
    ['a backup medium', (o: { media: string }) => join(o.media, 'media', '2')],
  ])(
    'owned by another user (%s) are refused with exit 3, and nothing is written anywhere',
    async (_, which) => {
      const o = await outputs();
      const dir = which(o);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chown(dir, ATTACKER_UID, ATTACKER_UID);
      const before = await fullSnapshot(o.base);
      const result = await rehearseInProcess(o);
      expect(result.code, result.message).toBe(3);
      expect(result.message).toContain(`${dir} is owned by uid ${ATTACKER_UID}, not by you`);
      expect(withoutAbortedRecord(await fullSnapshot(o.base), before)).toEqual(before);
    },
    120_000,
  );

  it('that are shared (sticky, world-writable) are refused rather than tightened', async () => {
    const o = await outputs();
    await mkdir(join(o.media, 'media', '1'), { recursive: true, mode: 0o700 });
    await chmod(join(o.media, 'media', '1'), 0o1777);
    const result = await rehearseInProcess(o);
    expect(result.code).toBe(3);
    expect(result.message).toMatch(/media\/1 is a shared directory \(mode 01777\)/);
    expect((await stat(join(o.media, 'media', '1'))).mode & 0o7777).toBe(0o1777);
    expect(await readdir(o.base)).toEqual(['media']);
  }, 120_000);
});
