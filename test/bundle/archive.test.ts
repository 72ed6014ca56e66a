/**
 * The bundle archive's canonical form and its verifier, on small synthetic bundles (no npm, no node binary):
 * GNU tar reads what we write, the bundle hash recomputed from an unpacked tree is the archive's SHA-256, and
 * every change — to a file, to the archive's bytes, or an archive GNU tar made of the same tree — is refused.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTarHeader, encodeTarHeader, TAR_BLOCK } from '../../src/backup/tar.js';
import { isKeyceremonyError } from '../../src/errors.js';
import { verifyBundleArchive, verifyBundleTree } from '../../src/bundle/index.js';
import { bundleTreeSha256 } from '../../src/bundle/identity.js';
import { dataFile, packBundle, writeBundleFile, type BundleHead } from '../../src/bundle/pack.js';
import { listTree } from '../../src/bundle/tree.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const EPOCH = 1_700_000_123;
const ROOT = 'keyceremony-9.9.9-0123456789ab-linux-x64';
const head: BundleHead = {
  version: '9.9.9',
  root: ROOT,
  source: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false, epoch: EPOCH },
  node: { version: 'v20.0.0', platform: 'linux', arch: 'x64' },
  requires: [],
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A small tree with what makes tar interesting: an executable, an empty file, a whole block, a long path. */
async function makeSource(dir: string): Promise<void> {
  const long = join(dir, 'node_modules', 'p'.repeat(40), 'dist', 'q'.repeat(40));
  await mkdir(long, { recursive: true });
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'empty-dir'));
  await writeFile(join(dir, 'bin', 'tool'), '#!/bin/sh\necho hi\n', { mode: 0o700 });
  await writeFile(join(dir, 'README.md'), '# readme\n');
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'block'), new Uint8Array(TAR_BLOCK).fill(7));
  await writeFile(join(long, `${'r'.repeat(90)}.js`), 'export const x = 1;\n');
}

async function buildSynthetic(dir: string): Promise<{ archive: string; source: string }> {
  const source = join(dir, 'source');
  await makeSource(source);
  const { items } = listTree(source);
  const archive = join(dir, 'bundle.tar');
  writeBundleFile(packBundle([...items, dataFile('bin/launcher', '#!/bin/sh\n', true)], head), archive);
  return { archive, source };
}

/** Where MANIFEST.json's data lies in the archive (a flip there may give another valid manifest). */
function manifestRange(bytes: Uint8Array): [number, number] {
  for (let at = 0; at + TAR_BLOCK <= bytes.length;) {
    const block = bytes.subarray(at, at + TAR_BLOCK);
    if (block.every((b) => b === 0)) break;
    const h = decodeTarHeader(block, at);
    if (h.path === `${ROOT}/MANIFEST.json`) return [at + TAR_BLOCK, at + TAR_BLOCK + h.size];
    at += TAR_BLOCK + Math.ceil(h.size / TAR_BLOCK) * TAR_BLOCK;
  }
  throw new Error('no manifest');
}

let work: string;
let archive: string;
let archiveBytes: Uint8Array;
let unpacked: string;

beforeAll(async () => {
  work = await tempDir('kc-bundle-unit-');
  ({ archive } = await buildSynthetic(work));
  archiveBytes = new Uint8Array(await readFile(archive));
  const into = join(work, 'unpacked');
  await mkdir(into);
  // as a ceremony team would: GNU tar, as an ordinary umask would leave it and as a strict one would
  const untar = await run('sh', ['-c', 'umask 077 && tar -xf "$0" -C "$1"', archive, into]);
  expect(untar.code, untar.stderr).toBe(0);
  unpacked = join(into, ROOT);
});

describe('bundle archives', () => {
  it('are what GNU tar lists: owner 0, modes 755/644, every mtime the epoch, sorted', async () => {
    const listed = await run('tar', ['--numeric-owner', '--full-time', '-tvf', archive], {
      env: { TZ: 'UTC' },
    });
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    const names = lines.map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names[0]).toBe(`${ROOT}/`);
    expect(names).toContain(`${ROOT}/empty-dir/`);
    expect(names).toContain(`${ROOT}/MANIFEST.json`);
    expect(names).toContain(`${ROOT}/SHA256SUMS`);
    expect([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(names);
    for (const line of lines) {
      const [mode, owner, , date, time] = line.split(/\s+/);
      expect(owner, line).toBe('0/0');
      expect(['drwxr-xr-x', '-rwxr-xr-x', '-rw-r--r--'], line).toContain(mode);
      expect(`${date}T${time}Z`).toBe(new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z'));
    }
    expect(lines.find((l) => l.endsWith('/bin/tool'))).toMatch(/^-rwxr-xr-x/);
    expect(lines.find((l) => l.endsWith('/README.md'))).toMatch(/^-rw-r--r--/);
  });

  it('verify, and the bundle hash recomputed from the unpacked tree is the sha256sum of the archive', async () => {
    const sum = await run('sha256sum', [archive]);
    const fileHash = sum.stdout.split(' ')[0];
    expect(fileHash).toBe(sha256(archiveBytes));
    const a = verifyBundleArchive(archive);
    expect(a.problems).toEqual([]);
    expect(a.ok).toBe(true);
    expect(a.sha256).toBe(fileHash);
    const t = verifyBundleTree(unpacked); // unpacked under umask 077: group/other bits do not matter
    expect(t.problems).toEqual([]);
    expect(t.sha256).toBe(fileHash);
    expect(bundleTreeSha256(unpacked)).toBe(fileHash);
    const sums = await run('sha256sum', ['-c', '--strict', '--quiet', 'SHA256SUMS'], { cwd: unpacked });
    expect(sums.code, sums.stdout + sums.stderr).toBe(0);
  });

  it('are the same bytes when built again from a copy of the tree made at another time', async () => {
    const again = await tempDir('kc-bundle-unit-');
    await new Promise((r) => setTimeout(r, 1100));
    const { archive: second } = await buildSynthetic(again);
    expect(sha256(new Uint8Array(await readFile(second)))).toBe(sha256(archiveBytes));
  });

  it('refuse a path ustar cannot hold, with a clear error', async () => {
    const name = `${'d'.repeat(100)}/${'e'.repeat(100)}/f.js`;
    let error: unknown;
    try {
      packBundle([dataFile(name, 'x')], head);
    } catch (e) {
      error = e;
    }
    expect(isKeyceremonyError(error) && error.message).toMatch(/cannot bundle .*too long/);
  });

  it('refuse to overwrite, and leave no temporary file behind', async () => {
    const files = await readdir(work);
    let error: unknown;
    try {
      writeBundleFile(packBundle(listTree(join(work, 'source')).items, head), archive);
    } catch (e) {
      error = e;
    }
    expect(isKeyceremonyError(error) && error.code).toBe('OUTPUT_EXISTS');
    expect(await readdir(work)).toEqual(files);
    expect(sha256(new Uint8Array(await readFile(archive)))).toBe(sha256(archiveBytes));
  });
});

describe('bundle verify on an archive', () => {
  it('refuses any byte flipped outside the manifest, naming the damaged file when it is one', async () => {
    const [mStart, mEnd] = manifestRange(archiveBytes);
    const file = join(await tempDir(), 'flipped.tar');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: archiveBytes.length - 1 }).filter((i) => i < mStart || i >= mEnd),
        fc.integer({ min: 1, max: 255 }),
        async (offset, xor) => {
          const copy = archiveBytes.slice();
          copy[offset] = (copy[offset] as number) ^ xor;
          await writeFile(file, copy);
          const check = verifyBundleArchive(file);
          expect(check.ok).toBe(false);
          expect(check.problems.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses headers rewritten with a valid checksum: another mtime, another mode, out of order', async () => {
    const at = Buffer.from(archiveBytes).indexOf(`${ROOT}/README.md`); // the name field starts the header block
    const block = archiveBytes.subarray(at, at + TAR_BLOCK);
    const h = decodeTarHeader(block, at);
    const dir = await tempDir();
    const cases: [string, Partial<typeof h>, RegExp][] = [
      ['mtime', { mtime: EPOCH + 1 }, /different mtime/],
      ['mode', { mode: 0o600 }, /has mode 600/],
      ['order', { path: `${ROOT}/zzz.md` }, /out of order/],
    ];
    for (const [name, change, expected] of cases) {
      const copy = archiveBytes.slice();
      copy.set(encodeTarHeader({ ...h, ...change }), at);
      await writeFile(join(dir, `${name}.tar`), copy);
      const check = verifyBundleArchive(join(dir, `${name}.tar`));
      expect(check.ok, name).toBe(false);
      expect(check.problems.map((p) => p.detail).join('\n'), name).toMatch(expected);
    }
  });

  it('names the file whose data changed', async () => {
    const bytes = archiveBytes.slice();
    const at = Buffer.from(bytes).indexOf('# readme');
    bytes[at + 2] = 0x52; // "# Readme"
    const file = join(await tempDir(), 'changed.tar');
    await writeFile(file, bytes);
    const check = verifyBundleArchive(file);
    expect(check.problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['changed README.md']);
  });

  it('refuses what GNU tar makes of the same tree, a link, a truncated archive and trailing bytes', async () => {
    const dir = await tempDir();
    const gnu = join(dir, 'gnu.tar');
    const made = await run('tar', [
      '--format=ustar',
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      `--mtime=@${EPOCH}`,
      '--mode=go-w,go+rX',
      '-cf',
      gnu,
      '-C',
      join(unpacked, '..'),
      ROOT,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const g = verifyBundleArchive(gnu);
    expect(g.ok).toBe(false);
    expect(g.problems.map((p) => p.detail).join('\n')).toMatch(/canonical form|after the end/);

    const withLink = join(dir, 'link');
    await mkdir(join(withLink, ROOT), { recursive: true });
    await symlink('/etc/passwd', join(withLink, ROOT, 'evil'));
    const linked = join(dir, 'link.tar');
    expect((await run('tar', ['--format=ustar', '-cf', linked, '-C', withLink, ROOT])).code).toBe(0);
    expect(
      verifyBundleArchive(linked)
        .problems.map((p) => p.detail)
        .join('\n'),
    ).toMatch(/not a regular file or directory|canonical form/);

    const truncated = join(dir, 'truncated.tar');
    await writeFile(truncated, archiveBytes.subarray(0, archiveBytes.length - 3 * TAR_BLOCK));
    expect(
      verifyBundleArchive(truncated)
        .problems.map((p) => p.detail)
        .join('\n'),
    ).toMatch(/truncated/);

    const trailing = join(dir, 'trailing.tar');
    await writeFile(trailing, Buffer.concat([archiveBytes, new Uint8Array(TAR_BLOCK)]));
    expect(verifyBundleArchive(trailing).problems.map((p) => p.detail)).toEqual([
      'there are bytes after the end of the archive',
    ]);
  });
});

describe('bundle verify on an unpacked tree', () => {
  it('names exactly the file in which any one byte was flipped, and the bundle hash changes', async () => {
    const files = listTree(unpacked)
      .items.filter((i) => i.type === 'file' && i.size > 0 && i.path !== 'MANIFEST.json')
      .map((i) => ({ path: i.path, size: i.size }));
    const good = sha256(archiveBytes);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.nat(), fc.integer({ min: 1, max: 255 }), async (f, n, xor) => {
        const path = join(unpacked, f.path);
        const original = new Uint8Array(await readFile(path));
        const copy = original.slice();
        const at = n % f.size;
        copy[at] = (copy[at] as number) ^ xor;
        await writeFile(path, copy);
        try {
          const check = verifyBundleTree(unpacked);
          expect(check.problems.map((p) => `${p.kind} ${p.path}`)).toEqual([
            f.path === 'SHA256SUMS' ? 'changed SHA256SUMS' : `changed ${f.path}`,
          ]);
          expect(check.sha256).not.toBe(good);
        } finally {
          await writeFile(path, original);
        }
      }),
      { numRuns: 60 },
    );
    expect(verifyBundleTree(unpacked).ok).toBe(true);
  });

  it('names added, missing, retyped and re-moded entries', async () => {
    await writeFile(join(unpacked, 'extra.js'), 'console.log(1)\n');
    await mkdir(join(unpacked, 'node_modules', 'shadow'));
    await rename(join(unpacked, 'README.md'), join(work, 'README.md.away'));
    await chmod(join(unpacked, 'bin', 'tool'), 0o644);
    await unlink(join(unpacked, 'empty'));
    await symlink('/etc/passwd', join(unpacked, 'empty'));
    try {
      const check = verifyBundleTree(unpacked);
      expect(check.ok).toBe(false);
      expect(check.problems.map((p) => `${p.kind} ${p.path}`).sort()).toEqual([
        'added extra.js',
        'added node_modules/shadow',
        'missing README.md',
        'missing empty',
        'mode bin/tool',
        'type empty',
      ]);
      const cmd = await cli(['bundle', 'verify', unpacked]);
      expect(cmd.code).toBe(1);
      for (const name of ['extra.js', 'node_modules/shadow', 'README.md', 'bin/tool', 'empty'])
        expect(cmd.stdout).toContain(`    ${name}: `);
      expect(cmd.stderr).toMatch(/differs from its manifest/);
    } finally {
      await unlink(join(unpacked, 'extra.js'));
      await run('rmdir', [join(unpacked, 'node_modules', 'shadow')]);
      await rename(join(work, 'README.md.away'), join(unpacked, 'README.md'));
      await chmod(join(unpacked, 'bin', 'tool'), 0o755);
      await unlink(join(unpacked, 'empty'));
      await writeFile(join(unpacked, 'empty'), '');
    }
    expect(verifyBundleTree(unpacked).problems).toEqual([]);
  });

  it('reports a manifest that is not one, and a SHA256SUMS that disagrees with it', async () => {
    const manifestPath = join(unpacked, 'MANIFEST.json');
    const original = await readFile(manifestPath, 'utf8');
    try {
      await writeFile(manifestPath, original.replace('"format"', '"formt"'));
      const bad = verifyBundleTree(unpacked);
      expect(bad.problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['damaged MANIFEST.json']);
      // a manifest whose SHA256SUMS entry was updated to a different list: the two no longer agree
      const sumsPath = join(unpacked, 'SHA256SUMS');
      const sums = await readFile(sumsPath, 'utf8');
      const forged = sums.replace(/^[0-9a-f]{64}/, '0'.repeat(64));
      const manifest = JSON.parse(original) as { entries: { path: string; sha256?: string; size?: number }[] };
      const entry = manifest.entries.find((e) => e.path === 'SHA256SUMS');
      if (!entry) throw new Error('no SHA256SUMS entry');
      entry.sha256 = createHash('sha256').update(forged).digest('hex');
      await writeFile(manifestPath, JSON.stringify(manifest));
      await writeFile(sumsPath, forged);
      try {
        expect(verifyBundleTree(unpacked).problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['damaged SHA256SUMS']);
      } finally {
        await writeFile(sumsPath, sums);
      }
    } finally {
      await writeFile(manifestPath, original);
    }
    expect(verifyBundleTree(unpacked).ok).toBe(true);
  });
});

describe('keyceremony bundle (command line)', () => {
  it('refuses bad input with exit 2 and one line', async () => {
    const dir = await tempDir();
    const noOut = await cli(['bundle']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out/);
    await writeFile(join(dir, 'exists.tar'), 'x');
    const exists = await cli(['bundle', '--out', join(dir, 'exists.tar')]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/refusing to overwrite/);
    expect(await readFile(join(dir, 'exists.tar'), 'utf8')).toBe('x');
    const missing = await cli(['bundle', 'verify', join(dir, 'nothing')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
    const notBundle = await cli(['bundle', 'verify', dir]);
    expect(notBundle.code).toBe(2);
    expect(notBundle.stderr).toMatch(/not an unpacked keyceremony bundle/);
    for (const r of [noOut, exists, missing, notBundle]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says a file that is not a bundle archive is not one (exit 1)', async () => {
    const file = join(await tempDir(), 'notes.txt');
    await writeFile(file, 'just some text\n'.repeat(100));
    const result = await cli(['bundle', 'verify', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/not a keyceremony bundle archive/);
  });

  it('version, run from a checkout, prints the checkout code hash and no bundle', async () => {
    const text = await cli(['version']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^keyceremony \d+\.\d+\.\d+\ncode sha256 [0-9a-f]{64}\nnode v\d+/);
    const json = JSON.parse((await cli(['version', '--json'])).stdout) as Record<string, unknown>;
    expect(json['codeSha256']).toBe(/code sha256 ([0-9a-f]{64})/.exec(text.stdout)?.[1]);
    expect(json).not.toHaveProperty('bundle');
  });

  it('verifies an archive with --json', async () => {
    const result = await cli(['bundle', 'verify', '--json', archive]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; kind: string; sha256: string; problems: unknown[] };
    expect(report).toMatchObject({ ok: true, kind: 'archive', sha256: sha256(archiveBytes), problems: [] });
  });
});
