/**
 * The container-signing root CA on a SoftHSM2 token, in real (not rehearsal) ceremonies through the CLI with
 * answers files: the OpenPGP root ceremony, ceremonies/containers-root-token.yaml (the root key generated on
 * the token: no key file for it anywhere), then ceremonies/containers-issue-signer.yaml, which opens the root on
 * the token again. Each hand-off signs an image in a crane registry; the real cosign and notation verify it
 * with the public tree alone (the CRL served over HTTP), and refuse it with another root's files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paperTrailAnswers, rootCeremonyAnswers, TEST_VAULT_PASSPHRASE, writeAnswers } from '../helpers/answers.js';
import {
  handoffFolder,
  readmeCommands,
  runAsUser,
  type Signing,
  signingEnvironment,
  signWithHandoff,
} from '../helpers/container-ceremony.js';
import { type CraneRegistry, pushTestImage, startCraneRegistry } from '../helpers/crane-registry.js';
import { scriptVariant } from '../helpers/dct.js';
import { type FileServer, startFileServer } from '../helpers/http-file-server.js';
import { readInventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { cli, type RunResult } from '../helpers/run.js';
import { type SoftHsm, softHsm, TEST_USER_PIN } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/tmp.js';

const CRL_PATH = '/wikibase-containers.crl';
const HANDOFF = {
  'release-pipeline': 'orbit falcon meadow quartz ribbon dune',
  'release-manager': 'lantern pylon thistle cobalt ember lagoon',
};
const initials = (step: string, roles: readonly string[]): Record<string, string> =>
  Object.fromEntries(roles.map((r) => [`${step}.${r}`, 'AB']));
const ALL = ['administrator', 'witness-1', 'witness-2'];
const CUSTODIANS = [1, 2, 3, 4, 5].map((n) => `custodian-${n}`);

let hsm: SoftHsm;
let registry: CraneRegistry;
let crlServer: FileServer;
let signing: Signing;
let dirs: { vault: string; pub: string; handoff: string; media: string };

/** Each ceremony hands off into a directory of its own: a signer's hand-off folder is made new by each ceremony. */
let ceremonies = 0;

function ceremony(script: string, answers: Record<string, string | boolean>): Promise<RunResult> {
  ceremonies += 1;
  const handoff = ceremonies === 1 ? dirs.handoff : `${dirs.handoff}-${ceremonies}`;
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

async function serveCrl(): Promise<void> {
  crlServer.set(CRL_PATH, new Uint8Array(await readFile(join(dirs.pub, 'containers', 'wikibase-containers.crl'))));
}

async function signAndVerify(signer: keyof typeof HANDOFF, tag: string) {
  const image = await pushTestImage(registry, 'wikibase/wikibase', tag);
  const signed = await signWithHandoff(
    signing,
    await handoffFolder(join(dirs.handoff, '..'), signer),
    HANDOFF[signer],
    image.byDigest,
  );
  expect(signed.code, signed.stderr).toBe(0);
  const commands = await readmeCommands(dirs.pub);
  const [cosign, notation] = await Promise.all([
    runAsUser(signing, dirs.pub, commands.cosign, image.byDigest),
    runAsUser(signing, dirs.pub, commands.notation, image.byDigest),
  ]);
  return { image, cosign, notation };
}

beforeAll(async () => {
  [hsm, registry, crlServer, signing] = await Promise.all([
    softHsm(),
    startCraneRegistry(),
    startFileServer(),
    signingEnvironment(),
  ]);
  await hsm.initToken('wikibase-containers-root');
  const base = await tempDir('kc-containers-token-');
  dirs = {
    vault: join(base, 'vault'),
    pub: join(base, 'public'),
    handoff: join(base, 'handoff'),
    media: join(base, 'media'),
  };
  const root = await ceremony(join(ceremoniesDir, 'openpgp-root.yaml'), rootCeremonyAnswers());
  expect(root.code, root.stdout + root.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), crlServer?.stop()]);
});

describe('a container-signing root CA on a PKCS#11 token', () => {
  it('is generated on the token, never leaves it, and anchors images cosign and notation verify', async () => {
    const script = await scriptVariant(join(ceremoniesDir, 'containers-root-token.yaml'), (text) =>
      text
        .replace(
          'crlUrl: http://crl.wikimedia.de/wikibase/wikibase-containers.crl',
          `crlUrl: ${crlServer.origin}${CRL_PATH}`,
        )
        .replaceAll('- docker.io/wikibase/', `- ${registry.host}/wikibase/`),
    );
    const result = await ceremony(script, {
      'preflight.clock': true,
      ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`preflight.checklist.${n}`, true])),
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      ...initials('open', ALL),
      'token.wikibase-containers-root.use': true,
      'token.wikibase-containers-root.pin': TEST_USER_PIN,
      'generate-root-ca.changes': true,
      ...initials('generate-root-ca', ['witness-1', 'witness-2']),
      ...initials('read-root-ca', ['witness-1', 'witness-2']),
      'containers.handoff.release-pipeline.passphrase': HANDOFF['release-pipeline'],
      'containers.handoff.release-manager.passphrase': HANDOFF['release-manager'],
      'signers.changes': true,
      ...initials('signers', ['witness-1', 'witness-2']),
      ...initials('hand-out-shares', CUSTODIANS),
      ...paperTrailAnswers(script),
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const root = (await readInventoryKeys(dirs.vault)).find((k) => k.kind === 'x509-root-ca')!;
    expect(root.location.type).toBe('pkcs11');
    expect(root.location.uri).toMatch(/^pkcs11:.*token=wikibase-containers-root/);
    // Generated on the token: no key file for the root in the vault (certificate, settings, CRL, signers only).
    expect((await readdir(join(dirs.vault, 'x509', root.id))).sort()).toEqual([
      'ca.json',
      'crl.pem',
      'root-ca.crt',
      'signers',
    ]);
    const transcripts = await readdir(join(dirs.pub, 'transcripts'));
    const name = transcripts.find((n) => n.includes('containers-root-token') && n.endsWith('.jsonl'))!;
    const transcript = await readFile(join(dirs.pub, 'transcripts', name), 'utf8');
    expect(transcript).toMatch(/"event":"token.key-created".*"generation":"on-token"/);
    expect(transcript).toMatch(new RegExp(`"event":"key.generated".*"id":"${root.id}".*"location":"pkcs11"`));
    await serveCrl();
    const { cosign, notation } = await signAndVerify('release-pipeline', 'token-1');
    expect(cosign.code, cosign.stderr).toBe(0);
    expect(notation.code, notation.stderr).toBe(0);
  });

  it('is opened on the token again in a later ceremony to issue a new signing certificate and CRL', async () => {
    const before = (await readInventoryKeys(dirs.vault)).filter((k) => k.kind === 'x509-signing-cert').length;
    const result = await ceremony(join(ceremoniesDir, 'containers-issue-signer.yaml'), {
      'preflight.clock': true,
      ...Object.fromEntries([1, 2, 3].map((n) => [`preflight.checklist.${n}`, true])),
      'vault.passphrase': TEST_VAULT_PASSPHRASE,
      'token.wikibase-containers-root.use': true,
      'token.wikibase-containers-root.pin': TEST_USER_PIN,
      ...initials('compare-fingerprints', ['witness']),
      'containers.handoff.release-pipeline.passphrase': HANDOFF['release-pipeline'],
      'issue.changes': true,
      ...initials('issue', ['witness']),
      'renew-crl.changes': true,
      ...initials('renew-crl', ['witness']),
      ...paperTrailAnswers(join(ceremoniesDir, 'containers-issue-signer.yaml')),
      // The script has no backup step: the room confirms the backups are out of date (ceremony/backup-check.ts).
      'backup.out-of-date': true,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const keys = await readInventoryKeys(dirs.vault);
    expect(keys.filter((k) => k.kind === 'x509-signing-cert')).toHaveLength(before + 1);
    const name = (await readdir(join(dirs.pub, 'transcripts'))).find(
      (n) => n.includes('containers-issue-signer') && n.endsWith('.jsonl'),
    )!;
    expect(await readFile(join(dirs.pub, 'transcripts', name), 'utf8')).toMatch(/"event":"token.key-opened"/);
    await serveCrl();
    const { cosign, notation } = await signAndVerify('release-pipeline', 'token-2');
    expect(cosign.code, cosign.stderr).toBe(0);
    expect(notation.code, notation.stderr).toBe(0);
    const verified = await cli(['transcript', 'verify', dirs.pub]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});
