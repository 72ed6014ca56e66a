/**
 * Every file a user hands keyceremony, damaged and made up (issue 14): ceremony scripts, answers files,
 * keyrings and signatures, transcripts, backups, hand-off keys, inventories, rehearsal secrets, shares.
 * fast-check damages a good file from a real rehearsal (bit flips, cuts, repeats, inserted junk, NUL, invalid
 * UTF-8, alias bombs, huge lines) or makes one from nothing; the CLI runs in this process on it. Every run must
 * end with an allowed exit code (1 or 2 for a refusal; 0 only where the damage cannot matter), one short error
 * line without a stack trace, and nothing written.
 */
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { shareText } from '../../src/ceremony/actions/backup-collect-shares.js';
import { decodeShare, encodeShare } from '../../src/backup/share-code.js';
import { splitPassphrase } from '../../src/backup/sharing.js';
import { generatePassphrase } from '../../src/util/diceware.js';
import { rootCeremonyAnswers, TEST_VAULT_PASSPHRASE } from '../helpers/answers.js';
import { fullSnapshot } from '../hostile/harness.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { rehearsalSecrets, sharedRehearsal } from '../helpers/rehearsal.js';
import { tempDir } from '../helpers/tmp.js';
import {
  anyOf,
  cliInProcess,
  damaged,
  damagedInputs,
  expectCleanRefusal,
  generated,
  generatedInputs,
  type Inputs,
  only,
} from './harness.js';

let dir: string;
let scratch: string;
let transcript: string;
let backup: string;
let handoffKey: string;
let handoffPassphraseFile: string;
let release: string;
let goodSignature: Uint8Array;

const RUNS = { numRuns: 40 };

beforeAll(async () => {
  dir = join(await tempDir('kc-bad-'), 'rehearsal');
  await cp(sharedRehearsal(), dir, { recursive: true });
  scratch = await tempDir('kc-bad-scratch-');
  transcript = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => n.endsWith('.jsonl'))!.slice(0, -6);
  backup = join(dir, 'media', '1', (await readdir(join(dir, 'media', '1')))[0]!);
  const pipeline = join(dir, 'handoff', 'release-pipeline');
  handoffKey = join(
    pipeline,
    (await readdir(pipeline)).find((n) => n.endsWith('.sec.asc'))!,
  );
  handoffPassphraseFile = join(scratch, 'pass');
  await writeFile(handoffPassphraseFile, `${(await rehearsalSecrets(dir))['handoff.release-pipeline.passphrase']}\n`);
  release = join(scratch, 'wikibase.tar.gz');
  await writeFile(release, 'a release\n');
  const signed = await cliInProcess([
    'sign',
    '--allow-rehearsal',
    '--keyring',
    join(dir, 'public', 'KEYS'),
    '--key',
    handoffKey,
    '--passphrase-file',
    handoffPassphraseFile,
    release,
  ]);
  expect(signed.code, signed.stderr).toBe(0);
  goodSignature = await readFile(`${release}.asc`);
  await rm(`${release}.asc`);
}, 120_000);

/**
 * For each input, writes it to `file`, runs `args`, and judges the run; `watch` must be unchanged afterwards
 * (apart from `file` itself), i.e. nothing was written.
 */
async function judge(
  inputs: Inputs,
  file: string,
  args: readonly string[],
  allowed: readonly number[],
  watch: string,
  extra?: (result: { code: number; stderr: string }) => void,
): Promise<void> {
  const original = await readFile(file);
  try {
    await fc.assert(
      fc.asyncProperty(inputs.arbitrary, async (bytes) => {
        await writeFile(file, bytes);
        const before = await fullSnapshot(watch);
        const result = await cliInProcess(args);
        expectCleanRefusal(result, allowed, `${args[0]} on ${file.slice(watch.length)} (${bytes.length} bytes)`);
        extra?.(result);
        expect(await fullSnapshot(watch)).toEqual(before);
      }),
      { ...RUNS, examples: inputs.examples.map((b) => [b] as [Uint8Array]) },
    );
  } finally {
    await writeFile(file, original);
  }
}

describe('bad input: every file a user hands the tool', () => {
  it('ceremony scripts (plan): damaged or made up, refused with exit 2 (or still valid)', async () => {
    const file = join(scratch, 'script.yaml');
    await writeFile(file, await readFile(join(ceremoniesDir, 'openpgp-root.yaml')));
    await judge(damagedInputs(await readFile(file)), file, ['plan', file], [0, 2], scratch);
    await judge(generatedInputs, file, ['plan', file], [2], scratch);
  }, 60_000);

  it('answers files (run): refused with exit 2, never quoting an answer', async () => {
    const file = join(scratch, 'answers.yaml');
    await writeFile(file, stringify(rootCeremonyAnswers()));
    // A vault that is not empty stops a well-formed answers file right after it is read: only reading is judged.
    const args = [
      'run',
      join(ceremoniesDir, 'openpgp-root.yaml'),
      '--vault',
      join(dir, 'vault'),
      '--public',
      join(scratch, 'p'),
    ];
    const noAnswer = (result: { stderr: string }): void => {
      for (const words of TEST_VAULT_PASSPHRASE.match(/\S+ \S+ \S+/g) ?? []) expect(result.stderr).not.toContain(words);
    };
    await judge(
      damagedInputs(await readFile(file)),
      file,
      [...args, '--answers', file, '--rehearsal'],
      [2],
      scratch,
      noAnswer,
    );
    await judge(generatedInputs, file, [...args, '--answers', file, '--rehearsal'], [2], scratch, noAnswer);
  }, 60_000);

  it('keyrings and signatures (verify): refused with exit 1 or 2 (or still good where the damage is benign)', async () => {
    const keyring = join(scratch, 'KEYS');
    const signature = join(scratch, 'release.asc');
    await cp(join(dir, 'public', 'KEYS'), keyring);
    await writeFile(signature, goodSignature);
    const args = ['verify', '--keyring', keyring, '--signature', signature, release];
    expect((await cliInProcess(args)).code).toBe(0);
    await judge(damagedInputs(await readFile(keyring)), keyring, args, [0, 1, 2], scratch);
    await judge(generatedInputs, keyring, args, [1, 2], scratch);
    await judge(damagedInputs(goodSignature), signature, args, [0, 1, 2], scratch);
    await judge(generatedInputs, signature, args, [1, 2], scratch);
  }, 60_000);

  it('transcripts (transcript verify): any change to the signed JSON Lines is refused with exit 1 or 2', async () => {
    const pub = join(dir, 'public');
    const base = join(pub, 'transcripts', transcript);
    const args = ['transcript', 'verify', pub];
    expect((await cliInProcess(args)).code).toBe(0);
    await judge(damagedInputs(await readFile(`${base}.jsonl`)), `${base}.jsonl`, args, [1, 2], pub);
    await judge(generatedInputs, `${base}.jsonl`, args, [1, 2], pub);
    await judge(damagedInputs(await readFile(`${base}.jsonl.asc`)), `${base}.jsonl.asc`, args, [0, 1, 2], pub);
    await judge(damagedInputs(await readFile(`${base}.md`)), `${base}.md`, args, [1, 2], pub);
  }, 60_000);

  it('backups (backup verify): a damaged archive is refused with exit 1; a damaged manifest with 1 or 2', async () => {
    const medium = join(dir, 'media', '1');
    const args = ['backup', 'verify', medium];
    expect((await cliInProcess(args)).code).toBe(0);
    await judge(
      damagedInputs(await readFile(join(backup, 'vault.tar.gpg'))),
      join(backup, 'vault.tar.gpg'),
      args,
      [1],
      medium,
    );
    await judge(
      damagedInputs(await readFile(join(backup, 'manifest.json'))),
      join(backup, 'manifest.json'),
      args,
      [0, 1, 2],
      medium,
    );
    await judge(generatedInputs, join(backup, 'manifest.json'), args, [1, 2], medium);
  }, 60_000);

  it('hand-off keys (sign): refused with exit 1 or 2, and no signature is written', async () => {
    const key = join(scratch, 'handoff.sec.asc');
    await cp(handoffKey, key);
    const args = [
      'sign',
      '--allow-rehearsal',
      '--keyring',
      join(dir, 'public', 'KEYS'),
      '--key',
      key,
      '--passphrase-file',
      handoffPassphraseFile,
      release,
    ];
    const cleanUp = async (): Promise<void> => rm(`${release}.asc`, { force: true });
    expect((await cliInProcess(args)).code).toBe(0);
    await cleanUp();
    const inputs = fc.oneof(damaged(await readFile(key)), generated);
    const original = await readFile(key);
    try {
      await fc.assert(
        fc.asyncProperty(inputs, async (bytes) => {
          await writeFile(key, bytes);
          const result = await cliInProcess(args);
          expectCleanRefusal(result, [0, 1, 2], 'sign with a damaged key');
          if (result.code !== 0) expect(await readdir(scratch)).not.toContain('wikibase.tar.gz.asc');
          await cleanUp();
        }),
        { numRuns: 30 },
      );
    } finally {
      await writeFile(key, original);
    }
  }, 60_000);

  it('inventories (status) and rehearsal secrets (rehearse on an earlier rehearsal): refused with exit 2', async () => {
    const vault = join(dir, 'vault');
    await judge(
      damagedInputs(await readFile(join(vault, 'inventory.json'))),
      join(vault, 'inventory.json'),
      ['status', '--vault', vault],
      [0, 1, 2],
      dir,
    );
    await judge(generatedInputs, join(vault, 'inventory.json'), ['status', '--vault', vault], [2], dir);
    // Only damage that leaves no JSON record of strings: anything else would rehearse the whole rotation.
    const notSecrets = (bytes: Uint8Array): boolean => {
      try {
        const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
        return !(
          value &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.values(value).every((v) => typeof v === 'string')
        );
      } catch {
        return true;
      }
    };
    const secrets = join(dir, 'rehearsal-secrets.json');
    const rotate = ['rehearse', join(ceremoniesDir, 'openpgp-rotate.yaml'), '--out', dir];
    const known = Object.values(await rehearsalSecrets(dir)).flatMap((v) => v.match(/\S+ \S+ \S+/g) ?? []);
    await judge(
      only(anyOf(damagedInputs(await readFile(secrets)), generatedInputs), notSecrets),
      secrets,
      rotate,
      [2],
      dir,
      (r) => {
        for (const words of known) expect(r.stderr).not.toContain(words);
      },
    );
  }, 60_000);

  it('shares: damaged words are named briefly or decode to another share, never echoed at length', async () => {
    const set = await splitPassphrase(generatePassphrase(10), 5, 3);
    const words = encodeShare(set.shares[0]!).join(' ');
    const file = join(scratch, 'share.txt');
    await fc.assert(
      fc.asyncProperty(damaged(new TextEncoder().encode(words)), async (bytes) => {
        await writeFile(file, bytes);
        try {
          decodeShare(await shareText(file));
        } catch (error) {
          expect((error as Error).message.length).toBeLessThan(300);
          expect((error as Error).constructor.name).toBe('ShareFormatError');
        }
      }),
      { numRuns: 200 },
    );
  });
});
