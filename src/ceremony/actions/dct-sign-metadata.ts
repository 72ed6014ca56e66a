/**
 * `dct.sign-metadata`: the offline half of publishing trust for a repository. For each GUN it writes
 *  - root.json (version 1): the root certificate (root role), the repository's targets key, and the notary
 *    server's snapshot and timestamp keys, read from files fetched beforehand; signed by the DCT root key;
 *  - targets.json: no targets of its own, delegating `targets/releases` to every signer and
 *    `targets/<signer>` to each one (as `docker trust signer add` does); signed by the targets key. When the
 *    vault already has a targets.json for the GUN (e.g. a later ceremony adds a signer), the new one is the
 *    next version and root.json is kept.
 * Both are checked as clients will check them and written to the vault and to public/dct/<GUN>/, from where
 * `keyceremony dct publish` uploads them.
 *
 * Server keys: `serverKeys` names a directory with <GUN>/timestamp.key and <GUN>/snapshot.key (what
 * `keyceremony dct fetch-keys` writes). In `keyceremony rehearse` it is DIR/server-keys; a rehearsal without
 * those files uses throwaway keys (marked in the transcript), so its metadata cannot be published.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { generateKeyPair, type PublicKeyMaterial, samePublicKey } from '../../crypto/index.js';
import { dctPublicPath, dctVaultPath, serverKeyPath } from '../../dct/index.js';
import {
  buildRoot,
  buildTargets,
  type Delegate,
  RELEASES_ROLE,
  type RootSigned,
  type SignedMetadata,
  signMetadata,
  signRootMetadata,
  type TargetsSigned,
} from '../../dct/index.js';
import { readServerPublicKey } from '../../dct/index.js';
import { spkiKeyId } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { addDuration, formatDuration, parseDuration } from '../../util/duration.js';
import { defineAction } from '../action.js';
import { confirmChanges } from '../changes.js';
import { rootChangeRows, targetsChangeRows } from '../dct/change-view.js';
import type { CeremonyContext } from '../context.js';
import {
  assertRootAccepted,
  assertTargetsAccepted,
  vaultMetadata,
  vaultRootCertificate,
  writeKeyIds,
  writeMetadata,
} from '../dct/repository-metadata.js';
import { activeDctRoot, activeDelegations, activeTargetsKey, openDctSigner, showKeyId } from '../dct/vault-keys.js';
import { DurationParam, RoleRefParam, uniqueList } from '../params/common.js';
import { GunParam, SignerNameParam } from '../params/dct.js';
import { readOptionalFile } from '../../util/input-file.js';

const Params = z.strictObject({
  /**
   * Directory with <GUN>/timestamp.key and <GUN>/snapshot.key from the notary server (a transfer medium);
   * needed for repositories that have no root.json yet.
   */
  serverKeys: z.string().min(1).optional(),
  /** Repositories to sign (default: every repository with a targets key in the vault). */
  repositories: uniqueList(GunParam, 'repository').optional(),
  /** Signers to delegate to (default: every active delegation key in the vault). */
  signers: uniqueList(SignerNameParam, 'signer').optional(),
  rootExpires: DurationParam.default('10y'),
  targetsExpires: DurationParam.default('3y'),
  /** Roles that confirm the "what changes" view before anything is signed (default: the step's role). */
  confirmBy: z.array(RoleRefParam).min(1).optional(),
});
type Params = z.infer<typeof Params>;

export const REHEARSAL_SERVER_KEYS_DIR = 'server-keys';

interface ServerKeys {
  readonly timestamp: PublicKeyMaterial;
  readonly snapshot: PublicKeyMaterial;
  readonly throwaway: boolean;
}

async function readKeyFile(path: string): Promise<string | undefined> {
  const bytes = await readOptionalFile(path);
  return bytes && new TextDecoder().decode(bytes);
}

/** The server keys directory: the script's, or DIR/server-keys in `keyceremony rehearse`. */
export function serverKeysDirectory(ctx: CeremonyContext, configured: string | undefined): string | undefined {
  if (ctx.rehearsalRoot) return join(ctx.rehearsalRoot, REHEARSAL_SERVER_KEYS_DIR);
  return configured === undefined ? undefined : resolve(configured);
}

/** Reads and checks the server's timestamp and snapshot keys for `gun`. */
export async function readServerKeys(ctx: CeremonyContext, dir: string, gun: string): Promise<ServerKeys> {
  const files = {
    timestamp: join(dir, serverKeyPath(gun, 'timestamp')),
    snapshot: join(dir, serverKeyPath(gun, 'snapshot')),
  };
  const texts = { timestamp: await readKeyFile(files.timestamp), snapshot: await readKeyFile(files.snapshot) };
  if (texts.timestamp === undefined || texts.snapshot === undefined) {
    const missing = Object.entries(texts)
      .filter(([, t]) => t === undefined)
      .map(([role]) => files[role as keyof typeof files]);
    if (!ctx.rehearsal) {
      throw new KeyceremonyError(
        'INPUT_NOT_FOUND',
        `the notary server's keys for ${gun} are missing: ${missing.join(', ')}`,
        {
          details: [
            `Fetch them online beforehand: keyceremony dct fetch-keys --server https://<notary-server> --out <dir> ${gun}`,
          ],
        },
      );
    }
    ctx.ui.warn(
      `REHEARSAL: no server keys for ${gun} in ${dir}; using throwaway timestamp and snapshot keys (this metadata cannot be published)`,
    );
    ctx.transcript.record('dct.server-keys', { gun, source: 'throwaway (rehearsal)' });
    return {
      timestamp: (await generateKeyPair('nistp256')).publicKey,
      snapshot: (await generateKeyPair('nistp256')).publicKey,
      throwaway: true,
    };
  }
  const read = (role: 'timestamp' | 'snapshot'): PublicKeyMaterial => {
    try {
      return readServerPublicKey(texts[role] ?? '');
    } catch (error) {
      throw new KeyceremonyError(
        'INPUT_INVALID',
        `${files[role]} is not the server's ${role} key: it ${(error as Error).message}`,
      );
    }
  };
  const timestamp = read('timestamp');
  const snapshot = read('snapshot');
  if (samePublicKey(timestamp, snapshot)) {
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${files.timestamp} and ${files.snapshot} hold the same key; the server has one key for each role`,
    );
  }
  showKeyId(ctx, `Timestamp key of ${gun} (compare with the one fetched online)`, spkiKeyId(timestamp));
  showKeyId(ctx, `Snapshot key of ${gun} (compare with the one fetched online)`, spkiKeyId(snapshot));
  ctx.transcript.record('dct.server-keys', {
    gun,
    source: dir,
    timestamp: spkiKeyId(timestamp),
    snapshot: spkiKeyId(snapshot),
  });
  return { timestamp, snapshot, throwaway: false };
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const now = ctx.now();
  const repositories =
    p.repositories ??
    ctx.inventory.keys.filter((k) => k.kind === 'dct-targets' && k.status === 'active').map((k) => k.label ?? '');
  if (repositories.length === 0)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      'the vault has no repository keys to sign metadata for (dct.generate-repository)',
    );
  const delegations = activeDelegations(ctx);
  const chosen = p.signers ?? delegations.map((k) => k.label ?? '');
  for (const name of chosen) {
    if (!delegations.some((k) => k.label === name))
      throw new KeyceremonyError('VAULT_INVALID', `the vault has no active delegation key for signer "${name}"`);
  }
  const targetsEntries = repositories.map((gun) => {
    const entry = activeTargetsKey(ctx, gun);
    if (!entry)
      throw new KeyceremonyError(
        'VAULT_INVALID',
        `the vault has no repository (targets) key for ${gun}; create it first (dct.generate-repository)`,
      );
    return [gun, entry] as const;
  });

  const root = activeDctRoot(ctx);
  const rootSigner = await openDctSigner(ctx, root);
  const delegates: Delegate[] = [];
  for (const name of chosen) {
    const entry = delegations.find((k) => k.label === name);
    if (entry) delegates.push({ name, publicKey: (await openDctSigner(ctx, entry)).publicKey });
  }
  const keysDir = serverKeysDirectory(ctx, p.serverKeys);

  // First everything that will be signed, for every repository; nothing is signed yet.
  interface Plan {
    readonly gun: string;
    readonly targetsEntry: (typeof targetsEntries)[number][1];
    readonly targetsSigner: Awaited<ReturnType<typeof openDctSigner>>;
    /** The root.json to sign (a first version), or the vault's current one, kept as it is. */
    readonly root: { readonly sign: RootSigned; readonly pem: string } | { readonly keep: SignedMetadata<RootSigned> };
    readonly previousTargets: SignedMetadata<TargetsSigned> | undefined;
    readonly targets: TargetsSigned;
  }
  const plans: Plan[] = [];
  for (const [gun, targetsEntry] of targetsEntries) {
    const targetsSigner = await openDctSigner(ctx, targetsEntry);
    const previousRoot = await vaultMetadata(ctx, gun, 'root');
    let root: Plan['root'];
    if (!previousRoot) {
      const { pem } = await vaultRootCertificate(ctx, gun, rootSigner.publicKey);
      if (keysDir === undefined) {
        throw new KeyceremonyError(
          'SCRIPT_INVALID',
          `${gun} has no root.json yet: give params.serverKeys, the directory with the notary server's keys`,
        );
      }
      const server = await readServerKeys(ctx, keysDir, gun);
      const signed = buildRoot({
        rootCertificates: [pem],
        targetsKey: targetsSigner.publicKey,
        snapshotKey: server.snapshot,
        timestampKey: server.timestamp,
        expires: addDuration(now, parseDuration(p.rootExpires)),
        version: 1,
      });
      root = { sign: signed, pem };
    } else {
      assertRootAccepted(previousRoot, gun, now);
      if (!previousRoot.signed.roles.targets.keyids.includes(targetsEntry.id)) {
        throw new KeyceremonyError(
          'VAULT_INVALID',
          `vault/${dctVaultPath.metadata(gun, 'root')} does not list the repository key ${targetsEntry.id}`,
        );
      }
      root = { keep: previousRoot };
    }
    const previousTargets = await vaultMetadata(ctx, gun, 'targets');
    const targets = buildTargets({
      delegates,
      expires: addDuration(now, parseDuration(p.targetsExpires)),
      version: previousTargets ? previousTargets.signed.version + 1 : 1,
    });
    plans.push({ gun, targetsEntry, targetsSigner, root, previousTargets, targets });
  }

  // What changes, for every repository at once; the room confirms before any key signs.
  await confirmChanges(
    ctx,
    {
      subject: `DCT metadata of ${plans.map((x) => x.gun).join(', ')}`,
      rows: plans.flatMap((x) => [
        ...('sign' in x.root ? rootChangeRows(x.gun, undefined, x.root.sign) : []),
        ...targetsChangeRows(x.gun, x.previousTargets?.signed, x.targets),
      ]),
      notes: plans.flatMap((x) =>
        'keep' in x.root ? [`${x.gun}: root.json version ${x.root.keep.signed.version} is kept as it is.`] : [],
      ),
    },
    p.confirmBy ?? [ctx.step.role],
  );

  for (const x of plans) {
    const { gun, targetsEntry, targetsSigner } = x;
    ctx.ui.info(`Repository ${gun}`);
    let rootMetadata: SignedMetadata<RootSigned>;
    if ('sign' in x.root) {
      rootMetadata = await signRootMetadata(x.root.sign, [{ certificatePem: x.root.pem, signer: rootSigner }]);
      assertRootAccepted(rootMetadata, gun, now);
      await writeMetadata(ctx, gun, 'root', rootMetadata);
      ctx.ui.success(`root.json version 1 for ${gun} signed by the DCT root key and checked`);
    } else {
      rootMetadata = x.root.keep;
      ctx.ui.info(`root.json version ${rootMetadata.signed.version} for ${gun} is kept as it is`);
    }
    const targets = await signMetadata(x.targets, [{ keyId: targetsEntry.id, signer: targetsSigner }]);
    assertTargetsAccepted(targets, rootMetadata.signed, gun, now);
    await writeMetadata(ctx, gun, 'targets', targets);
    await writeKeyIds(ctx, gun, rootMetadata.signed, targets.signed, root.id);
    const names = delegates.map((d) => d.name).join(', ') || 'nobody';
    ctx.ui.success(
      `targets.json version ${targets.signed.version} for ${gun} delegates ${RELEASES_ROLE} to ${names}; written to public/${dctPublicPath.metadata(gun, 'targets')}`,
    );
  }
}

export const dctSignMetadata = defineAction<Params>({
  name: 'dct.sign-metadata',
  title: 'Sign the DCT root.json and targets.json offline',
  params: Params,
  resolve: (p, step) => ({ ...p, confirmBy: p.confirmBy ?? [step.role] }),
  roleReferences: (p) => (p.confirmBy ?? []).map((role, i) => ({ path: ['confirmBy', i], role })),
  describe(p) {
    return {
      summary: `For each repository, sign root.json (valid ${formatDuration(p.rootExpires)}) with the DCT root key, naming the root certificate, the repository key and the notary server's snapshot and timestamp keys (read from ${p.serverKeys ?? 'params.serverKeys'}/<GUN>/), and targets.json (valid ${formatDuration(p.targetsExpires)}) with the repository key, delegating ${RELEASES_ROLE} and targets/<signer> to ${p.signers ? p.signers.join(', ') : 'every signer'}. Both are checked as notary clients check them.`,
      details: [
        ...(p.repositories ?? ['every repository in the vault']).map((gun) => `repository: ${gun}`),
        'the operator compares the server key IDs shown with those printed when they were fetched',
      ],
      confirmations: p.confirmBy ?? [],
      changes: [
        '+ added     root.json version 1 (repositories without one): roles root (the root certificate), targets (the repository key), snapshot and timestamp (the server keys), threshold 1 each',
        `~ changed   targets.json version + 1, expires ${formatDuration(p.targetsExpires)} after the session: ${RELEASES_ROLE} and targets/<signer> list ${p.signers ? p.signers.join(', ') : 'every active signer'}`,
        '= unchanged an existing root.json',
      ],
      creates: [
        { tree: 'vault', path: dctVaultPath.metadata('<GUN>', 'root'), what: 'signed root.json (and targets.json)' },
        {
          tree: 'public',
          path: dctPublicPath.metadata('<GUN>', 'root'),
          what: 'root.json and targets.json to upload with keyceremony dct publish',
        },
        {
          tree: 'public',
          path: dctPublicPath.keyIds('<GUN>'),
          what: "the repository's key IDs, to compare with docker trust inspect",
        },
      ],
    };
  },
  run,
});
