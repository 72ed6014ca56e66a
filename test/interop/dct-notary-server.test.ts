/**
 * End to end with a real notary-signer, notary-server and docker-registry on 127.0.0.1 (Debian packages):
 * the server's keys are fetched, the DCT ceremony is rehearsed offline with them, its metadata is published,
 * and plain notary and docker clients trust it, sign with the hand-off keys, and follow a root rotation.
 *
 * The tests build on each other in order, as the real sequence does (publish, sign, add a signer, rotate).
 */
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetadata } from '../../src/dct/metadata.js';
import {
  DCT_ADD_SIGNER_SCRIPT,
  DCT_HANDOFF_DIR,
  DCT_ROOT_SCRIPT,
  DCT_ROTATE_SCRIPT,
  GUNS,
  rehearse,
  SIGNERS,
} from '../helpers/dct.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { startNotaryStack, type NotaryStack } from '../helpers/notary-stack.js';
import { copyOfRehearsal, rehearsalSecrets } from '../helpers/rehearsal.js';
import { fetchManifest, pushImage, sha256Hex } from '../helpers/registry.js';
import { cli, run, type RunResult } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const GUN = GUNS[0];
const REPOSITORY = 'wikibase/wikibase'; // the GUN without its registry host, as the registry names it

let stack: NotaryStack;
let dir: string;
let home: string;
let oldClient: string;

function notary(trustDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run('notary', ['-s', stack.serverUrl, '--tlscacert', stack.caFile, '-d', trustDir, ...args], {
    env: { HOME: home, ...env },
  });
}

async function dockerConfig(): Promise<string> {
  const config = await tempDir('kc-docker-');
  await mkdir(join(config, 'tls', stack.serverHost), { recursive: true });
  await cp(stack.caFile, join(config, 'tls', stack.serverHost, 'ca.crt'));
  return config;
}

function docker(config: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run('docker', args, {
    env: { HOME: home, DOCKER_CONFIG: config, DOCKER_CONTENT_TRUST_SERVER: stack.serverUrl, ...env },
  });
}

interface TrustInspect {
  Name: string;
  SignedTags: { SignedTag: string; Digest: string; Signers: string[] }[];
  Signers: { Name: string; Keys: { ID: string }[] }[];
  AdministrativeKeys: { Name: string; Keys: { ID: string }[] }[];
}

async function inspect(gun: string): Promise<TrustInspect> {
  const result = await docker(await dockerConfig(), ['trust', 'inspect', gun]);
  expect(result.code, result.stderr).toBe(0);
  const [first] = JSON.parse(result.stdout) as TrustInspect[];
  if (!first) throw new Error('docker trust inspect printed nothing');
  return first;
}

const publish = (gun: string, args: readonly string[] = []): Promise<RunResult> =>
  cli([
    'dct',
    'publish',
    '--server',
    stack.serverUrl,
    '--tlscacert',
    stack.caFile,
    '--gun',
    gun,
    ...args,
    join(dir, 'public', 'dct', gun),
  ]);

async function keyIdsTxt(gun: string): Promise<Record<string, string>> {
  const text = await readFile(join(dir, 'public', 'dct', gun, 'keys.txt'), 'utf8');
  const get = (label: RegExp): string => new RegExp(`^${label.source}\\s+([0-9a-f]{64})$`, 'm').exec(text)?.[1] ?? '';
  return { root: get(/Root Key \(docker trust inspect; root\.json\)/), repository: get(/Repository Key \(targets\)/) };
}

async function delegationId(signer: string): Promise<string> {
  return (await inventoryKeys(dir)).find((k) => k.kind === 'dct-delegation' && k.label === signer)?.id ?? '';
}

beforeAll(async () => {
  home = await tempDir('kc-home-');
  stack = await startNotaryStack();
  dir = await copyOfRehearsal();
  const fetched = await cli([
    'dct',
    'fetch-keys',
    '--server',
    stack.serverUrl,
    '--tlscacert',
    stack.caFile,
    '--out',
    join(dir, 'server-keys'),
    ...GUNS,
  ]);
  expect(fetched.code, fetched.stderr).toBe(0);
  const ceremony = await rehearse(DCT_ROOT_SCRIPT, dir);
  expect(ceremony.code, ceremony.stdout + ceremony.stderr).toBe(0);
  // The ceremony shows the very key IDs that were fetched online, for the witnesses to compare.
  for (const id of fetched.stdout.match(/\b[0-9a-f]{64}\b/g) ?? []) expect(ceremony.stdout).toContain(id);
  expect(ceremony.stdout).not.toMatch(/throwaway timestamp/);
});

afterAll(async () => {
  await stack?.stop();
});

describe('DCT with a real notary server', () => {
  it('publishes the offline-signed metadata, and a fresh notary client trusts it', async () => {
    for (const gun of GUNS) {
      const result = await publish(gun);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/published root\.json and targets\.json/);
    }
    oldClient = await tempDir('kc-client-');
    const list = await notary(oldClient, ['list', GUN]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/No targets present in this repository/);
    const cached = await readFile(join(oldClient, 'tuf', GUN, 'metadata', 'root.json'));
    expect(cached.equals(await readFile(join(dir, 'public', 'dct', GUN, 'root.json')))).toBe(true);
    const delegations = await notary(oldClient, ['delegation', 'list', GUN]);
    expect(delegations.code, delegations.stderr).toBe(0);
    for (const signer of SIGNERS) {
      const id = await delegationId(signer);
      expect(delegations.stdout).toMatch(new RegExp(`targets/${signer}\\s+"" <all paths>\\s+${id}\\s+1`));
      expect(delegations.stdout.split('targets/releases')[1]).toContain(id);
    }
  });

  it('docker trust inspect shows the signers and the keys listed in keys.txt', async () => {
    const result = await inspect(GUN);
    const ids = await keyIdsTxt(GUN);
    expect(result.AdministrativeKeys).toEqual(
      expect.arrayContaining([
        { Name: 'Root', Keys: [{ ID: ids.root }] },
        { Name: 'Repository', Keys: [{ ID: ids.repository }] },
      ]),
    );
    expect(result.Signers.map((s) => s.Name).sort()).toEqual([...SIGNERS].sort());
    for (const signer of result.Signers) expect(signer.Keys).toEqual([{ ID: await delegationId(signer.Name) }]);
  });

  it('a client that pins the root key ID from keys.txt trusts the repository, and refuses another ID', async () => {
    const ids = await keyIdsTxt(GUN);
    const pinned = async (id: string): Promise<RunResult> => {
      const trust = await tempDir('kc-client-');
      const config = join(trust, 'config.json');
      await writeFile(config, JSON.stringify({ trust_pinning: { certs: { [GUN]: [id] }, disable_tofu: true } }));
      return notary(trust, ['-c', config, 'list', GUN]);
    };
    const good = await pinned(ids.root ?? '');
    expect(good.code, good.stdout + good.stderr).toBe(0);
    const bad = await pinned(ids.repository ?? '');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/trust_pinning|could not validate the path to a trusted root/);
  });

  it('a signer with only the notary CLI and the hand-off key signs a release that clients resolve', async () => {
    const image = await pushImage(stack.registryUrl, REPOSITORY, '1.0.0');
    const signer = await tempDir('kc-signer-');
    const id = await delegationId('release-pipeline');
    const imported = await notary(signer, [
      'key',
      'import',
      join(dir, DCT_HANDOFF_DIR, 'release-pipeline', `${id}.key`),
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const keys = await notary(signer, ['key', 'list']);
    expect(keys.stdout).toMatch(new RegExp(`release-pipeline\\s+${id}`));
    const passphrase = (await rehearsalSecrets(dir))['dct.handoff.release-pipeline.passphrase'] ?? '';
    const add = await notary(
      signer,
      [
        'addhash',
        GUN,
        '1.0.0',
        String(image.size),
        '--sha256',
        image.sha256,
        '--roles',
        'targets/releases',
        '--roles',
        'targets/release-pipeline',
        '-p',
      ],
      { NOTARY_DELEGATION_PASSPHRASE: passphrase },
    );
    expect(add.code, add.stdout + add.stderr).toBe(0);

    const list = await notary(oldClient, ['list', GUN]);
    expect(list.stdout).toMatch(new RegExp(`1\\.0\\.0\\s+${image.sha256}\\s+${image.size}\\s+targets/releases`));
    // A user's pull: resolve the tag through trust, fetch the manifest by that digest, check it.
    const lookup = await notary(await tempDir('kc-client-'), ['lookup', GUN, '1.0.0']);
    expect(lookup.code, lookup.stderr).toBe(0);
    const [, digest, size] = /^1\.0\.0 sha256:([0-9a-f]{64}) (\d+)$/m.exec(lookup.stdout) ?? [];
    expect([digest, Number(size)]).toEqual([image.sha256, image.size]);
    expect(sha256Hex(await fetchManifest(stack.registryUrl, REPOSITORY, digest ?? ''))).toBe(image.sha256);
    expect((await inspect(GUN)).SignedTags).toEqual([
      { SignedTag: '1.0.0', Digest: image.sha256, Signers: ['release-pipeline'] },
    ]);
  });

  it('a wrong hand-off passphrase fails in notary, and nothing is published', async () => {
    const signer = await tempDir('kc-signer-');
    const id = await delegationId('release-pipeline');
    expect(
      (await notary(signer, ['key', 'import', join(dir, DCT_HANDOFF_DIR, 'release-pipeline', `${id}.key`)])).code,
    ).toBe(0);
    const add = await notary(
      signer,
      ['addhash', GUN, '1.0.1', '10', '--sha256', 'ab'.repeat(32), '--roles', 'targets/releases', '-p'],
      {
        NOTARY_DELEGATION_PASSPHRASE: 'not the hand-off passphrase at all',
      },
    );
    expect(add.code).not.toBe(0);
    expect(add.stderr).toMatch(/passphrase|could not|retrieve|decrypt/i);
    expect((await notary(oldClient, ['list', GUN])).stdout).not.toMatch(/1\.0\.1/);
  });

  it('docker trust key load takes the other hand-off key, and that key signs', async () => {
    const config = await dockerConfig();
    const id = await delegationId('release-manager');
    const loaded = await docker(config, [
      'trust',
      'key',
      'load',
      '--name',
      'release-manager',
      join(dir, DCT_HANDOFF_DIR, 'release-manager', `${id}.key`),
    ]);
    expect(loaded.code, loaded.stdout + loaded.stderr).toBe(0);
    expect(loaded.stdout).toMatch(/Successfully imported key/);
    const file = join(config, 'trust', 'private', `${id}.key`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: release-manager\n/);
    // docker's trust directory is a notary trust directory: sign with the key docker loaded.
    const image = await pushImage(stack.registryUrl, REPOSITORY, '1.1.0');
    const add = await notary(
      join(config, 'trust'),
      [
        'addhash',
        GUN,
        '1.1.0',
        String(image.size),
        '--sha256',
        image.sha256,
        '--roles',
        'targets/releases',
        '--roles',
        'targets/release-manager',
        '-p',
      ],
      { NOTARY_DELEGATION_PASSPHRASE: (await rehearsalSecrets(dir))['dct.handoff.release-manager.passphrase'] ?? '' },
    );
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const tags = (await inspect(GUN)).SignedTags;
    expect(tags).toContainEqual({ SignedTag: '1.1.0', Digest: image.sha256, Signers: ['release-manager'] });
  });

  it('dct publish refuses private key material and a wrong GUN, and does not publish twice', async () => {
    const handoff = await cli([
      'dct',
      'publish',
      '--server',
      stack.serverUrl,
      '--tlscacert',
      stack.caFile,
      '--gun',
      GUN,
      join(dir, DCT_HANDOFF_DIR, 'release-pipeline'),
    ]);
    expect(handoff.code).toBe(2);
    expect(handoff.stderr).toMatch(/looks like private key material/);
    const mixed = join(await tempDir('kc-mixed-'), 'dct');
    await cp(join(dir, 'public', 'dct', GUN), mixed, { recursive: true });
    const rootKey = (await inventoryKeys(dir)).find((k) => k.kind === 'dct-root');
    await writeFile(join(mixed, 'notes.txt'), await readFile(join(dir, 'vault', rootKey?.location.path ?? '')));
    const withKey = await cli([
      'dct',
      'publish',
      '--server',
      stack.serverUrl,
      '--tlscacert',
      stack.caFile,
      '--gun',
      GUN,
      mixed,
    ]);
    expect(withKey.code).toBe(2);
    expect(withKey.stderr).toMatch(/notes\.txt looks like private key material \(it contains a private key\)/);

    const wrongGun = await cli([
      'dct',
      'publish',
      '--server',
      stack.serverUrl,
      '--tlscacert',
      stack.caFile,
      '--gun',
      GUN,
      join(dir, 'public', 'dct', GUNS[1]),
    ]);
    expect(wrongGun.code).toBe(1);
    expect(wrongGun.stderr).toMatch(/CN is "docker.io\/wikibase\/wdqs", not the GUN "docker.io\/wikibase\/wikibase"/);
    const noCa = await cli([
      'dct',
      'publish',
      '--server',
      stack.serverUrl,
      '--gun',
      GUN,
      join(dir, 'public', 'dct', GUN),
    ]);
    expect(noCa.code).toBe(3);
    expect(noCa.stderr).toMatch(/cannot reach the notary server .* --tlscacert/);
    const again = await publish(GUN);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to publish/);
  });

  it('a signer added in a later ceremony appears after publishing targets.json version 2', async () => {
    const ceremony = await rehearse(DCT_ADD_SIGNER_SCRIPT, dir);
    expect(ceremony.code, ceremony.stdout + ceremony.stderr).toBe(0);
    for (const gun of GUNS) {
      const result = await publish(gun);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/root\.json version 1: already on the server/);
      expect(result.stdout).toMatch(/targets\.json version 2: replaces version 1 on the server/);
    }
    const delegations = await notary(oldClient, ['delegation', 'list', GUN]);
    expect(delegations.stdout).toMatch(
      new RegExp(`targets/release-manager-2\\s+"" <all paths>\\s+${await delegationId('release-manager-2')}`),
    );
    expect((await notary(oldClient, ['list', GUN])).stdout).toMatch(/1\.0\.0 .*\n.*1\.1\.0|1\.1\.0 .*\n.*1\.0\.0/);
  });

  it('after an offline root rotation, a client that trusted the old root accepts the new one', async () => {
    const before = await keyIdsTxt(GUN);
    const ceremony = await rehearse(DCT_ROTATE_SCRIPT, dir);
    expect(ceremony.code, ceremony.stdout + ceremony.stderr).toBe(0);
    for (const gun of GUNS) {
      const result = await publish(gun);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/root\.json version 2: replaces version 1 on the server/);
      expect(result.stdout).not.toMatch(/targets\.json version \d+: (new|replaces)/);
    }
    const list = await notary(oldClient, ['list', GUN]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/1\.0\.0/);
    const cached = parseMetadata(await readFile(join(oldClient, 'tuf', GUN, 'metadata', 'root.json')), 'root');
    expect(cached.signed.version).toBe(2);
    const after = await keyIdsTxt(GUN);
    expect(after.root).not.toBe(before.root);
    expect(after.repository).toBe(before.repository);
    expect((await inspect(GUN)).AdministrativeKeys).toContainEqual({ Name: 'Root', Keys: [{ ID: after.root }] });
  });

  it('after two root rotations between publishes, publish sends each root version in turn and a client that trusted version 2 follows to 4', async () => {
    // A client that pinned the root key ID of version 2 (trust_pinning.certs) and took that root.
    const before = await keyIdsTxt(GUN);
    const pinnedClient = async (ids: readonly string[]): Promise<string> => {
      const trust = await tempDir('kc-client-');
      await writeFile(
        join(trust, 'config.json'),
        JSON.stringify({ trust_pinning: { certs: { [GUN]: ids }, disable_tofu: true } }),
      );
      return trust;
    };
    const pinnedList = (trust: string): Promise<RunResult> =>
      notary(trust, ['-c', join(trust, 'config.json'), 'list', GUN]);
    const pinnedOld = await pinnedClient([before.root ?? '']);
    expect((await pinnedList(pinnedOld)).code).toBe(0);
    for (const round of [1, 2]) {
      const ceremony = await rehearse(DCT_ROTATE_SCRIPT, dir);
      expect(ceremony.code, `rotation ${round}: ${ceremony.stdout}${ceremony.stderr}`).toBe(0);
    }
    // Each ceremony publishes the version it signed under its own name, as notary-server serves it.
    for (const version of [1, 2, 3, 4])
      expect(
        parseMetadata(await readFile(join(dir, 'public', 'dct', GUN, `${version}.root.json`)), 'root').signed.version,
      ).toBe(version);
    const result = await publish(GUN);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/root\.json versions 3 to 4: follow version 2 on the server, uploaded one by one/);
    // The client that trusted version 2 (from the previous test) walks 3 and 4 and still resolves the tag.
    const list = await notary(oldClient, ['list', GUN]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/1\.0\.0/);
    const cached = parseMetadata(await readFile(join(oldClient, 'tuf', GUN, 'metadata', 'root.json')), 'root');
    expect(cached.signed.version).toBe(4);
    // A client that already trusts a root follows the rotation whatever it pinned (notary checks the pin when
    // it first takes a root, later roots against the keys it trusts); a new client pinned to the old ID is
    // refused until its pin names the new Root Key ID from keys.txt — as docs/dct.md says.
    const after = await keyIdsTxt(GUN);
    expect(after.root).not.toBe(before.root);
    const following = await pinnedList(pinnedOld);
    expect(following.code, following.stdout + following.stderr).toBe(0);
    expect(
      parseMetadata(await readFile(join(pinnedOld, 'tuf', GUN, 'metadata', 'root.json')), 'root').signed.version,
    ).toBe(4);
    const stale = await pinnedList(await pinnedClient([before.root ?? '']));
    expect(stale.code).not.toBe(0);
    expect(stale.stdout + stale.stderr).toMatch(/trust_pinning|could not validate the path to a trusted root/);
    for (const ids of [[after.root ?? ''], [before.root ?? '', after.root ?? '']]) {
      const repinned = await pinnedList(await pinnedClient(ids));
      expect(repinned.code, repinned.stdout + repinned.stderr).toBe(0);
      expect(repinned.stdout).toMatch(/1\.0\.0/);
    }
    // A directory that lacks a version in between is refused before anything goes up.
    const other = GUNS[1];
    const rotated = await rehearse(DCT_ROTATE_SCRIPT, dir);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    await rm(join(dir, 'public', 'dct', other, '4.root.json'));
    const refused = await publish(other);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/the server has root\.json version 2; .* only through version 4, which it lacks/);
  }, 300_000); // three ceremonies
});
