/**
 * A real (not rehearsal) DCT root on a SoftHSM2 token, through the CLI with answers files: the OpenPGP root
 * ceremony, then ceremonies/dct-root-token.yaml, then a DCT root rotation whose old root is opened on the token
 * again (the token signs the new root.json alongside the new software root).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, spkiDer } from '../../src/crypto/key-material.js';
import { parseMetadata, validSignatureKeyIds } from '../../src/dct/metadata.js';
import { rootCertificates } from '../../src/dct/verify.js';
import {
  custodianAnswers,
  paperTrailAnswers,
  rootCeremonyAnswers,
  TEST_VAULT_PASSPHRASE,
  writeAnswers,
} from '../helpers/answers.js';
import { GUNS, scriptVariant } from '../helpers/dct.js';
import { readInventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli, type RunResult } from '../helpers/run.js';
import { type SoftHsm, softHsm, TEST_USER_PIN } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/tmp.js';

const DCT_PASSPHRASE = 'harbor quiver sonnet walnut ember lagoon';
const witnesses = (step: string, roles: string[]): Record<string, string> =>
  Object.fromEntries(
    roles.map((r) => [`${step}.${r}`, r === 'administrator' ? 'AD' : r === 'witness-1' ? 'WA' : 'WB']),
  );
const ALL = ['administrator', 'witness-1', 'witness-2'];

let hsm: SoftHsm;
let base: string;
let dirs: { vault: string; pub: string; handoff: string; media: string };

function ceremony(
  script: string,
  answers: Record<string, string | boolean>,
  handoff = dirs.handoff,
): Promise<RunResult> {
  return writeAnswers(answers).then((file) =>
    cli(
      [
        'run',
        script,
        '--vault',
        dirs.vault,
        '--public',
        dirs.pub,
        '--handoff',
        handoff,
        '--media',
        dirs.media,
        '--answers',
        file,
        '--allow-network',
      ],
      { env: hsm.env },
    ),
  );
}

beforeAll(async () => {
  hsm = await softHsm();
  await hsm.initToken('wikibase-dct-root');
  base = await tempDir('kc-dct-token-');
  dirs = {
    vault: join(base, 'vault'),
    pub: join(base, 'public'),
    handoff: join(base, 'handoff'),
    media: join(base, 'media'),
  };
  const root = await ceremony(join(ceremoniesDir, 'openpgp-root.yaml'), rootCeremonyAnswers());
  expect(root.code, root.stdout + root.stderr).toBe(0);
});

describe('a real DCT root on a token', () => {
  it('is generated on the token and signs root.json there', async () => {
    // The notary server's keys, as `keyceremony dct fetch-keys` would have written them before the ceremony.
    const serverKeys = join(base, 'server-keys');
    for (const gun of GUNS) {
      await mkdir(join(serverKeys, gun), { recursive: true });
      for (const role of ['timestamp', 'snapshot']) {
        const key = {
          keytype: 'ecdsa',
          keyval: {
            public: Buffer.from(spkiDer((await generateKeyPair('nistp256')).publicKey)).toString('base64'),
            private: null,
          },
        };
        await writeFile(join(serverKeys, gun, `${role}.key`), JSON.stringify(key));
      }
    }
    const script = await scriptVariant(join(ceremoniesDir, 'dct-root-token.yaml'), (t) =>
      t.replace('serverKeys: /media/transfer/notary-server-keys', `serverKeys: ${serverKeys}`),
    );
    const result = await ceremony(
      script,
      {
        'preflight.clock': true,
        ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`preflight.checklist.${n}`, true])),
        'vault.passphrase': TEST_VAULT_PASSPHRASE,
        ...witnesses('open', ALL),
        'token.wikibase-dct-root.use': true,
        'token.wikibase-dct-root.pin': TEST_USER_PIN,
        'dct.passphrase': DCT_PASSPHRASE,
        'dct.handoff.release-pipeline.passphrase': 'falcon ribbon dune quartz meadow lantern',
        'dct.handoff.release-manager.passphrase': 'cobalt pylon thistle ember lagoon meadow',
        'sign.changes': true,
        ...witnesses('sign', ['witness-1', 'witness-2']),
        ...witnesses('read-ids', ['witness-1', 'witness-2']),
        ...custodianAnswers(),
        ...paperTrailAnswers(script),
      },
      join(base, 'handoff-dct'),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const root = (await readInventoryKeys(dirs.vault)).find((k) => k.kind === 'dct-root')!;
    expect(root.location.type).toBe('pkcs11');
    const metadata = parseMetadata(await readFile(join(dirs.pub, 'dct', GUNS[0], 'root.json')), 'root');
    expect(
      validSignatureKeyIds(metadata, metadata.signed.keys, [...rootCertificates(metadata.signed).keys()]),
    ).toHaveLength(1);
  });

  it('is opened on the token again to sign the rotated root.json, next to the new root', async () => {
    const oldRoot = (await readInventoryKeys(dirs.vault)).find((k) => k.kind === 'dct-root')!;
    const result = await ceremony(join(ceremoniesDir, 'dct-rotate-root.yaml'), {
      'preflight.clock': true,
      'preflight.checklist.1': true,
      'preflight.checklist.2': true,
      'preflight.checklist.3': true,
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      ...witnesses('open', ALL),
      'dct.passphrase': DCT_PASSPHRASE,
      'token.wikibase-dct-root.use': true,
      'token.wikibase-dct-root.pin': TEST_USER_PIN,
      'rotate.changes': true,
      ...witnesses('rotate', ['witness-1', 'witness-2']),
      ...witnesses('read-ids', ['witness-1', 'witness-2']),
      ...custodianAnswers(),
      ...paperTrailAnswers(join(ceremoniesDir, 'dct-rotate-root.yaml')),
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const name = (await readdir(join(dirs.pub, 'transcripts'))).find(
      (n) => n.includes('dct-rotate-root') && n.endsWith('.jsonl'),
    )!;
    const transcript = await readFile(join(dirs.pub, 'transcripts', name), 'utf8');
    expect(transcript).toMatch(new RegExp(`"event":"key.unlocked".*"id":"${oldRoot.id}".*"location":"pkcs11"`));
    expect(transcript).toMatch(/"event":"token.login"/);
    const keys = await readInventoryKeys(dirs.vault);
    expect(keys.find((k) => k.id === oldRoot.id)?.status).toBe('revoked');
    const newRoot = keys.find((k) => k.kind === 'dct-root' && k.status === 'active')!;
    expect(newRoot.location.type).toBe('file');
    for (const gun of GUNS) {
      const rotated = parseMetadata(await readFile(join(dirs.pub, 'dct', gun, 'root.json')), 'root');
      expect(rotated.signed.version).toBe(2);
      // Signed by both: the old root (on the token) and the new one.
      expect(rotated.signatures).toHaveLength(2);
    }
    const verified = await cli(['transcript', 'verify', dirs.pub]);
    expect(verified.code, verified.stdout).toBe(0);
  });
});
