/**
 * `keyceremony sop` as a SOP test harness drives it: the draft's exit codes, VERIFICATIONS lines, DATE
 * handling, @ENV/@FD designators, and version. Verdicts on the whole corpus are in corpus.test.ts.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusCases, corpusData, corpusPath } from '../helpers/openpgp-corpus.js';
import { cli, run, shellQuote } from '../helpers/run.js';
import { cliPath } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';

const good = corpusCases.find((c) => c.id === 'good-subkey')!;
const sig = corpusPath(good.signature);
const cert = corpusPath(good.keyring);
const data = readFileSync(corpusData);

describe('keyceremony sop', () => {
  it('prints one VERIFICATIONS line per good signature, with the CERTS that hold the signer', async () => {
    const other = corpusPath(corpusCases.find((c) => c.id === 'primary-rsa2048')!.keyring);
    const result = await cli(['sop', 'verify', sig, other, cert], { input: data });
    expect(result.code, result.stderr).toBe(0);
    const line = result.stdout.trim();
    expect(line).toMatch(
      new RegExp(`^2021-06-01T00:00:00Z [0-9A-F]{40} ${good.root} mode:binary \\{"signers":\\[.*\\]\\}$`),
    );
    expect(JSON.parse(line.slice(line.indexOf('{'))) as unknown).toEqual({ signers: [cert] });
    expect(result.stderr).toBe('');
  });

  it('applies --not-before and --not-after (ISO 8601 with any offset, "now", "-")', async () => {
    const verify = (...opts: string[]) => cli(['sop', 'verify', ...opts, sig, cert], { input: data });
    expect((await verify('--not-before', '2021-06-01T00:00:00Z')).code).toBe(0);
    expect((await verify('--not-before', '2021-06-01T02:00:01+02:00')).code).toBe(3);
    expect((await verify('--not-after', '2021-05-31T23:59:59Z')).code).toBe(3);
    expect((await verify('--not-after=2021-06-01T00:00:00.000Z')).code).toBe(0);
    expect((await verify('--not-before', '-', '--not-after', 'now')).code).toBe(0);
    const bad = await verify('--not-before', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an ISO-8601 date: yesterday/);
  });

  it("uses the draft's exit codes for what it does not do or cannot read", async () => {
    for (const [args, code] of [
      [['sop', 'sign', cert], 69],
      [['sop', 'inline-verify', cert], 69],
      [['sop', 'verify', '--armor', sig, cert], 37],
      [['sop', 'version', '--sopv'], 37],
      [['sop', 'verify', sig], 19],
      [['sop', 'verify', sig, '/nonexistent/cert'], 61],
      [['sop', 'verify', cert, cert], 41],
      [['sop', 'verify', sig, sig], 41],
      [['sop', 'verify', sig, '@FILE:x'], 71],
    ] as const) {
      const result = await cli([...args], { input: data });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
    }
  });

  it('reads @ENV: and @FD: designators, and refuses a designator that is also a file', async () => {
    const env = await cli(['sop', 'verify', '@ENV:KC_SIG', cert], {
      input: data,
      env: { KC_SIG: readFileSync(sig, 'utf8') },
    });
    expect(env.code, env.stderr).toBe(0);
    const fd = await run(
      'sh',
      [
        '-c',
        `exec 3<${shellQuote(cert)}; exec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} sop verify ${shellQuote(sig)} @FD:3`,
      ],
      {
        input: data,
      },
    );
    expect(fd.code, fd.stderr).toBe(0);
    const dir = await tempDir('kc-sop-');
    await writeFile(join(dir, '@ENV:KC_SIG'), 'a file');
    const ambiguous = await cli(['sop', 'verify', '@ENV:KC_SIG', cert], {
      input: data,
      cwd: dir,
      env: { KC_SIG: 'x' },
    });
    expect(ambiguous.code).toBe(73);
  });

  it('says what it is', async () => {
    const plain = await cli(['sop', 'version']);
    expect(plain.stdout).toMatch(/^keyceremony-sop \d+\.\d+\.\d+\n$/);
    expect((await cli(['sop', 'version', '--backend'])).stdout).toMatch(/^keyceremony \d/);
    expect((await cli(['sop', 'version', '--extended'])).stdout.split('\n').length).toBeGreaterThan(3);
    expect((await cli(['sop', 'version', '--sop-spec'])).stdout).toMatch(/^draft-dkg-openpgp-stateless-cli-\d+\n~ /);
  });
});
