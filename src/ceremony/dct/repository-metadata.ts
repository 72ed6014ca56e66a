/**
 * A repository's signed metadata in a ceremony: reading the current copies from the vault, checking new
 * ones as clients will, and writing them to the vault and the public tree with a keys.txt for comparison.
 */
import { type ParsedCertificate, parseCertificate, rootCertificateProblems } from '../../dct/index.js';
import { dctPublicPath, dctVaultPath } from '../../dct/index.js';
import {
  type MetadataType,
  parseMetadata,
  RELEASES_ROLE,
  type RootSigned,
  type SignedMetadata,
  serializeMetadata,
  type TargetsSigned,
} from '../../dct/index.js';
import { rootMetadataProblems, targetsMetadataProblems } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { samePublicKey } from '../../crypto/index.js';
import { sha256Hex } from '../../crypto/index.js';
import type { CeremonyContext } from '../context.js';
import { REHEARSAL } from '../rehearsal-marks.js';
import { activeDctRoot, activeTargetsKey, noteDctExpiry, readText, writeOrReplace } from './vault-keys.js';
import { parseTufTime } from '../../dct/index.js';
import type { PublicKeyMaterial } from '../../crypto/index.js';

/** The GUN's current root certificate from the vault, checked against the GUN and the expected root key. */
export async function vaultRootCertificate(
  ctx: CeremonyContext,
  gun: string,
  rootKey: PublicKeyMaterial,
): Promise<{ pem: string; cert: ParsedCertificate }> {
  const path = dctVaultPath.rootCertificate(gun);
  if (!(await ctx.vault.exists(path))) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `the vault has no root certificate for ${gun} (vault/${path}); create the repository first (dct.generate-repository)`,
    );
  }
  const pem = readText(await ctx.vault.read(path));
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(pem);
  } catch (error) {
    throw new KeyceremonyError('VAULT_INVALID', `vault/${path}: ${(error as Error).message}`);
  }
  if (cert.commonName !== gun) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `vault/${path} is the root certificate of "${cert.commonName ?? '(no CN)'}", not of ${gun}`,
    );
  }
  if (!cert.publicKey || !samePublicKey(cert.publicKey, rootKey)) {
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `vault/${path} certifies another key than the vault's active DCT root key`,
    );
  }
  const problems = rootCertificateProblems(cert, gun, ctx.now());
  if (problems.length > 0)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `vault/${path}: notary clients would refuse it: ${problems.join('; ')}`,
    );
  return { pem, cert };
}

/** The GUN's current signed metadata from the vault, if any. */
export async function vaultMetadata<T extends MetadataType>(ctx: CeremonyContext, gun: string, role: T) {
  const path = dctVaultPath.metadata(gun, role);
  if (!(await ctx.vault.exists(path))) return undefined;
  try {
    return parseMetadata(await ctx.vault.read(path), role);
  } catch (error) {
    throw new KeyceremonyError('VAULT_INVALID', `vault/${path}: ${(error as Error).message}`);
  }
}

/** Checks root.json as clients will (and, for a rotation, against the previous root). */
export function assertRootAccepted(
  root: SignedMetadata<RootSigned>,
  gun: string,
  now: Date,
  previous?: SignedMetadata<RootSigned>,
): void {
  const problems = rootMetadataProblems(root, gun, now, previous);
  if (problems.length > 0)
    throw new KeyceremonyError('CHECK_FAILED', `the new root.json for ${gun} would be refused by notary clients`, {
      details: problems,
    });
}

export function assertTargetsAccepted(
  targets: SignedMetadata<TargetsSigned>,
  root: RootSigned,
  gun: string,
  now: Date,
): void {
  const problems = targetsMetadataProblems(targets, root, now);
  if (problems.length > 0)
    throw new KeyceremonyError('CHECK_FAILED', `the new targets.json for ${gun} would be refused by notary clients`, {
      details: problems,
    });
}

/**
 * Writes signed metadata to the vault (the authoritative copy; earlier versions stay in .history) and the
 * public tree (root.json also as `<version>.root.json`, kept for good), reads them back and parses them in
 * their exact byte form.
 */
export async function writeMetadata(
  ctx: CeremonyContext,
  gun: string,
  role: MetadataType,
  metadata: SignedMetadata<RootSigned | TargetsSigned>,
): Promise<string> {
  const bytes = serializeMetadata(metadata);
  const extra = {
    gun,
    role,
    version: metadata.signed.version,
    expires: metadata.signed.expires,
    signedBy: metadata.signatures.map((s) => s.keyid),
  };
  for (const [tree, path] of [
    [ctx.vault, dctVaultPath.metadata(gun, role)],
    [ctx.public, dctPublicPath.metadata(gun, role)],
  ] as const) {
    const file = await writeOrReplace(tree, path, bytes, ctx.now());
    parseMetadata(await tree.read(path), role);
    ctx.recordOutput(file, extra);
  }
  if (role === 'root') {
    // Each version stays published, as notary-server serves it: clients follow a rotation version by version,
    // so a server that missed one (two rotations between publishes) must be given the versions in between.
    const path = dctPublicPath.versionedRoot(gun, metadata.signed.version);
    const file = await ctx.public.write(path, bytes);
    parseMetadata(await ctx.public.read(path), role);
    ctx.recordOutput(file, extra);
  }
  ctx.transcript.record('dct.metadata.signed', { ...extra, sha256: sha256Hex(bytes) });
  // The keys that signed it must sign again before it expires.
  const expires = parseTufTime(metadata.signed.expires);
  const signer = role === 'root' ? activeDctRoot(ctx).id : activeTargetsKey(ctx, gun)?.id;
  if (signer) noteDctExpiry(ctx, signer, expires);
  return bytes;
}

/** public/dct/<GUN>/keys.txt: every key ID of the repository, to compare with docker's and notary's output. */
export async function writeKeyIds(
  ctx: CeremonyContext,
  gun: string,
  root: RootSigned,
  targets: TargetsSigned | undefined,
  rootSpkiId: string,
): Promise<void> {
  const pad = (label: string): string => label.padEnd(52);
  const [rootX509] = root.roles.root.keyids;
  const lines = [
    ...(ctx.rehearsal ? [`${REHEARSAL}: throwaway keys from a rehearsal; never trust them.`, ''] : []),
    `Docker Content Trust keys of ${gun} (${ctx.script.script.organisation})`,
    `Compare with: docker trust inspect --pretty ${gun}   and   notary -s <server> list ${gun}`,
    '',
    `${pad('Root Key (docker trust inspect; root.json)')}${rootX509 ?? ''}`,
    `${pad('DCT root key (notary key list; key file name)')}${rootSpkiId}`,
    `${pad('Repository Key (targets)')}${root.roles.targets.keyids.join(' ')}`,
    `${pad('Snapshot key (held by the notary server)')}${root.roles.snapshot.keyids.join(' ')}`,
    `${pad('Timestamp key (held by the notary server)')}${root.roles.timestamp.keyids.join(' ')}`,
    `root.json version ${root.version}, expires ${root.expires}`,
  ];
  if (targets) {
    lines.push(
      `targets.json version ${targets.version}, expires ${targets.expires}`,
      '',
      `Signers (${RELEASES_ROLE} and targets/<signer>):`,
    );
    for (const role of targets.delegations.roles.filter((r) => r.name !== RELEASES_ROLE)) {
      const name = role.name.slice('targets/'.length);
      lines.push(`  ${name.padEnd(30)}${role.keyids.join(' ')}`);
    }
  }
  lines.push('');
  ctx.recordOutput(await writeOrReplace(ctx.public, dctPublicPath.keyIds(gun), lines.join('\n'), ctx.now()), { gun });
}
