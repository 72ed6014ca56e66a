/**
 * Creating an organisation root: a certify-only v4 primary with user IDs and signing-only subkeys, plus a
 * revocation certificate made at the same time and kept apart.
 *
 * The primary arrives as a Signer (software key generated here, or a key on a token), the subkeys are always
 * generated in software so they can be handed to signers.
 */
import type { KeyAlgorithm } from '../crypto/index.js';
import { generateKeyPair, type PublicKeyMaterial, type SecretKeyMaterial } from '../crypto/index.js';
import { type Signer, SoftwareSigner } from '../signer/index.js';
import type { Certificate } from './certificate.js';
import { type KeyPacket, buildKeyPacket, fingerprintHex } from './key-packet.js';
import { PURPOSE_NOTATION, TRANSCRIPT_PURPOSE } from './constants.js';
import { bindSigningSubkey, certifyUserId, revokePrimary, type SigningKey } from './self-signatures.js';
import { bug } from '../errors.js';

/** What a subkey is for: signing releases (handed to signers), or signing ceremony transcripts (vault only). */
export type SubkeyPurpose = 'release' | 'transcripts';

export interface SubkeySpec {
  readonly algorithm: KeyAlgorithm;
  readonly expires: Date;
  readonly purpose: SubkeyPurpose;
  /** A key made elsewhere (on a token); generated in software when absent. */
  readonly key?: NewKey;
}

export interface RootKeySpec {
  readonly userIds: readonly string[];
  readonly expires: Date;
  readonly subkeys: readonly SubkeySpec[];
  /** Creation time of every key and self-signature (whole seconds). */
  readonly created: Date;
}

/** A freshly generated key: its signer, and its secret when it lives in software. */
export interface NewKey {
  readonly publicKey: PublicKeyMaterial;
  readonly signer: Signer;
  /** Undefined when the secret lives on a token. */
  readonly secret: SecretKeyMaterial | undefined;
}

export interface CreatedRoot {
  readonly certificate: Certificate;
  readonly primary: SigningKey;
  /** In the order of the spec. */
  readonly subkeys: readonly (SigningKey & { readonly purpose: SubkeyPurpose })[];
  /** Secret material (or 'stub' for a token primary) by fingerprint, for the vault's secret key file. */
  readonly secrets: Map<string, SecretKeyMaterial | 'stub'>;
  /** The revocation signature body, to be stored apart as the revocation certificate. */
  readonly revocation: Uint8Array;
}

export async function generateSoftwareKey(
  algorithm: KeyAlgorithm,
): Promise<NewKey & { signer: SoftwareSigner; secret: SecretKeyMaterial }> {
  const pair = await generateKeyPair(algorithm);
  return { publicKey: pair.publicKey, signer: new SoftwareSigner(pair), secret: pair.secretKey };
}

export async function createRoot(spec: RootKeySpec, primaryKey: NewKey): Promise<CreatedRoot> {
  if (spec.userIds.length === 0) throw bug('a root key needs at least one user ID');
  const created = spec.created;
  const primary: SigningKey = { key: buildKeyPacket(primaryKey.publicKey, created), signer: primaryKey.signer };
  const secrets = new Map<string, SecretKeyMaterial | 'stub'>();
  secrets.set(fingerprintHex(primary.key), primaryKey.secret ?? 'stub');

  const userIds = [];
  for (const [index, userId] of spec.userIds.entries()) {
    userIds.push({
      userId,
      signatures: [await certifyUserId(primary, userId, { created, expires: spec.expires, primary: index === 0 })],
    });
  }

  const subkeys: (SigningKey & { purpose: SubkeyPurpose })[] = [];
  const subkeyEntries: { key: KeyPacket; signatures: Uint8Array[] }[] = [];
  for (const sub of spec.subkeys) {
    const made = sub.key ?? (await generateSoftwareKey(sub.algorithm));
    const subkey = { key: buildKeyPacket(made.publicKey, created), signer: made.signer, purpose: sub.purpose };
    secrets.set(fingerprintHex(subkey.key), made.secret ?? 'stub');
    subkeys.push(subkey);
    const notations = sub.purpose === 'transcripts' ? [[PURPOSE_NOTATION, TRANSCRIPT_PURPOSE] as const] : [];
    subkeyEntries.push({
      key: subkey.key,
      signatures: [await bindSigningSubkey(primary, subkey, { created, expires: sub.expires, notations })],
    });
  }

  const revocation = await revokePrimary(primary, {
    created,
    reason: 'noReason',
    text: 'Revocation certificate made at the key ceremony; publish it only if the key is lost or compromised.',
  });

  return {
    certificate: { primary: primary.key, directSignatures: [], userIds, subkeys: subkeyEntries },
    primary,
    subkeys,
    secrets,
    revocation,
  };
}
