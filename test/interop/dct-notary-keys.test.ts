/**
 * The keys of a DCT ceremony rehearsal, handed to the real tools: `notary key import` takes every one under
 * the ID keyceremony printed, notary decrypts them with the right passphrase and fails with a wrong one, and
 * OpenSSL reads the hand-off keys and certificates.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DCT_HANDOFF_DIR, dctRehearsal, SIGNERS } from '../helpers/dct.js';
import { inventoryKeys, type InventoryEntry } from '../helpers/inventory.js';
import { rehearsalSecrets } from '../helpers/rehearsal.js';
import { run, type RunResult } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
let stdout: string;
let keys: InventoryEntry[];
let home: string;

const notary = (trustDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> =>
  run('notary', ['-d', trustDir, ...args], { env: { HOME: home, ...env } });

beforeAll(async () => {
  ({ dir, stdout } = await dctRehearsal());
  keys = (await inventoryKeys(dir)).filter((k) => k.kind.startsWith('dct-'));
  home = await tempDir('kc-home-');
});

describe('DCT keys with notary and OpenSSL', () => {
  it('notary key import takes every vault key, and notary key list shows the IDs keyceremony printed', async () => {
    const trust = await tempDir('kc-notary-');
    for (const key of keys) {
      const imported = await notary(trust, ['key', 'import', join(dir, 'vault', key.location.path ?? '')]);
      expect(imported.code, imported.stderr).toBe(0);
    }
    const list = await notary(trust, ['key', 'list']);
    expect(list.code, list.stderr).toBe(0);
    for (const key of keys) {
      expect(stdout).toContain(key.id);
      const role = key.kind === 'dct-root' ? 'root' : key.kind === 'dct-targets' ? 'targets' : (key.label ?? '');
      expect(list.stdout).toMatch(new RegExp(`^${role}\\s+.*${key.id}\\s`, 'm'));
    }
    expect((await readdir(join(trust, 'private'))).sort()).toEqual(keys.map((k) => `${k.id}.key`).sort());
  });

  it('notary decrypts the root key with the DCT passphrase, and fails with a wrong one', async () => {
    const trust = await tempDir('kc-notary-');
    const root = keys.find((k) => k.kind === 'dct-root');
    expect((await notary(trust, ['key', 'import', join(dir, 'vault', root?.location.path ?? '')])).code).toBe(0);
    const right = await notary(trust, ['key', 'passwd', root?.id ?? ''], {
      NOTARY_ROOT_PASSPHRASE: (await rehearsalSecrets(dir))['dct.passphrase'] ?? '',
    });
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toMatch(/Successfully updated passphrase/);
    const wrong = await notary(trust, ['key', 'passwd', root?.id ?? ''], {
      NOTARY_ROOT_PASSPHRASE: 'this is not the passphrase',
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toMatch(/could not retrieve local key/);
  });

  it('notary imports each hand-off key as a delegation key, and OpenSSL decrypts it to the published public key', async () => {
    for (const signer of SIGNERS) {
      const id = keys.find((k) => k.label === signer)?.id ?? '';
      const file = join(dir, DCT_HANDOFF_DIR, signer, `${id}.key`);
      const trust = await tempDir('kc-notary-');
      expect((await notary(trust, ['key', 'import', file])).code).toBe(0);
      expect((await notary(trust, ['key', 'list'])).stdout).toMatch(new RegExp(`^${signer}\\s+${id}\\s`, 'm'));
      const passwd = await notary(trust, ['key', 'passwd', id], {
        NOTARY_DELEGATION_PASSPHRASE: (await rehearsalSecrets(dir))[`dct.handoff.${signer}.passphrase`] ?? '',
      });
      expect(passwd.code, passwd.stderr).toBe(0);

      // OpenSSL reads the key once the notary headers are stripped (docs/dct.md shows the same command).
      const stripped = join(await tempDir(), 'key.pem');
      await writeFile(stripped, (await readFile(file, 'utf8')).replace(/^(?:[a-z]+: .*\n)+\n/m, ''));
      const plain = await run('openssl', [
        'pkcs8',
        '-in',
        stripped,
        '-passin',
        `pass:${(await rehearsalSecrets(dir))[`dct.handoff.${signer}.passphrase`] ?? ''}`,
      ]);
      expect(plain.code, plain.stderr).toBe(0);
      const pub = await run('openssl', ['pkey', '-pubout'], { input: plain.stdout });
      const published = await readFile(join(dir, 'public', 'dct', 'delegations', `${signer}.pub`), 'utf8');
      expect(published.replace(/^role: .*\n\n/m, '')).toBe(pub.stdout);
      const certKey = await run('openssl', [
        'x509',
        '-in',
        join(dir, 'public', 'dct', 'delegations', `${signer}.crt`),
        '-noout',
        '-pubkey',
      ]);
      expect(certKey.stdout).toBe(pub.stdout);
      const subject = await run('openssl', [
        'x509',
        '-in',
        join(dir, 'public', 'dct', 'delegations', `${signer}.crt`),
        '-noout',
        '-subject',
      ]);
      expect(subject.stdout.trim()).toMatch(new RegExp(`^subject=CN ?= ?${signer}$`));
    }
  });

  it('the published root certificates verify with OpenSSL and certify the DCT root key', async () => {
    const root = keys.find((k) => k.kind === 'dct-root');
    const stripped = join(await tempDir(), 'root.pem');
    await writeFile(
      stripped,
      (await readFile(join(dir, 'vault', root?.location.path ?? ''), 'utf8')).replace(/^(?:[a-z]+: .*\n)+\n/m, ''),
    );
    const plain = await run('openssl', [
      'pkcs8',
      '-in',
      stripped,
      '-passin',
      `pass:${(await rehearsalSecrets(dir))['dct.passphrase'] ?? ''}`,
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    const rootPublic = (await run('openssl', ['pkey', '-pubout'], { input: plain.stdout })).stdout;
    for (const gun of keys.filter((k) => k.kind === 'dct-targets').map((k) => k.label ?? '')) {
      const cert = join(dir, 'public', 'dct', gun, 'root.crt');
      const verify = await run('openssl', ['verify', '-check_ss_sig', '-CAfile', cert, cert]);
      expect(verify.code, verify.stderr).toBe(0);
      const subject = await run('openssl', ['x509', '-in', cert, '-noout', '-subject', '-enddate']);
      expect(subject.stdout).toMatch(new RegExp(`subject=CN ?= ?${gun.replace(/\./g, '\\.')}\n`));
      const years = Number(/notAfter=\w+ +\d+ [\d:]+ (\d{4})/.exec(subject.stdout)?.[1]) - new Date().getUTCFullYear();
      expect(years).toBe(10);
      expect((await run('openssl', ['x509', '-in', cert, '-noout', '-pubkey'])).stdout).toBe(rootPublic);
    }
  });
});
