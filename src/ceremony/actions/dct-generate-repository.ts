/**
 * `dct.generate-repository`: for each repository (GUN), a root certificate for the DCT root key (CN = GUN,
 * as notary makes it, signed through the root's Signer) and the repository's targets key (notary format,
 * `role: targets`, `gun: <GUN>`). The certificate goes to the vault and the public tree; the targets key
 * stays in the vault.
 */
import { z } from 'zod';
import { generateKeyPair } from '../../crypto/index.js';
import {
  certificatePem,
  createSelfSignedCertificate,
  parseCertificate,
  rootCertificateProblems,
} from '../../dct/index.js';
import { dctPublicPath, dctVaultPath } from '../../dct/index.js';
import { tufKeyId, x509TufKey } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { addDuration, formatDuration, parseDuration, wholeSeconds } from '../../util/duration.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import {
  activeDctRoot,
  activeTargetsKey,
  noteDctExpiry,
  openDctSigner,
  registerDctKey,
  showKeyId,
  writeOrReplace,
  writeVaultKey,
} from '../dct/vault-keys.js';
import { DurationParam, uniqueList } from '../params/common.js';
import { GunParam } from '../params/dct.js';

const Params = z.strictObject({
  /** The repositories (GUNs) to create trust for, e.g. docker.io/wikibase/wikibase. */
  repositories: uniqueList(GunParam, 'repository'),
  /** How long each root certificate is valid (notary: 10 years). */
  certificateValidity: DurationParam.default('10y'),
});
type Params = z.infer<typeof Params>;

/** Makes, checks and writes the root certificate of `gun`; returns its PEM. Shared with the rotation. */
export async function issueRootCertificate(
  ctx: CeremonyContext,
  gun: string,
  rootKeyId: string,
  signer: Awaited<ReturnType<typeof openDctSigner>>,
  validity: string,
): Promise<{ pem: string; x509KeyId: string; notAfter: Date }> {
  const notBefore = wholeSeconds(ctx.now());
  const notAfter = addDuration(notBefore, parseDuration(validity));
  const der = await createSelfSignedCertificate(signer, { commonName: gun, notBefore, notAfter });
  const parsed = parseCertificate(der);
  const problems = rootCertificateProblems(parsed, gun, ctx.now());
  if (problems.length > 0)
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the new root certificate for ${gun} would be refused by notary clients: ${problems.join('; ')}`,
    );
  const pem = certificatePem(der);
  const x509KeyId = tufKeyId(x509TufKey(pem));
  const extra = {
    gun,
    certificateKeyId: x509KeyId,
    signedBy: rootKeyId,
    notAfter: notAfter.toISOString(),
    serial: parsed.serialHex,
  };
  ctx.recordOutput(await writeOrReplace(ctx.vault, dctVaultPath.rootCertificate(gun), pem, ctx.now()), extra);
  ctx.recordOutput(await writeOrReplace(ctx.public, dctPublicPath.rootCertificate(gun), pem, ctx.now()), extra);
  showKeyId(ctx, `Root key ID for ${gun} (as docker trust inspect shows it)`, x509KeyId);
  noteDctExpiry(ctx, rootKeyId, notAfter);
  return { pem, x509KeyId, notAfter };
}

export const dctGenerateRepository = defineAction<Params>({
  name: 'dct.generate-repository',
  title: 'Create the DCT repository keys and root certificates',
  params: Params,
  describe(p) {
    return {
      summary: `For each repository, issue a root certificate for the DCT root key (CN = the GUN, valid ${formatDuration(p.certificateValidity)}) and generate the repository's targets key (ECDSA P-256, notary format, encrypted with the DCT passphrase).`,
      details: p.repositories.map((gun) => `repository: ${gun}`),
      creates: [
        {
          tree: 'vault',
          path: dctVaultPath.privateKey('<KEYID>'),
          what: 'one targets key per repository (role: targets, gun: <GUN>)',
        },
        { tree: 'vault', path: dctVaultPath.rootCertificate('<GUN>'), what: 'the root certificate of each repository' },
        { tree: 'public', path: dctPublicPath.rootCertificate('<GUN>'), what: 'the same certificate, for publication' },
      ],
    };
  },
  async run(ctx, p) {
    for (const gun of p.repositories) {
      const existing = activeTargetsKey(ctx, gun);
      if (existing)
        throw new KeyceremonyError(
          'VAULT_INVALID',
          `the vault already has repository (targets) key ${existing.id} for ${gun}`,
        );
    }
    const root = activeDctRoot(ctx);
    const signer = await openDctSigner(ctx, root);
    for (const gun of p.repositories) {
      ctx.ui.info(`Repository ${gun}`);
      await issueRootCertificate(ctx, gun, root.id, signer, p.certificateValidity);
      const created = wholeSeconds(ctx.now());
      const pair = await generateKeyPair('nistp256');
      const { file, path, keyId } = await writeVaultKey(ctx, pair, { role: 'targets', gun });
      registerDctKey(
        ctx,
        { keyId, kind: 'dct-targets', role: 'targets', label: gun, parent: root.id, path, created },
        { gun },
      );
      ctx.recordOutput(file, { keyId, gun, encrypted: true, format: 'notary' });
      showKeyId(ctx, `Repository (targets) key ID for ${gun}`, keyId);
      ctx.ui.success(`Root certificate and repository key for ${gun} written and checked`);
    }
  },
});
