/**
 * Real (not rehearsal) token ceremonies through the CLI, on hermetic SoftHSM2 tokens prepared with
 * softhsm2-util: the shipped token script air-gapped with an answers file, a later ceremony that unlocks the
 * token root, refusals (existing key, wrong PIN, absent token, unconfirmed token), and `token list`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  custodianAnswers,
  paperTrailAnswers,
  rootCeremonyAnswers,
  TEST_VAULT_PASSPHRASE,
  writeAnswers,
} from '../helpers/answers.js';
import { expectOnlyAbortedRecord, expectOnlyAbortedRecords } from '../helpers/aborted.js';
import { readInventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir, fixturesDir } from '../helpers/paths.js';
import { cli, cliInNetns } from '../helpers/run.js';
import { type SoftHsm, softHsm, TEST_USER_PIN } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(ceremoniesDir, 'openpgp-root-token.yaml');
const unlockScript = join(fixturesDir, 'ceremonies', 'unlock-publish.yaml');

let hsm: SoftHsm;
let serial: string;
let vault: string;
let pub: string;

function tokenAnswers(overrides: Record<string, string | boolean | undefined> = {}): Record<string, string | boolean> {
  return rootCeremonyAnswers(
    {
      'preflight.checklist.4': true,
      'preflight.checklist.5': true,
      'token.wikibase-root.use': true,
      'token.wikibase-root.pin': TEST_USER_PIN,
      ...overrides,
    },
    script,
  );
}

async function entries(dir: string, nth = 0): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const names = (await readdir(join(dir, 'transcripts'))).filter((n) => n.endsWith('.jsonl')).sort();
  const text = await readFile(join(dir, 'transcripts', names[nth]!), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
}

beforeAll(async () => {
  hsm = await softHsm();
  serial = await hsm.initToken('wikibase-root');
  await hsm.initToken('other-token');
  await hsm.initToken('rollback-token');
  const base = await tempDir('kc-token-run-');
  vault = join(base, 'vault');
  pub = join(base, 'public');
  const answers = await writeAnswers(tokenAnswers());
  const result = await cliInNetns(
    [
      'run',
      script,
      '--vault',
      vault,
      '--public',
      pub,
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
});

describe('a real token ceremony (SoftHSM2, answers file, air-gapped)', () => {
  it('confirms the token, logs in once, and puts the root on it', async () => {
    const log = await entries(pub);
    expect(log.find((e) => e.event === 'token.selected')?.data).toMatchObject({
      label: 'wikibase-root',
      serial,
      manufacturer: 'SoftHSM project',
      confirmed: true,
      prompt: 'token.wikibase-root.use',
      serialPinnedByScript: false,
    });
    expect(log.filter((e) => e.event === 'token.login')).toHaveLength(1);
    expect(
      log.find((e) => e.event === 'prompt.answered' && e.data['id'] === 'token.wikibase-root.pin')?.data,
    ).toMatchObject({ kind: 'pin', generated: false });
    const root = (await readInventoryKeys(vault)).find((k) => k.kind === 'openpgp-primary')!;
    expect(root.location.uri).toMatch(
      new RegExp(`^pkcs11:token=wikibase-root;serial=${serial};object=openpgp-root;type=private;id=`),
    );
    for (const tree of [vault, pub]) {
      for (const file of await readdir(tree, { recursive: true })) {
        const content = await readFile(join(tree, file)).catch(() => Buffer.alloc(0));
        expect(content.includes(TEST_USER_PIN), file).toBe(false);
      }
    }
  });

  it('lets a later ceremony unlock the token root and sign its transcript on the token', async () => {
    const answers = await writeAnswers({
      'preflight.clock': true,
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      'token.wikibase-root.use': true,
      'token.wikibase-root.pin': TEST_USER_PIN,
    });
    const result = await cli(
      ['run', unlockScript, '--vault', vault, '--public', pub, '--answers', answers, '--allow-network'],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/opened on its token/);
    const log = await entries(pub, 1);
    expect(log.find((e) => e.event === 'key.unlocked')?.data).toMatchObject({ location: 'pkcs11' });
    expect(log.filter((e) => e.event === 'token.key-opened').map((e) => e.data['what'])).toEqual([
      expect.stringMatching(/^OpenPGP root /),
      expect.stringMatching(/^subkey /),
    ]);
    const verified = await cli(['transcript', 'verify', pub]);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('refuses to generate over an existing key, and leaves the existing keys alone', async () => {
    const base = await tempDir('kc-token-again-');
    const answers = await writeAnswers(tokenAnswers());
    const result = await cli(
      [
        'run',
        script,
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
        '--allow-network',
      ],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /already holds an object with label "openpgp-root": keyceremony never replaces a key on a token/,
    );
    // Nothing but the record of the aborted ceremony (unsigned: its root was never published).
    await expectOnlyAbortedRecord(base, join(base, 'public'));
    const listed = await cli(['token', 'list', '--module', '/usr/lib/softhsm/libsofthsm2.so', '--json'], {
      env: hsm.env,
    });
    expect(listed.code).toBe(0);
    // The earlier root still opens (the refused ceremony destroyed only what it created: nothing).
    const unlock = await writeAnswers({
      'preflight.clock': true,
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      'token.wikibase-root.use': true,
      'token.wikibase-root.pin': TEST_USER_PIN,
    });
    const again = await cli(
      ['run', unlockScript, '--vault', vault, '--public', pub, '--answers', unlock, '--allow-network'],
      { env: hsm.env },
    );
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('stops on a wrong PIN with a clear error, trying once, writing nothing', async () => {
    const base = await tempDir('kc-token-pin-');
    const answers = await writeAnswers(tokenAnswers({ 'token.wikibase-root.pin': 'not-the-right-pin' }));
    const result = await cli(
      [
        'run',
        script,
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
        '--allow-network',
      ],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/keyceremony: error: wrong PIN for token "wikibase-root" \(serial [0-9a-f]+\)/);
    expect(result.stderr).toMatch(/does not try again by itself/);
    expect(result.stdout + result.stderr).not.toContain('not-the-right-pin');
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    // Nothing but the record of the aborted ceremony (unsigned: its root was never published).
    await expectOnlyAbortedRecord(base, join(base, 'public'));
  });

  it('stops when the operator does not confirm the token, or the token is absent', async () => {
    const base = await tempDir('kc-token-confirm-');
    const refused = await cli(
      [
        'run',
        script,
        '--vault',
        join(base, 'vault'),
        '--public',
        join(base, 'public'),
        '--handoff',
        join(base, 'handoff'),
        '--media',
        join(base, 'media'),
        '--answers',
        await writeAnswers(tokenAnswers({ 'token.wikibase-root.use': false })),
        '--allow-network',
      ],
      { env: hsm.env },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the operator did not confirm "wikibase-root"/);
    const absent = await cli(
      [
        'run',
        script,
        '--vault',
        join(base, 'vault'),
        '--public',
        join(base, 'public'),
        '--handoff',
        join(base, 'handoff'),
        '--media',
        join(base, 'media'),
        '--answers',
        await writeAnswers(tokenAnswers()),
        '--allow-network',
      ],
      { env: { SOFTHSM2_CONF: (await softHsm()).conf } },
    );
    expect(absent.code).toBe(3);
    expect(absent.stderr).toMatch(/no token "wikibase-root" is present/);
    // Two attempts, two records (the second started again in the same directories), nothing else.
    expect(await expectOnlyAbortedRecords(base, join(base, 'public'))).toHaveLength(2);
  });
});

describe('a rotation session on a token root', () => {
  it('renews, adds and revokes with every root signature made by the token; fingerprint unchanged', async () => {
    const before = await readInventoryKeys(vault);
    const answers = await writeAnswers({
      'preflight.clock': true,
      'preflight.checklist.1': true,
      'preflight.checklist.2': true,
      'preflight.checklist.3': true,
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      'token.wikibase-root.use': true,
      'token.wikibase-root.pin': TEST_USER_PIN,
      'compare-fingerprint.witness-1': 'WA',
      'compare-fingerprint.witness-2': 'WB',
      'rotate.changes': true,
      'rotate.witness-1': 'WA',
      'rotate.witness-2': 'WB',
      'handoff.release-pipeline.passphrase': 'falcon dune ribbon quartz meadow lantern',
      ...custodianAnswers(),
      ...paperTrailAnswers(join(ceremoniesDir, 'openpgp-rotate.yaml')),
    });
    const session = await tempDir('kc-token-rotate-');
    const handoff = join(session, 'handoff');
    const result = await cliInNetns(
      [
        'run',
        join(ceremoniesDir, 'openpgp-rotate.yaml'),
        '--vault',
        vault,
        '--public',
        pub,
        '--handoff',
        handoff,
        '--media',
        join(session, 'media'),
        '--answers',
        answers,
      ],
      { env: hsm.env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The rotation renewed the backups: the new one holds the vault as the rotation left it.
    expect(result.stdout).toMatch(/Backup copy written and read back: Backup medium 2/);
    const after = await readInventoryKeys(vault);
    expect(after.find((k) => k.kind === 'openpgp-primary')?.id).toBe(
      before.find((k) => k.kind === 'openpgp-primary')?.id,
    );
    expect(after.find((k) => k.label === 'release-pipeline')?.status).toBe('revoked');
    expect(after.find((k) => k.label === 'release-pipeline-next')?.status).toBe('active');
    const names = (await readdir(join(pub, 'transcripts'))).filter((n) => n.endsWith('.jsonl')).sort();
    const log = await entries(
      pub,
      names.findIndex((n) => n.includes('openpgp-rotate')),
    );
    expect(log.filter((e) => e.event === 'token.login')).toHaveLength(1);
    expect(log.find((e) => e.event === 'changes.planned')).toBeDefined();
    const verified = await cli(['transcript', 'verify', pub]);
    expect(verified.code, verified.stdout).toBe(0);
  });
});

describe('a token ceremony that fails', () => {
  it('destroys the keys it created on the token, so the ceremony can simply be run again', async () => {
    const answers = await writeAnswers({
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      'vault.passphrase.confirm': TEST_VAULT_PASSPHRASE,
      'token.rollback-token.use': true,
      'token.rollback-token.pin': TEST_USER_PIN,
      // The fixtures make no backup: the room confirms at the end that one will be made.
      'backup.out-of-date': true,
    });
    const base = await tempDir('kc-token-rollback-');
    const run = (fixture: string): ReturnType<typeof cli> =>
      cli(
        [
          'run',
          join(fixturesDir, 'ceremonies', fixture),
          '--vault',
          join(base, 'vault'),
          '--public',
          join(base, 'public'),
          '--answers',
          answers,
          '--allow-network',
        ],
        { env: hsm.env },
      );
    const failed = await run('token-rollback.yaml');
    expect(failed.code, failed.stdout + failed.stderr).toBe(2);
    expect(failed.stdout).toMatch(/OpenPGP root key imported onto token "rollback-token" .*\(copy 1 of 2\)/);
    expect(failed.stderr).toMatch(/already holds an object with label "example-root"/);
    expect(failed.stdout).toMatch(/Removed the keys this ceremony had created on token "rollback-token"/);
    // Nothing but the record of the aborted ceremony (unsigned: its root was never published).
    await expectOnlyAbortedRecord(base, join(base, 'public'));
    // Had the imported key stayed on the token, this would be refused for the same label.
    const again = await run('token-single.yaml');
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});

describe('keyceremony token list', () => {
  it('shows the SoftHSM2 tokens with serial, PIN state and mechanisms', async () => {
    // One wrong PIN first: SoftHSM2 then raises "count low" (it has no retry counter, but it has that flag).
    const base = await tempDir('kc-token-list-');
    const wrong = await writeAnswers(tokenAnswers({ 'token.wikibase-root.pin': 'not-the-right-pin' }));
    expect(
      (
        await cli(
          [
            'run',
            script,
            '--vault',
            join(base, 'vault'),
            '--public',
            join(base, 'public'),
            '--handoff',
            join(base, 'handoff'),
            '--media',
            join(base, 'media'),
            '--answers',
            wrong,
            '--allow-network',
          ],
          { env: hsm.env },
        )
      ).code,
    ).toBe(2);
    const result = await cli(['token', 'list'], { env: hsm.env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`token "wikibase-root"  serial ${serial}`));
    expect(result.stdout).toMatch(/token "other-token" {2}serial [0-9a-f]{16}/);
    expect(result.stdout).toMatch(/manufacturer SoftHSM project, model SoftHSM v2/);
    expect(result.stdout).toMatch(
      /mechanisms: CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_EC_KEY_PAIR_GEN, CKM_ECDSA, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA/,
    );
    expect(result.stdout).toMatch(/generates: ECDSA P-256, Ed25519, RSA-4096/);
    const json = await cli(['token', 'list', '--module', '/usr/lib/softhsm/libsofthsm2.so', '--json'], {
      env: hsm.env,
    });
    const parsed = JSON.parse(json.stdout) as {
      modules: { slots: { token: { serial: string; pinFlags: string[] } | null }[] }[];
    };
    const flagsOf = (label: string): string[] | undefined =>
      parsed.modules[0]!.slots.find((s) => s.token && (s.token as { label?: string }).label === label)?.token?.pinFlags;
    expect(flagsOf('other-token')).toEqual([]);
    // SoftHSM2 has no retry counter, but it does raise count-low after a wrong PIN.
    expect(flagsOf('wikibase-root')).toEqual(['user PIN count low']);
    expect(result.stdout).toMatch(/PIN: user PIN count low/);
  });

  it('says clearly when the module does not exist (exit 3)', async () => {
    const result = await cli(['token', 'list', '--module', '/nonexistent/libpkcs11.so']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/PKCS#11 module not found: \/nonexistent\/libpkcs11\.so/);
  });

  it('has --help with the exit codes', async () => {
    const result = await cli(['token', 'list', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--module <path>/);
    expect(result.stdout).toMatch(/3 {2}environment refused/);
  });
});
