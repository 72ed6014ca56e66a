/**
 * `dct.rotate-root`: replaces the DCT root key offline. A new ECDSA P-256 root key and, per repository, a
 * new root certificate; root.json at version + 1 that keeps the repository, snapshot and timestamp keys,
 * names only the new certificate in the root role, and is signed by BOTH the old and the new root keys —
 * clients that trust the old root accept the new one because the old key signed it (notary's
 * trustpinning.ValidateRoot), and the new root validates itself.
 *
 * Before anything is made, every repository's current root.json in the vault is checked: it must be signed
 * by the vault's active DCT root key through a certificate whose CN is the GUN and which has not expired.
 * An expired certificate is refused unless the script allows it: clients reject a cached root whose
 * certificate expired, so they will not chain to the new one and must trust it afresh.
 */
import { z } from 'zod';
import { samePublicKey } from '../../crypto/index.js';
import { tufTime } from '../../dct/index.js';
import type { ParsedCertificate } from '../../dct/index.js';
import { dctPublicPath, dctVaultPath } from '../../dct/index.js';
import {
  type RootSigned,
  serializeMetadata,
  type SignedMetadata,
  signMetadata,
  validSignatureKeyIds,
} from '../../dct/index.js';
import { type TufKeyJson, tufKeyJson, x509TufKey } from '../../dct/index.js';
import { rootCertificates } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { addDuration, formatDuration, parseDuration, wholeSeconds } from '../../util/duration.js';
import { defineAction } from '../action.js';
import { confirmChanges } from '../changes.js';
import { rootChangeRows } from '../dct/change-view.js';
import type { CeremonyContext } from '../context.js';
import { assertRootAccepted, vaultMetadata, writeKeyIds, writeMetadata } from '../dct/repository-metadata.js';
import { activeDctRoot, createDctRootKey, DEFAULT_DCT_ROOT_OBJECT, openDctSigner } from '../dct/vault-keys.js';
import { DctRootLocationParams, describeDctRootLocation, refineDctRootLocation } from '../params/dct-root-location.js';
import { DurationParam, RoleRefParam, uniqueList } from '../params/common.js';
import { GunParam } from '../params/dct.js';
import { issueRootCertificate } from './dct-generate-repository.js';

const Params = z
  .strictObject({
    /** Repositories whose root rotates (default: every repository with a root.json in the vault). */
    repositories: uniqueList(GunParam, 'repository').optional(),
    certificateValidity: DurationParam.default('10y'),
    rootExpires: DurationParam.default('10y'),
    /** Rotate although a current root certificate has expired (clients must then trust the new root afresh). */
    allowExpiredCertificate: z.boolean().default(false),
    /** Roles that confirm the "what changes" view before the root keys sign (default: the step's role). */
    confirmBy: z.array(RoleRefParam).min(1).optional(),
    /** Where the new root key is made (the old one may be anywhere). */
    ...DctRootLocationParams,
  })
  .superRefine(refineDctRootLocation);
type Params = z.infer<typeof Params>;

interface CurrentRoot {
  readonly gun: string;
  readonly metadata: SignedMetadata<RootSigned>;
  readonly oldKeyId: string;
  readonly cert: ParsedCertificate;
}

/** Checks a repository's current root before the rotation touches anything. */
async function currentRoot(
  ctx: CeremonyContext,
  gun: string,
  oldRoot: Awaited<ReturnType<typeof openDctSigner>>,
  allowExpired: boolean,
): Promise<CurrentRoot> {
  const path = dctVaultPath.metadata(gun, 'root');
  const metadata = await vaultMetadata(ctx, gun, 'root');
  if (!metadata)
    throw new KeyceremonyError('VAULT_INVALID', `the vault has no root.json for ${gun} (vault/${path}) to rotate`);
  const ours = [...rootCertificates(metadata.signed)].filter(
    ([, cert]) => cert.publicKey && samePublicKey(cert.publicKey, oldRoot.publicKey),
  );
  const [found] = ours;
  if (!found)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `vault/${path} has no root certificate for the vault's active DCT root key`,
    );
  const [oldKeyId, cert] = found;
  if (cert.commonName !== gun) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `the current root certificate of ${gun} (vault/${path}) has the CN "${cert.commonName ?? ''}", not the GUN: clients never accepted it for ${gun}`,
    );
  }
  if (validSignatureKeyIds(metadata, metadata.signed.keys, [oldKeyId]).length === 0) {
    throw new KeyceremonyError('VAULT_INVALID', `vault/${path} is not signed by the root key its certificate names`);
  }
  if (cert.notAfter.getTime() < ctx.now().getTime()) {
    const message = `the current root certificate of ${gun} expired on ${cert.notAfter.toISOString()}`;
    if (!allowExpired) {
      throw new KeyceremonyError('VAULT_INVALID', message, {
        details: [
          'Clients no longer accept the current root, so they cannot chain to a rotated one.',
          'To rotate anyway (every client must then trust the new root afresh), set allowExpiredCertificate: true in the script.',
        ],
      });
    }
    ctx.ui.warn(`${message}; rotating anyway (allowExpiredCertificate): clients must trust the new root afresh`);
    ctx.transcript.record('dct.expired-certificate-allowed', { gun, notAfter: cert.notAfter.toISOString() });
  }
  return { gun, metadata, oldKeyId, cert };
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const now = ctx.now();
  const oldEntry = activeDctRoot(ctx);
  const oldSigner = await openDctSigner(ctx, oldEntry);
  const repositories =
    p.repositories ??
    ctx.inventory.keys.filter((k) => k.kind === 'dct-targets' && k.status === 'active').map((k) => k.label ?? '');
  if (repositories.length === 0)
    throw new KeyceremonyError('VAULT_INVALID', 'the vault has no repositories whose root could rotate');
  // Everything is checked before anything is made.
  const current: CurrentRoot[] = [];
  for (const gun of repositories) current.push(await currentRoot(ctx, gun, oldSigner, p.allowExpiredCertificate));
  for (const c of current)
    ctx.transcript.record('check.passed', {
      check: 'current root certificate and root.json',
      detail: `${c.gun} version ${c.metadata.signed.version}`,
    });

  const created = wholeSeconds(now);
  const { keyId, signer: newSigner } = await createDctRootKey(
    ctx,
    { location: p.location, token: p.token },
    { replaces: oldEntry.id },
  );
  oldEntry.status = 'revoked';
  oldEntry.revocation = { reason: `superseded by ${keyId} (root rotation)`, date: created.toISOString() };

  // The new root.json of every repository, before any root key signs it.
  const planned: { readonly c: CurrentRoot; readonly signed: RootSigned; readonly x509KeyId: string }[] = [];
  for (const c of current) {
    const { pem, x509KeyId } = await issueRootCertificate(ctx, c.gun, keyId, newSigner, p.certificateValidity);
    const old = c.metadata.signed;
    const keys: Record<string, TufKeyJson> = {};
    for (const [id, key] of Object.entries(old.keys)) if (!old.roles.root.keyids.includes(id)) keys[id] = key;
    keys[x509KeyId] = tufKeyJson(x509TufKey(pem));
    const signed: RootSigned = {
      ...old,
      keys,
      roles: { ...old.roles, root: { keyids: [x509KeyId], threshold: 1 } },
      expires: tufTime(addDuration(now, parseDuration(p.rootExpires))),
      version: old.version + 1,
    };
    planned.push({ c, signed, x509KeyId });
  }
  // What changes: the root role loses the old root certificate's key ID and gains the new one.
  await confirmChanges(
    ctx,
    {
      subject: `the DCT root of ${planned.map((x) => x.c.gun).join(', ')}`,
      rows: planned.flatMap((x) => rootChangeRows(x.c.gun, x.c.metadata.signed, x.signed)),
      notes: [`The old root key ${oldEntry.id} and the new one ${keyId} both sign each new root.json.`],
    },
    p.confirmBy ?? [ctx.step.role],
  );

  for (const { c, signed, x509KeyId } of planned) {
    ctx.ui.info(`Repository ${c.gun}`);
    const rotated = await signMetadata(signed, [
      { keyId: c.oldKeyId, signer: oldSigner },
      { keyId: x509KeyId, signer: newSigner },
    ]);
    assertRootAccepted(rotated, c.gun, now, c.metadata);
    await writeMetadata(ctx, c.gun, 'root', rotated);
    const targets = await vaultMetadata(ctx, c.gun, 'targets');
    if (targets && !(await ctx.public.exists(dctPublicPath.metadata(c.gun, 'targets')))) {
      // A fresh public tree: carry the current targets.json along, so public/dct/<GUN>/ is complete.
      ctx.recordOutput(await ctx.public.write(dctPublicPath.metadata(c.gun, 'targets'), serializeMetadata(targets)), {
        gun: c.gun,
        role: 'targets',
        version: targets.signed.version,
      });
    }
    await writeKeyIds(ctx, c.gun, rotated.signed, targets?.signed, keyId);
    ctx.ui.success(
      `root.json version ${rotated.signed.version} for ${c.gun} signed by the old and the new root keys and checked`,
    );
  }

  ctx.transcript.record('dct.root.rotated', { old: oldEntry.id, new: keyId, repositories: current.map((c) => c.gun) });
  ctx.ui.success(`DCT root rotated: ${oldEntry.id} → ${keyId}`);
}

export const dctRotateRoot = defineAction<Params>({
  name: 'dct.rotate-root',
  title: 'Rotate the DCT root key',
  params: Params,
  resolve: (p, step) => ({ ...p, confirmBy: p.confirmBy ?? [step.role] }),
  roleReferences: (p) => (p.confirmBy ?? []).map((role, i) => ({ path: ['confirmBy', i], role })),
  describe(p) {
    return {
      confirmations: p.confirmBy ?? [],
      changes: [
        `~ changed   root.json version + 1 of each repository, expires ${formatDuration(p.rootExpires)} after the session`,
        '- removed   role root: the key ID of the current root certificate',
        '+ added     role root: the key ID of the new root certificate',
        '= unchanged roles targets, snapshot and timestamp',
      ],
      summary: `Check each repository's current root.json and root certificate, then generate a new DCT root key, a new root certificate per repository (valid ${formatDuration(p.certificateValidity)}) and root.json at the next version (valid ${formatDuration(p.rootExpires)}), signed by both the old and the new root keys. The old root key stays in the vault, marked superseded.`,
      details: [
        ...(p.repositories ?? ['every repository in the vault']).map((gun) => `repository: ${gun}`),
        p.allowExpiredCertificate
          ? 'an expired current root certificate is allowed (clients must trust the new root afresh)'
          : 'an expired current root certificate stops the ceremony',
        ...describeDctRootLocation(p, DEFAULT_DCT_ROOT_OBJECT),
      ],
      creates: [
        ...(p.location === 'token' && p.token?.generation !== 'imported-copies'
          ? []
          : [
              {
                tree: 'vault',
                path: dctVaultPath.privateKey('<KEYID>'),
                what:
                  p.location === 'token'
                    ? 'the encrypted backup of the new DCT root key'
                    : 'the new DCT root key (notary format, DCT passphrase)',
              },
            ]),
        {
          tree: 'vault',
          path: dctVaultPath.metadata('<GUN>', 'root'),
          what: 'the rotated root.json and root certificate (earlier versions kept in .history)',
        },
        {
          tree: 'public',
          path: dctPublicPath.metadata('<GUN>', 'root'),
          what: 'the rotated root.json to upload with keyceremony dct publish',
        },
      ],
    };
  },
  run,
});
