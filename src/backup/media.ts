/**
 * Backup media and the sheets directory: where the script says they are, or — in rehearsals and with
 * `run --media DIR` — under DIR (DIR/media/<number>, DIR/sheets/<backup>/<custodian>).
 *
 * A real backup medium must be mounted where the script says: the path must exist and be a mount point, and no
 * two media may be the same device. A medium that is "mounted" nowhere would otherwise quietly receive the
 * backup on the live system's root file system, which vanishes at power-off.
 */
import { stat, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { KeyceremonyError } from '../errors.js';

export const MediumParam = z.strictObject({
  /** Names the medium on labels, sheets and in the transcript; in rehearsals it is DIR/media/<number>. */
  number: z.number().int().min(1).max(99),
  /** What is written on the medium's label, e.g. "Backup medium 1 (safe deposit box)". */
  label: z.string().trim().min(1).optional(),
  /** Where the medium is mounted on the ceremony machine. */
  path: z.string().refine((p) => isAbsolute(p), 'must be an absolute path'),
});
export type MediumParam = z.infer<typeof MediumParam>;

export function mediumLabel(medium: MediumParam): string {
  return medium.label ?? `Backup medium ${medium.number}`;
}

export interface MediumLocation {
  readonly path: string;
  /** True when the path was mapped under --media or a rehearsal directory (no mount checks then). */
  readonly mapped: boolean;
  /**
   * The top of what must be ours and private (see safe-fs.ts): the medium's mount point, the share-sheet
   * folder of the script, or the --media / rehearsal directory everything is mapped under.
   */
  readonly base: string;
}

export function mediumLocation(medium: MediumParam, mediaRoot: string | undefined): MediumLocation {
  return mediaRoot === undefined
    ? { path: resolve(medium.path), mapped: false, base: resolve(medium.path) }
    : { path: join(resolve(mediaRoot), 'media', String(medium.number)), mapped: true, base: resolve(mediaRoot) };
}

/** A custodian's sheets of one backup: `<sheets>/<backup>/<custodian>` (DIR/sheets/… when mapped). */
export function sheetsLocation(
  path: string,
  backup: string,
  custodian: string,
  mediaRoot: string | undefined,
): MediumLocation {
  return mediaRoot === undefined
    ? { path: join(resolve(path), backup, custodian), mapped: false, base: resolve(path) }
    : { path: join(resolve(mediaRoot), 'sheets', backup, custodian), mapped: true, base: resolve(mediaRoot) };
}

async function device(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).dev;
  } catch {
    return undefined;
  }
}

/**
 * Checks that real media are mounted: each path exists, is a directory and a mount point, and all are distinct
 * devices. Returns nothing for mapped locations (rehearsals, --media).
 */
export async function checkMediaMounted(
  media: readonly { medium: MediumParam; location: MediumLocation }[],
): Promise<void> {
  const devices = new Map<number, number>();
  for (const { medium, location } of media) {
    if (location.mapped) continue;
    let info;
    try {
      info = await stat(location.path);
    } catch {
      throw new KeyceremonyError(
        'ENVIRONMENT',
        `${mediumLabel(medium)} is not mounted: ${location.path} does not exist`,
      );
    }
    if (!info.isDirectory())
      throw new KeyceremonyError('ENVIRONMENT', `${mediumLabel(medium)}: ${location.path} is not a directory`);
    if (location.path !== '/' && info.dev === (await device(dirname(location.path)))) {
      throw new KeyceremonyError(
        'ENVIRONMENT',
        `${mediumLabel(medium)} is not mounted at ${location.path} (it is a plain directory on the machine's own disk)`,
      );
    }
    const other = devices.get(info.dev);
    if (other !== undefined) {
      throw new KeyceremonyError(
        'ENVIRONMENT',
        `backup media ${other} and ${medium.number} are the same device: two copies on one medium are one copy`,
      );
    }
    devices.set(info.dev, medium.number);
  }
}

const RAM_FILESYSTEMS = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

/** True when `path` (or its nearest existing parent) is on a RAM file system, which forgets at power-off. */
export async function onRamFilesystem(path: string): Promise<boolean> {
  let current = resolve(path);
  for (;;) {
    try {
      return RAM_FILESYSTEMS.has((await statfs(current)).type);
    } catch {
      const parent = dirname(current);
      if (parent === current) return false;
      current = parent;
    }
  }
}
