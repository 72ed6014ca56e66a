/**
 * Refusing to take secrets online: `keyceremony dct publish` uploads a directory that must hold public
 * metadata only. Any sign of private key material — a private key PEM or OpenPGP secret key block, a notary
 * key file name, a vault's inventory or a rehearsal's secrets — makes it refuse the whole directory.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

const SECRET_MARKERS = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/,
  /-----BEGIN PGP PRIVATE KEY BLOCK-----/,
  /-----BEGIN OPENSSH PRIVATE KEY-----/,
];
const SECRET_NAMES = [
  /\.key$/i,
  /\.sec\.asc$/i,
  /^rehearsal-secrets\.json$/,
  /^inventory\.json$/,
  /\.p12$/i,
  /\.pfx$/i,
];
const MAX_FILE_SIZE = 16 * 1024 * 1024;
const MAX_FILES = 10_000;

/** The first file in `dir` that looks like private key material, with the reason; undefined when clean. */
export async function findPrivateMaterial(dir: string): Promise<{ path: string; reason: string } | undefined> {
  let files = 0;
  const walk = async (current: string): Promise<{ path: string; reason: string } | undefined> => {
    // What cannot be read cannot be checked: that refuses the directory too, rather than crash or pass.
    const unreadable = { path: relative(dir, current) || '.', reason: 'it cannot be read to check it' };
    const names = await readdir(current).catch(() => undefined);
    if (!names) return unreadable;
    for (const name of names.sort()) {
      const path = join(current, name);
      const rel = relative(dir, path);
      const link = await lstat(path);
      // Follow symbolic links for what they point to: a link to a key is as bad as the key.
      const info = link.isSymbolicLink() ? await stat(path).catch(() => undefined) : link;
      if (!info) continue;
      if (info.isDirectory()) {
        if (name === 'private')
          return { path: rel, reason: 'a "private" directory (notary keeps private keys in one)' };
        if (link.isSymbolicLink()) return { path: rel, reason: 'a symbolic link to a directory' };
        const found = await walk(path);
        if (found) return found;
        continue;
      }
      if (!info.isFile()) continue;
      if (++files > MAX_FILES) return { path: rel, reason: `more than ${MAX_FILES} files` };
      const badName = SECRET_NAMES.find((re) => re.test(name));
      if (badName) return { path: rel, reason: 'its name is that of a key, secrets or vault file' };
      if (info.size > MAX_FILE_SIZE) return { path: rel, reason: 'too large to check' };
      const bytes = await readFile(path).catch(() => undefined);
      if (!bytes) return { path: rel, reason: 'it cannot be read to check it' };
      const text = bytes.toString('latin1');
      if (SECRET_MARKERS.some((re) => re.test(text))) return { path: rel, reason: 'it contains a private key' };
    }
    return undefined;
  };
  return walk(dir);
}
