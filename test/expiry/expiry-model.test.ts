/**
 * One expiry model (issue 14, item 3): a validity OpenPGP cannot store is refused when the script is checked,
 * the writer never wraps the 32-bit key-expiration field, and the inventory and `status` show what the
 * certificate holds — checked against gpg's reading of the published KEYS.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { expirationSeconds, MAX_EXPIRATION_SECONDS } from '../../src/openpgp/self-signatures.js';
import { buildKeyPacket } from '../../src/openpgp/key-packet.js';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import { addDuration, durationProblem, MAX_DURATION_YEARS, parseDuration } from '../../src/util/duration.js';
import { newGpg, parseColons } from '../helpers/gpg.js';
import { readInventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { sharedRehearsal } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

describe('the expiry model', () => {
  it('accepts validities up to 50 years and refuses anything longer, however it is written', () => {
    for (const ok of ['50y', '600m', '49y12m', '18262d', '1d', '5y']) expect(durationProblem(ok), ok).toBeUndefined();
    for (const bad of ['137y', '50y1d', '601m', '18263d', '99999999999999999999y', '1y'.repeat(60)]) {
      expect(durationProblem(bad), bad).toBeDefined();
    }
  });

  it('every accepted validity, from any ceremony date before 2056, fits the OpenPGP fields', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 720 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2055-12-31T23:59:59Z'), noInvalidDate: true }),
        (y, m, d, start) => {
          const text = `${y}y${m}m${d}d`;
          if (y + m + d === 0 || durationProblem(text)) return;
          const end = addDuration(start, parseDuration(text));
          expect((end.getTime() - start.getTime()) / 1000).toBeLessThanOrEqual(MAX_EXPIRATION_SECONDS);
          expect(end.getTime()).toBeLessThan(Date.UTC(2106, 1, 7));
          expect(end.getTime() - start.getTime()).toBeLessThanOrEqual((MAX_DURATION_YEARS * 366 + 1) * 86_400_000);
        },
      ),
    );
  });

  it('the OpenPGP writer refuses an expiry its 32-bit field cannot hold instead of wrapping it', async () => {
    const { publicKey } = await generateKeyPair('ed25519');
    const key = buildKeyPacket(publicKey, new Date('2026-01-01T00:00:00Z'));
    expect(() => expirationSeconds(key, new Date('2163-01-01T00:00:00Z'))).toThrow(/32-bit key-expiration field/);
    const [fits] = expirationSeconds(key, new Date('2076-01-01T00:00:00Z'));
    expect(fits?.body.length).toBe(4);
  });

  it('plan refuses `expires: 137y` with exit 2 and names the parameter, before anything exists', async () => {
    const script = parse(await readFile(join(ceremoniesDir, 'openpgp-root.yaml'), 'utf8')) as {
      steps: { action: string; params?: Record<string, unknown> }[];
    };
    const generate = script.steps.find((s) => s.action === 'openpgp.generate-root');
    generate!.params!['expires'] = '137y';
    const file = join(await tempDir(), 'long.yaml');
    await writeFile(file, stringify(script));
    const result = await cli(['plan', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/steps\[\d+\]\.params\.expires: must be at most 50 years/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("the inventory's expiries are gpg's expiries of the published KEYS", async () => {
    const dir = sharedRehearsal();
    const gpg = await newGpg();
    await gpg(['--import', join(dir, 'public', 'KEYS')]);
    const listed = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys;
    const keys = await readInventoryKeys(join(dir, 'vault'));
    expect(keys.length).toBe(listed.length);
    for (const key of keys) {
      const seen = listed.find((k) => k.fingerprint === key.id);
      expect(seen, key.id).toBeDefined();
      expect(seen!.expires).toBe(Date.parse(key.expires!) / 1000);
    }
  });

  it('status shows the certificate expiry and fails (exit 1) when the inventory says otherwise', async () => {
    const copy = join(await tempDir('kc-expiry-'), 'vault');
    await cp(join(sharedRehearsal(), 'vault'), copy, { recursive: true });
    const file = join(copy, 'inventory.json');
    const inventory = JSON.parse(await readFile(file, 'utf8')) as { keys: { expires: string | null }[] };
    const real = inventory.keys[0]!.expires!;
    inventory.keys[0]!.expires = '2163-01-01T00:00:00.000Z';
    await writeFile(file, JSON.stringify(inventory, null, 2));
    const result = await cli(['status', '--vault', copy, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the inventory disagrees with the certificates/);
    const rows = (JSON.parse(result.stdout) as { keys: { expires: string; inventoryExpires?: string }[] }).keys;
    expect(rows[0]).toMatchObject({ expires: real, inventoryExpires: '2163-01-01T00:00:00.000Z' });
    const text = await cli(['status', '--vault', copy]);
    expect(text.stdout).toContain(
      `the inventory says it expires 2163-01-01T00:00:00.000Z, its certificate says ${real}`,
    );
  });
});
