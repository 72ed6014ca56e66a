/**
 * The DCT ceremonies as users run them (rehearsals of the shipped scripts), and every bad input the issue
 * names: each a clear error, a non-zero exit and nothing written.
 */
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import { parseMetadata } from '../../src/dct/metadata.js';
import { rootMetadataProblems } from '../../src/dct/verify.js';
import { spkiDer } from '../../src/crypto/key-material.js';
import {
  DCT_HANDOFF_DIR,
  DCT_ROOT_SCRIPT,
  DCT_ROTATE_SCRIPT,
  dctRehearsal,
  GUNS,
  rehearse,
  scriptVariant,
  SIGNERS,
} from '../helpers/dct.js';
import { expectUnchangedButRecords } from '../helpers/aborted.js';
import { snapshot } from '../helpers/files.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { copyOfRehearsal, rehearsalSecrets } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let base: { dir: string; stdout: string };

beforeAll(async () => {
  base = await dctRehearsal();
});

async function copyOfBase(): Promise<string> {
  const dir = join(await tempDir('kc-dct-'), 'rehearsal');
  await cp(base.dir, dir, { recursive: true });
  return dir;
}

const p256Json = async (): Promise<string> =>
  JSON.stringify({
    keytype: 'ecdsa',
    keyval: {
      public: Buffer.from(spkiDer((await generateKeyPair('nistp256')).publicKey)).toString('base64'),
      private: null,
    },
  });

describe('the DCT root ceremony', () => {
  it('makes every key in notary format, prints their IDs, and leaves a verifiable transcript', async () => {
    const { dir, stdout } = base;
    const keys = await inventoryKeys(dir);
    const roots = keys.filter((k) => k.kind === 'dct-root');
    const targets = keys.filter((k) => k.kind === 'dct-targets');
    const delegations = keys.filter((k) => k.kind === 'dct-delegation');
    expect(roots).toHaveLength(1);
    expect(targets.map((k) => k.label).sort()).toEqual([...GUNS].sort());
    expect(delegations.map((k) => k.label).sort()).toEqual([...SIGNERS].sort());
    const files = await readdir(join(dir, 'vault', 'dct', 'private'));
    expect(files.sort()).toEqual([...roots, ...targets, ...delegations].map((k) => `${k.id}.key`).sort());
    for (const key of [...roots, ...targets, ...delegations]) {
      // The grouped ID the operator reads aloud and the exact one notary prints.
      expect(stdout).toContain(key.id.toUpperCase().match(/.{4}/g)?.slice(0, 8).join(' '));
      expect(stdout).toContain(key.id);
      expect((await stat(join(dir, 'vault', key.location.path ?? ''))).mode & 0o777).toBe(0o600);
    }
    for (const signer of SIGNERS) {
      const handoff = await readdir(join(dir, DCT_HANDOFF_DIR, signer));
      const id = delegations.find((k) => k.label === signer)?.id;
      // The signer's DCT material, in a hand-off folder of this ceremony's own (the root's is DIR/handoff).
      expect(handoff.filter((n) => !/^(README-)?[0-9A-F]{40}\.(sec\.asc|txt)$/.test(n)).sort()).toEqual(
        ['README-dct.txt', `${id}.key`, `${signer}.pub`].sort(),
      );
      const pub = await readFile(join(dir, 'public', 'dct', 'delegations', `${signer}.pub`), 'utf8');
      expect(pub).toMatch(new RegExp(`^-----BEGIN PUBLIC KEY-----\nrole: ${signer}\n\n`));
    }
    // The DCT ceremony's own secrets, next to those of the root rehearsal that came first.
    expect(
      Object.keys(await rehearsalSecrets(dir))
        .filter((k) => k.startsWith('dct.'))
        .sort(),
    ).toEqual(['dct.handoff.release-manager.passphrase', 'dct.handoff.release-pipeline.passphrase', 'dct.passphrase']);
    expect(Object.keys(await rehearsalSecrets(dir))).toContain('vault.passphrase');
    for (const gun of GUNS) {
      const root = parseMetadata(await readFile(join(dir, 'public', 'dct', gun, 'root.json')), 'root');
      expect(rootMetadataProblems(root, gun, new Date())).toEqual([]);
      expect(await readFile(join(dir, 'public', 'dct', gun, 'keys.txt'), 'utf8')).toMatch(/^REHEARSAL/);
    }
    expect(stdout).toMatch(/REHEARSAL: no server keys for docker.io\/wikibase\/wikibase/);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('plan reports malformed GUNs and signer names with their place in the script, and rehearse writes nothing', async () => {
    const bad = await scriptVariant(DCT_ROOT_SCRIPT, (t) =>
      t.replace('- docker.io/wikibase/wdqs', '- wikibase/wdqs').replace('- release-manager', '- Release Manager'),
    );
    const plan = await cli(['plan', bad]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(
      /\d+:\d+ steps\[3\]\.params\.repositories\[1\]: GUN "wikibase\/wdqs" must start with a registry host/,
    );
    expect(plan.stderr).toMatch(
      /\d+:\d+ steps\[4\]\.params\.signers\[1\]: signer name "Release Manager" must match \^\[a-z0-9\]\[a-z0-9_-\]\*\$/,
    );
    const dir = await copyOfRehearsal();
    const before = await snapshot(dir, { directories: true });
    const result = await rehearse(bad, dir);
    expect(result.code).toBe(2);
    expect(await snapshot(dir, { directories: true })).toEqual(before);
  });

  it.each([
    [
      'an RSA public key',
      async () =>
        (await run('openssl', ['rsa', '-pubout'], { input: (await run('openssl', ['genrsa', '2048'])).stdout })).stdout,
      /it is an RSA key, not ECDSA P-256/,
    ],
    [
      'a P-384 key',
      async () =>
        (
          await run('openssl', ['ec', '-pubout'], {
            input: (await run('openssl', ['ecparam', '-name', 'secp384r1', '-genkey'])).stdout,
          })
        ).stdout,
      /it is an EC secp384r1 key, not ECDSA P-256/,
    ],
    [
      'a private key',
      async () => (await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'])).stdout,
      /it holds a PRIVATE key/,
    ],
    [
      'notary JSON of another key type',
      async () => JSON.stringify({ keytype: 'rsa', keyval: { public: 'AAAA', private: null } }),
      /holds a "rsa" key/,
    ],
    ['garbage', async () => 'not a key\n', /is neither a notary JSON key nor a PEM public key/],
  ])('refuses a timestamp key file that is %s, and writes nothing', async (_what, make, message) => {
    const dir = await copyOfRehearsal();
    const gunDir = join(dir, 'server-keys', 'docker.io', 'wikibase', 'wikibase');
    await mkdir(gunDir, { recursive: true });
    await writeFile(join(gunDir, 'timestamp.key'), await make());
    await writeFile(join(gunDir, 'snapshot.key'), await p256Json());
    const before = await snapshot(dir, { directories: true });
    const result = await rehearse(DCT_ROOT_SCRIPT, dir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/timestamp\.key is not the server's timestamp key/);
    expect(result.stderr).toMatch(message);
    // Only the record of the refused ceremony is added, signed by the root it had opened.
    await expectUnchangedButRecords(dir, before, { signed: true });
  });
});

describe('rotating the DCT root', () => {
  it('makes root.json version 2, signed by the old and the new root keys', async () => {
    const dir = await copyOfBase();
    const oldRoot = (await inventoryKeys(dir)).find((k) => k.kind === 'dct-root');
    const previous = new Map<string, Buffer>();
    for (const gun of GUNS) previous.set(gun, await readFile(join(dir, 'public', 'dct', gun, 'root.json')));
    const result = await rehearse(DCT_ROTATE_SCRIPT, dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const keys = await inventoryKeys(dir);
    const roots = keys.filter((k) => k.kind === 'dct-root');
    expect(roots.map((k) => k.status)).toEqual(['revoked', 'active']);
    expect(roots[0]?.id).toBe(oldRoot?.id);
    expect(roots[0]?.revocation?.reason).toMatch(new RegExp(`superseded by ${roots[1]?.id}`));
    for (const gun of GUNS) {
      const v1 = parseMetadata(previous.get(gun) ?? '', 'root');
      const v2 = parseMetadata(await readFile(join(dir, 'public', 'dct', gun, 'root.json')), 'root');
      expect(v2.signed.version).toBe(2);
      expect(v2.signatures).toHaveLength(2);
      expect(v2.signed.roles.targets).toEqual(v1.signed.roles.targets);
      expect(v2.signed.roles.timestamp).toEqual(v1.signed.roles.timestamp);
      expect(v2.signed.roles.root.keyids).not.toEqual(v1.signed.roles.root.keyids);
      expect(rootMetadataProblems(v2, gun, new Date(), v1)).toEqual([]);
      expect(await readFile(join(dir, 'vault', 'dct', gun, 'root.json'))).toEqual(
        await readFile(join(dir, 'public', 'dct', gun, 'root.json')),
      );
    }
    expect(
      (await readdir(join(dir, 'vault', '.history', 'dct', 'docker.io', 'wikibase', 'wikibase'))).some((n) =>
        n.startsWith('root.json.'),
      ),
    ).toBe(true);
    expect(result.stdout).toContain(roots[1]?.id);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout).toBe(0);

    // The view confirmed before the old and new root keys signed lists exactly the key IDs each root.json's
    // root role gains and loses, and nothing else as added or removed.
    const transcripts = join(dir, 'public', 'transcripts');
    const name = (await readdir(transcripts)).find((n) => n.includes('dct-rotate-root') && n.endsWith('.jsonl'));
    const view = (await readFile(join(transcripts, name ?? ''), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: { rows?: { item: string; mark: string }[] } })
      .find((e) => e.event === 'changes.planned');
    const marked = (mark: string): string[] =>
      (view?.data.rows ?? []).filter((r) => r.mark === mark && / key [0-9a-f]{64}$/.test(r.item)).map((r) => r.item);
    const expected = { added: [] as string[], removed: [] as string[] };
    for (const gun of GUNS) {
      const v1 = parseMetadata(previous.get(gun) ?? '', 'root').signed;
      const v2 = parseMetadata(await readFile(join(dir, 'public', 'dct', gun, 'root.json')), 'root').signed;
      for (const [role, keys] of Object.entries(v2.roles)) {
        const old = v1.roles[role as keyof typeof v1.roles].keyids;
        expected.added.push(
          ...keys.keyids.filter((id) => !old.includes(id)).map((id) => `${gun} root.json role ${role} key ${id}`),
        );
        expected.removed.push(
          ...old.filter((id) => !keys.keyids.includes(id)).map((id) => `${gun} root.json role ${role} key ${id}`),
        );
      }
    }
    expect(expected.added).toHaveLength(GUNS.length);
    expect(marked('added').sort()).toEqual(expected.added.sort());
    expect(marked('removed').sort()).toEqual(expected.removed.sort());
  });

  it('stops before the root keys sign when the changes are not confirmed, and writes nothing', async () => {
    const dir = await copyOfBase();
    const before = await snapshot(dir, { directories: true });
    const answers = join(await tempDir(), 'decline.yaml');
    await writeFile(answers, 'rotate.changes: false\n');
    const result = await cli(['rehearse', DCT_ROTATE_SCRIPT, '--out', dir, '--answers', answers]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/were not confirmed; nothing was signed/);
    const [record] = await expectUnchangedButRecords(dir, before, { records: 1, signed: true });
    expect(record?.entries.some((e) => e.event === 'changes.refused')).toBe(true);
  });

  it('refuses a wrong DCT passphrase, and writes nothing', async () => {
    const dir = await copyOfBase();
    await writeFile(
      join(dir, 'rehearsal-secrets.json'),
      JSON.stringify({ ...(await rehearsalSecrets(dir)), 'dct.passphrase': 'wrong horse wrong battery wrong staple' }),
    );
    const before = await snapshot(dir, { directories: true });
    const result = await rehearse(DCT_ROTATE_SCRIPT, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/answer to "dct.passphrase": wrong DCT passphrase/);
    // Only the record of the refused ceremony is added, signed by the root it had opened.
    await expectUnchangedButRecords(dir, before, { signed: true });
  });

  it('refuses a root certificate whose CN is not the GUN, and writes nothing', async () => {
    const dir = await copyOfBase();
    // The wdqs root.json is signed by the same root key, but its certificate names another repository.
    await cp(
      join(dir, 'vault', 'dct', 'docker.io', 'wikibase', 'wdqs', 'root.json'),
      join(dir, 'vault', 'dct', 'docker.io', 'wikibase', 'wikibase', 'root.json'),
    );
    const before = await snapshot(dir, { directories: true });
    const result = await rehearse(DCT_ROTATE_SCRIPT, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /the current root certificate of docker.io\/wikibase\/wikibase .* has the CN "docker.io\/wikibase\/wdqs", not the GUN/,
    );
    // Only the record of the refused ceremony is added, signed by the root it had opened.
    await expectUnchangedButRecords(dir, before, { signed: true });
  });

  it('refuses an expired root certificate unless the script allows it', async () => {
    const dir = join(await tempDir('kc-dct-'), 'past');
    const past = { env: { KEYCEREMONY_FAKE_NOW: new Date(Date.now() - 2 * 365 * 24 * 3600 * 1000).toISOString() } };
    const root = await cli(['rehearse', '--out', dir], past);
    expect(root.code, root.stderr).toBe(0);
    const shortLived = await scriptVariant(DCT_ROOT_SCRIPT, (t) =>
      t.replace('certificateValidity: 10y', 'certificateValidity: 1y'),
    );
    const dct = await rehearse(shortLived, dir, past);
    expect(dct.code, dct.stdout + dct.stderr).toBe(0);

    const before = await snapshot(dir, { directories: true });
    const refused = await rehearse(DCT_ROTATE_SCRIPT, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the current root certificate of docker.io\/wikibase\/wikibase expired on \d{4}-/);
    expect(refused.stderr).toMatch(/allowExpiredCertificate: true/);
    // Only the record of the refused ceremony is added, signed by the root it had opened.
    await expectUnchangedButRecords(dir, before, { signed: true });

    const allowing = await scriptVariant(DCT_ROTATE_SCRIPT, (t) =>
      t.replace('allowExpiredCertificate: false', 'allowExpiredCertificate: true'),
    );
    const rotated = await rehearse(allowing, dir);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/rotating anyway \(allowExpiredCertificate\)/);
  });
});

describe('DCT keys in keyceremony status', () => {
  it('carry the date their certificate or signed metadata runs out, and come due before it', async () => {
    const { dir } = base;
    const status = await cli(['status', '--vault', join(dir, 'vault'), '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const rows = (JSON.parse(status.stdout) as { keys: { kind: string; expires: string | null; created: string }[] })
      .keys;
    const years = (row: { expires: string | null; created: string }): number =>
      Math.round((Date.parse(row.expires ?? '') - Date.parse(row.created)) / (365.25 * 86_400_000));
    expect(rows.filter((r) => r.kind.startsWith('dct-')).every((r) => r.expires !== null)).toBe(true);
    expect(years(rows.find((r) => r.kind === 'dct-root')!)).toBe(10); // root certificates and root.json: 10 years
    expect(rows.filter((r) => r.kind === 'dct-targets').map(years)).toEqual([3, 3, 3]); // targets.json: 3 years
    expect(rows.filter((r) => r.kind === 'dct-delegation').map(years)).toEqual([3, 3]); // signer certificates: 3 years
    const targetsExpires = Date.parse(rows.find((r) => r.kind === 'dct-targets')!.expires!);
    const due = await cli([
      'status',
      '--vault',
      join(dir, 'vault'),
      '--now',
      new Date(targetsExpires - 30 * 86_400_000).toISOString(),
    ]);
    expect(due.code).toBe(1);
    expect(due.stdout).toMatch(/DCT docker\.io\/wikibase\/wikibase .*rotation due$/m);
  });
});
