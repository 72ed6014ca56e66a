/**
 * Notation's trust policy, trust store and signing-key files as src/containers writes them, judged by the real
 * notation 1.3.2: every document we write is accepted by `notation policy import`; every statement our writer
 * refuses, notation refuses too (the same statement written by hand, bypassing our writer); the trust store
 * and signingkeys.json are listed by `notation cert list` / `notation key list`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  notationSigningKeys,
  notationTrustPolicy,
  notationTrustStoreFiles,
  type TrustPolicyStatement,
} from '../../src/containers/index.js';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import { KeyceremonyError } from '../../src/errors.js';
import { SoftwareSigner } from '../../src/signer/index.js';
import {
  addYears,
  createRootCa,
  formatName,
  type IssuedCertificate,
  issueSigningCertificate,
} from '../../src/x509/index.js';
import { notation, toolHome, writeNotationConfig } from '../helpers/container-tools.js';
import { tempDir } from '../helpers/tmp.js';

const wmde = { country: 'DE', state: 'Berlin', organization: 'Wikimedia Deutschland e.V.' };
const good: TrustPolicyStatement = {
  name: 'wikibase-images',
  registryScopes: ['docker.io/wikibase/wikibase', 'docker.io/wikibase/wdqs', 'ghcr.io/wmde/wikibase-release_pipeline'],
  trustStores: ['wikibase'],
  trustedIdentities: [
    { ...wmde, commonName: 'Wikibase release pipeline' },
    { ...wmde, commonName: 'Release manager' },
  ],
};

/** A statement as notation's JSON, without our validation (to ask notation about what we refuse). */
function rawPolicy(s: TrustPolicyStatement, rawScopes?: string[], rawIdentities?: string[]): string {
  return JSON.stringify({
    version: '1.0',
    trustPolicies: [
      {
        name: s.name,
        registryScopes: rawScopes ?? s.registryScopes,
        signatureVerification: { level: s.level ?? 'strict' },
        trustStores: s.trustStores.map((t) => `ca:${t}`),
        trustedIdentities: rawIdentities ?? s.trustedIdentities.map((id) => `x509.subject: ${formatName(id)}`),
      },
    ],
  });
}

async function notationImports(document: string): Promise<{ code: number; output: string }> {
  const home = await toolHome();
  const file = join(home.dir, 'policy.json');
  await writeFile(file, document);
  const result = await notation(home, ['policy', 'import', '--force', file]);
  return { code: result.code, output: result.stdout + result.stderr };
}

function refused(f: () => unknown): KeyceremonyError {
  try {
    f();
  } catch (error) {
    if (error instanceof KeyceremonyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('trust policy', () => {
  it('notation imports what we write (several scopes, identities with escapes, each level)', async () => {
    for (const statements of [
      [good],
      [{ ...good, level: 'permissive' as const }],
      [
        { ...good, trustedIdentities: [{ ...wmde, organizationalUnit: 'Releases, Containers; Tarballs' }] },
        {
          name: 'local',
          registryScopes: ['127.0.0.1:5000/wikibase/test'],
          trustStores: ['wikibase', 'wikibase.old'],
          trustedIdentities: [wmde],
        },
      ],
    ]) {
      const result = await notationImports(notationTrustPolicy(statements));
      expect(result.code, result.output).toBe(0);
    }
  });

  const refusals: [string, TrustPolicyStatement, string[]?, string[]?][] = [
    ['a wildcard repository scope', { ...good, registryScopes: ['docker.io/wikibase/*'] }],
    ['a scope with a tag', { ...good, registryScopes: ['docker.io/wikibase/wikibase:latest'] }],
    ['an upper-case repository', { ...good, registryScopes: ['docker.io/Wikibase/wikibase'] }],
    ['"*" with other scopes', { ...good, registryScopes: ['*', 'docker.io/wikibase/wikibase'] }],
    ['a store name with a slash', { ...good, trustStores: ['wiki/base'] }],
    [
      'an identity without ST',
      { ...good, trustedIdentities: [{ country: 'DE', organization: 'WMDE' }] },
      undefined,
      ['x509.subject: C=DE, O=WMDE'],
    ],
    ['overlapping identities', { ...good, trustedIdentities: [wmde, { ...wmde, commonName: 'Release manager' }] }],
  ];
  for (const [what, statement, rawScopes, rawIdentities] of refusals) {
    it(`refuses ${what}, as notation does`, async () => {
      const error = refused(() => notationTrustPolicy([statement]));
      expect(error.code).toBe('INPUT_INVALID');
      const result = await notationImports(rawPolicy(statement, rawScopes, rawIdentities));
      expect(result.code, result.output).not.toBe(0);
    });
  }

  it('refuses a scope without a registry host, where notation would accept one that never matches', async () => {
    const statement = { ...good, registryScopes: ['wikibase/wikibase'] };
    expect(refused(() => notationTrustPolicy([statement])).message).toMatch(/must start with the registry host/);
    expect((await notationImports(rawPolicy(statement))).code).toBe(0);
  });

  it('refuses a scope in two statements and duplicate names, as notation does', async () => {
    const twice = [good, { ...good, name: 'second', trustedIdentities: [{ ...wmde, commonName: 'x' }] }];
    expect(refused(() => notationTrustPolicy(twice)).code).toBe('INPUT_INVALID');
    const raw = JSON.parse(rawPolicy(good)) as { trustPolicies: object[] };
    raw.trustPolicies.push({ ...(JSON.parse(rawPolicy(twice[1]!)) as { trustPolicies: object[] }).trustPolicies[0] });
    expect((await notationImports(JSON.stringify(raw))).code).not.toBe(0);
  });
});

describe('trust store and signing keys', () => {
  let root: IssuedCertificate;
  let leaf: IssuedCertificate;

  beforeAll(async () => {
    const signer = new SoftwareSigner(await generateKeyPair('nistp384'));
    const now = new Date();
    root = await createRootCa(
      { subject: { ...wmde, commonName: 'Root' }, notBefore: now, notAfter: addYears(now, 10) },
      { signer },
    );
    const key = await generateKeyPair('nistp256');
    leaf = await issueSigningCertificate(
      { subject: { ...wmde, commonName: 'Leaf' }, notBefore: now, notAfter: addYears(now, 1) },
      key.publicKey,
      { certificate: root.parsed },
      { signer },
    );
  });

  it('notation lists the root in the store we lay out', async () => {
    const home = await toolHome();
    const files = notationTrustStoreFiles('wikibase', [{ name: 'wikibase-root-2026', certificate: root }]);
    expect(files.map((f) => f.path)).toEqual(['truststore/x509/ca/wikibase/wikibase-root-2026.crt']);
    await writeNotationConfig(home, files);
    const listed = await notation(home, ['cert', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/ca\s+wikibase\s+wikibase-root-2026\.crt/);
  });

  it('refuses a signing certificate in a CA store, and bad names', () => {
    expect(refused(() => notationTrustStoreFiles('wikibase', [{ name: 'leaf', certificate: leaf }])).message).toMatch(
      /only root CA certificates/,
    );
    expect(refused(() => notationTrustStoreFiles('../x', [{ name: 'r', certificate: root }])).code).toBe(
      'INPUT_INVALID',
    );
    expect(refused(() => notationTrustStoreFiles('w', [{ name: 'a b', certificate: root }])).code).toBe(
      'INPUT_INVALID',
    );
    expect(refused(() => notationTrustStoreFiles('w', [])).code).toBe('INPUT_INVALID');
  });

  it('notation key list shows the keys signingkeys.json registers; relative paths are refused', async () => {
    const home = await toolHome();
    const dir = await tempDir('kc-notation-keys-');
    await writeNotationConfig(home, [
      {
        path: 'signingkeys.json',
        content: notationSigningKeys([
          { name: 'release-pipeline', keyPath: join(dir, 'k.pem'), certPath: join(dir, 'chain.pem') },
          { name: 'release-manager', keyPath: join(dir, 'k2.pem'), certPath: join(dir, 'chain2.pem') },
        ]),
      },
    ]);
    const listed = await notation(home, ['key', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/\* release-pipeline\s+\S*k\.pem\s+\S*chain\.pem/);
    expect(listed.stdout).toMatch(/release-manager/);
    expect(refused(() => notationSigningKeys([{ name: 'x', keyPath: 'k.pem', certPath: '/c.pem' }])).code).toBe(
      'INPUT_INVALID',
    );
    expect(refused(() => notationSigningKeys([])).code).toBe('INPUT_INVALID');
  });
});
