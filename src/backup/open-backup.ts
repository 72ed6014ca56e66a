/**
 * Finding a backup on a medium and opening it: the copy is checked against its manifest, decrypted with the
 * passphrase, unpacked in memory, and every file compared with the manifest. Nothing is written anywhere: the
 * caller decides where the files go (a new vault for a restore, nowhere for a recovery drill).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyceremonyError } from '../errors.js';
import { sha256Hex } from '../crypto/index.js';
import type { Certificate } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { allKeys } from '../openpgp/index.js';
import { INVENTORY_PATH, type Inventory, parseInventory } from '../vault/index.js';
import { ARCHIVE_FILE, type BackupManifest, MANIFEST_FILE, parseManifest, TRANSCRIPTS_DIR } from './manifest.js';
import { readTar, TarFormatError, type TarEntry } from './tar.js';
import { ARCHIVE_ROOT, decryptArchive } from './vault-archive.js';

export interface FoundBackup {
  readonly dir: string;
  readonly manifest: BackupManifest;
}

/** The backup `name` on the medium at `mediumPath`, or the newest one there. */
export async function findBackup(mediumPath: string, mediumLabel: string, name?: string): Promise<FoundBackup> {
  let names: string[];
  try {
    names = await readdir(mediumPath);
  } catch {
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      `${mediumLabel} is not there: ${mediumPath} cannot be read (is it mounted?)`,
    );
  }
  const candidates = [];
  for (const n of names.filter((n) => n.startsWith('backup-')).sort()) {
    if (
      await stat(join(mediumPath, n, MANIFEST_FILE)).then(
        () => true,
        () => false,
      )
    )
      candidates.push(n);
  }
  const chosen = name ?? candidates.at(-1);
  if (!chosen || !candidates.includes(chosen)) {
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      name ? `${mediumLabel} has no backup ${name}` : `${mediumLabel} (${mediumPath}) holds no keyceremony backup`,
      {
        ...(candidates.length ? { details: [`backups there: ${candidates.join(', ')}`] } : {}),
      },
    );
  }
  const dir = join(mediumPath, chosen);
  const manifest = parseManifest(new Uint8Array(await readFile(join(dir, MANIFEST_FILE))), `${dir}/${MANIFEST_FILE}`);
  if (manifest.name !== chosen)
    throw new KeyceremonyError('INPUT_INVALID', `${dir}/${MANIFEST_FILE} describes ${manifest.name}, not ${chosen}`);
  return { dir, manifest };
}

export type CopyCheck =
  | { readonly data: Uint8Array; readonly sha256: string; readonly problem: undefined }
  | { readonly data: undefined; readonly sha256: string | undefined; readonly problem: string };

/**
 * Reads the copy in `found.dir` and compares its SHA-256 and size with the manifest, without decrypting it.
 * `name` is how the problem names the file. Shared by opening a backup and `keyceremony backup verify`.
 */
export async function checkCopy(found: FoundBackup, name: string): Promise<CopyCheck> {
  let data: Uint8Array;
  try {
    data = new Uint8Array(await readFile(join(found.dir, ARCHIVE_FILE)));
  } catch (error) {
    return {
      data: undefined,
      sha256: undefined,
      problem: `${name} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    };
  }
  const sha256 = sha256Hex(data);
  if (sha256 !== found.manifest.archive.sha256 || data.length !== found.manifest.archive.size) {
    return {
      data: undefined,
      sha256,
      problem: `${name} is damaged: its SHA-256 is ${sha256}, the manifest says ${found.manifest.archive.sha256}`,
    };
  }
  return { data, sha256, problem: undefined };
}

/** The copy's bytes once they match the manifest; CHECK_FAILED otherwise. */
export async function readCheckedCopy(found: FoundBackup): Promise<Uint8Array> {
  const checked = await checkCopy(found, `the backup copy ${join(found.dir, ARCHIVE_FILE)}`);
  if (checked.problem !== undefined) {
    throw new KeyceremonyError('CHECK_FAILED', checked.problem, {
      details: ['Use another copy (every medium holds one), and replace this medium.'],
    });
  }
  return checked.data;
}

export interface OpenedBackup {
  /** Files of the vault, by path relative to the vault (without `vault/`). */
  readonly files: Map<string, Uint8Array>;
  /** The signed transcript(s) kept next to the archive, by file name. */
  readonly transcripts: Map<string, Uint8Array>;
}

/** Decrypts and unpacks a checked copy; every file must be exactly what the manifest lists. */
export async function openBackup(found: FoundBackup, passphrase: string): Promise<OpenedBackup> {
  const data = await readCheckedCopy(found);
  const plain = await decryptArchive(data, passphrase, `the backup ${found.manifest.name}`);
  let entries: TarEntry[];
  try {
    entries = readTar(plain);
  } catch (error) {
    if (error instanceof TarFormatError)
      throw new KeyceremonyError('CHECK_FAILED', `the archive in ${found.manifest.name} is damaged: ${error.message}`);
    throw error;
  } finally {
    plain.fill(0);
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    if (entry.path !== ARCHIVE_ROOT && !entry.path.startsWith(`${ARCHIVE_ROOT}/`)) {
      throw new KeyceremonyError('CHECK_FAILED', `the archive holds ${entry.path}, outside ${ARCHIVE_ROOT}/`);
    }
    if (entry.type === 'file') files.set(entry.path.slice(ARCHIVE_ROOT.length + 1), entry.data);
  }
  const listed = new Map(found.manifest.archive.files.map((f) => [f.path, f] as const));
  const problems: string[] = [];
  for (const [rel, content] of files) {
    const expected = listed.get(`${ARCHIVE_ROOT}/${rel}`);
    if (!expected) problems.push(`${rel}: not in the manifest`);
    else if (expected.sha256 !== sha256Hex(content) || expected.size !== content.length)
      problems.push(`${rel}: differs from the manifest`);
  }
  for (const path of listed.keys())
    if (!files.has(path.slice(ARCHIVE_ROOT.length + 1))) problems.push(`${path}: missing from the archive`);
  if (problems.length > 0) {
    throw new KeyceremonyError('CHECK_FAILED', `the archive in ${found.manifest.name} does not match its manifest`, {
      details: problems,
    });
  }
  const transcripts = new Map<string, Uint8Array>();
  const transcriptDir = join(found.dir, TRANSCRIPTS_DIR);
  for (const name of (await readdir(transcriptDir).catch(() => [] as string[])).sort()) {
    if (/^[A-Za-z0-9._-]+\.jsonl(\.asc)?$/.test(name))
      transcripts.set(name, new Uint8Array(await readFile(join(transcriptDir, name))));
  }
  return { files, transcripts };
}

/** The inventory of the vault in an opened backup (`where` names it in errors). */
export function backupInventory(opened: OpenedBackup, manifest: BackupManifest, where: string): Inventory {
  const bytes = opened.files.get(INVENTORY_PATH);
  if (!bytes) throw new KeyceremonyError('CHECK_FAILED', `the backup ${manifest.name} holds no ${INVENTORY_PATH}`);
  return parseInventory(bytes, where);
}

/** The OpenPGP keys the manifest lists (the root first) that `certificates` lack. */
export function keysMissingFromManifest(manifest: BackupManifest, certificates: readonly Certificate[]): string[] {
  const present = new Set(certificates.flatMap((c) => allKeys(c).map(fingerprintHex)));
  const listed = [manifest.root, ...manifest.keys.filter((k) => k.kind.startsWith('openpgp')).map((k) => k.id)];
  return [...new Set(listed)].filter((id) => !present.has(id));
}

/** Overwrites the bytes of an opened backup (a recovery drill's scratch vault) with zeros. */
export function wipeBackup(opened: OpenedBackup): void {
  for (const data of opened.files.values()) data.fill(0);
  opened.files.clear();
}
