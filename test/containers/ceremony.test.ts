/**
 * The container-signing ceremonies end to end, with the real tools on 127.0.0.1: `keyceremony rehearse
 * containers-root.yaml --out R` (from an empty R: the OpenPGP root ceremony first), its hand-off folder's
 * sign-image.sh signing an image in a crane registry with cosign and notation, and the commands of
 * R/public/containers/README.txt verifying it with nothing but R/public — then the refusals: a look-alike
 * signer of another CA, a moved tag, an expired certificate of the same root, a revoked certificate (notation,
 * from the published CRL served over HTTP); a rotation that changes nothing users pin; `openssl verify
 * -x509_strict` on every chain; `keyceremony publish` reproducing the public files.
 *
 * The script is the shipped one with two edits only: the CRL address points at the test's HTTP server, and
 * the repositories at the test registry (the trust policy's scopes).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import { readCosignKeyFile, writeCosignKeyFile } from '../../src/containers/index.js';
import { SoftwareSigner } from '../../src/signer/index.js';
import {
  addYears,
  chainPem,
  createCrl,
  createRootCa,
  decryptPrivateKeyPem,
  encryptPrivateKeyPem,
  issueSigningCertificate,
  readCertificate,
} from '../../src/x509/index.js';
import {
  fakeHandoff,
  handoffFolder,
  readmeCommands,
  runAsUser,
  type Signing,
  signingEnvironment,
  signWithHandoff,
  verifyWithNotationDir,
} from '../helpers/container-ceremony.js';
import { type CraneRegistry, pushTestImage, startCraneRegistry } from '../helpers/crane-registry.js';
import { scriptVariant } from '../helpers/dct.js';
import { type FileServer, startFileServer } from '../helpers/http-file-server.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir } from '../helpers/paths.js';
import { rehearsalSecrets } from '../helpers/rehearsal.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { toolPath } from '../helpers/tools.js';

const DAY = 24 * 3600 * 1000;
const CRL_PATH = '/wikibase-containers.crl';

let registry: CraneRegistry;
let crlServer: FileServer;
let dir: string;
let secrets: Record<string, string>;
let signing: Signing;
let rootDir: string;

const handoffPassphrase = (signer: string): string => {
  const value = secrets[`containers.handoff.${signer}.passphrase`];
  if (!value) throw new Error(`no hand-off passphrase for ${signer}`);
  return value;
};

/** Serves the CRL R/public holds now at the address the signing certificates name. */
async function serveCrl(): Promise<void> {
  crlServer.set(CRL_PATH, new Uint8Array(await readFile(join(dir, 'public', 'containers', 'wikibase-containers.crl'))));
}

async function sign(signer: string, image: string) {
  const scratch = await tempDir('kc-sign-tmp-');
  const result = await signWithHandoff(signing, await handoffFolder(dir, signer), handoffPassphrase(signer), image, {
    SIGNING_TMPDIR: scratch,
  });
  // The decrypted notation key never outlives the job.
  expect(await readdir(scratch)).toEqual([]);
  return result;
}

/** Why notation refused: the README's notation commands with --verbose on the verification. */
async function notationVerbose(image: string) {
  const { notation } = await readmeCommands(join(dir, 'public'));
  return runAsUser(
    signing,
    join(dir, 'public'),
    notation.replace(/^notation verify /m, 'notation verify --verbose '),
    image,
  );
}

async function verifyAsUser(image: string) {
  const commands = await readmeCommands(join(dir, 'public'));
  const [cosign, notation] = await Promise.all([
    runAsUser(signing, join(dir, 'public'), commands.cosign, image),
    runAsUser(signing, join(dir, 'public'), commands.notation, image),
  ]);
  return { cosign, notation };
}

beforeAll(async () => {
  [registry, crlServer, signing] = await Promise.all([startCraneRegistry(), startFileServer(), signingEnvironment()]);
  const script = await scriptVariant(join(ceremoniesDir, 'containers-root.yaml'), (text) =>
    text
      .replace(
        'crlUrl: http://crl.wikimedia.de/wikibase/wikibase-containers.crl',
        `crlUrl: ${crlServer.origin}${CRL_PATH}`,
      )
      .replaceAll('- docker.io/wikibase/', `- ${registry.host}/wikibase/`)
      // The root certificate and first CRL linted by zlint too, as a ceremony machine that carries it would.
      .replace('      crlValidity: 1y\n', `      crlValidity: 1y\n      zlint: ${toolPath('zlint')}\n`),
  );
  dir = join(await tempDir('kc-containers-'), 'R');
  const result = await cli(['rehearse', script, '--out', dir]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(result.stdout).toContain('rehearsing');
  secrets = await rehearsalSecrets(dir);
  const root = (await inventoryKeys(dir)).find((k) => k.kind === 'x509-root-ca');
  rootDir = join(dir, 'vault', 'x509', root!.id);
  await serveCrl();
}, 180_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), crlServer?.stop()]);
});

describe('a rehearsed container-signing root, its hand-off and its public files', () => {
  it('signs with the hand-off; cosign and notation verify with only R/public', async () => {
    const image = await pushTestImage(registry, 'wikibase/wikibase', 'v1');
    const signed = await sign('release-pipeline', image.byDigest);
    expect(signed.code, signed.stdout + signed.stderr).toBe(0);
    const { cosign, notation } = await verifyAsUser(image.byDigest);
    expect(cosign.code, cosign.stderr).toBe(0);
    expect(cosign.stderr).toMatch(/verified using trusted certificate authority certificates/);
    expect(notation.code, notation.stderr + notation.stdout).toBe(0);
    expect(notation.stdout).toMatch(/Successfully verified signature/);
    expect(crlServer.hits.get(CRL_PATH) ?? 0).toBeGreaterThan(0);
    // The published trust store layout and policy, copied as they are into a user's notation configuration.
    const layout = await verifyWithNotationDir(signing, join(dir, 'public'), image.byDigest);
    expect(layout.code, layout.stderr).toBe(0);
  });

  it('refuses a look-alike signer of another CA (same subject, same identity) with both tools', async () => {
    const ours = readCertificate(
      await readFile(join(await handoffFolder(dir, 'release-pipeline'), 'signing-cert.pem'), 'utf8'),
    );
    const ourRoot = readCertificate(await readFile(join(rootDir, 'root-ca.crt'), 'utf8'));
    const otherSigner = new SoftwareSigner(await generateKeyPair('nistp384'));
    const now = new Date();
    const otherRoot = await createRootCa(
      { subject: ourRoot.subject, notBefore: new Date(now.getTime() - DAY), notAfter: addYears(now, 10) },
      { signer: otherSigner },
    );
    const pair = await generateKeyPair('nistp256');
    const leaf = await issueSigningCertificate(
      {
        subject: ours.subject,
        notBefore: new Date(now.getTime() - 3600_000),
        notAfter: addYears(now, 1),
        identityUri: ours.extensions.subjectAltNameUris?.[0],
        crlDistributionPoint: `${crlServer.origin}/other.crl`,
      },
      pair.publicKey,
      { certificate: otherRoot.parsed },
      { signer: otherSigner },
    );
    const empty = await createCrl(
      { thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: addYears(now, 1), crlNumber: 1, revoked: [] },
      { certificate: otherRoot.parsed },
      { signer: otherSigner },
    );
    crlServer.set('/other.crl', empty.der);
    const passphrase = 'a look-alike signer, throwaway passphrase';
    const folder = await fakeHandoff({
      'sign-image.sh': await readFile(join(await handoffFolder(dir, 'release-pipeline'), 'sign-image.sh'), 'utf8'),
      'cosign.key': await writeCosignKeyFile(pair, passphrase),
      'notation.key': await encryptPrivateKeyPem(pair, passphrase),
      'signing-cert.pem': leaf.pem,
      'chain.pem': chainPem(leaf, otherRoot),
      'root-ca.pem': otherRoot.pem,
    });
    const image = await pushTestImage(registry, 'wikibase/wdqs', 'v1');
    const signed = await signWithHandoff(signing, folder, passphrase, image.byDigest);
    expect(signed.code, signed.stderr).toBe(0);
    const { cosign, notation } = await verifyAsUser(image.byDigest);
    expect(cosign.code).not.toBe(0);
    expect(cosign.stderr).toMatch(/certificate signed by unknown authority|cert verification failed/);
    expect(notation.code).not.toBe(0);
    expect(notation.stderr).toMatch(/signature verification failed/);
  });

  it('refuses a tag moved to other content with both tools', async () => {
    const image = await pushTestImage(registry, 'wikibase/quickstatements', 'v1');
    expect((await sign('release-pipeline', image.byDigest)).code).toBe(0);
    const byTag = `${image.repository}:v1`;
    const before = await verifyAsUser(byTag);
    expect([before.cosign.code, before.notation.code]).toEqual([0, 0]);
    await pushTestImage(registry, 'wikibase/quickstatements', 'v1');
    const after = await verifyAsUser(byTag);
    expect(after.cosign.code).not.toBe(0);
    expect(after.cosign.stderr).toMatch(/no signatures found|no matching signatures/);
    expect(after.notation.code).not.toBe(0);
    expect(after.notation.stderr).toMatch(/no signature/i);
  });

  it('refuses a certificate of the same root once it has expired, with both tools', async () => {
    // The root's key from the vault, with the rehearsal's vault passphrase: a certificate under it that runs
    // out seconds from now (no timestamp authority: a certificate must be valid when a signature is verified);
    // ten seconds leave time to sign on a busy machine.
    const root = readCertificate(await readFile(join(rootDir, 'root-ca.crt'), 'utf8'));
    const rootPair = await decryptPrivateKeyPem(
      await readFile(join(rootDir, 'root-ca.key'), 'utf8'),
      secrets['vault.passphrase']!,
      'root-ca.key',
    );
    const pair = await generateKeyPair('nistp256');
    const ours = readCertificate(
      await readFile(join(await handoffFolder(dir, 'release-pipeline'), 'signing-cert.pem'), 'utf8'),
    );
    const notAfter = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000);
    const leaf = await issueSigningCertificate(
      {
        subject: ours.subject,
        notBefore: root.notBefore,
        notAfter,
        identityUri: ours.extensions.subjectAltNameUris?.[0],
        crlDistributionPoint: ours.extensions.crlDistributionPoints?.[0],
      },
      pair.publicKey,
      { certificate: root },
      { signer: new SoftwareSigner(rootPair) },
    );
    const rootPem = await readFile(join(rootDir, 'root-ca.crt'), 'utf8');
    const passphrase = 'a short-lived signer, throwaway passphrase';
    const folder = await fakeHandoff({
      'sign-image.sh': await readFile(join(await handoffFolder(dir, 'release-pipeline'), 'sign-image.sh'), 'utf8'),
      'cosign.key': await writeCosignKeyFile(pair, passphrase),
      'notation.key': await encryptPrivateKeyPem(pair, passphrase),
      'signing-cert.pem': leaf.pem,
      'chain.pem': chainPem(leaf, { pem: rootPem }),
      'root-ca.pem': rootPem,
    });
    const image = await pushTestImage(registry, 'wikibase/wikibase', 'expiring');
    const signed = await signWithHandoff(signing, folder, passphrase, image.byDigest);
    expect(signed.code, signed.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, notAfter.getTime() - Date.now() + 1500)));
    const { cosign, notation } = await verifyAsUser(image.byDigest);
    expect(cosign.code).not.toBe(0);
    expect(cosign.stderr).toMatch(/expired/);
    expect(notation.code).not.toBe(0);
    expect((await notationVerbose(image.byDigest)).stderr).toMatch(/expired/);
  });

  it("hands off key files that open to the signer's key, never the root's; the README workflow is valid YAML", async () => {
    const root = readCertificate(await readFile(join(rootDir, 'root-ca.crt'), 'utf8'));
    for (const signer of ['release-pipeline', 'release-manager']) {
      const folder = await handoffFolder(dir, signer);
      expect((await readdir(folder)).sort()).toEqual([
        'README.md',
        'chain.pem',
        'cosign.key',
        'cosign.pub',
        'notation.key',
        'root-ca.pem',
        'sign-image.sh',
        'signing-cert.pem',
      ]);
      const cert = readCertificate(await readFile(join(folder, 'signing-cert.pem'), 'utf8'));
      const cosignPair = await readCosignKeyFile(
        await readFile(join(folder, 'cosign.key'), 'utf8'),
        handoffPassphrase(signer),
      );
      const notationPair = await decryptPrivateKeyPem(
        await readFile(join(folder, 'notation.key'), 'utf8'),
        handoffPassphrase(signer),
        'notation.key',
      );
      for (const pair of [cosignPair, notationPair]) {
        expect(Buffer.from(JSON.stringify(pair.publicKey))).toEqual(Buffer.from(JSON.stringify(cert.publicKey)));
        expect(JSON.stringify(pair.publicKey)).not.toBe(JSON.stringify(root.publicKey));
      }
      const readme = await readFile(join(folder, 'README.md'), 'utf8');
      expect(readme).toMatch(/UNENCRYPTED/);
      const workflow = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
      const parsed = parse(workflow ?? '') as { jobs: Record<string, { steps: { run?: string; env?: object }[] }> };
      const steps = parsed.jobs['publish']?.steps ?? [];
      expect(steps.some((s) => s.run?.includes('.github/container-signing/sign-image.sh'))).toBe(true);
      expect(JSON.stringify(steps)).toContain('secrets.SIGNING_KEY_PASSPHRASE');
    }
  });

  it('openssl verify -x509_strict accepts every chain handed off and published; the CRL verifies', async () => {
    const publicRoot = join(dir, 'public', 'containers', 'wikibase-containers.crt');
    const chains: string[][] = [];
    for (const signer of ['release-pipeline', 'release-manager']) {
      const folder = await handoffFolder(dir, signer);
      chains.push(['-CAfile', join(folder, 'root-ca.pem'), join(folder, 'signing-cert.pem')]);
      chains.push(['-CAfile', publicRoot, join(folder, 'chain.pem')]);
    }
    for (const name of await readdir(join(dir, 'public', 'containers', 'signers')))
      if (name.endsWith('.crt'))
        chains.push(['-CAfile', publicRoot, join(dir, 'public', 'containers', 'signers', name)]);
    chains.push(['-CAfile', publicRoot, publicRoot]);
    for (const args of chains) {
      const result = await run('openssl', ['verify', '-x509_strict', '-purpose', 'any', ...args]);
      expect(result.stdout + result.stderr, args.join(' ')).toMatch(/: OK\n/);
    }
    const crl = await run('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      join(dir, 'public', 'containers', 'wikibase-containers.crl'),
      '-CAfile',
      publicRoot,
      '-verify',
      '-noout',
    ]);
    expect(crl.stderr + crl.stdout).toMatch(/verify OK/);
  });

  it('keyceremony publish reproduces the public files from the vault; the transcripts verify', async () => {
    const out = join(await tempDir('kc-republish-'), 'public');
    const published = await cli(['publish', '--vault', join(dir, 'vault'), '--out', out]);
    expect(published.code, published.stderr).toBe(0);
    const list = async (root: string, rel = 'containers'): Promise<string[]> => {
      const entries = await readdir(join(root, rel), { withFileTypes: true });
      const nested = await Promise.all(
        entries.map((e) => (e.isDirectory() ? list(root, `${rel}/${e.name}`) : Promise.resolve([`${rel}/${e.name}`]))),
      );
      return nested.flat().sort();
    };
    const files = await list(join(dir, 'public'));
    expect(files.length).toBeGreaterThan(6);
    expect(await list(out)).toEqual(files);
    for (const file of [...files, 'SHA256SUMS', 'keys.html'])
      expect(await readFile(join(out, file)), file).toEqual(await readFile(join(dir, 'public', file)));
    const sums = await readFile(join(dir, 'public', 'SHA256SUMS'), 'utf8');
    for (const file of files) expect(sums).toContain(`  ${file}\n`);
    const check = await run('sha256sum', ['--check', '--quiet', 'SHA256SUMS'], { cwd: join(dir, 'public') });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const verified = await cli(['transcript', 'verify', join(dir, 'public')]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    // The root certificate and the first CRL passed zlint before the root signed them.
    const name = (await readdir(join(dir, 'public', 'transcripts'))).find((n) => /containers-root.*\.jsonl$/.test(n))!;
    const transcript = await readFile(join(dir, 'public', 'transcripts', name), 'utf8');
    expect(transcript).toMatch(
      /"event":"key.generated".*"kind":"x509-root-ca".*"lintedBy":\["keyceremony-profile","zlint"\]/,
    );
    expect(transcript).toMatch(/"event":"crl.issued".*"lintedBy":\["keyceremony-profile","zlint"\]/);
  });
});

describe('later ceremonies on the same root', () => {
  it('a new signing certificate (rotation) changes nothing users pin, and signs verifiably', async () => {
    const pinned = ['wikibase-containers.crt', 'notation/trustpolicy.json'];
    const before = await Promise.all(pinned.map((f) => readFile(join(dir, 'public', 'containers', f))));
    const commandsBefore = await readmeCommands(join(dir, 'public'));
    const oldFolder = await handoffFolder(dir, 'release-pipeline');
    const result = await cli(['rehearse', join(ceremoniesDir, 'containers-issue-signer.yaml'), '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await serveCrl();
    const newFolder = await handoffFolder(dir, 'release-pipeline');
    expect(newFolder).not.toBe(oldFolder);
    expect(await Promise.all(pinned.map((f) => readFile(join(dir, 'public', 'containers', f))))).toEqual(before);
    expect(await readmeCommands(join(dir, 'public'))).toEqual(commandsBefore);
    const image = await pushTestImage(registry, 'wikibase/wikibase', 'v2');
    expect((await sign('release-pipeline', image.byDigest)).code).toBe(0);
    const { cosign, notation } = await verifyAsUser(image.byDigest);
    expect([cosign.code, notation.code], cosign.stderr + notation.stderr).toEqual([0, 0]);
    const crls = (await inventoryKeys(dir)).filter((k) => k.kind === 'x509-crl');
    expect(crls).toHaveLength(1);
  });

  it('a revoked certificate: notation refuses its images from the published CRL; the new cosign command no longer names it', async () => {
    const image = await pushTestImage(registry, 'wikibase/wdqs', 'manager');
    expect((await sign('release-manager', image.byDigest)).code).toBe(0);
    const commandsBefore = await readmeCommands(join(dir, 'public'));
    const before = await verifyAsUser(image.byDigest);
    expect([before.cosign.code, before.notation.code]).toEqual([0, 0]);

    const result = await cli(['rehearse', join(ceremoniesDir, 'containers-revoke.yaml'), '--out', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await serveCrl();
    const after = await verifyAsUser(image.byDigest);
    expect(after.notation.code).not.toBe(0);
    expect((await notationVerbose(image.byDigest)).stderr).toMatch(/is revoked|revocation validation failed/);
    // The published cosign command pins the identities of the certificates in use: the revoked one is gone.
    expect(after.cosign.code).not.toBe(0);
    // cosign 2 itself does not read CRLs: the command from before the revocation still accepts the image.
    const stale = await runAsUser(signing, join(dir, 'public'), commandsBefore.cosign, image.byDigest);
    expect(stale.code).toBe(0);
    // Images of the signer that was not revoked still verify with both.
    const other = await pushTestImage(registry, 'wikibase/wikibase', 'v3');
    expect((await sign('release-pipeline', other.byDigest)).code).toBe(0);
    const fine = await verifyAsUser(other.byDigest);
    expect([fine.cosign.code, fine.notation.code], fine.notation.stderr).toEqual([0, 0]);
    const manager = (await inventoryKeys(dir)).find(
      (k) => k.kind === 'x509-signing-cert' && k.label === 'release-manager',
    );
    expect(manager?.status).toBe('revoked');
    expect(manager?.revocation?.reason).toBe('keyCompromise');
  });
});
