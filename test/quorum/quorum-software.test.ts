/**
 * A software root under an officer quorum, rehearsed end to end: the root ceremony generates the vault
 * passphrase and splits it among officers (a share set of its own, apart from the backup custodians'); a
 * rotation with k officers works and records who took part; with k−1 it is refused before any key is touched and
 * leaves only its aborted record; a mistyped word is named; a script naming too few officer roles is refused
 * before anything; re-sharing re-encrypts the vault (gpg: the old passphrase no longer opens it, the new one
 * does) and a share of the old set is refused, naming the retired set.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { quorumDctPassphrase } from '../../src/backup/quorum-pin.js';
import { decodeShare } from '../../src/backup/share-code.js';
import { decryptNotaryKey } from '../../src/dct/key-file.js';
import { decryptPrivateKeyPem } from '../../src/x509/encrypted-private-key.js';
import { hexSet } from '../../src/backup/sharing.js';
import { pgpWordTable } from '../../src/util/pgp-words.js';
import { expectOnlyAbortedRecord } from '../helpers/aborted.js';
import { snapshot, walkFiles } from '../helpers/files.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import {
  copyDir,
  expectNowhere,
  gpgSignsWith,
  quorumRootScript,
  rebuild,
  rehearse,
  reshareScript,
  rotateScript,
  secretsOf,
  transcriptEntries,
  vaultKeyFile,
} from './helpers.js';

let base: string;
let secrets: Record<string, string>;

interface QuorumRecord {
  set: string;
  threshold: number;
  count: number;
  officers: { number: number; role: string }[];
  retired: { set: string; by: string }[];
}

/** The vault's DCT root key file (notary format). */
async function dctRootKeyFile(dir: string): Promise<string> {
  const inventory = JSON.parse(await readFile(join(dir, 'vault', 'inventory.json'), 'utf8')) as {
    keys: { kind: string; status: string; location: { type: string; path?: string } }[];
  };
  const root = inventory.keys.find((k) => k.kind === 'dct-root' && k.status === 'active');
  expect(root?.location.type).toBe('file');
  return join(dir, 'vault', root!.location.path!);
}

async function inventoryQuorum(dir: string): Promise<QuorumRecord> {
  const inventory = JSON.parse(await readFile(join(dir, 'vault', 'inventory.json'), 'utf8')) as {
    quorum: QuorumRecord;
  };
  return inventory.quorum;
}

/** Every secret of a rehearsal, and the first words of each share (no fragment of one may leak either). */
function needles(values: Record<string, string>): string[] {
  const shares = Object.entries(values).filter(([k]) => k.startsWith('quorum.share.') || k.startsWith('share.'));
  return [
    values['vault.passphrase']!,
    ...shares.map(([, v]) => v),
    ...shares.map(([, v]) => v.split(' ').slice(0, 3).join(' ')),
  ];
}

beforeAll(async () => {
  base = join(await tempDir('kc-quorum-'), 'rehearsal');
  const result = await rehearse(quorumRootScript, base);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  secrets = await secretsOf(base);
});

describe('a root ceremony under a quorum (software)', () => {
  it('generates the vault passphrase, splits it 2 of 3 among officers, and the vault stays a plain gpg key', async () => {
    const shares = ['officer-1', 'officer-2', 'officer-3'].map((o) => secrets[`quorum.share.${o}`]!);
    expect(shares.every((s) => s.split(' ').length === 28)).toBe(true);
    // Any two rebuild the vault passphrase; gpg signs with the vault file given it, and not without.
    expect(await rebuild(shares[0]!, shares[2]!)).toBe(secrets['vault.passphrase']);
    expect(await rebuild(shares[1]!, shares[2]!)).toBe(secrets['vault.passphrase']);
    const keyFile = await vaultKeyFile(base);
    expect(await gpgSignsWith(keyFile, await rebuild(shares[0]!, shares[1]!))).toBe(true);
    expect(await gpgSignsWith(keyFile, 'a wrong passphrase of enough words')).toBe(false);

    const quorum = await inventoryQuorum(base);
    expect(quorum).toMatchObject({ threshold: 2, count: 3, retired: [] });
    expect(quorum.officers.map((o) => o.role)).toEqual(['officer-1', 'officer-2', 'officer-3']);
    expect(quorum.set).toBe(hexSet(decodeShare(shares[0]!).set));
    // The officers' share set is not the custodians'.
    const custodian = decodeShare(secrets['share.custodian-1']!);
    expect(hexSet(custodian.set)).not.toBe(quorum.set);

    const log = await transcriptEntries(join(base, 'public'));
    expect(log.find((e) => e.event === 'secret.generated' && e.data['id'] === 'vault.passphrase')?.data).toMatchObject({
      quorum: true,
      words: 10,
    });
    expect(log.find((e) => e.event === 'quorum.created')?.data).toMatchObject({
      set: quorum.set,
      threshold: 2,
      officers: ['officer-1', 'officer-2', 'officer-3'],
    });
    // Nobody typed the vault passphrase: no prompt asked for it.
    expect(log.some((e) => e.event === 'prompt.answered' && e.data['id'] === 'vault.passphrase')).toBe(false);
    await expectNowhere(join(base, 'public'), needles(secrets));
  });

  it('prints officer sheets that say what they unlock, apart from the custodians’ backup sheets', async () => {
    const files = (await walkFiles(join(base, 'sheets'))).map((f) => relative(base, f));
    const officer = files.find((f) => /quorum-.*\/officer-2\/officer-share-2-officer-2\.html$/.test(f));
    const custodian = files.find((f) => /backup-.*\/custodian-1\/share-1-custodian-1\.html$/.test(f));
    expect(officer, files.join('\n')).toBeDefined();
    const officerHtml = await readFile(join(base, officer!), 'utf8');
    expect(officerHtml).toContain('Officer share 2 of 3');
    expect(officerHtml).toMatch(/officer share — unlocks the working vault/);
    expect(officerHtml).not.toContain('restores the backup copies');
    for (const word of secrets['quorum.share.officer-2']!.split(' ')) expect(officerHtml).toContain(word);
    const custodianHtml = await readFile(join(base, custodian!), 'utf8');
    expect(custodianHtml).toContain('Backup share 1 of 5');
    expect(custodianHtml).toContain('backup share — restores the backup copies');
  });
});

describe('later ceremonies on a quorum vault', () => {
  it('a rotation with k officers works and records who took part, never the shares', async () => {
    const dir = await copyDir(base);
    const result = await rehearse(rotateScript, dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const log = await transcriptEntries(join(dir, 'public'), (n) => n.includes('openpgp-rotate'));
    expect(log.find((e) => e.event === 'quorum.unlocked')?.data).toMatchObject({
      officers: ['officer-1', 'officer-2'],
      shares: [1, 2],
    });
    expect(
      log.filter((e) => e.event === 'prompt.answered' && e.data['kind'] === 'share').map((e) => e.data['id']),
    ).toEqual(['quorum.share.officer-1', 'quorum.share.officer-2']);
    // The secret is dropped once no later step works on what the unlock step opened.
    expect(log.some((e) => e.event === 'quorum.secret-dropped')).toBe(true);
    await expectNowhere(join(dir, 'public'), needles(secrets));
  });

  it('with k−1 officers the rotation is refused before any key is touched, leaving only the aborted record', async () => {
    const dir = await copyDir(base);
    const before = await snapshot(dir);
    const result = await rehearse(rotateScript, dir, {
      'quorum.present.officer-2': false,
      'quorum.present.officer-3': false,
    });
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/only 1 of the 2 officer shares needed were given/);
    const [record] = [await expectOnlyAbortedRecord(dir, join(dir, 'public'), { keep: Object.keys(before) })];
    const events = record.entries.map((e) => e.event);
    expect(events).toContain('officer.present');
    for (const touched of ['quorum.unlocked', 'key.unlocked', 'output.written']) expect(events).not.toContain(touched);
    const after = await snapshot(dir);
    for (const [file, hash] of Object.entries(before)) expect(after[file], file).toBe(hash);
  });

  it('a mistyped word of an officer share is named by its position, and the share refused', async () => {
    const dir = await copyDir(base);
    const words = secrets['quorum.share.officer-1']!.split(' ');
    const { even } = pgpWordTable();
    // Word 9 sits at an odd-numbered position (two-syllable list): another word of the same list.
    words[8] = even.find((w) => w.toLowerCase() !== words[8]!.toLowerCase())!;
    const result = await rehearse(rotateScript, dir, { 'quorum.share.officer-1': words.join(' ') });
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/officer share 1 of Officer 1 \(officer-1\): word 9 is mistyped/);
    expect(result.stderr + result.stdout).not.toContain(words[8]);
  });

  it('DCT ceremonies on a quorum vault: the OpenPGP root and the DCT keys open only with k officers, also after re-sharing', async () => {
    const dir = await copyDir(base);
    const result = await rehearse(join(ceremoniesDir, 'dct-root.yaml'), dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const log = await transcriptEntries(join(dir, 'public'), (n) => n.includes('dct-root'));
    const events = log.map((e) => e.event);
    expect(log.find((e) => e.event === 'quorum.unlocked')?.data).toMatchObject({
      officers: ['officer-1', 'officer-2'],
    });
    expect(events.indexOf('quorum.unlocked')).toBeLessThan(events.indexOf('key.unlocked'));
    // Nobody typed a DCT passphrase: it is derived from the quorum secret.
    expect(log.some((e) => e.event === 'prompt.answered' && e.data['id'] === 'dct.passphrase')).toBe(false);
    expect(log.find((e) => e.event === 'quorum.dct-passphrase')?.data).toMatchObject({ checked: false });
    expect((await secretsOf(dir))['dct.passphrase']).toBeUndefined();
    const rootKey = await dctRootKeyFile(dir);
    const derived = quorumDctPassphrase(
      await rebuild(secrets['quorum.share.officer-1']!, secrets['quorum.share.officer-3']!),
    );
    expect(decryptNotaryKey(await readFile(rootKey, 'utf8'), derived, rootKey).headers.role).toBe('root');
    await expectNowhere(join(dir, 'public'), [...needles(secrets), derived]);

    // Re-sharing re-encrypts the DCT keys with the passphrase derived from the new secret; the old one is refused.
    const reshared = await rehearse(reshareScript, dir);
    expect(reshared.code, reshared.stdout + reshared.stderr).toBe(0);
    const fresh = await secretsOf(dir);
    const renewed = quorumDctPassphrase(
      await rebuild(fresh['quorum.share.officer-2']!, fresh['quorum.share.officer-4']!),
    );
    expect(decryptNotaryKey(await readFile(rootKey, 'utf8'), renewed, rootKey).headers.role).toBe('root');
    expect(() => decryptNotaryKey(readFileSync(rootKey, 'utf8'), derived, rootKey)).toThrow(/passphrase/i);
    // A later DCT ceremony opens the DCT root with the new officers' shares.
    const rotated = await rehearse(join(ceremoniesDir, 'dct-rotate-root.yaml'), dir);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    const rotation = await transcriptEntries(join(dir, 'public'), (n) => n.includes('dct-rotate-root'));
    expect(rotation.find((e) => e.event === 'quorum.dct-passphrase')?.data).toMatchObject({ checked: true });
    await expectNowhere(join(dir, 'public'), [...needles(fresh), renewed]);
  });

  it('X.509 container root on a quorum vault: k officers unlock it; re-sharing re-encrypts its key files, the old secret no longer opens them', async () => {
    const dir = await copyDir(base);
    const result = await rehearse(join(ceremoniesDir, 'containers-root.yaml'), dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const log = await transcriptEntries(join(dir, 'public'), (n) => n.includes('containers-root'));
    expect(log.find((e) => e.event === 'quorum.unlocked')?.data).toMatchObject({
      officers: ['officer-1', 'officer-2'],
    });
    expect(log.some((e) => e.event === 'prompt.answered' && e.data['id'] === 'vault.passphrase')).toBe(false);
    await expectNowhere(join(dir, 'public'), needles(secrets));
    const x509Keys = (await walkFiles(join(dir, 'vault', 'x509'))).filter((f) => f.endsWith('.key'));
    expect(x509Keys.length).toBeGreaterThan(1); // the root CA and the signers' copies
    const oldSecret = await rebuild(secrets['quorum.share.officer-1']!, secrets['quorum.share.officer-2']!);

    const reshared = await rehearse(reshareScript, dir);
    expect(reshared.code, reshared.stdout + reshared.stderr).toBe(0);
    const fresh = await secretsOf(dir);
    const newSecret = await rebuild(fresh['quorum.share.officer-2']!, fresh['quorum.share.officer-4']!);
    for (const file of x509Keys) {
      const pem = await readFile(file, 'utf8');
      await expect(decryptPrivateKeyPem(pem, newSecret, file)).resolves.toBeTruthy();
      await expect(decryptPrivateKeyPem(pem, oldSecret, file)).rejects.toMatchObject({ code: 'PASSPHRASE_WRONG' });
    }
    // OpenSSL, which a CI job or a team without keyceremony uses, opens the root CA key with the new secret only.
    const rootKey = x509Keys.find((f) => f.endsWith('root-ca.key'))!;
    const opened = await run('openssl', ['pkey', '-in', rootKey, '-passin', 'stdin', '-noout'], { input: newSecret });
    expect(opened.code, opened.stderr).toBe(0);
    const refused = await run('openssl', ['pkey', '-in', rootKey, '-passin', 'stdin', '-noout'], { input: oldSecret });
    expect(refused.code).not.toBe(0);
    // A later container ceremony opens the root CA with the new officers' shares.
    const issued = await rehearse(join(ceremoniesDir, 'containers-issue-signer.yaml'), dir);
    expect(issued.code, issued.stdout + issued.stderr).toBe(0);
  });

  it('a recovery drill of a quorum vault needs k custodians for the backup, then k officers for the root', async () => {
    const dir = await copyDir(base);
    const result = await rehearse(join(ceremoniesDir, 'recovery-drill.yaml'), dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const log = await transcriptEntries(join(dir, 'public'), (n) => n.includes('recovery-drill'));
    const answered = log.filter((e) => e.event === 'prompt.answered').map((e) => e.data['id']);
    expect(answered).not.toContain('vault.passphrase');
    expect(answered).toEqual(expect.arrayContaining(['share.custodian-1', 'quorum.share.officer-1']));
    expect(log.find((e) => e.event === 'quorum.unlocked')?.data).toMatchObject({
      officers: ['officer-1', 'officer-2'],
    });
    await expectNowhere(join(dir, 'public'), needles(secrets));
  });

  it('refuses before anything a script that names fewer than k officer roles', async () => {
    const dir = await copyDir(base);
    const script = parse(await readFile(rotateScript, 'utf8')) as { roles: { id: string }[] };
    script.roles = script.roles.filter((r) => r.id !== 'officer-2' && r.id !== 'officer-3');
    const edited = join(await tempDir('kc-quorum-script-'), 'rotate-one-officer.yaml');
    await writeFile(edited, stringify(script));
    const before = await snapshot(dir);
    const result = await rehearse(edited, dir);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /unlocked by 2 of 3 officers, but this script names only 1 of their roles \(officer-1\)/,
    );
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('the runbook of a quorum ceremony', () => {
  it('shows who must be present: k of which officer roles, for the root ceremony and for a later one', async () => {
    const root = await cli(['plan', quorumRootScript]);
    expect(root.code, root.stderr).toBe(0);
    const rootText = root.stdout.replace(/\s+/g, ' ');
    expect(rootText).toContain('Who must be present: the quorum');
    expect(rootText).toContain(
      '3 officers (officer-1, officer-2, officer-3) each receive an officer share; from then on any 2 of them must be present',
    );

    const quorum = await inventoryQuorum(base);
    const work = await tempDir('kc-quorum-plan-');
    const html = join(work, 'runbook.html');
    const later = await cli(['plan', rotateScript, '--vault', join(base, 'vault'), '--html', html]);
    expect(later.code, later.stderr).toBe(0);
    const laterText = later.stdout.replace(/\s+/g, ' ');
    expect(laterText).toContain(
      `The vault is unlocked by a quorum (share set ${quorum.set}): 2 of its 3 officers must be present with their sealed officer sheets — officer-1 (Officer 1), officer-2 (Officer 2), officer-3 (Officer 3).`,
    );
    expect(laterText).toContain('This script names officer-1, officer-2, officer-3; at least 2 of them come.');
    const page = (await readFile(html, 'utf8')).replace(/\s+/g, ' ');
    expect(page).toContain(`<b>Quorum.</b> The vault is unlocked by a quorum (share set ${quorum.set}): 2 of its 3`);

    // A script with too few officer roles: the runbook says the preflight will refuse it.
    const script = parse(await readFile(rotateScript, 'utf8')) as { roles: { id: string }[] };
    script.roles = script.roles.filter((r) => r.id !== 'officer-2' && r.id !== 'officer-3');
    const edited = join(work, 'rotate-one-officer.yaml');
    await writeFile(edited, stringify(script));
    const short = await cli(['plan', edited, '--vault', join(base, 'vault')]);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout.replace(/\s+/g, ' ')).toContain(
      'This script names only 1 of them: the preflight will refuse it. Add at least 2 officer roles.',
    );
  });
});

describe('re-sharing the quorum', () => {
  it('re-encrypts the vault with a new secret, hands out a new set, and refuses a share of the old set by name', async () => {
    const dir = await copyDir(base);
    const oldQuorum = await inventoryQuorum(dir);
    const result = await rehearse(reshareScript, dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const fresh = await secretsOf(dir);
    const quorum = await inventoryQuorum(dir);
    expect(quorum.set).not.toBe(oldQuorum.set);
    expect(quorum.officers.map((o) => o.role)).toEqual(['officer-1', 'officer-2', 'officer-4']);
    expect(quorum.retired).toEqual([expect.objectContaining({ set: oldQuorum.set })]);
    expect(fresh['vault.passphrase']).not.toBe(secrets['vault.passphrase']);

    // gpg: the old passphrase no longer opens the vault file; the one the new shares rebuild does.
    const keyFile = await vaultKeyFile(dir);
    const rebuilt = await rebuild(fresh['quorum.share.officer-2']!, fresh['quorum.share.officer-4']!);
    expect(rebuilt).toBe(fresh['vault.passphrase']);
    expect(await gpgSignsWith(keyFile, rebuilt)).toBe(true);
    expect(await gpgSignsWith(keyFile, secrets['vault.passphrase']!)).toBe(false);
    const log = await transcriptEntries(join(dir, 'public'), (n) => n.includes('quorum-reshare'));
    expect(log.find((e) => e.event === 'quorum.reshared')?.data).toMatchObject({
      from: { set: oldQuorum.set },
      to: { set: quorum.set, officers: ['officer-1', 'officer-2', 'officer-4'] },
    });
    // The same ceremony made a new backup: under the vault's new secret.
    expect(log.some((e) => e.event === 'output.written' && String(e.data['path']).endsWith('vault.tar.gpg'))).toBe(
      true,
    );

    // A share of the old set: refused, naming the retired set.
    const old = await rehearse(rotateScript, dir, { 'quorum.share.officer-1': secrets['quorum.share.officer-1']! });
    expect(old.code, old.stdout + old.stderr).toBe(2);
    expect(old.stderr).toContain(`it is a share of the retired share set ${oldQuorum.set}`);
    // The new set works.
    const rotated = await rehearse(rotateScript, dir);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    await expectNowhere(join(dir, 'public'), [...needles(secrets), ...needles(fresh)]);
  });
});
