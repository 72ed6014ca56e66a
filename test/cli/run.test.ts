/**
 * `keyceremony run`, non-interactive (answers files), as a real (not rehearsal) ceremony: in a network
 * namespace with nothing but a down loopback (air-gapped), and with a veth interface up (networked).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { expectOnlyAbortedRecord } from '../helpers/aborted.js';
import { rootCeremonyAnswers, writeAnswers } from '../helpers/answers.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli, cliInNetns } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(ceremoniesDir, 'openpgp-root.yaml');

async function outputs(): Promise<{ base: string; vault: string; pub: string; handoff: string; media: string }> {
  const base = await tempDir('kc-run-');
  // Backup media and custodian sheets under base too (the script's /media/... paths are for the real room).
  return {
    base,
    vault: join(base, 'vault'),
    pub: join(base, 'public'),
    handoff: join(base, 'handoff'),
    media: join(base, 'media'),
  };
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('keyceremony run (real ceremony, answers file)', () => {
  it('runs air-gapped in a network namespace and records the answers source and the air gap', async () => {
    const { vault, pub, handoff, media } = await outputs();
    const answers = await writeAnswers(rootCeremonyAnswers());
    const result = await cliInNetns([
      'run',
      script,
      '--vault',
      vault,
      '--public',
      pub,
      '--handoff',
      handoff,
      '--media',
      media,
      '--answers',
      answers,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('No network');
    const name = (await readdir(join(pub, 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    expect(name).not.toContain('REHEARSAL');
    const entries = (await readFile(join(pub, 'transcripts', name), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
    expect(entries[0]?.data['answers']).toBe('answers-file');
    expect(entries[0]?.data['rehearsal']).toBe(false);
    expect(entries.find((e) => e.event === 'preflight.network')?.data).toMatchObject({
      verdict: 'air-gapped',
      override: null,
    });
    const witnesses = entries.filter((e) => e.event === 'witness.confirmed').map((e) => e.data['initials']);
    // The code hash (preflight), open, read-fingerprint, hand-out-shares; the closing checkpoint is after the transcript.
    expect(witnesses).toEqual(['WA', 'WB', 'AD', 'WA', 'WB', 'WA', 'WB', 'CA', 'CB', 'CC', 'CD', 'CE']);
    // An answers file cannot look at the screen: the transcript says the fingerprint was not typed back.
    expect(
      entries.find((e) => e.event === 'witness.confirmed' && e.data['prompt'] === 'read-fingerprint.witness-1')?.data[
        'check'
      ],
    ).toEqual({ what: 'root fingerprint', typed: false, reason: 'not in the answers file' });
    // The paper trail, typed: place, every role's name, the serial and bag numbers.
    expect(entries.find((e) => e.event === 'record.place')?.data['place']).toBe(
      'Room 4.12, Tempelhofer Ufer 22, Berlin',
    );
    expect(entries.filter((e) => e.event === 'record.participant')).toHaveLength(9);
    expect(
      entries
        .filter((e) => e.event === 'record.item')
        .map((e) => `${String(e.data['item'])}.${String(e.data['field'])}`),
    ).toEqual([
      'laptop.serial',
      'vault-medium-1.serial',
      'vault-medium-1.bag-sealed',
      'vault-medium-2.serial',
      'vault-medium-2.bag-sealed',
      'backup-medium-1.serial',
      'backup-medium-1.bag-sealed',
      'backup-medium-2.serial',
      'backup-medium-2.bag-sealed',
      'transfer-medium.serial',
    ]);
    expect(entries[0]?.data['previous']).toBeNull();
    // The closing checkpoint comes after the signed transcript and shows its SHA-256 for the runbook.
    const sha256 = createHash('sha256')
      .update(await readFile(join(pub, 'transcripts', name)))
      .digest('hex')
      .toUpperCase();
    const closing = result.stdout.slice(result.stdout.indexOf('Transcript signed'));
    expect(closing).toMatch(/Closing checkpoint/);
    expect(closing.replace(/\s+/g, '')).toContain(sha256);
    expect(result.stdout).not.toMatch(/Answers that no prompt asked for/);
    const keys = await readFile(join(pub, 'KEYS'), 'utf8');
    expect(keys).not.toContain('REHEARSAL');
    const verified = await cli(['transcript', 'verify', pub]);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('refuses to run with the network up (exit 3), and writes nothing', async () => {
    const { base, vault, pub, handoff, media } = await outputs();
    const answers = await writeAnswers(rootCeremonyAnswers());
    const result = await cliInNetns(
      ['run', script, '--vault', vault, '--public', pub, '--handoff', handoff, '--media', media, '--answers', answers],
      { network: true },
    );
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/refusing to run a ceremony on a networked machine/);
    expect(result.stderr).toMatch(/interface kc0 is up with address 192\.0\.2\.10\/24/);
    expect(result.stderr).toMatch(/default route/);
    expectNoStackTrace(result.stderr);
    expect(await readdir(base)).toEqual([]);
  });

  it('runs with the network up when --allow-network is given, and records the override', async () => {
    const { vault, pub, handoff, media } = await outputs();
    const answers = await writeAnswers(rootCeremonyAnswers());
    const result = await cliInNetns(
      [
        'run',
        script,
        '--vault',
        vault,
        '--public',
        pub,
        '--handoff',
        handoff,
        '--media',
        media,
        '--answers',
        answers,
        '--allow-network',
      ],
      { network: true },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const name = (await readdir(join(pub, 'transcripts'))).find((n) => n.endsWith('.jsonl'))!;
    const text = await readFile(join(pub, 'transcripts', name), 'utf8');
    expect(text).toMatch(/"override":"allow-network"/);
    expect(text).toMatch(/"verdict":"network-up"/);
  });

  it('stops at an answers file missing an answer, names the prompt, rolls back and keeps only the aborted record', async () => {
    const { base, vault, pub, handoff, media } = await outputs();
    // A witness answer late in the ceremony is missing: the keys exist by then, and must be gone afterwards.
    const answers = await writeAnswers(rootCeremonyAnswers({ 'hand-out-shares.custodian-5': undefined }));
    const result = await cliInNetns([
      'run',
      script,
      '--vault',
      vault,
      '--public',
      pub,
      '--handoff',
      handoff,
      '--media',
      media,
      '--answers',
      answers,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no answer for prompt "hand-out-shares\.custodian-5"/);
    expect(result.stderr).toMatch(/The ceremony was aborted and rolled back; its record: .*-ABORTED\.jsonl/);
    expectNoStackTrace(result.stderr);
    const { entries } = await expectOnlyAbortedRecord(base, pub);
    expect(entries.at(-1)).toMatchObject({
      event: 'ceremony.aborted',
      data: { code: 'ANSWER_MISSING', step: { id: 'hand-out-shares' }, signed: false },
    });
  });

  it('refuses mismatched passphrase entries, and keeps only the aborted record', async () => {
    const { base, vault, pub, handoff, media } = await outputs();
    const answers = await writeAnswers(
      rootCeremonyAnswers({ 'vault.passphrase.confirm': 'tundra orbit velvet candle mosaic lantern pepperx' }),
    );
    const result = await cliInNetns([
      'run',
      script,
      '--vault',
      vault,
      '--public',
      pub,
      '--handoff',
      handoff,
      '--media',
      media,
      '--answers',
      answers,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/two entries for "vault\.passphrase".*do not match/);
    const { entries } = await expectOnlyAbortedRecord(base, pub);
    expect(entries.at(-1)?.data).toMatchObject({ code: 'PASSPHRASE_MISMATCH', step: { id: 'generate-root' } });
  });

  it('refuses a weak passphrase', async () => {
    const { base, vault, pub, handoff, media } = await outputs();
    const answers = await writeAnswers(
      rootCeremonyAnswers({ 'vault.passphrase': 'password1234', 'vault.passphrase.confirm': 'password1234' }),
    );
    const result = await cliInNetns([
      'run',
      script,
      '--vault',
      vault,
      '--public',
      pub,
      '--handoff',
      handoff,
      '--media',
      media,
      '--answers',
      answers,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/too guessable/);
    // The record names the prompt, never the weak passphrase itself.
    const { entries } = await expectOnlyAbortedRecord(base, pub);
    expect(JSON.stringify(entries)).not.toContain('password1234');
  });

  it('refuses a non-empty vault and leaves it untouched', async () => {
    const { vault, pub, handoff, media } = await outputs();
    await mkdir(vault);
    await writeFile(join(vault, 'old-key.asc'), 'existing');
    const answers = await writeAnswers(rootCeremonyAnswers());
    const result = await cliInNetns([
      'run',
      script,
      '--vault',
      vault,
      '--public',
      pub,
      '--handoff',
      handoff,
      '--media',
      media,
      '--answers',
      answers,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/vault directory .* is not empty/);
    expect(await readdir(vault)).toEqual(['old-key.asc']);
    expect(existsSync(pub)).toBe(false);
  });

  it('refuses an invalid script before anything happens', async () => {
    const { base, vault, pub, handoff } = await outputs();
    const bad = join(base, 'bad.yaml');
    await writeFile(
      bad,
      (await readFile(script, 'utf8'))
        .replace('algorithm: ed25519\n      location', 'algorithm: dsa\n      location')
        .replace('role: operator', 'role: janitor'),
    );
    const result = await cli(['run', bad, '--vault', vault, '--public', pub, '--handoff', handoff, '--answers', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/2 problems; nothing was done/);
    expect(result.stderr).toMatch(/steps\[1\]\.role: role "janitor" is not defined/);
    expect(result.stderr).toMatch(/steps\[1\]\.params\.algorithm/);
    expect(await readdir(base)).toEqual(['bad.yaml']);
  });

  it('refuses a vault inside the public tree, and a fake clock outside rehearsals', async () => {
    const { vault, pub, handoff, media } = await outputs();
    const answers = await writeAnswers(rootCeremonyAnswers());
    const nested = await cli([
      'run',
      script,
      '--vault',
      join(pub, 'vault'),
      '--public',
      pub,
      '--media',
      media,
      '--answers',
      answers,
    ]);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(/must be separate/);
    const faked = await cli(
      ['run', script, '--vault', vault, '--public', pub, '--handoff', handoff, '--media', media, '--answers', answers],
      { env: { KEYCEREMONY_FAKE_NOW: '2020-01-01T00:00:00Z' } },
    );
    expect(faked.code).toBe(3);
    expect(faked.stderr).toMatch(/fake clock/);
  });

  it('asks for --answers when there is no terminal, and rejects unknown options with exit 2', async () => {
    const { vault, pub } = await outputs();
    const noTty = await cli(['run', script, '--vault', vault, '--public', pub]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/no terminal/);
    const unknown = await cli(['run', script, '--vault', vault, '--public', pub, '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);
    const help = await cli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:/);
  });
});
