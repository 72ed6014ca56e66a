/**
 * Rotation and revocation sessions, rehearsed on a root made ten days ago (KEYCEREMONY_FAKE_NOW), checked
 * with gpg and keyceremony verify.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { armor } from '../../src/openpgp/armor.js';
import { signDetached } from '../../src/openpgp/detached-signature.js';
import { decryptSecretKey } from '../../src/openpgp/secret-key-file.js';
import { SoftwareSigner } from '../../src/signer/index.js';
import { newGpg, parseColons } from '../helpers/gpg.js';
import { ceremoniesDir, fixturesDir } from '../helpers/paths.js';
import { rehearsalSecrets, rootFingerprint } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { expectUnchangedButRecords } from '../helpers/aborted.js';
import { snapshot } from '../helpers/files.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
const now = Date.now();
const iso = (offsetDays: number): string => new Date(now + offsetDays * DAY).toISOString();

let base: string;
let fpr: string;
let oldKeys: string;
let signedBefore: string;

let pipelineKeyFile: string;

/** The entries of the transcript of the ceremony named `script` in a rehearsal's public tree. */
async function transcriptEntries(dir: string, script: string): Promise<{ event: string; data: unknown }[]> {
  const folder = join(dir, 'public', 'transcripts');
  const name = (await readdir(folder)).find((n) => n.endsWith('.jsonl') && n.includes(`-${script}-`));
  if (!name) throw new Error(`no transcript of ${script} in ${folder}`);
  return (await readFile(join(folder, name), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; data: unknown });
}

/** Signs `file` with the original release-pipeline hand-off key at a chosen time (as the pipeline would have). */
async function signAsPipeline(dir: string, file: string, when: Date): Promise<void> {
  const folder = join(dir, 'handoff', 'release-pipeline');
  // The rotation hands the pipeline a second key; this is the first one.
  pipelineKeyFile ??= (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!;
  const name = pipelineKeyFile;
  const pass = (await rehearsalSecrets(dir))['handoff.release-pipeline.passphrase']!;
  const unlocked = await decryptSecretKey(await readFile(join(folder, name)), pass);
  const sub = unlocked.certificate.subkeys[0]!;
  const signer = new SoftwareSigner({
    publicKey: sub.key.material,
    secretKey: unlocked.secrets.get(name.slice(0, 40))!,
  });
  await writeFile(
    `${file}.asc`,
    armor('signature', await signDetached(await readFile(file), { key: sub.key, signer }, when)),
  );
}

beforeAll(async () => {
  base = join(await tempDir('kc-rot-'), 'r');
  const root = await cli(['rehearse', '--out', base], { env: { KEYCEREMONY_FAKE_NOW: iso(-10) } });
  expect(root.code, root.stderr).toBe(0);
  fpr = await rootFingerprint(base);
  oldKeys = join(await tempDir(), 'KEYS.old');
  await cp(join(base, 'public', 'KEYS'), oldKeys);
  signedBefore = join(await tempDir(), 'wikibase-0.9.tar.gz');
  await writeFile(signedBefore, 'released nine days ago\n');
  await signAsPipeline(base, signedBefore, new Date(now - 9 * DAY));
});

describe('rotation session', () => {
  it('renews expiries and adds and revokes subkeys without changing the fingerprint; gpg sees the new expiries', async () => {
    await cp(base, `${base}-copy`, { recursive: true }); // the vault before rotation, for the revocation tests
    const result = await cli(['rehearse', join(ceremoniesDir, 'openpgp-rotate.yaml'), '--out', base], {
      env: { KEYCEREMONY_FAKE_NOW: iso(-5) },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/What changes — OpenPGP root .*\(nothing is signed until this is confirmed\):/);
    expect(result.stdout).toMatch(
      /x revoked +subkey "release-pipeline" …[0-9A-F]{16}\n.*active {2}→ {2}.*revoked \(superseded\)/,
    );
    expect(await rootFingerprint(base)).toBe(fpr);

    const gpg = await newGpg();
    await gpg(['--import', oldKeys]);
    const old = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys;
    await gpg(['--import', join(base, 'public', 'KEYS')]);
    const renewed = parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys;

    // The view the witnesses confirmed before the root signed is what gpg sees before and after.
    const view = (await transcriptEntries(base, 'openpgp-rotate')).find((e) => e.event === 'changes.planned')?.data as
      { rows: { item: string; before: string; after: string; mark: string }[] } | undefined;
    expect(view?.rows.length).toBe(6); // root, user ID, three subkeys, one new subkey
    const minute = (seconds: number | undefined): string =>
      seconds === undefined
        ? 'no expiry'
        : `expires ${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')}`;
    for (const key of renewed) {
      const row = view?.rows.find(
        (r) => r.item.endsWith(`…${key.fingerprint.slice(-16)}`) || (key.type === 'pub' && r.item.startsWith('root')),
      );
      const before = old.find((k) => k.fingerprint === key.fingerprint);
      if (!before) {
        // The new subkey: unknown before the root signed, so named by its label.
        expect(view?.rows.filter((r) => r.mark === 'added').map((r) => r.after)).toEqual([
          `${minute(key.expires)}, active`,
        ]);
        continue;
      }
      expect(row, key.fingerprint).toBeDefined();
      expect(row?.before.startsWith(minute(before.expires)), `${row?.before} / gpg before`).toBe(true);
      expect(row?.after.startsWith(minute(key.expires)), `${row?.after} / gpg after`).toBe(true);
      expect(row?.mark === 'revoked', key.fingerprint).toBe(key.validity === 'r');
    }
    expect(renewed[0]?.fingerprint).toBe(fpr);
    // Renewed five days later (to the second, give or take the second the clock ticked over in).
    expect(Math.abs((renewed[0]?.expires ?? 0) - (old[0]?.expires ?? 0) - 5 * 86400)).toBeLessThanOrEqual(2);
    expect(renewed.filter((k) => k.type === 'sub')).toHaveLength(4);
    expect(renewed.filter((k) => k.validity === 'r')).toHaveLength(1);
    const transcripts = await cli(['transcript', 'verify', join(base, 'public')]);
    expect(transcripts.code, transcripts.stdout).toBe(0);
    const status = await cli(['status', '--vault', join(base, 'vault'), '--json']);
    const rows = (JSON.parse(status.stdout) as { keys: { name: string; state: string }[] }).keys;
    expect(rows.find((r) => r.name === 'release-pipeline')?.state).toBe('revoked');
    expect(rows.find((r) => r.name === 'release-pipeline-next')?.state).toBe('ok');
  });

  it('stops before the root signs when the changes are not confirmed, leaving vault and public tree as they were', async () => {
    const copy = join(await tempDir(), 'r');
    await cp(`${base}-copy`, copy, { recursive: true });
    const before = await snapshot(copy, { directories: true });
    const answers = join(await tempDir(), 'answers.yaml');
    await writeFile(answers, 'rotate.changes: false\n');
    const result = await cli(
      ['rehearse', join(ceremoniesDir, 'openpgp-rotate.yaml'), '--out', copy, '--answers', answers],
      { env: { KEYCEREMONY_FAKE_NOW: iso(-5) } },
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/were not confirmed; nothing was signed/);
    expect(result.stdout).toMatch(/What changes/);
    // Nothing changed but the aborted-ceremony record, which says the changes were refused.
    const [record] = await expectUnchangedButRecords(copy, before, { records: 1, signed: true });
    expect(record?.entries.some((e) => e.event === 'changes.refused')).toBe(true);
  });

  it('keeps a release signed before a superseded revocation valid (keyceremony and gpg)', async () => {
    const keys = join(base, 'public', 'KEYS');
    const ours = await cli(['verify', '--keyring', keys, '--root', fpr, signedBefore]);
    expect(ours.code, ours.stdout + ours.stderr).toBe(0);
    const gpg = await newGpg();
    await gpg(['--import', keys]);
    // gpg still validates it (VALIDSIG) and warns that the key has since been revoked (REVKEYSIG);
    // sqop applies the revocation's time and accepts it outright.
    const theirs = await gpg(['--status-fd', '1', '--verify', `${signedBefore}.asc`, signedBefore]);
    expect(theirs.stdout).toMatch(/VALIDSIG /);
    expect(theirs.stdout).toMatch(/REVKEYSIG /);
    const sqop = await run('sqop', ['verify', `${signedBefore}.asc`, keys], { input: await readFile(signedBefore) });
    expect(sqop.code, sqop.stderr).toBe(0);
  });

  it('rejects a release signed with the superseded key after its revocation', async () => {
    const late = join(await tempDir(), 'wikibase-1.1.tar.gz');
    await writeFile(late, 'signed with the old pipeline key after it was replaced\n');
    await signAsPipeline(base, late, new Date(now - 1 * DAY));
    const result = await cli(['verify', '--keyring', join(base, 'public', 'KEYS'), late]);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/revoked \(superseded\)/);
  });

  it('rejects even old releases once their key is revoked as compromised', async () => {
    const copy = join(await tempDir(), 'r');
    await cp(`${base}-copy`, copy, { recursive: true });
    const result = await cli(
      ['rehearse', join(fixturesDir, 'ceremonies', 'revoke-pipeline-compromised.yaml'), '--out', copy],
      { env: { KEYCEREMONY_FAKE_NOW: iso(-5) } },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const verified = await cli(['verify', '--keyring', join(copy, 'public', 'KEYS'), signedBefore]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/revoked \(compromised\)/);
  });

  it('revokes the root in a revocation session; its transcript and the earlier ones still verify', async () => {
    const copy = join(await tempDir(), 'r');
    await cp(`${base}-copy`, copy, { recursive: true });
    const result = await cli(['rehearse', join(ceremoniesDir, 'openpgp-revoke.yaml'), '--out', copy], {
      env: { KEYCEREMONY_FAKE_NOW: iso(-2) },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const gpg = await newGpg();
    await gpg(['--import', join(copy, 'public', 'KEYS')]);
    expect(parseColons((await gpg(['--with-colons', '--list-keys'])).stdout).keys[0]?.validity).toBe('r');
    const transcripts = await cli(['transcript', 'verify', join(copy, 'public')]);
    expect(transcripts.code, transcripts.stdout).toBe(0);
    expect(transcripts.stdout).toMatch(/openpgp-revoke-REHEARSAL/);
    // Superseded: what was signed before stays valid; nothing signed after is.
    expect((await cli(['verify', '--keyring', join(copy, 'public', 'KEYS'), signedBefore])).code).toBe(0);
    const status = await cli(['status', '--vault', join(copy, 'vault')]);
    expect(status.stdout).toMatch(/root .* revoked/);
  });

  it('refuses a rotation that revokes the transcripts key, and an unknown subkey', async () => {
    const copy = join(await tempDir(), 'r');
    await cp(`${base}-copy`, copy, { recursive: true });
    const script = join(await tempDir(), 'bad-rotate.yaml');
    const text = (await readFile(join(fixturesDir, 'ceremonies', 'revoke-pipeline-compromised.yaml'), 'utf8')).replace(
      'subkey: release-pipeline',
      'subkey: ceremony-transcripts',
    );
    await writeFile(script, text);
    const refused = await cli(['rehearse', script, '--out', copy]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/transcripts subkey cannot be revoked/);
    await writeFile(script, text.replace('subkey: ceremony-transcripts', 'subkey: no-such-key'));
    const unknown = await cli(['rehearse', script, '--out', copy]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no subkey "no-such-key"/);
    // Each refused attempt left its record — signed, since the published root was opened — and changed nothing else.
    const transcripts = (await readdir(join(copy, 'public', 'transcripts'))).filter((n) => n.endsWith('.jsonl'));
    expect(transcripts.filter((n) => !n.endsWith('-ABORTED.jsonl'))).toHaveLength(1);
    expect(transcripts.filter((n) => n.endsWith('-ABORTED.jsonl'))).toHaveLength(2);
    const verified = await cli(['transcript', 'verify', join(copy, 'public'), '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ completed: 1, aborted: 2 });
  });
});
