/**
 * Status marks in a plain terminal: under a non-UTF-8 locale (LANG=C, as on a live system's root shell or a
 * serial console) every mark, rule and arrow keyceremony draws is ASCII, so nothing turns into "_" or "?";
 * under UTF-8 the Unicode marks stay. Checked in tmux, as a person would see the screen, for a rehearsal (the
 * ceremony UI), `status`, `verify` of a rehearsal signature and `verify --checksums`. `--json` carries data
 * only, whatever the locale and colour settings.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsoleUi } from '../../src/ceremony/ui.js';
import { forTerminal, marksFor, utf8Locale } from '../../src/util/marks.js';
import { SecretGuard } from '../../src/vault/secret-guard.js';
import { cliPath } from '../helpers/paths.js';
import { rehearsalSecrets, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, shellQuote } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { TmuxSession } from '../helpers/tmux.js';

const ASCII_ONLY = /^[\x20-\x7e\n]*$/;

describe('the locale decides', () => {
  it('as the C library does: LC_ALL, then LC_CTYPE, then LANG; none is "C"', () => {
    expect(utf8Locale({})).toBe(false);
    expect(utf8Locale({ LANG: 'C' })).toBe(false);
    expect(utf8Locale({ LANG: 'de_DE.UTF-8' })).toBe(true);
    expect(utf8Locale({ LANG: 'C.utf8' })).toBe(true);
    expect(utf8Locale({ LANG: 'de_DE.UTF-8', LC_ALL: 'C' })).toBe(false);
    expect(utf8Locale({ LANG: 'C', LC_CTYPE: 'en_US.UTF-8' })).toBe(true);
    expect(utf8Locale({ LANG: 'C', LC_ALL: '', LC_CTYPE: 'en_US.UTF-8' })).toBe(true);
    expect(utf8Locale({ LANG: 'en_US.ISO-8859-1' })).toBe(false);
    for (const mark of Object.values(marksFor({ LANG: 'C' }))) expect(mark).toMatch(ASCII_ONLY);
    expect(forTerminal('a → b … c — d', { LANG: 'C' })).toBe('a -> b ... c - d');
    expect(forTerminal('Jürgen → b', { LANG: 'C' })).toBe('Jürgen -> b'); // data stays as it is
    expect(forTerminal('a → b', { LANG: 'C.UTF-8' })).toBe('a → b');
  });

  it('draws the ceremony UI in ASCII under LANG=C, and in Unicode under UTF-8', () => {
    const draw = (env: NodeJS.ProcessEnv): string[] => {
      const lines: string[] = [];
      const ui = new ConsoleUi(new SecretGuard(), (l) => lines.push(l), env);
      ui.banner('Root ceremony — REHEARSAL', ['every output is marked']);
      ui.step(1, 3, 'Generate the root', 'operator');
      ui.success('root generated');
      ui.info('expires 2031-12-04 → 2032-12-04 …');
      return lines;
    };
    const plain = draw({ LANG: 'C' }).join('\n');
    expect(plain).toMatch(ASCII_ONLY);
    expect(plain).toContain('=====');
    expect(plain).toContain('-- Step 1/3: Generate the root');
    expect(plain).toContain('  OK root generated');
    expect(plain).toContain('2031-12-04 -> 2032-12-04 ...');
    const unicode = draw({ LANG: 'en_US.UTF-8' }).join('\n');
    expect(unicode).toContain('═════');
    expect(unicode).toContain('── Step 1/3');
    expect(unicode).toContain('  ✔ root generated');
  });
});

describe('in a terminal (tmux)', () => {
  let dir: string;
  let signed: string;
  let dist: string;

  beforeAll(async () => {
    dir = sharedRehearsal();
    const folder = join(dir, 'handoff', 'release-pipeline');
    const key = join(
      folder,
      (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!,
    );
    const pass = join(await tempDir('kc-pass-'), 'pass');
    await writeFile(pass, `${(await rehearsalSecrets(dir))['handoff.release-pipeline.passphrase']}\n`);
    dist = await tempDir('kc-dist-');
    signed = join(dist, 'wikibase-1.0.0.tar.gz');
    await writeFile(signed, 'release\n');
    const keys = join(dir, 'public', 'KEYS');
    const result = await cli([
      'sign',
      '--allow-rehearsal',
      '--keyring',
      keys,
      '--key',
      key,
      '--passphrase-file',
      pass,
      '--checksums',
      join(dist, 'SHA256SUMS'),
      signed,
    ]);
    expect(result.code, result.stderr).toBe(0);
  });

  /** The screen after running `commands` in a shell with `locale`, FORCE_COLOR unset (a plain terminal). */
  async function screen(locale: string, commands: string[]): Promise<string> {
    const tmux = new TmuxSession();
    const kc = `${shellQuote(process.execPath)} ${shellQuote(cliPath)}`;
    const script = [...commands.map((c) => `${kc} ${c}`), 'echo "DONE=$?"', 'sleep 30'].join('; ');
    try {
      await tmux.start(
        `env -u LC_ALL -u LC_CTYPE -u FORCE_COLOR LANG=${locale} TERM=xterm sh -c ${shellQuote(script)}`,
        200,
        80,
      );
      await tmux.waitFor(/DONE=\d+/, 60_000);
      return (await tmux.screen(true)).replace(/\s+$/, '\n');
    } finally {
      await tmux.stop();
    }
  }

  it('shows only ASCII marks under LANG=C: status, verify of a rehearsal signature, verify --checksums', async () => {
    const keys = shellQuote(join(dir, 'public', 'KEYS'));
    const shown = await screen('C', [
      `status --vault ${shellQuote(join(dir, 'vault'))}`,
      `verify --keyring ${keys} ${shellQuote(signed)}`,
      `verify --keyring ${keys} --checksums ${shellQuote(join(dist, 'SHA256SUMS'))}`,
    ]);
    expect(shown).toMatch(ASCII_ONLY);
    expect(shown).toMatch(/^OK +OpenPGP root [0-9A-F]{16} +root/m);
    expect(shown).toMatch(/\(REHEARSAL vault\) - keys as of/);
    expect(shown).toContain('OK All keys in use are valid and not yet due.');
    expect(shown).toContain('!! WARNING: REHEARSAL KEY !!');
    expect(shown).toContain('OK wikibase-1.0.0.tar.gz');
    expect(shown).toMatch(/OK 1 of 1 file\(s\) OK - [\d.]+ MiB in/);
  });

  it('keeps the Unicode marks under a UTF-8 locale', async () => {
    const shown = await screen('C.UTF-8', [
      `status --vault ${shellQuote(join(dir, 'vault'))}`,
      `verify --keyring ${shellQuote(join(dir, 'public', 'KEYS'))} ${shellQuote(signed)}`,
    ]);
    expect(shown).toMatch(/^✔ +OpenPGP root/m);
    expect(shown).toContain('⚠ WARNING: REHEARSAL KEY ⚠');
  });

  it('draws a whole rehearsal in ASCII under LANG=C', async () => {
    const out = join(await tempDir('kc-ascii-'), 'r');
    const shown = await screen('C', [`rehearse --out ${shellQuote(out)}`]);
    expect(shown).toMatch(/DONE=0/);
    expect(shown).toMatch(ASCII_ONLY);
    expect(shown).toMatch(/^-- Step 1\/\d+: /m);
    expect(shown).toMatch(/^ {2}OK /m);
  });
});

describe('--json', () => {
  it('carries no colour or marks, whatever the locale and FORCE_COLOR', async () => {
    const dir = sharedRehearsal();
    for (const env of [
      { FORCE_COLOR: '1', LANG: 'C.UTF-8' },
      { FORCE_COLOR: '1', LANG: 'C', LC_ALL: '' },
    ]) {
      const status = await cli(['status', '--vault', join(dir, 'vault'), '--json'], { env });
      expect(status.code).toBe(0);
      expect(status.stdout).not.toContain('\x1b[');
      expect(status.stdout).not.toMatch(/[✔✘⚠═─→]/);
      expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, rehearsal: true });
    }
  });
});
