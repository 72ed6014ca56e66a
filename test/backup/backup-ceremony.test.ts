/**
 * The backup made by a rehearsal of the default root ceremony (the shared rehearsal): two verified copies that
 * plain `gpg --decrypt | tar -x` restores with the passphrase rebuilt from any three shares, a manifest, the
 * restore kit, sheets that render — and no secret anywhere but the vault, the media and the sheets.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseManifest } from '../../src/backup/manifest.js';
import { decodeShare, shareQrText } from '../../src/backup/share-code.js';
import { combineShares } from '../../src/backup/sharing.js';
import { parseColons } from '../helpers/gpg.js';
import { newStoppedGpg } from '../helpers/gpg-agents.js';
import { sha256File, walkFiles } from '../helpers/files.js';
import { rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run, shellQuote } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

/** The one backup's sheets folder of a custodian (DIR/sheets/backup-<ceremony>/<custodian>). */
async function sheetsOf(dir: string, custodian: string): Promise<string> {
  const [backup] = await readdir(join(dir, 'sheets'));
  return join(dir, 'sheets', backup!, custodian);
}

async function backupFolder(dir: string, medium: number): Promise<string> {
  const names = (await readdir(join(dir, 'media', String(medium)))).filter((n) => n.startsWith('backup-'));
  expect(names).toHaveLength(1);
  return join(dir, 'media', String(medium), names[0]!);
}

describe('the backup in the root ceremony rehearsal', () => {
  it('leaves two identical, intact copies with a manifest naming copies, hashes, files and custodians', async () => {
    const dir = sharedRehearsal();
    const folders = [await backupFolder(dir, 1), await backupFolder(dir, 2)];
    const manifest = parseManifest(new Uint8Array(await readFile(join(folders[0]!, 'manifest.json'))), 'manifest');
    expect(await readFile(join(folders[1]!, 'manifest.json'), 'utf8')).toBe(
      await readFile(join(folders[0]!, 'manifest.json'), 'utf8'),
    );
    for (const folder of folders) expect(await sha256File(join(folder, 'vault.tar.gpg'))).toBe(manifest.archive.sha256);
    expect(manifest.copies.map((c) => [c.medium, c.sha256])).toEqual([
      [1, manifest.archive.sha256],
      [2, manifest.archive.sha256],
    ]);
    expect(manifest.root).toBe(await rootFingerprint(dir));
    expect(manifest.rehearsal).toBe(true);
    expect(manifest.sharing).toMatchObject({ threshold: 3, count: 5, passphraseWords: 10, shareWords: 28 });
    expect(manifest.sharing.shares.map((s) => s.custodian)).toEqual([
      'custodian-1',
      'custodian-2',
      'custodian-3',
      'custodian-4',
      'custodian-5',
    ]);
    expect(manifest.archive.encryption).toMatchObject({ cipher: 'AES-256', s2kCount: 65_011_712 });
    // The archive lists exactly the vault's files as they were when the backup was made (all but the transcript).
    const vaultFiles = (await walkFiles(join(dir, 'vault')))
      .map((p) => `vault/${relative(join(dir, 'vault'), p)}`)
      .filter((p) => !p.startsWith('vault/transcripts/'));
    expect(manifest.archive.files.map((f) => f.path).sort()).toEqual(vaultFiles);
    for (const file of manifest.archive.files)
      expect(await sha256File(join(dir, file.path)), file.path).toBe(file.sha256);
    for (const medium of [1, 2]) {
      const verified = await cli(['backup', 'verify', join(dir, 'media', String(medium))]);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(verified.stdout).toContain(`copy intact, sha256 ${manifest.archive.sha256}`);
    }
  });

  it('restores with plain gpg and tar, the passphrase rebuilt from any three shares by the restore kit', async () => {
    const dir = sharedRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const folder = await backupFolder(dir, 2);
    const gpg = await newStoppedGpg();
    for (const custodians of [
      [1, 2, 3],
      [2, 4, 5],
      [5, 1, 3],
    ]) {
      const out = await tempDir('kc-restore-');
      const shares = join(out, 'shares.txt');
      await writeFile(shares, custodians.map((c) => secrets[`share.custodian-${c}`]).join('\n'));
      // Exactly what README.txt on the medium says, run in an empty directory.
      const pipeline = `python3 ${shellQuote(join(folder, 'restore-kit', 'recover-passphrase.py'))} < ${shellQuote(shares)} | gpg --homedir ${shellQuote(gpg.home)} --batch --no-tty --pinentry-mode loopback --passphrase-fd 0 --decrypt ${shellQuote(join(folder, 'vault.tar.gpg'))} | tar -x`;
      const restored = await run('sh', ['-c', pipeline], { cwd: out });
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stderr).toMatch(/AES256/);
      expect(restored.stderr).not.toMatch(/WARNING|not integrity protected/i);
      const copied = await run(
        'sh',
        [
          '-c',
          `cp ${shellQuote(join(folder, 'transcripts'))}/* vault/transcripts/ 2>/dev/null || (mkdir -p vault/transcripts && cp ${shellQuote(join(folder, 'transcripts'))}/* vault/transcripts/)`,
        ],
        { cwd: out },
      );
      expect(copied.code, copied.stderr).toBe(0);
      // The restored vault is the vault, byte for byte.
      const original = await walkFiles(join(dir, 'vault'));
      const back = await walkFiles(join(out, 'vault'));
      expect(back.map((p) => relative(join(out, 'vault'), p))).toEqual(
        original.map((p) => relative(join(dir, 'vault'), p)),
      );
      for (const path of original)
        expect(await sha256File(join(out, 'vault', relative(join(dir, 'vault'), path))), path).toBe(
          await sha256File(path),
        );
      expect(((await stat(join(out, 'vault', 'openpgp'))).mode & 0o777).toString(8)).toBe('700');
    }
    // And the fingerprints gpg sees in the restored vault are those of the published KEYS.
    const fpr = await rootFingerprint(dir);
    const restoredDir = await tempDir('kc-restore-');
    const passphrase = await combineShares([3, 4, 5].map((c) => decodeShare(secrets[`share.custodian-${c}`]!)));
    expect(passphrase).toBe(secrets['backup.passphrase']);
    const plain = await run(
      'sh',
      [
        '-c',
        `gpg --homedir ${shellQuote(gpg.home)} --batch --no-tty --pinentry-mode loopback --passphrase-fd 3 --decrypt ${shellQuote(join(folder, 'vault.tar.gpg'))} 3<<'EOF' | tar -x\n${passphrase}\nEOF`,
      ],
      { cwd: restoredDir },
    );
    expect(plain.code, plain.stderr).toBe(0);
    const imported = await gpg(['--import', join(restoredDir, 'vault', 'openpgp', `${fpr}.pub.asc`)]);
    expect(imported.code, imported.stderr).toBe(0);
    const inVault = parseColons((await gpg(['--with-colons', '--list-keys', fpr])).stdout).keys.map(
      (k) => k.fingerprint,
    );
    const published = await newStoppedGpg();
    await published(['--import', join(dir, 'public', 'KEYS')]);
    const inKeys = parseColons((await published(['--with-colons', '--list-keys', fpr])).stdout).keys.map(
      (k) => k.fingerprint,
    );
    expect(inVault).toHaveLength(4);
    expect(inVault).toEqual(inKeys);
  });

  it('is an AES-256 message with an iterated+salted S2K at the maximum count, and integrity protection', async () => {
    const folder = await backupFolder(sharedRehearsal(), 1);
    const gpg = await newStoppedGpg();
    const packets = await gpg(['--list-packets', join(folder, 'vault.tar.gpg')]);
    // Without the passphrase gpg lists the packet headers (and fails to decrypt; that is expected).
    const text = packets.stdout + packets.stderr;
    expect(text).toMatch(/symkey enc packet: version 4, cipher 9, aead 0, ?s2k 3, hash 8/);
    expect(text).toMatch(/count 65011712/);
    expect(text).toMatch(/ctb=d2 tag=18[^\n]*\n:encrypted data packet:\n\s+length: \d+\n\s+mdc_method: 2/);
  });

  it('has a restore kit that names a mistyped share and refuses too few shares', async () => {
    const dir = sharedRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const kit = join(await backupFolder(dir, 1), 'restore-kit', 'recover-passphrase.py');
    const words = secrets['share.custodian-2']!.split(' ');
    [words[3], words[5]] = [words[5]!, words[3]!];
    const swapped = await run('python3', [kit], {
      input: `${secrets['share.custodian-1']}\n${words.join(' ')}\n${secrets['share.custodian-3']}\n`,
    });
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toMatch(/share 2: the checksum does not match/);
    const few = await run('python3', [kit], {
      input: `${secrets['share.custodian-1']}\n${secrets['share.custodian-3']}\n`,
    });
    expect(few.code).toBe(1);
    expect(few.stderr).toMatch(/2 share\(s\) given, 3 are needed/);
    const ok = await run('python3', [kit], {
      input:
        shareQrText(secrets['share.custodian-5']!.split(' ')) +
        `\n${secrets['share.custodian-4']}\n${secrets['share.custodian-1']}\n`,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${secrets['backup.passphrase']}\n`);
  });

  it('writes each custodian a one-page A4 sheet, HTML and PDF, whose QR code and words are the share', async () => {
    const dir = sharedRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const fpr = await rootFingerprint(dir);
    for (const n of [1, 5]) {
      const base = join(await sheetsOf(dir, `custodian-${n}`), `share-${n}-custodian-${n}`);
      const share = secrets[`share.custodian-${n}`]!;
      const info = await run('pdfinfo', [`${base}.pdf`]);
      expect(info.code, info.stderr).toBe(0);
      expect(info.stdout).toMatch(/Pages:\s+1\n/);
      expect(info.stdout).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
      const text = (await run('pdftotext', ['-layout', `${base}.pdf`, '-'])).stdout;
      expect(text).toContain(`Backup share ${n} of 5`);
      expect(text).toMatch(/REHEARSAL/);
      expect(text.replace(/\s+/g, ' ')).toContain(fpr.match(/.{4}/g)!.slice(0, 5).join(' '));
      expect(text).toContain(`Custodian ${n}`);
      for (const word of share.split(' ')) expect(text).toContain(word);
      // The PDF, rendered, holds a QR code that scans to the share.
      const png = join(await tempDir('kc-sheet-'), 'page');
      expect((await run('pdftoppm', ['-r', '150', '-png', '-singlefile', `${base}.pdf`, png])).code).toBe(0);
      const scanned = await run('zbarimg', ['-q', '--raw', `${png}.png`]);
      expect(scanned.code, scanned.stderr).toBe(0);
      expect(scanned.stdout.trim()).toBe(shareQrText(share.split(' ')));
    }
  });

  it('renders the HTML sheet in headless Chromium: the screenshot is not blank and its QR code scans', async () => {
    const dir = sharedRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const out = await tempDir('kc-shot-');
    const shot = join(out, 'sheet.png');
    const isRoot = process.getuid?.() === 0;
    const result = await run('chromium', [
      '--headless',
      ...(isRoot ? ['--no-sandbox'] : []),
      '--disable-gpu',
      `--user-data-dir=${join(out, 'profile')}`,
      `--screenshot=${shot}`,
      '--window-size=794,1123',
      '--hide-scrollbars',
      `file://${join(await sheetsOf(dir, 'custodian-3'), 'share-3-custodian-3.html')}`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000); // a blank 794×1123 page compresses to a few kB
    const scanned = await run('zbarimg', ['-q', '--raw', shot]);
    expect(scanned.code, scanned.stderr).toBe(0);
    expect(scanned.stdout.trim()).toBe(shareQrText(secrets['share.custodian-3']!.split(' ')));
  });

  it('keeps the passphrase and the shares out of everything but the vault, the media and the sheets', async () => {
    const dir = sharedRehearsal();
    const secrets = await rehearsalSecrets(dir);
    const needles = [
      secrets['backup.passphrase']!,
      ...[1, 2, 3, 4, 5].flatMap((n) => [
        secrets[`share.custodian-${n}`]!,
        shareQrText(secrets[`share.custodian-${n}`]!.split(' ')),
      ]),
    ];
    expect(needles.every((s) => s.length > 40)).toBe(true);
    const everywhere = await walkFiles(dir);
    const outside = everywhere.filter(
      (p) => !/^(vault|media|sheets)\//.test(relative(dir, p)) && relative(dir, p) !== 'rehearsal-secrets.json',
    );
    expect(outside.some((p) => p.includes(`${join(dir, 'public')}/`))).toBe(true);
    for (const path of outside) {
      const text = await readFile(path, 'latin1');
      for (const needle of needles) expect(text.includes(needle), relative(dir, path)).toBe(false);
    }
    // Not in plain text on the media or in the vault either: only the sheets hold the shares.
    for (const path of everywhere.filter((p) => /^(vault|media)\//.test(relative(dir, p)))) {
      const text = await readFile(path, 'latin1');
      for (const needle of needles) expect(text.includes(needle), relative(dir, path)).toBe(false);
    }
    for (const needle of needles) expect(inject('rehearsalOutput').includes(needle)).toBe(false);
    for (const path of everywhere.filter((p) => relative(dir, p).startsWith('sheets/'))) {
      expect(((await stat(path)).mode & 0o777).toString(8), path).toBe('600');
    }
  });

  it('records the backup in the signed transcript, and keeps that transcript beside each copy', async () => {
    const dir = sharedRehearsal();
    const name = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    const transcript = await readFile(join(dir, 'public', 'transcripts', name), 'utf8');
    for (const medium of [1, 2]) {
      const folder = await backupFolder(dir, medium);
      expect(await readFile(join(folder, 'transcripts', name), 'utf8')).toBe(transcript);
      expect(await readFile(join(folder, 'transcripts', `${name}.asc`), 'utf8')).toBe(
        await readFile(join(dir, 'public', 'transcripts', `${name}.asc`), 'utf8'),
      );
    }
    const events = transcript
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
    const checks = events.filter((e) => e.event === 'check.passed').map((e) => String(e.data['check']));
    expect(checks).toContain('any 3 of the 5 shares rebuild the backup passphrase, 2 do not');
    expect(checks).toContain('the encrypted vault archive decrypts with the passphrase rebuilt from shares');
    const copies = events.filter(
      (e) =>
        e.event === 'output.written' &&
        String(e.data['tree']).startsWith('media/') &&
        String(e.data['path']).endsWith('vault.tar.gpg'),
    );
    expect(copies.map((e) => e.data['readBack'])).toEqual([true, true]);
    expect(events.find((e) => e.event === 'secret.generated')?.data).toEqual({
      id: 'backup.passphrase',
      words: 10,
      bits: 129,
    });
  });
});
