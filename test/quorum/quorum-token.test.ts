/**
 * A token root under an officer quorum, for real (not rehearsed) on a hermetic SoftHSM2 token: the root ceremony
 * replaces the token's user PIN (C_SetPIN) with one derived from the quorum secret, so the operator's PIN no
 * longer logs in; a later ceremony opens the token only with k officers' shares (k−1 are refused before the
 * token is touched); re-sharing changes the PIN again, and the old derived PIN and the old shares stop working.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { quorumTokenPin } from '../../src/backup/quorum-pin.js';
import { paperTrailAnswers, rootCeremonyAnswers, writeAnswers } from '../helpers/answers.js';
import { scriptVariant } from '../helpers/dct.js';
import { ceremoniesDir, fixturesDir, repoRoot } from '../helpers/paths.js';
import { cli, cliInNetns, run } from '../helpers/run.js';
import { type SoftHsm, softHsm, SOFTHSM_MODULE, TEST_USER_PIN } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/tmp.js';
import { expectOnlyAbortedRecord } from '../helpers/aborted.js';
import { snapshot, walkFiles } from '../helpers/files.js';
import { expectNowhere, gpgSignsWith, rebuild, transcriptEntries, vaultKeyFile } from './helpers.js';

const rootScript = join(ceremoniesDir, 'openpgp-root-token-quorum.yaml');
const reshareScript = join(ceremoniesDir, 'quorum-reshare.yaml');
const unlockScript = join(fixturesDir, 'ceremonies', 'quorum-unlock-publish.yaml');

let hsm: SoftHsm;
let base: string;
let shares: Record<string, string>;

/** The share words on each officer's printed sheet (HTML) under `dir`, by officer role. */
async function sheetShares(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await walkFiles(dir)) {
    const m = /officer-share-\d+-(officer-\d+)\.html$/.exec(file);
    if (!m) continue;
    const html = await readFile(file, 'utf8');
    out[m[1]!] = [...html.matchAll(/<div class="word"><span class="n">\d+<\/span>([^<]+)<\/div>/g)]
      .map((w) => w[1])
      .join(' ');
  }
  return out;
}

/** One C_Login with `pin` on the token, in a process of its own: 'ok' or the PKCS#11 error. */
async function tryLogin(pin: string): Promise<string> {
  const code = `
    import { Pkcs11Module } from ${JSON.stringify(join(repoRoot, 'dist', 'pkcs11', 'module.js'))};
    const m = Pkcs11Module.open(${JSON.stringify(SOFTHSM_MODULE)});
    const slot = m.slots().find((s) => s.token && s.token.label === 'wikibase-root');
    const session = m.openSession(slot.handle);
    try { session.loginUser(${JSON.stringify(pin)}); console.log('ok'); }
    catch (e) { console.log(String(e.message ?? e)); }
    finally { session.close(); Pkcs11Module.finalizeAll(); }`;
  const result = await run(process.execPath, ['--input-type=module', '-e', code], { env: hsm.env });
  return result.stdout.trim() || result.stderr;
}

async function inventoryQuorum(): Promise<{ set: string; tokens: { label: string; pinLength: number }[] }> {
  const inventory = JSON.parse(await readFile(join(base, 'vault', 'inventory.json'), 'utf8')) as {
    quorum: { set: string; tokens: { label: string; pinLength: number }[] };
  };
  return inventory.quorum;
}

function unlockAnswers(overrides: Record<string, string | boolean> = {}): Record<string, string | boolean> {
  return {
    'token.wikibase-root.use': true,
    'quorum.present.officer-1': true,
    'quorum.share.officer-1': shares['officer-1']!,
    'quorum.present.officer-2': true,
    'quorum.share.officer-2': shares['officer-2']!,
    ...overrides,
  };
}

async function runUnlock(answers: Record<string, string | boolean>): Promise<Awaited<ReturnType<typeof cli>>> {
  const file = await writeAnswers(answers);
  return cli(
    [
      'run',
      unlockScript,
      '--vault',
      join(base, 'vault'),
      '--public',
      join(base, 'public'),
      '--answers',
      file,
      '--allow-network',
    ],
    { env: hsm.env },
  );
}

beforeAll(async () => {
  hsm = await softHsm();
  await hsm.initToken('wikibase-root');
  base = await tempDir('kc-quorum-token-');
  const answers = await writeAnswers(
    rootCeremonyAnswers(
      {
        'preflight.checklist.5': true,
        'token.wikibase-root.use': true,
        'token.wikibase-root.pin': TEST_USER_PIN,
        'vault.passphrase': undefined,
        'vault.passphrase.confirm': undefined,
        'hand-out-officer-shares.officer-1': 'OA',
        'hand-out-officer-shares.officer-2': 'OB',
        'hand-out-officer-shares.officer-3': 'OC',
      },
      rootScript,
    ),
  );
  const result = await cliInNetns(
    [
      'run',
      rootScript,
      '--vault',
      join(base, 'vault'),
      '--public',
      join(base, 'public'),
      '--handoff',
      join(base, 'handoff'),
      '--media',
      join(base, 'media'),
      '--answers',
      answers,
    ],
    { env: hsm.env },
  );
  expect(result.code, result.stdout + result.stderr).toBe(0);
  shares = await sheetShares(join(base, 'media', 'sheets'));
});

describe('a token root under a quorum (SoftHSM2, real run)', () => {
  it('replaces the token PIN with one derived from the quorum secret: the old PIN no longer logs in', async () => {
    expect(Object.keys(shares).sort()).toEqual(['officer-1', 'officer-2', 'officer-3']);
    const quorum = await inventoryQuorum();
    const [token] = quorum.tokens;
    expect(token).toMatchObject({ label: 'wikibase-root', pinLength: 16 });
    const passphrase = await rebuild(shares['officer-1']!, shares['officer-3']!);
    expect(await tryLogin(TEST_USER_PIN)).toMatch(/CKR_PIN_INCORRECT/);
    expect(await tryLogin(quorumTokenPin(passphrase, 16))).toBe('ok');
    // The vault file (release subkeys) is a plain gpg key under the same secret.
    expect(await gpgSignsWith(await vaultKeyFile(base), passphrase)).toBe(true);
    const log = await transcriptEntries(join(base, 'public'));
    expect(log.filter((e) => e.event === 'token.pin-changed')).toHaveLength(1);
    await expectNowhere(join(base, 'public'), [passphrase, quorumTokenPin(passphrase, 16), ...Object.values(shares)]);
  });

  it('opens the token root in a later ceremony only with k officers’ shares', async () => {
    const before = await snapshot(base);
    const few = await runUnlock(
      unlockAnswers({ 'quorum.present.officer-2': false, 'quorum.present.officer-3': false }),
    );
    expect(few.code, few.stdout + few.stderr).toBe(2);
    expect(few.stderr).toMatch(/only 1 of the 2 officer shares needed were given/);
    // Nothing written but the aborted-ceremony record; every file that was there is unchanged.
    const [record] = [await expectOnlyAbortedRecord(base, join(base, 'public'), { keep: Object.keys(before) })];
    for (const touched of ['token.selected', 'token.login', 'quorum.token-pin', 'key.unlocked'])
      expect(record.entries.map((e) => e.event)).not.toContain(touched);
    const after = await snapshot(base);
    for (const [file, hash] of Object.entries(before)) expect(after[file], file).toBe(hash);

    const ok = await runUnlock(unlockAnswers());
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const log = await transcriptEntries(
      join(base, 'public'),
      (n) => n.includes('quorum-unlock-test') && !n.includes('ABORTED'),
    );
    const events = log.map((e) => e.event);
    expect(events.indexOf('quorum.unlocked')).toBeLessThan(events.indexOf('token.login'));
    expect(log.find((e) => e.event === 'quorum.token-pin')?.data).toMatchObject({ label: 'wikibase-root' });
    expect(log.find((e) => e.event === 'key.unlocked')?.data).toMatchObject({ location: 'pkcs11' });
  });

  it('a rotation on the token root with k officers: the token opens with the derived PIN, nobody types a secret, the officers are recorded', async () => {
    // The shipped rotation without its backup steps (the backup is not what this test is about): the room
    // confirms the backups are out of date instead.
    const rotate = await scriptVariant(
      join(ceremoniesDir, 'openpgp-rotate.yaml'),
      (text) =>
        text.slice(0, text.indexOf('  - id: backup\n')) + text.slice(text.indexOf('# After the transcript is written')),
    );
    const answers = await writeAnswers({
      ...paperTrailAnswers(rotate),
      'preflight.clock': true,
      'preflight.checklist.1': true,
      'preflight.checklist.2': true,
      'preflight.checklist.3': true,
      'backup.out-of-date': true,
      ...unlockAnswers({ 'quorum.present.officer-1': false, 'quorum.present.officer-3': true }),
      'quorum.share.officer-3': shares['officer-3']!,
      'compare-fingerprint.witness-1': 'WA',
      'compare-fingerprint.witness-2': 'WB',
      'rotate.changes': true,
      'rotate.witness-1': 'WA',
      'rotate.witness-2': 'WB',
      'handoff.release-pipeline.passphrase': 'falcon dune ribbon quartz meadow lantern',
    });
    const handoff = join(await tempDir('kc-quorum-token-rotate-'), 'handoff');
    const result = await cliInNetns(
      [
        'run',
        rotate,
        '--vault',
        join(base, 'vault'),
        '--public',
        join(base, 'public'),
        '--handoff',
        handoff,
        '--answers',
        answers,
      ],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const log = await transcriptEntries(join(base, 'public'), (n) => n.includes('openpgp-rotate'));
    const events = log.map((e) => e.event);
    expect(log.find((e) => e.event === 'quorum.unlocked')?.data).toMatchObject({
      officers: ['officer-2', 'officer-3'],
      shares: [2, 3],
    });
    expect(events.indexOf('quorum.unlocked')).toBeLessThan(events.indexOf('token.login'));
    expect(events.filter((e) => e === 'token.login')).toHaveLength(1);
    // Nobody typed a vault passphrase or a PIN: both came from the officers' shares.
    const typed = log.filter((e) => e.event === 'prompt.answered').map((e) => e.data['id']);
    expect(typed).not.toContain('vault.passphrase');
    expect(typed).not.toContain('token.wikibase-root.pin');
    const passphrase = await rebuild(shares['officer-2']!, shares['officer-3']!);
    await expectNowhere(join(base, 'public'), [passphrase, quorumTokenPin(passphrase, 16), ...Object.values(shares)]);
  });

  it('re-sharing changes the token PIN again; the old derived PIN and the old shares stop working', async () => {
    const before = await inventoryQuorum();
    const oldPin = quorumTokenPin(await rebuild(shares['officer-1']!, shares['officer-2']!), 16);
    const answers = await writeAnswers({
      ...paperTrailAnswers(reshareScript),
      'preflight.clock': true,
      'preflight.checklist.1': true,
      'preflight.checklist.2': true,
      'preflight.checklist.3': true,
      ...unlockAnswers(),
      'compare-fingerprint.witness-1': 'WA',
      'compare-fingerprint.witness-2': 'WB',
      'hand-out-officer-shares.officer-1': 'OA',
      'hand-out-officer-shares.officer-2': 'OB',
      'hand-out-officer-shares.officer-4': 'OD',
      'seal-custodian-shares.administrator': 'AD',
      'seal-custodian-shares.witness-1': 'WA',
      'seal-custodian-shares.witness-2': 'WB',
      'retire-old.administrator': 'AD',
      'retire-old.witness-1': 'WA',
      'retire-old.witness-2': 'WB',
    });
    const media = join(base, 'media-reshare');
    const result = await cliInNetns(
      [
        'run',
        reshareScript,
        '--vault',
        join(base, 'vault'),
        '--public',
        join(base, 'public'),
        '--media',
        media,
        '--answers',
        answers,
      ],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const fresh = await sheetShares(join(media, 'sheets'));
    expect(Object.keys(fresh).sort()).toEqual(['officer-1', 'officer-2', 'officer-4']);
    const newPin = quorumTokenPin(await rebuild(fresh['officer-1']!, fresh['officer-4']!), 16);
    expect(newPin).not.toBe(oldPin);
    expect(await tryLogin(oldPin)).toMatch(/CKR_PIN_INCORRECT/);
    expect(await tryLogin(newPin)).toBe('ok');
    expect((await readdir(join(media, 'media', '1'))).some((n) => n.startsWith('backup-'))).toBe(true);

    const old = await runUnlock(unlockAnswers());
    expect(old.code, old.stdout + old.stderr).toBe(2);
    expect(old.stderr).toContain(`it is a share of the retired share set ${before.set}`);
    shares = fresh;
    const ok = await runUnlock(unlockAnswers({ 'quorum.present.officer-2': true }));
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  });
});
