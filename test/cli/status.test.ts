import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeAnswers } from '../helpers/answers.js';
import { scriptVariant } from '../helpers/dct.js';
import { readInventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir, fixturesDir } from '../helpers/paths.js';
import { copyOfRehearsal, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';

let vault: string;
let pipelineExpires: number;
const DAY = 86_400_000;

beforeAll(async () => {
  vault = join(sharedRehearsal(), 'vault');
  const keys = await readInventoryKeys(vault);
  pipelineExpires = Date.parse(keys.find((k) => k.label === 'release-pipeline')!.expires!);
});

const status = (now: number, ...extra: string[]) =>
  cli(['status', '--vault', vault, '--now', new Date(now).toISOString(), ...extra]);

describe('keyceremony status', () => {
  it('is all well (exit 0) until N days before the first expiry', async () => {
    const result = await status(pipelineExpires - 90 * DAY - 1000);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/release-pipeline .*\s+ok$/m);
  });

  it('says rotation due (exit 1) from exactly N days before expiry', async () => {
    const result = await status(pipelineExpires - 90 * DAY);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/release-pipeline .*\s+90\s+rotation due$/m);
    expect(result.stdout).toMatch(/release-manager .*\s+ok$/m);
  });

  it('says expired (exit 1) from the moment of expiry, with negative days left', async () => {
    expect((await status(pipelineExpires - 1000)).stdout).toMatch(/release-pipeline .*rotation due$/m);
    const expired = await status(pipelineExpires + 2 * DAY);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/release-pipeline .*\s+-2\s+expired$/m);
  });

  it('honours --warn-days and prints JSON', async () => {
    expect((await status(pipelineExpires - 30 * DAY, '--warn-days', '10')).code).toBe(0);
    expect((await status(pipelineExpires - 30 * DAY, '--warn-days', '30')).code).toBe(1);
    const json = await status(pipelineExpires - 30 * DAY, '--json', '--warn-days', '10');
    const parsed = JSON.parse(json.stdout) as {
      ok: boolean;
      keys: { name: string; state: string; daysLeft: number }[];
    };
    expect(parsed.ok).toBe(true);
    expect(parsed.keys.map((k) => k.name)).toEqual([
      'root',
      'release-pipeline',
      'release-manager',
      'ceremony-transcripts',
    ]);
    expect(parsed.keys[1]).toMatchObject({ state: 'ok', daysLeft: 30 });
  });

  it('refuses bad options and directories that are not vaults (exit 2)', async () => {
    expect((await status(Date.now(), '--warn-days', 'soon')).code).toBe(2);
    for (const loose of [' ', '0x10', '1e3'])
      expect((await status(Date.now(), '--warn-days', loose)).stderr).toMatch(/--warn-days must be a whole number/);
    expect((await cli(['status', '--vault', vault, '--now', 'yesterday'])).code).toBe(2);
    const notVault = await cli(['status', '--vault', join(sharedRehearsal(), 'public')]);
    expect(notVault.code).toBe(2);
    expect(notVault.stderr).toMatch(/not a keyceremony vault/);
  });
});

interface StatusJson {
  ok: boolean;
  backup: {
    verdict: 'current' | 'out-of-date' | 'none';
    vaultState: string;
    newest: { name: string; ceremony: string; vaultState: string } | null;
    ceremoniesSince: { name: string }[];
  };
  signers: {
    signer: string;
    current?: { label: string; id: string };
    previous?: { label: string; id: string; endsBy: string; revocationReason?: string };
    overlap?: { from: string; to: string | null; days: number | null };
  }[];
}

describe('keyceremony status: backups and signing-key succession', () => {
  let dir: string;
  const statusOf = async (): Promise<{ code: number; text: string; json: StatusJson }> => {
    const text = await cli(['status', '--vault', join(dir, 'vault')]);
    const json = await cli(['status', '--vault', join(dir, 'vault'), '--json']);
    return { code: json.code, text: text.stdout, json: JSON.parse(json.stdout) as StatusJson };
  };
  const transcriptNamed = async (part: string): Promise<string> => {
    const name = (await readdir(join(dir, 'public', 'transcripts'))).find(
      (n) => n.includes(part) && n.endsWith('.jsonl'),
    );
    if (!name) throw new Error(`no transcript of ${part}`);
    return readFile(join(dir, 'public', 'transcripts', name), 'utf8');
  };

  beforeAll(async () => {
    dir = await copyOfRehearsal();
  });

  it('after the root ceremony: its backup holds the vault', async () => {
    const { code, text, json } = await statusOf();
    expect(code, text).toBe(0);
    expect(json.backup.verdict).toBe('current');
    expect(json.backup.newest?.ceremony).toMatch(/openpgp-root-REHEARSAL$/);
    expect(text).toMatch(/The newest backup holds the vault as it is now: backup-.*openpgp-root-REHEARSAL/);
    // The manifest on each medium records the same state the inventory does.
    for (const medium of ['1', '2']) {
      const manifest = JSON.parse(
        await readFile(join(dir, 'media', medium, json.backup.newest?.name ?? '', 'manifest.json'), 'utf8'),
      ) as { vaultState: string };
      expect(manifest.vaultState).toBe(json.backup.vaultState);
    }
  });

  it('a rotation that keeps the old pipeline key renews the backup and shows both keys overlapping', async () => {
    const variant = await scriptVariant(join(ceremoniesDir, 'openpgp-rotate.yaml'), (t) =>
      t.replace(/ {6}revokeSubkeys:\n(?: {8}.*\n)+/, '      revokeSubkeys: []\n'),
    );
    const rotation = await cli(['rehearse', variant, '--out', dir]);
    expect(rotation.code, rotation.stdout + rotation.stderr).toBe(0);
    const { code, text, json } = await statusOf();
    expect(code, text).toBe(0);
    expect(json.backup.verdict).toBe('current');
    expect(json.backup.newest?.ceremony).toMatch(/variant-REHEARSAL$|openpgp-rotate-REHEARSAL$/);
    expect(await transcriptNamed('openpgp-rotate')).toMatch(
      /the newest backup holds the vault as this ceremony leaves it/,
    );
    const pipeline = json.signers.find((s) => s.signer === 'release-pipeline');
    expect(pipeline?.current?.label).toBe('release-pipeline-next');
    expect(pipeline?.previous).toMatchObject({ label: 'release-pipeline', endsBy: 'expiry' });
    // Made a moment after the root ceremony, it runs until the old key's one-year expiry.
    expect(pipeline?.overlap?.days).toBeGreaterThanOrEqual(364);
    expect(text).toMatch(/both sign until \d{4}-\d\d-\d\d \(36[45] days\): switch every signer to the new one/);
    expect(text).toMatch(
      new RegExp(`Anyone who pinned the subkey ${pipeline?.previous?.id} must pin ${pipeline?.current?.id} instead`),
    );
    expect(json.signers.find((s) => s.signer === 'release-manager')?.previous).toBeUndefined();
  });

  it('a ceremony that changes the vault without a backup step is refused unless the room confirms; status then says the backup is older', async () => {
    const fixture = join(fixturesDir, 'ceremonies', 'revoke-pipeline-compromised.yaml');
    const before = await readFile(join(dir, 'vault', 'inventory.json'));
    const refused = await cli([
      'rehearse',
      fixture,
      '--out',
      dir,
      '--answers',
      await writeAnswers({ 'backup.out-of-date': false }),
    ]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout).toMatch(/This ceremony changed the vault, and no backup holds it/);
    expect(refused.stderr).toMatch(/no backup holds it: add a backup.create step/);
    expect((await readFile(join(dir, 'vault', 'inventory.json'))).equals(before)).toBe(true);

    const confirmed = await cli(['rehearse', fixture, '--out', dir]);
    expect(confirmed.code, confirmed.stdout + confirmed.stderr).toBe(0);
    expect(await transcriptNamed('revoke-pipeline-compromised-REHEARSAL.jsonl')).toMatch(
      /"event":"backup.out-of-date".*"confirmed":true/,
    );
    const { code, text, json } = await statusOf();
    expect(code).toBe(1);
    expect(json.ok).toBe(false);
    expect(json.backup.verdict).toBe('out-of-date');
    expect(json.backup.newest?.vaultState).not.toBe(json.backup.vaultState);
    expect(json.backup.ceremoniesSince.map((c) => c.name)).toEqual([
      expect.stringMatching(/revoke-pipeline-compromised-REHEARSAL$/),
    ]);
    expect(text).toMatch(/The newest backup is OLDER THAN THE VAULT: .*revoke-pipeline-compromised-REHEARSAL/);
    // The compromised key's succession says its signatures no longer count.
    expect(text).toMatch(/replaced release-pipeline .*revoked .* as compromised.*its signatures are all invalid/);
  });

  it('a ceremony that changes no key asks nothing; a new backup makes status well again', async () => {
    const unchanged = await cli(['rehearse', join(fixturesDir, 'ceremonies', 'unlock-publish.yaml'), '--out', dir]);
    expect(unchanged.code, unchanged.stdout + unchanged.stderr).toBe(0);
    expect(unchanged.stdout).not.toMatch(/changed the vault/);
    expect((await statusOf()).json.backup.verdict).toBe('out-of-date');
    const backup = await cli(['rehearse', join(ceremoniesDir, 'backup.yaml'), '--out', dir]);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const { code, json } = await statusOf();
    expect(code).toBe(0);
    expect(json.backup.verdict).toBe('current');
    expect(json.backup.newest?.ceremony).toMatch(/-backup-REHEARSAL$/);
  });
});
