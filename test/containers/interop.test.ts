/**
 * Our X.509 hierarchy and container-signing files, proven by the real tools on 127.0.0.1: a root CA made by
 * src/x509 (software key, and a key on a SoftHSM2 token), signing certificates, a CRL served over HTTP, the
 * cosign key file and the Notation trust store and policy from src/containers — then real `cosign sign` /
 * `cosign verify` and `notation sign` / `notation verify` against images pushed to a crane registry, and
 * `openssl verify -x509_strict` / `openssl crl -verify` on every chain and CRL we write.
 *
 * Refusals: a leaf from another CA (both tools), an image whose tag was moved to other content (both), an
 * expired leaf (both: no timestamp, so the leaf must be valid at verification), a revoked leaf (notation, from
 * the CRL at the leaf's distribution point; cosign 2 does not check CRLs for custom chains), and a leaf whose
 * CRL cannot be fetched (notation strict: revocation status unknown).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair } from '../../src/crypto/key-material.js';
import {
  cosignPublicKeyPem,
  notationPrivateKeyPem,
  notationSigningKeys,
  notationTrustPolicy,
  notationTrustStoreFiles,
  writeCosignKeyFile,
} from '../../src/containers/index.js';
import { type Signer, SoftwareSigner } from '../../src/signer/index.js';
import {
  addYears,
  chainPem,
  createCrl,
  createRootCa,
  type DistinguishedName,
  type IssuedCertificate,
  issueSigningCertificate,
} from '../../src/x509/index.js';
import { cosign, notation, type ToolHome, toolHome, writeNotationConfig } from '../helpers/container-tools.js';
import { type CraneRegistry, pushTestImage, startCraneRegistry } from '../helpers/crane-registry.js';
import { type FileServer, startFileServer } from '../helpers/http-file-server.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { closeTokens, tokenSigner } from '../helpers/token-signer.js';
import { toolPath } from '../helpers/tools.js';

const PASSPHRASE = 'throwaway test passphrase for the cosign key file';
const IDENTITY = 'https://github.com/wmde/wikibase-release-pipeline';
const organization = { country: 'DE', state: 'Berlin', organization: 'Wikimedia Deutschland e.V.' } as const;
const leafSubject: DistinguishedName = {
  ...organization,
  organizationalUnit: 'Releases, Containers',
  commonName: 'Wikibase release pipeline',
};
const year = 365 * 24 * 3600 * 1000;

interface Leaf {
  readonly name: string;
  readonly pair: KeyPair;
  readonly certificate: IssuedCertificate;
  readonly root: IssuedCertificate;
  /** Files in `dir`: cosign.key, leaf.pem, root.pem, chain.pem (leaf + root), notation.key. */
  readonly dir: string;
}

interface Authority {
  readonly signer: Signer;
  readonly root: IssuedCertificate;
}

let registry: CraneRegistry;
let crlServer: FileServer;
let work: string;
let main: Authority;
let other: Authority;
let onToken: Authority;
const leaves = new Map<string, Leaf>();

async function authority(signer: Signer, commonName: string, notBefore: Date): Promise<Authority> {
  const root = await createRootCa(
    { subject: { ...organization, commonName }, notBefore, notAfter: addYears(notBefore, 10) },
    { signer },
  );
  return { signer, root };
}

async function leaf(
  name: string,
  ca: Authority,
  validity: { notBefore: Date; notAfter: Date },
  crlPath = '/root.crl',
): Promise<Leaf> {
  const pair = await generateKeyPair('nistp256');
  const certificate = await issueSigningCertificate(
    { subject: leafSubject, ...validity, identityUri: IDENTITY, crlDistributionPoint: `${crlServer.origin}${crlPath}` },
    pair.publicKey,
    { certificate: ca.root.parsed },
    { signer: ca.signer },
  );
  const dir = join(work, name);
  await run('mkdir', ['-m', '700', dir]);
  await writeFile(join(dir, 'cosign.key'), await writeCosignKeyFile(pair, PASSPHRASE), { mode: 0o600 });
  await writeFile(join(dir, 'notation.key'), notationPrivateKeyPem(pair), { mode: 0o600 });
  await writeFile(join(dir, 'leaf.pem'), certificate.pem);
  await writeFile(join(dir, 'root.pem'), ca.root.pem);
  await writeFile(join(dir, 'chain.pem'), chainPem(certificate, ca.root));
  const made = { name, pair, certificate, root: ca.root, dir };
  leaves.set(name, made);
  return made;
}

beforeAll(async () => {
  [registry, crlServer, work] = await Promise.all([startCraneRegistry(), startFileServer(), tempDir('kc-interop-')]);
  const now = new Date();
  const threeYearsAgo = new Date(now.getTime() - 3 * year);
  main = await authority(
    new SoftwareSigner(await generateKeyPair('nistp384')),
    'Wikibase Container Signing Root',
    threeYearsAgo,
  );
  other = await authority(new SoftwareSigner(await generateKeyPair('nistp384')), 'Some Other Root', threeYearsAgo);
  onToken = await authority(await tokenSigner('nistp384'), 'Wikibase Container Signing Root (token)', threeYearsAgo);
  const current = { notBefore: new Date(now.getTime() - 3600_000), notAfter: addYears(now, 1) };
  await leaf('good', main, current);
  await leaf('other-ca', other, current, '/other.crl');
  await leaf('token', onToken, current, '/token.crl');
  await leaf('expired', main, {
    notBefore: new Date(now.getTime() - 2 * year),
    notAfter: new Date(now.getTime() - year),
  });
  const revoked = await leaf('revoked', main, current);
  await leaf('crl-unreachable', main, current, '/missing.crl');
  // The root's CRL lists the revoked leaf only; every other leaf of the root is checked against it too.
  const crl = await createCrl(
    {
      thisUpdate: new Date(now.getTime() - 60_000),
      nextUpdate: new Date(now.getTime() + 30 * 24 * 3600_000),
      crlNumber: 1,
      revoked: [
        {
          serialHex: revoked.certificate.parsed.serialHex,
          revocationDate: new Date(now.getTime() - 120_000),
          reason: 'keyCompromise',
        },
      ],
    },
    { certificate: main.root.parsed },
    { signer: main.signer },
  );
  crlServer.set('/root.crl', crl.der);
  await writeFile(join(work, 'root.crl.pem'), crl.pem);
  for (const ca of [other, onToken]) {
    const empty = await createCrl(
      { thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: addYears(now, 1), crlNumber: 1, revoked: [] },
      { certificate: ca.root.parsed },
      { signer: ca.signer },
    );
    crlServer.set(ca === other ? '/other.crl' : '/token.crl', empty.der);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), crlServer?.stop(), onToken?.signer.close()]);
  closeTokens();
});

const byName = (name: string): Leaf => {
  const found = leaves.get(name);
  if (!found) throw new Error(name);
  return found;
};

describe('openssl accepts what we write', () => {
  it('verify -x509_strict accepts every chain; crl -verify accepts the CRL', async () => {
    for (const l of leaves.values()) {
      const args = ['verify', '-x509_strict', '-CAfile', join(l.dir, 'root.pem')];
      if (l.name === 'expired') args.push('-no_check_time');
      const result = await run('openssl', [...args, join(l.dir, 'leaf.pem')]);
      expect(result.stdout + result.stderr, l.name).toMatch(/: OK/);
    }
    const crl = await run('openssl', [
      'crl',
      '-in',
      join(work, 'root.crl.pem'),
      '-CAfile',
      join(byName('good').dir, 'root.pem'),
      '-verify',
      '-noout',
    ]);
    expect(crl.code).toBe(0);
    expect(crl.stderr + crl.stdout).toMatch(/verify OK/);
    const wrongCa = await run('openssl', [
      'verify',
      '-x509_strict',
      '-CAfile',
      join(byName('other-ca').dir, 'root.pem'),
      join(byName('good').dir, 'leaf.pem'),
    ]);
    expect(wrongCa.code).not.toBe(0);
  });
});

describe('cosign 2 with our key file and certificate chain', () => {
  let signerHome: ToolHome;
  let verifierHome: ToolHome;

  beforeAll(async () => {
    [signerHome, verifierHome] = await Promise.all([toolHome(), toolHome()]);
  });

  async function sign(l: Leaf, image: string): Promise<void> {
    const result = await cosign(
      signerHome,
      [
        'sign',
        '--key',
        join(l.dir, 'cosign.key'),
        '--certificate',
        join(l.dir, 'leaf.pem'),
        '--certificate-chain',
        join(l.dir, 'root.pem'),
        '--tlog-upload=false',
        '--yes',
        image,
      ],
      { COSIGN_PASSWORD: PASSPHRASE },
    );
    expect(result.code, result.stderr).toBe(0);
  }

  /** Verification anchored in a root certificate only (what users get from the public tree). */
  function verify(rootPem: string, image: string) {
    return cosign(verifierHome, [
      'verify',
      '--certificate-chain',
      rootPem,
      '--certificate-identity',
      IDENTITY,
      '--certificate-oidc-issuer-regexp',
      '.*',
      '--insecure-ignore-sct',
      '--insecure-ignore-tlog',
      image,
    ]);
  }

  it('cosign reads our key file (the public key it derives is ours)', async () => {
    const l = byName('good');
    const result = await cosign(signerHome, ['public-key', '--key', join(l.dir, 'cosign.key')], {
      COSIGN_PASSWORD: PASSPHRASE,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(cosignPublicKeyPem(l.pair.publicKey));
    const wrong = await cosign(signerHome, ['public-key', '--key', join(l.dir, 'cosign.key')], {
      COSIGN_PASSWORD: 'wrong',
    });
    expect(wrong.code).not.toBe(0);
  });

  it('signs with our key file and certificate; verify anchored in our root passes', async () => {
    const image = await pushTestImage(registry, 'wikibase/cosign-good', 'v1');
    await sign(byName('good'), image.byDigest);
    const result = await verify(join(byName('good').dir, 'root.pem'), image.byDigest);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /The code-signing certificate was verified using trusted certificate authority certificates/,
    );
    // Pinned to the root: the other CA's root does not verify it, nor does another identity.
    expect((await verify(join(byName('other-ca').dir, 'root.pem'), image.byDigest)).code).not.toBe(0);
    const otherIdentity = await cosign(verifierHome, [
      'verify',
      '--certificate-chain',
      join(byName('good').dir, 'root.pem'),
      '--certificate-identity',
      'https://example.org/someone-else',
      '--certificate-oidc-issuer-regexp',
      '.*',
      '--insecure-ignore-sct',
      '--insecure-ignore-tlog',
      image.byDigest,
    ]);
    expect(otherIdentity.code).not.toBe(0);
    // And with the public key alone, as the key-pinning alternative.
    await writeFile(join(work, 'good-cosign.pub'), cosignPublicKeyPem(byName('good').pair.publicKey));
    const byKey = await cosign(verifierHome, [
      'verify',
      '--key',
      join(work, 'good-cosign.pub'),
      '--insecure-ignore-tlog',
      image.byDigest,
    ]);
    expect(byKey.code, byKey.stderr).toBe(0);
  });

  it('the root on a SoftHSM2 token anchors a leaf the same way', async () => {
    const image = await pushTestImage(registry, 'wikibase/cosign-token', 'v1');
    await sign(byName('token'), image.byDigest);
    expect((await verify(join(byName('token').dir, 'root.pem'), image.byDigest)).code).toBe(0);
    expect((await verify(join(byName('good').dir, 'root.pem'), image.byDigest)).code).not.toBe(0);
  });

  it('refuses an image signed by a leaf of another CA', async () => {
    const image = await pushTestImage(registry, 'wikibase/cosign-other', 'v1');
    await sign(byName('other-ca'), image.byDigest);
    const result = await verify(join(byName('good').dir, 'root.pem'), image.byDigest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate signed by unknown authority|cert verification failed/);
  });

  it('refuses a tag moved to other content (the signature names the old digest)', async () => {
    const image = await pushTestImage(registry, 'wikibase/cosign-tampered', 'v1');
    await sign(byName('good'), image.byDigest);
    expect((await verify(join(byName('good').dir, 'root.pem'), `${image.repository}:v1`)).code).toBe(0);
    await pushTestImage(registry, 'wikibase/cosign-tampered', 'v1');
    const result = await verify(join(byName('good').dir, 'root.pem'), `${image.repository}:v1`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no signatures found|no matching signatures/);
  });

  it('refuses a signature by an expired leaf', async () => {
    const image = await pushTestImage(registry, 'wikibase/cosign-expired', 'v1');
    await sign(byName('expired'), image.byDigest);
    const result = await verify(join(byName('good').dir, 'root.pem'), image.byDigest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/expired/);
  });

  it('does not check CRLs: a revoked leaf still verifies with cosign 2 (documented)', async () => {
    const image = await pushTestImage(registry, 'wikibase/cosign-revoked', 'v1');
    await sign(byName('revoked'), image.byDigest);
    expect((await verify(join(byName('good').dir, 'root.pem'), image.byDigest)).code).toBe(0);
  });
});

describe('notation 1.3 with our trust store, trust policy and signing key', () => {
  let signerHome: ToolHome;

  async function verifierFor(repository: string, root: IssuedCertificate, identity = leafSubject): Promise<ToolHome> {
    const home = await toolHome();
    await writeNotationConfig(home, [
      ...notationTrustStoreFiles('wikibase', [{ name: 'wikibase-root', certificate: root }]),
      {
        path: 'trustpolicy.json',
        content: notationTrustPolicy([
          {
            name: 'wikibase-images',
            registryScopes: [repository],
            trustStores: ['wikibase'],
            trustedIdentities: [
              {
                country: identity.country,
                state: identity.state,
                organization: identity.organization,
                organizationalUnit: identity.organizationalUnit,
              },
            ],
          },
        ]),
      },
    ]);
    return home;
  }

  beforeAll(async () => {
    signerHome = await toolHome();
    await writeNotationConfig(signerHome, [
      {
        path: 'signingkeys.json',
        content: notationSigningKeys(
          [...leaves.values()].map((l) => ({
            name: l.name,
            keyPath: join(l.dir, 'notation.key'),
            certPath: join(l.dir, 'chain.pem'),
          })),
        ),
      },
    ]);
  });

  async function sign(name: string, image: string): Promise<void> {
    const result = await notation(signerHome, ['sign', '--insecure-registry', '--key', name, image]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
  }

  async function verify(home: ToolHome, image: string) {
    return notation(home, ['verify', '--verbose', '--insecure-registry', image]);
  }

  it('crane registry answers no referrers API, so notation uses the referrers tag schema', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-good', 'v1');
    const response = await fetch(`http://${registry.host}/v2/wikibase/notation-good/referrers/${image.digest}`);
    expect(response.status).toBe(404);
    await sign('good', image.byDigest);
    const tags = await run(toolPath('crane'), ['ls', '--insecure', image.repository]);
    expect(tags.stdout).toContain(image.digest.replace(':', '-'));
    const home = await verifierFor(image.repository, main.root);
    const result = await verify(home, image.byDigest);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/Successfully verified signature/);
    expect(crlServer.hits.get('/root.crl') ?? 0).toBeGreaterThan(0);
  });

  it('the root on a SoftHSM2 token anchors a leaf the same way', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-token', 'v1');
    await sign('token', image.byDigest);
    expect((await verify(await verifierFor(image.repository, onToken.root), image.byDigest)).code).toBe(0);
    expect((await verify(await verifierFor(image.repository, main.root), image.byDigest)).code).not.toBe(0);
  });

  it('refuses a leaf of another CA, and a trusted identity that does not match', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-other', 'v1');
    await sign('other-ca', image.byDigest);
    const result = await verify(await verifierFor(image.repository, main.root), image.byDigest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate chain does not contain any trusted certificate/);
    const good = await pushTestImage(registry, 'wikibase/notation-identity', 'v1');
    await sign('good', good.byDigest);
    const wrongIdentity = await verify(
      await verifierFor(good.repository, main.root, { ...leafSubject, organizationalUnit: 'Someone else' }),
      good.byDigest,
    );
    expect(wrongIdentity.code).not.toBe(0);
    expect(wrongIdentity.stderr).toMatch(/trusted identities/);
  });

  it('refuses a tag moved to other content', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-tampered', 'v1');
    await sign('good', image.byDigest);
    const home = await verifierFor(image.repository, main.root);
    expect((await verify(home, `${image.repository}:v1`)).code).toBe(0);
    await pushTestImage(registry, 'wikibase/notation-tampered', 'v1');
    const result = await verify(home, `${image.repository}:v1`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no signature/i);
  });

  it('refuses a leaf revoked in the CRL at its distribution point', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-revoked', 'v1');
    await sign('revoked', image.byDigest);
    const result = await verify(await verifierFor(image.repository, main.root), image.byDigest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/revocation validation failed.*revoked|is revoked/);
  });

  it('refuses (strict) a leaf whose CRL cannot be fetched: revocation status unknown', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-nocrl', 'v1');
    await sign('crl-unreachable', image.byDigest);
    const result = await verify(await verifierFor(image.repository, main.root), image.byDigest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/missing\.crl: .*404/);
    expect(result.stderr).toMatch(/revocation status is unknown/);
  });

  it('refuses to sign with an expired leaf', async () => {
    const image = await pushTestImage(registry, 'wikibase/notation-expired', 'v1');
    const result = await notation(signerHome, ['sign', '--insecure-registry', '--key', 'expired', image.byDigest]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/expired|invalid at signing time/i);
  });
});
