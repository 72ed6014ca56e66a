import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInventoryKeys } from '../helpers/inventory.js';
import { sharedRehearsal } from '../helpers/rehearsal.js';
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
