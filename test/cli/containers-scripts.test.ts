/**
 * The shipped container-signing scripts: strict plans, the unchanged containers-root.yaml rehearsed on an
 * OpenPGP rehearsal (its published cosign and notation commands, its CRL address, and notation refusing an
 * image when that address cannot be reached — strict verification needs the CRL), and bad input refused with a
 * clear error before anything is created: wrong subject fields, a signing certificate that would outlive its
 * root (when the script is loaded, and before anything runs when the root is in the vault), an unknown signer,
 * a hand-off folder that exists, a second root. Each refusal leaves every tree exactly as it was.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderKeysPage } from '../../src/publish/keys-page.js';
import { emptyInventory } from '../../src/vault/inventory.js';
import {
  handoffFolder,
  readmeCommands,
  runAsUser,
  signingEnvironment,
  signWithHandoff,
} from '../helpers/container-ceremony.js';
import { type CraneRegistry, pushTestImage, startCraneRegistry } from '../helpers/crane-registry.js';
import { scriptVariant } from '../helpers/dct.js';
import { snapshot } from '../helpers/files.js';
import { inventoryKeys } from '../helpers/inventory.js';
import { ceremoniesDir, repoRoot } from '../helpers/paths.js';
import { copyOfRehearsal, rehearsalSecrets } from '../helpers/rehearsal.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = join(ceremoniesDir, 'containers-root.yaml');
const ISSUE = join(ceremoniesDir, 'containers-issue-signer.yaml');
const REVOKE = join(ceremoniesDir, 'containers-revoke.yaml');

let dir: string;
let registry: CraneRegistry;

beforeAll(async () => {
  [dir, registry] = await Promise.all([copyOfRehearsal(), startCraneRegistry()]);
  const result = await cli(['rehearse', ROOT, '--out', dir]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
});

/** Runs `rehearse` expecting a refusal that leaves `dir` exactly as it was. */
async function refusedWithoutTrace(script: string, target: string, env: NodeJS.ProcessEnv = {}) {
  const before = await snapshot(target, { directories: true });
  const result = await cli(['rehearse', script, '--out', target], { env });
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(await snapshot(target, { directories: true })).toEqual(before);
  return result;
}

describe('the shipped container-signing scripts', () => {
  it('every one plans under --strict', async () => {
    for (const name of ['containers-root', 'containers-root-token', 'containers-issue-signer', 'containers-revoke']) {
      const result = await cli(['plan', '--strict', join(ceremoniesDir, `${name}.yaml`)]);
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
    }
  });

  it('containers-root.yaml as shipped: a cosign-verifiable image; notation refuses while the CRL address is unreachable', async () => {
    const keys = await inventoryKeys(dir);
    expect(keys.filter((k) => k.kind === 'x509-root-ca')).toHaveLength(1);
    expect(keys.filter((k) => k.kind === 'x509-crl')[0]?.expires).toBeTruthy();
    const policy = JSON.parse(
      await readFile(join(dir, 'public', 'containers', 'notation', 'trustpolicy.json'), 'utf8'),
    );
    expect(policy.trustPolicies[0].registryScopes).toEqual([
      'docker.io/wikibase/wikibase',
      'docker.io/wikibase/wdqs',
      'docker.io/wikibase/quickstatements',
    ]);
    expect(policy.trustPolicies[0].trustedIdentities).toEqual([
      'x509.subject: C=DE, ST=Berlin, O=Wikimedia Deutschland e. V.',
    ]);
    const commands = await readmeCommands(join(dir, 'public'));
    expect(commands.cosign).toContain('docker.io/wikibase/wikibase@sha256:DIGEST');
    expect(commands.cosign).toContain('https://github\\.com/wmde/wikibase-suite');

    const env = await signingEnvironment();
    const secrets = await rehearsalSecrets(dir);
    const image = await pushTestImage(registry, 'wikibase/wikibase', 'shipped');
    const signed = await signWithHandoff(
      env,
      await handoffFolder(dir, 'release-pipeline'),
      secrets['containers.handoff.release-pipeline.passphrase']!,
      image.byDigest,
    );
    expect(signed.code, signed.stderr).toBe(0);
    const cosign = await runAsUser(env, join(dir, 'public'), commands.cosign, image.byDigest);
    expect(cosign.code, cosign.stderr).toBe(0);
    // The trust policy scopes docker.io/wikibase/*: an image of this test registry is out of its scope ...
    const outOfScope = await runAsUser(env, join(dir, 'public'), commands.notation, image.byDigest);
    expect(outOfScope.code).not.toBe(0);
    expect(outOfScope.stderr).toMatch(/no applicable trust policy/i);
    // ... and in scope, the certificate's CRL address (crl.wikimedia.de, unreachable here) must answer.
    const scoped = commands.notation.replace(
      'notation policy import notation/trustpolicy.json',
      `sed 's#docker.io/wikibase/wikibase#${image.repository}#' notation/trustpolicy.json > "$HOME/policy.json"\nnotation policy import "$HOME/policy.json"\nnotation verify --verbose ${image.byDigest} || true`,
    );
    const unreachable = await runAsUser(env, join(dir, 'public'), scoped, image.byDigest);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toMatch(
      /crl\.wikimedia\.de.*revocation status is unknown|revocation status is unknown/s,
    );
  });
});

describe('the documentation shows what the shipped scripts make', () => {
  it('docs print the published verification commands and the hand-off workflow as they are', async () => {
    const commands = await readmeCommands(join(dir, 'public'));
    const docs = async (name: string): Promise<string> => readFile(join(repoRoot, 'docs', name), 'utf8');
    const guide = await docs('containers.md');
    const users = await docs('verifying-releases.md');
    for (const text of [guide, users]) {
      expect(text).toContain(commands.cosign);
      expect(text).toContain(commands.notation);
    }
    // The DCT migration's cosign command is the published one followed by a pull of the verified digest.
    expect(await docs('dct.md')).toContain(
      commands.cosign
        .split('\n')
        .map((l) => `   ${l}`)
        .join('\n'),
    );
    const handoffReadme = await readFile(join(await handoffFolder(dir, 'release-pipeline'), 'README.md'), 'utf8');
    const workflow = (text: string): string => /```yaml\n([\s\S]*?)```/.exec(text)?.[1] ?? 'none';
    expect(workflow(guide)).toBe(workflow(handoffReadme));
  });
});

describe('status and the keys page know the container-signing root', () => {
  it('status lists the root, its signers and the CRL deadline, and warns before the CRL runs out', async () => {
    const keys = await inventoryKeys(dir);
    const crl = keys.find((k) => k.kind === 'x509-crl')!;
    const ok = await cli(['status', '--vault', join(dir, 'vault')]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/container root CA wikibase-containers [0-9a-f]{16}\s+root\s+nistp384\s+\S+\s+\d{4}-/);
    expect(ok.stdout).toMatch(/container signer release-pipeline [0-9a-f]{16}\s+signing\s+nistp256/);
    const soon = new Date(Date.parse(crl.expires!) - 10 * 24 * 3600 * 1000).toISOString();
    const due = await cli(['status', '--vault', join(dir, 'vault'), '--now', soon, '--json']);
    expect(due.code).toBe(1);
    const rows = JSON.parse(due.stdout).keys as { kind: string; state: string }[];
    expect(rows.find((r) => r.kind === 'x509-crl')?.state).toBe('due');
    const text = await cli(['status', '--vault', join(dir, 'vault'), '--now', soon]);
    expect(text.stdout).toMatch(/CRL of wikibase-containers [0-9a-f]{16} .*renewal due/);
  });

  it('keys.html has a "Verify an image" section with the root fingerprint in hex and words and both commands', async () => {
    const html = await readFile(join(dir, 'public', 'keys.html'), 'utf8');
    const root = (await inventoryKeys(dir)).find((k) => k.kind === 'x509-root-ca')!;
    expect(html).toContain('<h2>Verify an image</h2>');
    expect(html).toContain(root.id.slice(0, 4).toUpperCase());
    expect(html).toMatch(/Read aloud: \w+ \w+/);
    expect(html).toContain('cosign verify --certificate-chain wikibase-containers.crt');
    expect(html).toContain('notation verify docker.io/wikibase/wikibase@sha256:DIGEST');
    expect(html).toContain('href="containers/wikibase-containers.crt"');
    // No DCT keys in this vault: no DCT note.
    expect(html).not.toContain('Docker Content Trust');
  });

  it('keys.html marks Docker Content Trust as legacy when the vault has DCT keys', () => {
    const inventory = {
      ...emptyInventory('Wikimedia Deutschland e. V.', false, new Date('2026-12-01T00:00:00Z')),
    };
    inventory.keys.push({
      id: 'a'.repeat(64),
      kind: 'dct-root',
      role: 'root',
      algorithm: 'nistp256',
      created: '2026-12-01T00:00:00Z',
      expires: null,
      status: 'active',
      location: { type: 'file', path: 'dct/private/x.key' },
      createdBy: 'dct-root',
    });
    const html = renderKeysPage({ certificates: [], inventory, asOf: new Date(), toolVersion: 'test' });
    expect(html).toMatch(/Docker Content Trust \(legacy\)[\s\S]*self-hosted notary server/);
    expect(html).toContain('DOCKER_CONTENT_TRUST=1');
  });
});

describe('bad input is refused before anything is created', () => {
  it('wrong subject fields: named with their line, at plan and at rehearse', async () => {
    const script = await scriptVariant(ROOT, (t) =>
      t
        .replace('country: DE', 'country: Germany')
        .replace('        state: Berlin\n', '')
        .replace('commonName: Wikibase release pipeline', 'commonName: "Wikibase <pipeline>"'),
    );
    const plan = await cli(['plan', script]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/\d+:\d+ steps\[2\]\.params\.subject\.country: must be a two-letter country code/);
    expect(plan.stderr).toMatch(/steps\[2\]\.params\.subject\.state: ST \(state\) is required/);
    expect(plan.stderr).toMatch(/steps\[4\]\.params\.signers\[0\]\.commonName: must not contain/);
    const fresh = join(await tempDir('kc-bad-subject-'), 'R');
    const rehearsed = await cli(['rehearse', script, '--out', fresh]);
    expect(rehearsed.code).toBe(2);
    await expect(readFile(join(fresh, 'rehearsal-secrets.json'))).rejects.toThrow();
  });

  it('a signing certificate that would outlive the root made in the same script: refused at plan', async () => {
    const script = await scriptVariant(ROOT, (t) => t.replace(/validity: 1y\n/, 'validity: 10y\n'));
    const plan = await cli(['plan', script]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(
      /steps\[4\]\.params\.signers\[0\]\.validity: 10y does not end before the root made in step "generate-root-ca" \(10y\)/,
    );
  });

  it('a signing certificate that would outlive the root in the vault: refused before the first step', async () => {
    const script = await scriptVariant(ISSUE, (t) =>
      t.replace('validity: 1y\n      confirmBy', 'validity: 11y\n      confirmBy'),
    );
    const result = await refusedWithoutTrace(script, dir);
    expect(result.stderr).toMatch(
      /signer "release-pipeline": a certificate valid 11 years would end .* after the root wikibase-containers/,
    );
    expect(result.stdout).not.toMatch(/Step 1\//);
  });

  it('an unknown signer: refused before the first step', async () => {
    const script = await scriptVariant(REVOKE, (t) => t.replace('- signer: release-manager', '- signer: nobody'));
    const result = await refusedWithoutTrace(script, dir);
    expect(result.stderr).toMatch(/unknown signer "nobody": the vault has no container signing certificate for it/);
    expect(result.stdout).not.toMatch(/Step 1\//);
  });

  it('a second root CA: refused before the first step', async () => {
    const result = await refusedWithoutTrace(ROOT, dir);
    expect(result.stderr).toMatch(/already has an active container-signing root CA wikibase-containers/);
    expect(result.stdout).not.toMatch(/Step 1\//);
  });
});
