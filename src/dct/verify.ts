/**
 * Checking root.json and targets.json the way notary clients do (trustpinning/certs.go ValidateRoot and
 * the TUF builder), before keyceremony writes or uploads them: a problem found here is one a client would
 * have refused later, when it is much harder to fix.
 */
import { decodePemBlocks } from './pem.js';
import { type ParsedCertificate, parseCertificate, rootCertificateProblems } from './certificate.js';
import {
  metadataExpires,
  type RootSigned,
  type SignedMetadata,
  type TargetsSigned,
  validSignatureKeyIds,
} from './metadata.js';

/** The leaf certificate of each root-role key (notary: one leaf per key, CA certificates are intermediates). */
export function rootCertificates(root: RootSigned): Map<string, ParsedCertificate> {
  const certs = new Map<string, ParsedCertificate>();
  for (const id of root.roles.root.keyids) {
    const key = root.keys[id];
    if (!key || key.keytype !== 'ecdsa-x509') continue;
    try {
      const pem = Buffer.from(key.keyval.public, 'base64').toString('utf8');
      const leaves = decodePemBlocks(pem)
        .filter((b) => b.type === 'CERTIFICATE')
        .map((b) => parseCertificate(b.bytes))
        .filter((c) => !c.isCA);
      if (leaves.length === 1 && leaves[0]) certs.set(id, leaves[0]);
    } catch {
      // an unreadable certificate is simply not a valid root key
    }
  }
  return certs;
}

/**
 * Problems notary clients would find with `root` for `gun` at `now` (empty when they accept it). With
 * `previous`, also checks that the previous root's keys sign this one (a rotation) and the version follows.
 * An `intermediate` root — one a client passes through on its way to a newer version (notary's
 * LoadRootForUpdate with isFinal false) — may have expired; its certificates and signatures still count.
 */
export function rootMetadataProblems(
  root: SignedMetadata<RootSigned>,
  gun: string,
  now: Date,
  previous?: SignedMetadata<RootSigned>,
  options: { intermediate?: boolean } = {},
): string[] {
  const problems: string[] = [];
  const certs = rootCertificates(root.signed);
  const valid = [...certs].filter(([, cert]) => rootCertificateProblems(cert, gun, now).length === 0).map(([id]) => id);
  if (valid.length === 0) {
    const details = [...certs].map(
      ([id, cert]) => `${id.slice(0, 12)}…: ${rootCertificateProblems(cert, gun, now).join('; ')}`,
    );
    problems.push(
      `no root certificate that clients accept for ${gun}${details.length ? ` (${details.join(', ')})` : ''}`,
    );
  }
  const signedBy = validSignatureKeyIds(root, root.signed.keys, valid);
  if (signedBy.length < root.signed.roles.root.threshold) {
    problems.push(
      `root.json is signed by ${signedBy.length} valid root key(s), its threshold is ${root.signed.roles.root.threshold}`,
    );
  }
  if (!options.intermediate && metadataExpires(root.signed).getTime() <= now.getTime())
    problems.push(`root.json expired on ${root.signed.expires}`);
  if (previous) {
    // Clients check the new root against the certificates they trusted, without their expiry.
    const trusted = [...rootCertificates(previous.signed)].filter(([, c]) => c.commonName === gun).map(([id]) => id);
    const byPrevious = validSignatureKeyIds(root, previous.signed.keys, trusted);
    if (byPrevious.length < previous.signed.roles.root.threshold) {
      problems.push(
        `root.json version ${root.signed.version} is not signed by the previous root's keys (clients that trust version ${previous.signed.version} would refuse it)`,
      );
    }
    if (root.signed.version !== previous.signed.version + 1) {
      problems.push(
        `root.json version ${root.signed.version} does not follow the previous version ${previous.signed.version}`,
      );
    }
  }
  return problems;
}

/** Problems clients would find with `targets` under `root` at `now`. */
export function targetsMetadataProblems(targets: SignedMetadata<TargetsSigned>, root: RootSigned, now: Date): string[] {
  const problems: string[] = [];
  const role = root.roles.targets;
  const signedBy = validSignatureKeyIds(targets, root.keys, role.keyids);
  if (signedBy.length < role.threshold)
    problems.push(
      `targets.json is signed by ${signedBy.length} of the root's targets keys, its threshold is ${role.threshold}`,
    );
  if (metadataExpires(targets.signed).getTime() <= now.getTime())
    problems.push(`targets.json expired on ${targets.signed.expires}`);
  for (const delegation of targets.signed.delegations.roles) {
    for (const id of delegation.keyids) {
      if (!targets.signed.delegations.keys[id])
        problems.push(`delegation ${delegation.name} names key ${id}, which targets.json does not hold`);
    }
  }
  return problems;
}
